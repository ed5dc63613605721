//! `[auth]`: whether clients need a token, how tokens are checked and signed, which browser
//! origins may call the API, and where the audit log goes.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::group::settings_group;
use crate::config::values::{hours, millis};
use crate::config::{ConfigError, ServerSettings};

/// Whether clients must present a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// JWT on every socket and REST call (the default).
    #[default]
    Jwt,
    /// No authentication: local demos and protocol tests; refused on a non-loopback bind.
    None,
}

/// The JWT signature algorithm; tokens signed with any other are refused. (Serialized: the
/// keyring file names each key's.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, clap::ValueEnum)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret (generated in the data directory unless given).
    #[default]
    #[serde(rename = "HS256")]
    #[value(name = "HS256")]
    Hs256,
    /// RSA PKCS#1 v1.5 SHA-256: verified with a public key, signed with a private key.
    #[serde(rename = "RS256")]
    #[value(name = "RS256")]
    Rs256,
    /// Ed25519: verified with a public key, signed with a private key.
    #[serde(rename = "EdDSA")]
    #[value(name = "EdDSA")]
    EdDsa,
}

/// Where the audit log goes (`--audit-log`: a file, `-` for stderr, or `off`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum AuditTarget {
    File(PathBuf),
    Stderr,
    Off,
}

impl From<String> for AuditTarget {
    fn from(text: String) -> Self {
        match text.as_str() {
            "-" => Self::Stderr,
            "off" => Self::Off,
            _ => Self::File(PathBuf::from(text)),
        }
    }
}

settings_group! {
    /// How clients are authenticated, and what is recorded about it.
    AuthSettings from AuthArgs and AuthFile, heading "Authentication",
    given server: &ServerSettings;
    /// Authentication: jwt, or none (local demos; refused on a non-loopback address).
    mode -> mode: AuthMode {
        flag: "auth", env: "AGENTCAST_AUTH", value_name: "MODE",
        input: AuthMode, default: AuthMode::Jwt,
    }
    /// JWT algorithm: HS256, RS256 or EdDSA.
    jwt_algorithm -> jwt_algorithm: JwtAlgorithm {
        flag: "jwt-algorithm", env: "AGENTCAST_JWT_ALGORITHM", value_name: "ALG",
        input: JwtAlgorithm, default: JwtAlgorithm::Hs256,
    }
    /// HS256 secret file (created if missing).
    jwt_secret_file -> jwt_secret_file: PathBuf {
        flag: "jwt-secret-file", env: "AGENTCAST_JWT_SECRET_FILE", value_name: "FILE",
        input: PathBuf, default: server.data_dir.join("jwt-secret"),
        shown: "<data-dir>/jwt-secret, generated on first start, mode 0600",
    }
    /// RS256/EdDSA public key (PEM) that verifies tokens.
    jwt_public_key -> jwt_public_key: Option<PathBuf> {
        flag: "jwt-public-key", env: "AGENTCAST_JWT_PUBLIC_KEY", value_name: "FILE",
        input: PathBuf,
    }
    /// RS256/EdDSA private key (PEM) to sign tokens (refresh, the startup URL, `agentcast
    /// token create`); without it the server only verifies.
    jwt_private_key -> jwt_private_key: Option<PathBuf> {
        flag: "jwt-private-key", env: "AGENTCAST_JWT_PRIVATE_KEY", value_name: "FILE",
        input: PathBuf,
    }
    /// Directory of the JWT keyring (`keyring.toml` and the keys by kid) that `agentcast keys
    /// rotate` writes; while it has no keyring the single key above signs and verifies.
    jwt_keyring_dir -> jwt_keyring_dir: PathBuf {
        flag: "jwt-keyring-dir", env: "AGENTCAST_JWT_KEYRING_DIR", value_name: "DIR",
        input: PathBuf, default: server.data_dir.join("keys"),
        shown: "<data-dir>/keys",
    }
    /// How long `agentcast keys rotate` keeps the previous signing key verifying, in hours
    /// (0: tokens it signed are refused at once).
    jwt_key_overlap_hours -> jwt_key_overlap: Duration {
        flag: "jwt-key-overlap-hours", env: "AGENTCAST_JWT_KEY_OVERLAP_HOURS",
        value_name: "HOURS", input: u64, default: 24, convert: hours,
    }
    /// Time a socket keeps running after its token expired, for `auth.refresh` to arrive,
    /// in ms.
    token_expiry_grace_ms -> token_expiry_grace: Duration {
        flag: "token-expiry-grace-ms", env: "AGENTCAST_TOKEN_EXPIRY_GRACE_MS", value_name: "MS",
        input: u64, default: 10_000, convert: millis,
    }
    /// Lifetime of the admin token in the startup URL, in hours.
    startup_token_ttl_hours -> startup_token_ttl: Duration {
        flag: "startup-token-ttl-hours", env: "AGENTCAST_STARTUP_TOKEN_TTL_HOURS",
        value_name: "HOURS", input: u64, default: 24, convert: hours,
    }
    /// An origin allowed to call the API from a browser (repeatable), e.g.
    /// `https://dash.example.com`; `*` allows any.
    cors_origins -> cors_origins: Vec<String> {
        flag: "cors-origin", env: "AGENTCAST_CORS_ORIGINS", value_name: "ORIGIN",
        input: Vec<String>, default: Vec::new(), shown: "none, same origin only",
        check: origins, clap: (value_delimiter = ','),
    }
    /// Audit log: a file of JSON lines, `-` for stderr, or `off`.
    audit_log -> audit: AuditTarget {
        flag: "audit-log", env: "AGENTCAST_AUDIT_LOG", value_name: "FILE",
        input: AuditTarget, default: AuditTarget::File(server.data_dir.join("audit.jsonl")),
        shown: "<data-dir>/audit.jsonl",
    }
}

impl AuthSettings {
    /// The rules between settings: no authentication only on a loopback address. (That RS256
    /// and EdDSA have a public key, `--jwt-public-key` or a keyring's, is checked as the keys
    /// load: whether the keyring exists is for the disk to say.)
    pub(crate) fn check(&self, bind: SocketAddr) -> Result<(), ConfigError> {
        if self.mode == AuthMode::None && !bind.ip().is_loopback() {
            return Err(ConfigError::Invalid {
                key: "auth",
                message: format!(
                    "--auth none would let anyone who reaches {bind} read and control every \
                     session; it is only allowed on a loopback address (127.0.0.1, ::1)"
                ),
            });
        }
        Ok(())
    }
}

/// Each origin is a scheme, a host and an optional port (what a browser sends), or `*`.
fn origins(origins: &[String]) -> Result<(), String> {
    for origin in origins {
        let ok = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/'));
        if !ok {
            return Err(format!(
                "{origin:?} is not an origin such as https://dash.example.com (scheme, host, optional port, no path) or *"
            ));
        }
    }
    Ok(())
}
