//! The server itself: where it listens and keeps its files, how it logs, how long it takes to
//! stop, and the protocol-test mode.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::group::settings_group;
use super::values::millis;

/// The format of the logs on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

settings_group! {
    /// Where the server listens and keeps its files, its logs and its shutdown.
    ServerSettings from ServerArgs and ServerFile, heading "Server", switches [
        /// Behave as the reference server of the Socket.IO v5 protocol test suite (namespaces /
        /// and /custom, echo handlers, 300 ms ping interval) instead of the agentcast hub.
        conformance -> conformance { flag: "conformance", env: "AGENTCAST_CONFORMANCE" }
    ];
    /// Address to listen on. Port 0 picks a free port.
    bind -> bind: SocketAddr {
        flag: "bind", env: "AGENTCAST_BIND", value_name: "ADDR",
        input: SocketAddr, default: SocketAddr::from(([127, 0, 0, 1], 8080)),
    }
    /// Directory for the database, secrets and logs.
    data_dir -> data_dir: PathBuf {
        flag: "data-dir", env: "AGENTCAST_DATA_DIR", value_name: "DIR",
        input: PathBuf, default: default_data_dir(),
        shown: "the per-user data directory, e.g. ~/.local/share/agentcast",
    }
    /// Log format on stderr: text or json. Levels come from RUST_LOG.
    log_format -> log_format: LogFormat {
        flag: "log-format", env: "AGENTCAST_LOG_FORMAT", value_name: "FORMAT",
        input: LogFormat, default: LogFormat::Text,
    }
    /// Time allowed for in-flight work after SIGINT/SIGTERM, in ms.
    shutdown_grace_ms -> shutdown_grace: Duration {
        flag: "shutdown-grace-ms", env: "AGENTCAST_SHUTDOWN_GRACE_MS", value_name: "MS",
        input: u64, default: 5000, convert: millis,
    }
    /// A second address serving only GET /metrics, without a token, for a Prometheus on a
    /// private network (off when not given); on the main address /metrics needs a read token
    /// for every session.
    metrics_bind -> metrics_bind: Option<SocketAddr> {
        flag: "metrics-bind", env: "AGENTCAST_METRICS_BIND", value_name: "ADDR",
        input: SocketAddr,
    }
}

/// `$XDG_DATA_HOME/agentcast` (or the platform equivalent), else `./.agentcast`.
fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|dir| dir.join("agentcast"))
        .unwrap_or_else(|| PathBuf::from(".agentcast"))
}
