//! [`DatabaseUrl`]: `--database-url`, a PostgreSQL connection URL that never shows its
//! password: its `Debug` and `Display` (what logs, errors and `--help` print) are the
//! redacted form, and only the store reads the secret one.

use std::fmt;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// A `postgres://` (or `postgresql://`) URL, checked when parsed.
///
/// ```
/// use agentcast_server::store::DatabaseUrl;
///
/// let url: DatabaseUrl = "postgres://agentcast:s3cret@db:5432/agentcast".parse().unwrap();
/// assert_eq!(url.to_string(), "postgres://agentcast:***@db:5432/agentcast");
/// assert_eq!(url.target(), "db:5432/agentcast");
/// assert!(!format!("{url:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The URL as given, password included: for connecting only.
    secret: String,
    /// The URL with its password (in the authority or a `password=` parameter) masked.
    redacted: String,
    /// `host:port/database`, for messages.
    target: String,
}

impl DatabaseUrl {
    /// The connection options (password included).
    pub(crate) fn connect_options(&self) -> PgConnectOptions {
        // Checked in `from_str`.
        PgConnectOptions::from_str(&self.secret).expect("parsed when the URL was read")
    }

    /// Where it points, without user or password: `host:port/database`.
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// Masks the password of the authority (`user:password@`) and of `password=` parameters.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{user_info}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|param| match param.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => param.to_owned(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        let redacted = redact_url(url);
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!(
                "{redacted}: expected a postgres:// URL (without one, the store is SQLite in the \
                 data directory)"
            ));
        }
        // sqlx's own error may quote the URL: only say that it did not parse.
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| format!("{redacted}: not a valid PostgreSQL connection URL"))?;
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or(options.get_username())
        );
        Ok(DatabaseUrl {
            secret: url.to_owned(),
            redacted,
            target,
        })
    }
}

impl<'de> serde::Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_wherever_they_are() {
        for (given, shown) in [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            ("postgresql://u@h:5433/db", "postgresql://u@h:5433/db"),
            (
                "postgres://h/db?password=pw&sslmode=disable",
                "postgres://h/db?password=***&sslmode=disable",
            ),
            ("postgres://u:p%40ss@h", "postgres://u:***@h"),
        ] {
            let url: DatabaseUrl = given.parse().unwrap();
            assert_eq!(url.to_string(), shown);
            assert!(!format!("{url:?}").contains("pw"));
        }
    }

    #[test]
    fn other_schemes_are_refused_without_their_password() {
        let err = "mysql://u:topsecret@h/db"
            .parse::<DatabaseUrl>()
            .unwrap_err();
        assert!(err.contains("expected a postgres:// URL"), "{err}");
        assert!(!err.contains("topsecret"), "{err}");
    }

    #[test]
    fn the_target_names_host_port_and_database() {
        let url: DatabaseUrl = "postgres://u:pw@db.example:6543/events".parse().unwrap();
        assert_eq!(url.target(), "db.example:6543/events");
    }
}
