//! The client of `agentcast-durability` and `cargo xtask bench durability`: what the history
//! costs a live client and what it gives a reconnecting one, measured against a running
//! `agentcast serve` (run once with `--durability normal`, once with `memory` as the
//! reference, by the caller).
//!
//! - `latency`: a publisher sends ~1 KB `output.text` events at a steady rate, one per
//!   `publish`, each stamped with its send time; a subscriber on the same session reports the
//!   send-to-receive latency of each. With SQLite every event is committed before it is sent,
//!   so the difference with the memory store is what the commit adds.
//! - `replay`: publishes N events into a fresh session, then connects a client with handshake
//!   auth `{"offset": 0}` and times the replay until offset N and `session.recovered`.
//!
//! - `events`: the published packets and the stamp read back from a received one.
//! - `publisher`: the publishing connection (subscribed to nothing, acks counted).
//! - `report`: the JSON reports.
//!
//! It reuses the load generator's connection and packet code (`crate::loadgen`); like it, it
//! only targets loopback addresses and bounds every wait.

// The soak (`crate::soak`) publishes and reads the same events through the same publisher.
pub(crate) mod events;
mod latency;
pub(crate) mod publisher;
mod replay;
mod report;

use std::time::{Duration, Instant};

pub use report::{LatencyReport, Quantiles, ReplayReport};

/// The command line of `agentcast-durability`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-durability",
    about = "Commit latency at a steady publish rate, or replay speed of a recovering client; one JSON report on stdout."
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Mode,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Mode {
    Latency(LatencyArgs),
    Replay(ReplayArgs),
}

/// What both modes need.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// The session every connection uses (namespace `/sessions/{session}`).
    #[arg(long, default_value = "bench")]
    pub session: String,
    /// Characters of text in each event (900 makes a ~1 KB envelope).
    #[arg(long, default_value_t = 900)]
    pub text: usize,
    /// Bound on the whole run, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

impl Common {
    fn namespace(&self) -> String {
        format!("/sessions/{}", self.session)
    }

    fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.timeout_s)
    }
}

/// Send-to-receive latency at a steady rate.
#[derive(Debug, Clone, clap::Args)]
pub struct LatencyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Events per second, one per `publish`.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of measured events.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Seconds of events sent first at the same rate and not measured (the session starts,
    /// caches warm up).
    #[arg(long, default_value_t = 1.0)]
    pub warmup_seconds: f64,
}

/// A client recovering a long history.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub common: Common,
    /// Events published before the replay, and replayed.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Events per `publish` while filling the session (at most the server's
    /// `max_events_per_publish`, and a publish must stay under its `max_payload`).
    #[arg(long, default_value_t = 500)]
    pub batch: u64,
    /// Un-acked publishes at most while filling the session.
    #[arg(long, default_value_t = 4)]
    pub inflight: u64,
    /// Replays of the same history, each on a new connection.
    #[arg(long, default_value_t = 1)]
    pub replays: usize,
}

/// Runs the mode on a current-thread runtime and returns its report as JSON.
pub async fn run(cli: Cli) -> anyhow::Result<serde_json::Value> {
    Ok(match cli.mode {
        Mode::Latency(args) => serde_json::to_value(latency::run(&args).await?)?,
        Mode::Replay(args) => serde_json::to_value(replay::run(&args).await?)?,
    })
}

/// Time left before `deadline`, or an error naming what ran out of it.
pub(crate) fn left(deadline: Instant, what: &str) -> anyhow::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        anyhow::bail!("timed out: {what}");
    }
    Ok(left)
}
