//! The store: where events are kept. (How much of them, retention, is the hub's: see
//! [`HubSettings`](super::HubSettings).)

use super::ConfigError;
use super::group::settings_group;
use crate::store::{DatabaseUrl, Durability};

settings_group! {
    /// What the store is opened with (besides the data directory).
    StoreSettings from StoreArgs and StoreFile, heading "Store";
    /// Where events are kept: normal (SQLite in the data directory, survives a crash), full
    /// (SQLite, every commit fsynced: also survives a power loss) or memory (no database: for
    /// benchmarks and tests). With --database-url, normal and full are PostgreSQL's
    /// synchronous_commit off and on.
    durability -> durability: Durability {
        flag: "durability", env: "AGENTCAST_DURABILITY", value_name: "MODE",
        input: Durability, default: Durability::Normal,
    }
    /// Keep events in PostgreSQL instead of SQLite in the data directory:
    /// postgres://USER:PASSWORD@HOST:5432/DATABASE (its tables are created or migrated at
    /// start; the password never shows in logs or errors).
    database_url -> database_url: Option<DatabaseUrl> {
        flag: "database-url", env: "AGENTCAST_DATABASE_URL", value_name: "URL",
        input: DatabaseUrlText, check: database_url_parses, convert: DatabaseUrlText::parsed,
    }
}

/// `--database-url` as given, not yet checked: clap and the file reader take any text, so
/// that a URL they refuse is reported by the check with its password masked
/// (clap's own error would quote the value whole). Its `Debug` is masked too.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrlText(String);

impl DatabaseUrlText {
    /// The URL, or why it is not one (its password masked).
    pub fn checked(&self) -> Result<DatabaseUrl, String> {
        self.0.parse()
    }

    /// The checked URL ([`database_url_parses`] ran first).
    fn parsed(self) -> DatabaseUrl {
        self.checked().expect("checked by database_url_parses")
    }
}

fn database_url_parses(text: &DatabaseUrlText) -> Result<(), String> {
    text.checked().map(drop)
}

impl std::str::FromStr for DatabaseUrlText {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrlText(text.to_owned()))
    }
}

impl<'de> serde::Deserialize<'de> for DatabaseUrlText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(DatabaseUrlText)
    }
}

impl std::fmt::Debug for DatabaseUrlText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::store::redact_url(&self.0))
    }
}

impl StoreSettings {
    /// The rule between the two: memory keeps no database, so a URL with it is a mistake.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if self.durability == Durability::Memory && self.database_url.is_some() {
            return Err(ConfigError::Invalid {
                key: "database_url",
                message: "durability = memory keeps no database: drop the URL, or choose \
                          normal or full to use it"
                    .into(),
            });
        }
        Ok(())
    }
}
