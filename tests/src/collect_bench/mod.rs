//! The client of `agentcast-collect-bench` and `cargo xtask bench collect`: what the
//! transcript collector is measured against, in release code like the server.
//!
//! - `parse`: the reference of the import: every line of every transcript under a directory
//!   read and parsed as JSON, nothing else (what the collector's mapping cannot beat).
//! - `follow`: a writer appends real-shaped assistant entries to a live transcript at a steady
//!   rate while a Socket.IO subscriber of its session stamps each `output.text`; the report
//!   is the write-to-receive latency.
//!
//! It reuses the load generator's connection and packet code (`crate::loadgen`); like it, it
//! only targets loopback addresses and bounds every wait.

mod follow;
mod parse;

pub use follow::FollowReport;
pub use parse::ParseReport;

/// The command line of `agentcast-collect-bench`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-collect-bench",
    about = "The collector benchmark's reference parse and follow-latency client; one JSON report on stdout."
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Mode,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Mode {
    Parse(ParseArgs),
    Follow(FollowArgs),
}

/// Read and JSON-parse every line of the `.jsonl` files under some directories.
#[derive(Debug, Clone, clap::Args)]
pub struct ParseArgs {
    /// A directory to read every `.jsonl` file under (repeatable).
    #[arg(long = "dir", required = true)]
    pub dirs: Vec<std::path::PathBuf>,
}

/// Append to a live transcript and time each line to its event at a subscriber.
#[derive(Debug, Clone, clap::Args)]
pub struct FollowArgs {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// The live transcript (`<projects>/<project>/<session>.jsonl`), already collected.
    #[arg(long)]
    pub transcript: std::path::PathBuf,
    /// Its session id (the file's stem).
    #[arg(long)]
    pub session: String,
    /// Lines appended per second.
    #[arg(long, default_value_t = 50)]
    pub rate: u32,
    /// Lines appended (each is measured).
    #[arg(long, default_value_t = 300)]
    pub lines: u64,
    /// Bound on the whole run, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// Runs the mode and returns its report as JSON.
pub async fn run(cli: Cli) -> anyhow::Result<serde_json::Value> {
    Ok(match cli.mode {
        Mode::Parse(args) => serde_json::to_value(parse::run(&args)?)?,
        Mode::Follow(args) => serde_json::to_value(follow::run(&args).await?)?,
    })
}
