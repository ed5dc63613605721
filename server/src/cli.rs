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
    /// Run an agent and stream its output into a session:
    /// `agentcast run -- claude -p "..." --output-format stream-json --verbose`.
    Run(RunArgs),
    /// Read an agent's JSONL on stdin and stream it into a session of a running server:
    /// `claude -p "..." --output-format stream-json --verbose | agentcast pipe`.
    Pipe(PipeArgs),
    /// Tokens: `agentcast token create --scope read --session '*' --ttl 1h`.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new token signed with the server's key (the data directory's secret, or
    /// --jwt-private-key).
    Create(TokenCreateArgs),
}

fn parse_scope(text: &str) -> Result<agentcast_shared::Scope, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("{text:?}: expected read, write or admin"))
}

/// Options of `agentcast token create`.
#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    /// What it may do: read, write (also publish and ingest) or admin (also start and stop
    /// processes, manage MCP servers).
    #[arg(long, value_name = "SCOPE", value_parser = parse_scope)]
    pub scope: agentcast_shared::Scope,

    /// A session id it may access, or `*` for all (repeatable).
    #[arg(long = "session", value_name = "ID", required = true)]
    pub sessions: Vec<String>,

    /// Lifetime: 90s, 15m, 1h, 7d.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = crate::auth::ttl::parse)]
    pub ttl: std::time::Duration,

    /// Who it is for, as the audit log shows it.
    #[arg(long, value_name = "NAME", default_value = "cli")]
    pub sub: String,

    /// The server's options that decide the key (--data-dir, --config, --jwt-*).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Options of `agentcast run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Stream to this running server instead of starting a local one for the run.
    #[arg(long, env = "AGENTCAST_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Session id to use [default: a new random id].
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,

    /// A label shown in session lists.
    #[arg(long)]
    pub label: Option<String>,

    /// Token for --server (write scope).
    #[arg(long, env = "AGENTCAST_TOKEN", value_name = "JWT", requires = "server")]
    pub token: Option<String>,

    /// Keep the local server running after the agent exits, until Ctrl-C.
    #[arg(long)]
    pub keep_serving: bool,

    /// Options of the local server (without --server); --bind defaults to 127.0.0.1:0 here.
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The agent command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Options of `agentcast pipe`.
#[derive(Debug, Clone, Args)]
pub struct PipeArgs {
    /// The server to stream to.
    #[arg(
        long,
        env = "AGENTCAST_SERVER",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,

    /// Session id to use [default: a new random id].
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,

    /// Token for the server (write scope).
    #[arg(long, env = "AGENTCAST_TOKEN", value_name = "JWT")]
    pub token: Option<String>,

    /// Longest JSONL line accepted, in bytes; longer lines become agent.error [default: 16 MiB].
    #[arg(long, env = "AGENTCAST_MAX_LINE_BYTES", value_name = "BYTES")]
    pub max_line_bytes: Option<usize>,
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

    /// Initial read buffer of each websocket connection, in bytes: clients mostly receive, so
    /// a small one saves memory per connection; it grows for larger messages [default: 1024].
    #[arg(long, env = "AGENTCAST_WS_READ_BUFFER_SIZE", value_name = "BYTES")]
    pub ws_read_buffer_size: Option<usize>,

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

    /// Where events are kept: normal (SQLite in the data directory, survives a crash), full
    /// (SQLite, every commit fsynced: also survives a power loss) or memory (no database: for
    /// benchmarks and tests) [default: normal].
    #[arg(long, env = "AGENTCAST_DURABILITY", value_name = "MODE")]
    pub durability: Option<crate::store::Durability>,

    /// Most events committed to the store in one transaction (group commit) [default: 500].
    #[arg(long, env = "AGENTCAST_COMMIT_MAX_EVENTS", value_name = "N")]
    pub commit_max_events: Option<usize>,

    /// Time a commit waits for more events to join it, in ms; 0 commits what has accumulated
    /// while the previous commit ran [default: 0].
    #[arg(long, env = "AGENTCAST_COMMIT_LINGER_MS", value_name = "MS")]
    pub commit_linger_ms: Option<u64>,

    /// Events kept per session in the store; the oldest are trimmed beyond it (a client asking
    /// for older offsets gets `session.recovered {recovered: false}`); 0 keeps all
    /// [default: 1000000].
    #[arg(long, env = "AGENTCAST_RETENTION_MAX_EVENTS", value_name = "N")]
    pub retention_max_events: Option<u64>,

    /// Events older than this many hours are trimmed (checked every 10 minutes); 0 keeps all
    /// [default: 720, 30 days].
    #[arg(long, env = "AGENTCAST_RETENTION_MAX_AGE_HOURS", value_name = "HOURS")]
    pub retention_max_age_hours: Option<u64>,

    /// Events of each session kept in memory so a reconnecting client catches up without the
    /// disk [default: 4096].
    #[arg(long, env = "AGENTCAST_TAIL_EVENTS", value_name = "N")]
    pub tail_events: Option<usize>,

    /// Interval of the system.stats event on the hub namespace, in ms [default: 2000].
    #[arg(long, env = "AGENTCAST_STATS_INTERVAL_MS", value_name = "MS")]
    pub stats_interval_ms: Option<u64>,

    /// Time allowed for in-flight work after SIGINT/SIGTERM, in ms [default: 5000].
    #[arg(long, env = "AGENTCAST_SHUTDOWN_GRACE_MS", value_name = "MS")]
    pub shutdown_grace_ms: Option<u64>,

    /// A program `POST /api/sessions` may start (repeat for several; matched against the
    /// command as given or its file name) [default: claude].
    #[arg(
        long = "allow-command",
        env = "AGENTCAST_ALLOW_COMMANDS",
        value_delimiter = ',',
        value_name = "PROGRAM"
    )]
    pub allow_commands: Option<Vec<String>>,

    /// Longest agent output line, in bytes; longer lines become agent.error [default: 16 MiB].
    #[arg(long, env = "AGENTCAST_MAX_LINE_BYTES", value_name = "BYTES")]
    pub max_line_bytes: Option<usize>,

    /// Largest `POST /api/sessions/{id}/events` body, in bytes [default: 1 GiB].
    #[arg(long, env = "AGENTCAST_MAX_NDJSON_BODY", value_name = "BYTES")]
    pub max_ndjson_body: Option<u64>,

    /// Time a stopped agent process gets between SIGTERM and SIGKILL, in ms [default: 5000].
    #[arg(long, env = "AGENTCAST_PROCESS_GRACE_MS", value_name = "MS")]
    pub process_grace_ms: Option<u64>,

    /// Log format on stderr: text or json [default: text]. Levels come from RUST_LOG.
    #[arg(long, env = "AGENTCAST_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<crate::config::LogFormat>,

    #[command(flatten)]
    pub security: crate::config::security::SecurityArgs,
}
