//! Command-line interface: `agentcast <command>`. The options of `serve` ([`ServeArgs`]) are
//! declared with the settings they set, in [`config`](crate::config): each also has an
//! `AGENTCAST_*` environment form and a key in the TOML configuration file.

use clap::{Args, Parser, Subcommand};

pub use crate::config::ServeArgs;

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
    /// Follow sessions live in the terminal: `agentcast watch [SESSION]` (every session
    /// without one), with filters, replay, export and permission answers.
    Watch(crate::watch::WatchArgs),
    /// Send a prompt to a controllable session: `agentcast prompt SESSION "text"`.
    Prompt(crate::remote::commands::PromptArgs),
    /// Stop a session's current turn: `agentcast interrupt SESSION`.
    Interrupt(crate::remote::commands::InterruptArgs),
    /// Tokens: `agentcast token create --scope read --session '*' --ttl 1h`.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The JWT keyring: `agentcast keys rotate --overlap 24h`, `agentcast keys list`.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Claude Code's hooks, posting to a server: `agentcast hooks install --server URL`.
    #[command(subcommand)]
    Hooks(crate::hook_setup::HooksCommand),
    /// Every session of a server in a live full-screen table: `agentcast top --server URL`.
    Top(crate::top::TopArgs),
    /// MCP on stdin/stdout for agents (Claude Code's `--mcp-config`), forwarded to a running
    /// server's `/mcp`: `agentcast mcp --server URL`.
    Mcp(crate::mcp_server::stdio::McpArgs),
    /// The store's database: `agentcast db copy --from DATA_DIR --to postgres://...` moves a
    /// data directory's history into PostgreSQL.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy a SQLite history into an empty PostgreSQL database, in one transaction: sessions
    /// (deleted ones too), events in offset order, checkpoints, projects, MCP servers and the
    /// collectors' file positions. Prints what it copied. A failed copy leaves the target as
    /// it was; run it again.
    Copy(DbCopyArgs),
}

/// Options of `agentcast db copy`.
#[derive(Debug, Clone, Args)]
pub struct DbCopyArgs {
    /// The source: a data directory, its agentcast.db, or sqlite:///path/agentcast.db. Read
    /// in one snapshot; stop its server first to copy everything it wrote.
    #[arg(long, value_name = "SQLITE")]
    pub from: String,

    /// The target: postgres://USER:PASSWORD@HOST:5432/DATABASE, migrated first (the password
    /// is never shown).
    #[arg(long, value_name = "URL")]
    pub to: crate::config::DatabaseUrlText,

    /// Empty the target's tables first, in the same transaction, instead of refusing a target
    /// that holds anything.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new token signed with the server's key (the data directory's secret, or
    /// --jwt-private-key).
    Create(TokenCreateArgs),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key (the configured algorithm) and keep the previous one verifying
    /// for the overlap; prints the new kid. A running server picks it up by itself, at the
    /// next token it verifies or signs.
    Rotate(KeysRotateArgs),
    /// The keyring's keys: kid, algorithm, state, until when a retired key verifies. Never
    /// key material.
    List(KeysListArgs),
}

/// Options of `agentcast keys rotate`.
#[derive(Debug, Clone, Args)]
pub struct KeysRotateArgs {
    /// How long the previous signing key keeps verifying: 0s (not at all), 90m, 24h, 7d
    /// [default: --jwt-key-overlap-hours].
    #[arg(long, value_name = "DURATION", value_parser = crate::auth::ttl::parse_overlap)]
    pub overlap: Option<std::time::Duration>,

    /// The new key's private key (PEM; RS256 or EdDSA) instead of a generated one; its
    /// public half is derived. The keyring keeps a copy.
    #[arg(long, value_name = "FILE")]
    pub private_key: Option<std::path::PathBuf>,

    /// The server's options that decide the keyring (--data-dir, --config, --jwt-*).
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Options of `agentcast keys list`.
#[derive(Debug, Clone, Args)]
pub struct KeysListArgs {
    /// The server's options that decide the keyring (--data-dir, --config, --jwt-*).
    #[command(flatten)]
    pub serve: ServeArgs,
}

fn parse_scope(text: &str) -> Result<agentcast_shared::Scope, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("{text:?}: expected read, write, control or admin"))
}

/// Options of `agentcast token create`.
#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    /// What it may do: read, write (also publish and ingest), control (also answer agents:
    /// prompts, interrupts, permissions) or admin (all of it, and start and stop processes,
    /// manage MCP servers).
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

    /// Run `claude` as given, one-shot, instead of in control mode (where it lives across
    /// turns, takes prompts from the dashboard and any client with the control scope, and
    /// asks its watchers for permissions). `--server` runs are always one-shot for now.
    #[arg(long)]
    pub no_control: bool,

    /// The session's project: a path (with a `/`, or `.`, `..`, `~`) means that directory's
    /// project (its git root), anything else the project of that name [default: the
    /// project of the current directory].
    #[arg(long, value_name = "NAME_OR_PATH")]
    pub project: Option<String>,

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

    /// The session's project, as `run --project` [default: the project of the cwd the
    /// agent reports].
    #[arg(long, value_name = "NAME_OR_PATH")]
    pub project: Option<String>,

    /// Longest JSONL line accepted, in bytes; longer lines become agent.error [default: 16 MiB].
    #[arg(long, env = "AGENTCAST_MAX_LINE_BYTES", value_name = "BYTES")]
    pub max_line_bytes: Option<usize>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap's own checks: unique ids, every `requires` names an argument, ...
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
