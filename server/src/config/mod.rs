//! Server configuration: one `Config` resolved from flags, `AGENTCAST_*` environment variables
//! (both through clap), the TOML file and the defaults, in that order of precedence.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::ServeArgs;

pub mod security;

pub use security::{AuditTarget, AuthMode, JwtAlgorithm, Limits, SecurityConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The resolved configuration of `agentcast serve`.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub conformance: bool,
    pub demo: bool,
    pub demo_speed: f64,
    pub max_buffer_size: usize,
    pub max_payload: u64,
    pub ws_read_buffer_size: usize,
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    pub connect_timeout: Duration,
    pub max_events_per_publish: usize,
    pub session_queue: usize,
    pub tail_events: usize,
    pub durability: crate::store::Durability,
    pub retention: crate::store::Retention,
    pub commit_max_events: usize,
    pub commit_linger: Duration,
    pub stats_interval: Duration,
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    pub allow_commands: Vec<String>,
    pub max_line_bytes: usize,
    pub max_ndjson_body: u64,
    pub process_grace: Duration,
    /// Authentication, CORS, the audit log, TLS and the rate limits.
    pub security: SecurityConfig,
}

/// The TOML file: every key optional, unknown keys rejected so a typo is an error, not a no-op.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub conformance: Option<bool>,
    pub demo: Option<bool>,
    pub demo_speed: Option<f64>,
    pub max_buffer_size: Option<usize>,
    pub max_payload: Option<u64>,
    pub ws_read_buffer_size: Option<usize>,
    pub ping_interval_ms: Option<u64>,
    pub ping_timeout_ms: Option<u64>,
    pub connect_timeout_ms: Option<u64>,
    pub max_events_per_publish: Option<usize>,
    pub session_queue: Option<usize>,
    pub tail_events: Option<usize>,
    pub durability: Option<crate::store::Durability>,
    pub retention_max_events: Option<u64>,
    pub retention_max_age_hours: Option<u64>,
    pub commit_max_events: Option<usize>,
    pub commit_linger_ms: Option<u64>,
    pub stats_interval_ms: Option<u64>,
    pub shutdown_grace_ms: Option<u64>,
    pub log_format: Option<LogFormat>,
    pub allow_commands: Option<Vec<String>>,
    pub max_line_bytes: Option<usize>,
    pub max_ndjson_body: Option<u64>,
    pub process_grace_ms: Option<u64>,
    #[serde(default)]
    pub auth: security::AuthFile,
    #[serde(default)]
    pub limits: security::LimitsFile,
    #[serde(default)]
    pub tls: security::TlsFile,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Default for Config {
    fn default() -> Self {
        Self::resolve(ServeArgs::default(), FileConfig::default()).expect("the defaults are valid") // checked by the unit test `defaults_are_valid`
    }
}

impl Config {
    /// Reads the file named by `--config` (if any) and resolves everything.
    pub fn load(args: ServeArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        Self::resolve(args, file)
    }

    /// Flag/env (already merged by clap) over file over default.
    pub fn resolve(args: ServeArgs, mut file: FileConfig) -> Result<Self, ConfigError> {
        let ms = Duration::from_millis;
        let bind = args
            .bind
            .or(file.bind)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir.clone())
            .unwrap_or_else(default_data_dir);
        let security_file = security::SecurityFile {
            auth: std::mem::take(&mut file.auth),
            limits: std::mem::take(&mut file.limits),
            tls: std::mem::take(&mut file.tls),
        };
        let security =
            SecurityConfig::resolve(args.security.clone(), security_file, &data_dir, bind)?;
        let config = Self {
            bind,
            data_dir,
            security,
            conformance: args.conformance || file.conformance.unwrap_or(false),
            demo: args.demo || file.demo.unwrap_or(false),
            demo_speed: args.demo_speed.or(file.demo_speed).unwrap_or(1.0),
            max_buffer_size: args
                .max_buffer_size
                .or(file.max_buffer_size)
                .unwrap_or(8192),
            max_payload: args.max_payload.or(file.max_payload).unwrap_or(1_000_000),
            ws_read_buffer_size: args
                .ws_read_buffer_size
                .or(file.ws_read_buffer_size)
                .unwrap_or(1024),
            ping_interval: ms(args
                .ping_interval_ms
                .or(file.ping_interval_ms)
                .unwrap_or(25_000)),
            ping_timeout: ms(args
                .ping_timeout_ms
                .or(file.ping_timeout_ms)
                .unwrap_or(20_000)),
            connect_timeout: ms(args
                .connect_timeout_ms
                .or(file.connect_timeout_ms)
                .unwrap_or(45_000)),
            max_events_per_publish: args
                .max_events_per_publish
                .or(file.max_events_per_publish)
                .unwrap_or(1000),
            session_queue: args.session_queue.or(file.session_queue).unwrap_or(256),
            tail_events: args.tail_events.or(file.tail_events).unwrap_or(4096),
            durability: args.durability.or(file.durability).unwrap_or_default(),
            retention: crate::store::Retention {
                max_events_per_session: Some(
                    args.retention_max_events
                        .or(file.retention_max_events)
                        .unwrap_or(1_000_000),
                )
                .filter(|max| *max > 0),
                max_age: Some(
                    args.retention_max_age_hours
                        .or(file.retention_max_age_hours)
                        .unwrap_or(720),
                )
                .filter(|hours| *hours > 0)
                .map(|hours| Duration::from_secs(hours * 3600)),
            },
            commit_max_events: args
                .commit_max_events
                .or(file.commit_max_events)
                .unwrap_or(500),
            commit_linger: ms(args.commit_linger_ms.or(file.commit_linger_ms).unwrap_or(0)),
            stats_interval: ms(args
                .stats_interval_ms
                .or(file.stats_interval_ms)
                .unwrap_or(2000)),
            shutdown_grace: ms(args
                .shutdown_grace_ms
                .or(file.shutdown_grace_ms)
                .unwrap_or(5000)),
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            allow_commands: args
                .allow_commands
                .or(file.allow_commands)
                .unwrap_or_else(|| vec!["claude".to_string()]),
            max_line_bytes: args
                .max_line_bytes
                .or(file.max_line_bytes)
                .unwrap_or(16 << 20),
            max_ndjson_body: args
                .max_ndjson_body
                .or(file.max_ndjson_body)
                .unwrap_or(1 << 30),
            process_grace: ms(args
                .process_grace_ms
                .or(file.process_grace_ms)
                .unwrap_or(5000)),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let positive = |key: &'static str, value: u128| {
            if value == 0 {
                Err(ConfigError::Invalid {
                    key,
                    message: "must be greater than 0".into(),
                })
            } else {
                Ok(())
            }
        };
        positive("max_buffer_size", self.max_buffer_size as u128)?;
        positive("max_payload", self.max_payload.into())?;
        positive("ws_read_buffer_size", self.ws_read_buffer_size as u128)?;
        positive("ping_interval_ms", self.ping_interval.as_millis())?;
        positive("ping_timeout_ms", self.ping_timeout.as_millis())?;
        positive("connect_timeout_ms", self.connect_timeout.as_millis())?;
        positive(
            "max_events_per_publish",
            self.max_events_per_publish as u128,
        )?;
        positive("session_queue", self.session_queue as u128)?;
        positive("stats_interval_ms", self.stats_interval.as_millis())?;
        positive("max_line_bytes", self.max_line_bytes as u128)?;
        positive("commit_max_events", self.commit_max_events as u128)?;
        positive("max_ndjson_body", self.max_ndjson_body.into())?;
        if !(self.demo_speed.is_finite() && self.demo_speed > 0.0) {
            return Err(ConfigError::Invalid {
                key: "demo_speed",
                message: "must be a positive number".into(),
            });
        }
        Ok(())
    }
}

impl Config {
    /// The ingest limits every source uses.
    pub fn ingest_limits(&self) -> crate::ingest::IngestLimits {
        crate::ingest::IngestLimits {
            max_line_bytes: self.max_line_bytes,
            ..Default::default()
        }
    }
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.into(),
            source,
        })
    }
}

/// `$XDG_DATA_HOME/agentcast` (or the platform equivalent), else `./.agentcast`.
fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|dir| dir.join("agentcast"))
        .unwrap_or_else(|| PathBuf::from(".agentcast"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = Config::resolve(ServeArgs::default(), FileConfig::default()).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert!(config.data_dir.ends_with("agentcast") || config.data_dir.ends_with(".agentcast"));
        assert_eq!(config.max_buffer_size, 8192);
    }

    #[test]
    fn flag_overrides_file_which_overrides_default() {
        let file: FileConfig =
            toml::from_str("bind = \"127.0.0.1:9000\"\nmax_payload = 5\nping_interval_ms = 7\n")
                .unwrap();
        let args = ServeArgs {
            max_payload: Some(9),
            ..Default::default()
        };
        let config = Config::resolve(args, file).unwrap();
        assert_eq!(config.bind.port(), 9000, "file beats default");
        assert_eq!(config.max_payload, 9, "flag beats file");
        assert_eq!(config.ping_interval, Duration::from_millis(7));
        assert_eq!(
            config.ping_timeout,
            Duration::from_millis(20_000),
            "default kept"
        );
    }

    #[test]
    fn unknown_file_keys_and_zero_limits_are_errors() {
        assert!(toml::from_str::<FileConfig>("bnid = \"x\"").is_err());
        let args = ServeArgs {
            max_buffer_size: Some(0),
            ..Default::default()
        };
        let err = Config::resolve(args, FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("max_buffer_size"), "{err}");
    }
}
