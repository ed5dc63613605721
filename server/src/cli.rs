//! Command-line interface: `agentcast <command>`; every `serve` option also has an
//! `AGENTCAST_*` environment form and a key in the TOML configuration file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// agentcast: a real-time hub for watching AI coding agents work.
///
/// Runs or receives agent sessions (Claude Code stream-json first), turns their output into
/// typed events and streams them over Socket.IO to browsers, terminals and programs.
#[derive(Debug, Parser)]
#[command(name = "agentcast", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the hub: Socket.IO on /socket.io/, REST under /api, health on /health.
    Serve(ServeArgs),
}

/// Options of `agentcast serve`. Precedence: flag > environment variable > config file > default.
#[derive(Debug, Default, Clone, Args)]
pub struct ServeArgs {
    /// TOML configuration file (keys as in the README's configuration reference).
    #[arg(long, env = "AGENTCAST_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on [default: 127.0.0.1:8080]. Port 0 picks a free port.
    #[arg(long, env = "AGENTCAST_BIND", value_name = "ADDR")]
    pub bind: Option<SocketAddr>,

    /// Directory for the database, secrets and logs [default: the per-user data directory,
    /// e.g. ~/.local/share/agentcast].
    #[arg(long, env = "AGENTCAST_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Behave as the reference server of the Socket.IO v5 protocol test suite (namespaces /
    /// and /custom, echo handlers, 300 ms ping interval) instead of the agentcast hub.
    #[arg(long, env = "AGENTCAST_CONFORMANCE")]
    pub conformance: bool,

    /// Run a built-in simulated agent session, looping, so there is something to watch.
    #[arg(long, env = "AGENTCAST_DEMO")]
    pub demo: bool,

    /// Pace of the demo: 1 is real time, 10 is ten times faster [default: 1].
    #[arg(long, env = "AGENTCAST_DEMO_SPEED", value_name = "FACTOR")]
    pub demo_speed: Option<f64>,

    /// Packets a socket may have queued for sending before it counts as a slow consumer and is
    /// disconnected (it then recovers by offset) [default: 8192].
    #[arg(long, env = "AGENTCAST_MAX_BUFFER_SIZE", value_name = "PACKETS")]
    pub max_buffer_size: Option<usize>,

    /// Largest Engine.IO payload accepted from a client, in bytes [default: 1000000].
    #[arg(long, env = "AGENTCAST_MAX_PAYLOAD", value_name = "BYTES")]
    pub max_payload: Option<u64>,

    /// Engine.IO ping interval in milliseconds [default: 25000].
    #[arg(long, env = "AGENTCAST_PING_INTERVAL_MS", value_name = "MS")]
    pub ping_interval_ms: Option<u64>,

    /// Engine.IO ping timeout in milliseconds [default: 20000].
    #[arg(long, env = "AGENTCAST_PING_TIMEOUT_MS", value_name = "MS")]
    pub ping_timeout_ms: Option<u64>,

    /// Time a client has to connect to a namespace after the handshake, in ms [default: 45000].
    #[arg(long, env = "AGENTCAST_CONNECT_TIMEOUT_MS", value_name = "MS")]
    pub connect_timeout_ms: Option<u64>,

    /// Most events one `publish` command may carry [default: 1000].
    #[arg(long, env = "AGENTCAST_MAX_EVENTS_PER_PUBLISH", value_name = "N")]
    pub max_events_per_publish: Option<usize>,

    /// Capacity of each session's sequencer queue, in publish batches [default: 256].
    #[arg(long, env = "AGENTCAST_SESSION_QUEUE", value_name = "N")]
    pub session_queue: Option<usize>,

    /// Interval of the system.stats event on the hub namespace, in ms [default: 2000].
    #[arg(long, env = "AGENTCAST_STATS_INTERVAL_MS", value_name = "MS")]
    pub stats_interval_ms: Option<u64>,

    /// Time allowed for in-flight work after SIGINT/SIGTERM, in ms [default: 5000].
    #[arg(long, env = "AGENTCAST_SHUTDOWN_GRACE_MS", value_name = "MS")]
    pub shutdown_grace_ms: Option<u64>,

    /// Log format on stderr: text or json [default: text]. Levels come from RUST_LOG.
    #[arg(long, env = "AGENTCAST_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<crate::config::LogFormat>,
}
