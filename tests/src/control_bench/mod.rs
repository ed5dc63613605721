//! The control latency benchmark (`cargo xtask bench control`, issue 14 "Measure"): how long
//! a permission request takes through agentcast, both ways, against a running `agentcast
//! serve`.
//!
//! - `agent`: the benchmark agent, a stand-in for Claude Code that speaks its control
//!   protocol and stamps each `can_use_tool` it writes and each answer it reads
//!   (`agentcast-control-bench-agent`, run by the server under the name `claude`).
//! - `client`: the watching Socket.IO client that starts the agent, answers every
//!   `permission.requested` at once and stamps both (`agentcast-control-bench`).
//! - `report`: matching the two sides' stamps by request id, and the JSON report.
//! - `sched`: how long the server, the client and the agent waited for a CPU meanwhile.
//!
//! Agent, server and client run on one machine, so the unix clock is shared. Like the other
//! benchmark clients it only targets loopback addresses and bounds every wait.

pub mod agent;
mod client;
mod report;
mod sched;

use std::path::PathBuf;

pub use report::ControlReport;

/// The command line of `agentcast-control-bench`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-control-bench",
    about = "Permission requests through agentcast: agent -> watcher -> agent latency; one JSON report on stdout."
)]
pub struct Cli {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// A token with the admin scope (starts the agent, answers it); none with `--auth none`.
    #[arg(long)]
    pub token: Option<String>,
    /// The benchmark agent binary (`agentcast-control-bench-agent`).
    #[arg(long)]
    pub agent: PathBuf,
    /// Measured requests.
    #[arg(long, default_value_t = 500)]
    pub requests: u64,
    /// Requests asked first and not measured.
    #[arg(long, default_value_t = 20)]
    pub warmup: u64,
    /// Requests per second the agent asks at most (one at a time).
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// The server's pid, to report how long it waited for a CPU during the run.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// A CPU the agent moves to (away from the server's).
    #[arg(long)]
    pub agent_cpu: Option<u32>,
    /// Bound on the whole run, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// Runs one measurement on a current-thread runtime.
pub async fn run(cli: Cli) -> anyhow::Result<ControlReport> {
    client::run(&cli).await
}
