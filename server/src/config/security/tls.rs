//! `[tls]`: the certificate and key that make the server speak https and wss.

use std::path::PathBuf;

use crate::config::ConfigError;
use crate::config::group::settings_group;

settings_group! {
    /// The certificate and key, both or neither.
    TlsSettings from TlsArgs and TlsFile, heading "TLS";
    /// TLS certificate chain (PEM); with --tls-key, serves https and wss.
    cert -> cert: Option<PathBuf> {
        flag: "tls-cert", env: "AGENTCAST_TLS_CERT", value_name: "FILE",
        input: PathBuf, clap: (requires = "key"),
    }
    /// TLS private key (PEM).
    key -> key: Option<PathBuf> {
        flag: "tls-key", env: "AGENTCAST_TLS_KEY", value_name: "FILE",
        input: PathBuf, clap: (requires = "cert"),
    }
}

/// The certificate and key of `--tls-cert` / `--tls-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsSettings {
    /// A certificate goes with its key (the file may give one and a flag the other).
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        match (&self.cert, &self.key) {
            (Some(_), Some(_)) | (None, None) => Ok(()),
            _ => Err(ConfigError::Invalid {
                key: "tls",
                message: "a certificate and a key go together: give both or neither".into(),
            }),
        }
    }

    /// The pair to serve TLS with, if configured.
    pub fn config(&self) -> Option<TlsConfig> {
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(TlsConfig {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        }
    }
}
