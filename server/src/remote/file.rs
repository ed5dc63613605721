//! The client commands' configuration file, `~/.config/agentcast/config.toml` (or
//! `--client-config FILE` / `AGENTCAST_CLIENT_CONFIG`): where the server is, the token, and
//! `watch`'s default filters and colours. `agentcast serve` does not read it (its file is
//! `--config`).
//!
//! ```toml
//! server = "http://127.0.0.1:8080"
//! token_file = "~/.config/agentcast/token"   # or token = "eyJ..."
//!
//! [watch]
//! types = ["tool.*", "output.text", "permission.*"]
//! grep = "error|warn"
//!
//! [colours]        # ANSI SGR codes
//! prompt = "1;36"
//! failure = "1;31"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file's keys; every one optional. Unknown keys are refused, naming the key.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientFile {
    /// The server's URL.
    pub server: Option<String>,
    /// A token.
    pub token: Option<String>,
    /// A file holding the token (`~` is the home directory).
    pub token_file: Option<PathBuf>,
    /// PEM root certificates trusted for an `https://` server besides the usual ones.
    pub ca_cert: Option<PathBuf>,
    /// `watch`'s defaults, overridden by its flags.
    #[serde(default)]
    pub watch: WatchDefaults,
    /// Colours by kind of line, as ANSI SGR codes (`"1;36"`), over the built-in ones.
    #[serde(default)]
    pub colours: BTreeMap<String, String>,
}

/// `[watch]`: defaults for `agentcast watch`.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchDefaults {
    /// Event type patterns shown (`tool.*`); all when empty.
    #[serde(default)]
    pub types: Vec<String>,
    /// A regular expression lines must match.
    pub grep: Option<String>,
}

/// Why the configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClientFileError {
    #[error("cannot read the client configuration {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid client configuration {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Where the file is when not named: `$XDG_CONFIG_HOME/agentcast/config.toml`, usually
/// `~/.config/agentcast/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("agentcast").join("config.toml"))
}

/// Reads `explicit` (which must exist) or else the default file (which may be missing).
pub fn load(explicit: Option<&Path>) -> Result<(ClientFile, Option<PathBuf>), ClientFileError> {
    let (path, required) = match explicit {
        Some(path) => (path.to_owned(), true),
        None => match default_path() {
            Some(path) => (path, false),
            None => return Ok((ClientFile::default(), None)),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if !required && err.kind() == std::io::ErrorKind::NotFound => {
            return Ok((ClientFile::default(), None));
        }
        Err(source) => return Err(ClientFileError::Read { path, source }),
    };
    let file = parse(&text).map_err(|message| ClientFileError::Parse {
        path: path.clone(),
        message,
    })?;
    Ok((file, Some(path)))
}

fn parse(text: &str) -> Result<ClientFile, String> {
    toml::from_str(text).map_err(|err| err.message().to_owned())
}

/// `~/x` as the home directory's `x`.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read() {
        let file = parse(
            r#"
            server = "http://h:1"
            token_file = "~/t"
            ca_cert = "/ca.pem"
            [watch]
            types = ["tool.*"]
            grep = "err"
            [colours]
            prompt = "1;36"
            "#,
        )
        .unwrap();
        assert_eq!(file.server.as_deref(), Some("http://h:1"));
        assert_eq!(file.token_file, Some(PathBuf::from("~/t")));
        assert_eq!(file.watch.types, ["tool.*"]);
        assert_eq!(file.watch.grep.as_deref(), Some("err"));
        assert_eq!(file.colours["prompt"], "1;36");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let err = parse("sever = \"x\"").unwrap_err();
        assert!(err.contains("sever"), "{err}");
        let err = parse("[watch]\ntype = []").unwrap_err();
        assert!(err.contains("type"), "{err}");
    }

    #[test]
    fn a_named_file_must_exist_the_default_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        let err = load(Some(&missing)).unwrap_err();
        assert!(err.to_string().contains("none.toml"), "{err}");
    }

    #[test]
    fn home_is_expanded() {
        let home = dirs::home_dir().unwrap();
        assert_eq!(expand_home(Path::new("~/a/b")), home.join("a/b"));
        assert_eq!(expand_home(Path::new("/a")), PathBuf::from("/a"));
    }
}
