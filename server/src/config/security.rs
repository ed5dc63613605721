//! Security and limits settings (DESIGN.md section 5): authentication, CORS, the audit log,
//! TLS and the rate limits, as flags ([`SecurityArgs`], flattened into `ServeArgs`), TOML
//! sections `[auth]`, `[limits]` and `[tls]` ([`SecurityFile`]) and their resolved form
//! ([`SecurityConfig`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

use super::ConfigError;

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

/// The JWT signature algorithm; tokens signed with any other are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
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

/// Security options of `agentcast serve` (flattened into `ServeArgs`).
#[derive(Debug, Default, Clone, Args)]
pub struct SecurityArgs {
    /// Authentication: jwt, or none (local demos; refused on a non-loopback address)
    /// [default: jwt].
    #[arg(long, env = "AGENTCAST_AUTH", value_name = "MODE")]
    pub auth: Option<AuthMode>,

    /// JWT algorithm: HS256, RS256 or EdDSA [default: HS256].
    #[arg(long, env = "AGENTCAST_JWT_ALGORITHM", value_name = "ALG")]
    pub jwt_algorithm: Option<JwtAlgorithm>,

    /// HS256 secret file [default: <data-dir>/jwt-secret, generated on first start, mode
    /// 0600].
    #[arg(long, env = "AGENTCAST_JWT_SECRET_FILE", value_name = "FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// RS256/EdDSA public key (PEM) that verifies tokens.
    #[arg(long, env = "AGENTCAST_JWT_PUBLIC_KEY", value_name = "FILE")]
    pub jwt_public_key: Option<PathBuf>,

    /// RS256/EdDSA private key (PEM) to sign tokens (refresh, the startup URL, `agentcast
    /// token create`); without it the server only verifies.
    #[arg(long, env = "AGENTCAST_JWT_PRIVATE_KEY", value_name = "FILE")]
    pub jwt_private_key: Option<PathBuf>,

    /// Time a socket keeps running after its token expired, for `auth.refresh` to arrive,
    /// in ms [default: 10000].
    #[arg(long, env = "AGENTCAST_TOKEN_EXPIRY_GRACE_MS", value_name = "MS")]
    pub token_expiry_grace_ms: Option<u64>,

    /// Lifetime of the admin token in the startup URL, in hours [default: 24].
    #[arg(long, env = "AGENTCAST_STARTUP_TOKEN_TTL_HOURS", value_name = "HOURS")]
    pub startup_token_ttl_hours: Option<u64>,

    /// An origin allowed to call the API from a browser (repeatable), e.g.
    /// https://dash.example.com; `*` allows any [default: none, same origin only].
    #[arg(
        long = "cors-origin",
        env = "AGENTCAST_CORS_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    pub cors_origins: Option<Vec<String>>,

    /// Audit log: a file of JSON lines, `-` for stderr, or `off` [default:
    /// <data-dir>/audit.jsonl].
    #[arg(long, env = "AGENTCAST_AUDIT_LOG", value_name = "FILE")]
    pub audit_log: Option<String>,

    /// TLS certificate chain (PEM); with --tls-key, serves https and wss.
    #[arg(
        long,
        env = "AGENTCAST_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// TLS private key (PEM).
    #[arg(
        long,
        env = "AGENTCAST_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Most simultaneous connections; more are refused at the handshake; 0: no limit
    /// [default: 10000].
    #[arg(long, env = "AGENTCAST_MAX_CONNECTIONS", value_name = "N")]
    pub max_connections: Option<u32>,

    /// New connections one IP address may open per second (burst: twice as many); 0: no
    /// limit [default: 20].
    #[arg(long, env = "AGENTCAST_CONNECTIONS_PER_IP_PER_S", value_name = "N")]
    pub connections_per_ip_per_s: Option<u32>,

    /// Messages one socket may send per second (burst: twice as many); over it a command is
    /// answered `rate_limited`, and a socket that keeps going is disconnected; 0: no limit
    /// [default: 200].
    #[arg(long, env = "AGENTCAST_MESSAGES_PER_SOCKET_PER_S", value_name = "N")]
    pub messages_per_socket_per_s: Option<u32>,

    /// HTTP requests one IP address may make per second (burst: twice as many); over it the
    /// answer is 429 with Retry-After; 0: no limit [default: 200].
    #[arg(long, env = "AGENTCAST_HTTP_REQUESTS_PER_IP_PER_S", value_name = "N")]
    pub http_requests_per_ip_per_s: Option<u32>,
}

/// `[auth]` of the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    pub mode: Option<AuthMode>,
    pub jwt_algorithm: Option<JwtAlgorithm>,
    pub jwt_secret_file: Option<PathBuf>,
    pub jwt_public_key: Option<PathBuf>,
    pub jwt_private_key: Option<PathBuf>,
    pub token_expiry_grace_ms: Option<u64>,
    pub startup_token_ttl_hours: Option<u64>,
    pub cors_origins: Option<Vec<String>>,
    pub audit_log: Option<String>,
}

/// `[limits]` of the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub max_connections: Option<u32>,
    pub connections_per_ip_per_s: Option<u32>,
    pub messages_per_socket_per_s: Option<u32>,
    pub http_requests_per_ip_per_s: Option<u32>,
}

/// `[tls]` of the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// The sections of the TOML file this module reads.
#[derive(Debug, Default)]
pub struct SecurityFile {
    pub auth: AuthFile,
    pub limits: LimitsFile,
    pub tls: TlsFile,
}

/// Where the audit log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    File(PathBuf),
    Stderr,
    Off,
}

/// How tokens are checked and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtConfig {
    pub algorithm: JwtAlgorithm,
    /// HS256: the secret's file (created if missing).
    pub secret_file: PathBuf,
    /// RS256/EdDSA: the verifying key.
    pub public_key: Option<PathBuf>,
    /// RS256/EdDSA: the signing key, if the server may sign.
    pub private_key: Option<PathBuf>,
}

/// The certificate and key of `--tls-cert` / `--tls-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The rate and connection limits; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: Option<u32>,
    pub connections_per_ip_per_s: Option<u32>,
    pub messages_per_socket_per_s: Option<u32>,
    pub http_requests_per_ip_per_s: Option<u32>,
}

impl Limits {
    /// No limit at all (benchmarks, some tests).
    pub const NONE: Limits = Limits {
        max_connections: None,
        connections_per_ip_per_s: None,
        messages_per_socket_per_s: None,
        http_requests_per_ip_per_s: None,
    };
}

/// The resolved security settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    pub auth: AuthMode,
    pub jwt: JwtConfig,
    pub token_expiry_grace: Duration,
    pub startup_token_ttl: Duration,
    pub cors_origins: Vec<String>,
    pub audit: AuditTarget,
    pub tls: Option<TlsConfig>,
    pub limits: Limits,
}

/// 0 turns a limit off.
fn limit(value: u32) -> Option<u32> {
    (value > 0).then_some(value)
}

impl SecurityConfig {
    pub fn resolve(
        args: SecurityArgs,
        file: SecurityFile,
        data_dir: &Path,
        bind: SocketAddr,
    ) -> Result<Self, ConfigError> {
        let SecurityFile { auth, limits, tls } = file;
        let config = SecurityConfig {
            auth: args.auth.or(auth.mode).unwrap_or_default(),
            jwt: JwtConfig {
                algorithm: args
                    .jwt_algorithm
                    .or(auth.jwt_algorithm)
                    .unwrap_or_default(),
                secret_file: args
                    .jwt_secret_file
                    .or(auth.jwt_secret_file)
                    .unwrap_or_else(|| data_dir.join("jwt-secret")),
                public_key: args.jwt_public_key.or(auth.jwt_public_key),
                private_key: args.jwt_private_key.or(auth.jwt_private_key),
            },
            token_expiry_grace: Duration::from_millis(
                args.token_expiry_grace_ms
                    .or(auth.token_expiry_grace_ms)
                    .unwrap_or(10_000),
            ),
            startup_token_ttl: Duration::from_secs(
                3600 * args
                    .startup_token_ttl_hours
                    .or(auth.startup_token_ttl_hours)
                    .unwrap_or(24),
            ),
            cors_origins: args.cors_origins.or(auth.cors_origins).unwrap_or_default(),
            audit: match args.audit_log.or(auth.audit_log).as_deref() {
                None => AuditTarget::File(data_dir.join("audit.jsonl")),
                Some("-") => AuditTarget::Stderr,
                Some("off") => AuditTarget::Off,
                Some(path) => AuditTarget::File(PathBuf::from(path)),
            },
            tls: match (args.tls_cert.or(tls.cert), args.tls_key.or(tls.key)) {
                (Some(cert), Some(key)) => Some(TlsConfig { cert, key }),
                (None, None) => None,
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "tls",
                        message: "a certificate and a key go together: give both or neither".into(),
                    });
                }
            },
            limits: Limits {
                max_connections: limit(
                    args.max_connections
                        .or(limits.max_connections)
                        .unwrap_or(10_000),
                ),
                connections_per_ip_per_s: limit(
                    args.connections_per_ip_per_s
                        .or(limits.connections_per_ip_per_s)
                        .unwrap_or(20),
                ),
                messages_per_socket_per_s: limit(
                    args.messages_per_socket_per_s
                        .or(limits.messages_per_socket_per_s)
                        .unwrap_or(200),
                ),
                http_requests_per_ip_per_s: limit(
                    args.http_requests_per_ip_per_s
                        .or(limits.http_requests_per_ip_per_s)
                        .unwrap_or(200),
                ),
            },
        };
        config.validate(bind)?;
        Ok(config)
    }

    fn validate(&self, bind: SocketAddr) -> Result<(), ConfigError> {
        if self.auth == AuthMode::None && !bind.ip().is_loopback() {
            return Err(ConfigError::Invalid {
                key: "auth",
                message: format!(
                    "--auth none would let anyone who reaches {bind} read and control every \
                     session; it is only allowed on a loopback address (127.0.0.1, ::1)"
                ),
            });
        }
        if self.auth == AuthMode::Jwt
            && self.jwt.algorithm != JwtAlgorithm::Hs256
            && self.jwt.public_key.is_none()
        {
            return Err(ConfigError::Invalid {
                key: "jwt_public_key",
                message: format!(
                    "{:?} tokens are verified with a public key: give --jwt-public-key",
                    self.jwt.algorithm
                ),
            });
        }
        for origin in &self.cors_origins {
            let ok = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/'));
            if !ok {
                return Err(ConfigError::Invalid {
                    key: "cors_origins",
                    message: format!(
                        "{origin:?} is not an origin such as https://dash.example.com (scheme, host, optional port, no path) or *"
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(args: SecurityArgs, bind: &str) -> Result<SecurityConfig, ConfigError> {
        SecurityConfig::resolve(
            args,
            SecurityFile::default(),
            Path::new("/data"),
            bind.parse().unwrap(),
        )
    }

    #[test]
    fn secure_defaults() {
        let config = resolve(SecurityArgs::default(), "127.0.0.1:8080").unwrap();
        assert_eq!(config.auth, AuthMode::Jwt);
        assert_eq!(config.jwt.algorithm, JwtAlgorithm::Hs256);
        assert_eq!(config.jwt.secret_file, Path::new("/data/jwt-secret"));
        assert_eq!(config.audit, AuditTarget::File("/data/audit.jsonl".into()));
        assert!(config.cors_origins.is_empty());
        assert_eq!(config.tls, None);
        assert_eq!(config.limits.connections_per_ip_per_s, Some(20));
    }

    #[test]
    fn auth_none_only_on_loopback() {
        let none = || SecurityArgs {
            auth: Some(AuthMode::None),
            ..Default::default()
        };
        assert!(resolve(none(), "127.0.0.1:8080").is_ok());
        assert!(resolve(none(), "[::1]:8080").is_ok());
        let err = resolve(none(), "0.0.0.0:8080").unwrap_err().to_string();
        assert!(err.contains("loopback"), "{err}");
    }

    #[test]
    fn public_key_algorithms_need_a_key_and_zero_disables_a_limit() {
        let args = SecurityArgs {
            jwt_algorithm: Some(JwtAlgorithm::Rs256),
            ..Default::default()
        };
        let err = resolve(args, "127.0.0.1:1").unwrap_err().to_string();
        assert!(err.contains("--jwt-public-key"), "{err}");
        let args = SecurityArgs {
            max_connections: Some(0),
            ..Default::default()
        };
        assert_eq!(
            resolve(args, "127.0.0.1:1").unwrap().limits.max_connections,
            None
        );
    }

    #[test]
    fn origins_are_checked() {
        let args = |origin: &str| SecurityArgs {
            cors_origins: Some(vec![origin.into()]),
            ..Default::default()
        };
        assert!(resolve(args("https://dash.example.com"), "127.0.0.1:1").is_ok());
        assert!(resolve(args("*"), "127.0.0.1:1").is_ok());
        assert!(resolve(args("dash.example.com"), "127.0.0.1:1").is_err());
        assert!(resolve(args("https://x.com/"), "127.0.0.1:1").is_err());
    }
}
