//! The client of `cargo xtask bench budgets`: the seed's budgets measured against one
//! `agentcast serve --demo` (issue 18, item 5), in three phases.
//!
//! - `demo`: 10 clients follow the demo sessions one after another ([`follower`]) for a
//!   fixed window while the server's RSS is sampled every second and its CPU time read at
//!   both ends: memory and CPU with 10 clients at the demo's rate, and the latency of the
//!   demo's events from the moment the server stamped them.
//! - `throughput`: the fan-out load generator (`crate::loadgen`) with 10 clients and one
//!   event per `publish`: events per second through the whole pipeline (each committed
//!   before it is sent) while the demo goes on.
//! - `connections`: the load generator again with many clients (100), every one of which
//!   must connect and receive every event.

mod follower;

use std::time::Duration;

use serde::Serialize;

use crate::durability::Quantiles;
use crate::loadgen::{self, unix_micros};
use crate::procfs;

/// The command line of `agentcast-budgets`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-budgets",
    about = "The seed's budgets against `agentcast serve --demo`: memory and CPU with 10 clients, latency, events/s, connections; one JSON report on stdout."
)]
pub struct Config {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// The server's process, sampled from /proc.
    #[arg(long)]
    pub server_pid: u32,
    /// Token sent in every CONNECT, for a server with auth on.
    #[arg(long, env = "AGENTCAST_TOKEN")]
    pub token: Option<String>,
    /// Clients following the demo, and subscribers of the throughput phase.
    #[arg(long, default_value_t = 10)]
    pub clients: usize,
    /// Seconds the demo is followed (a demo session lasts about 15 s).
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
    /// Events published in the throughput phase, one per `publish`.
    #[arg(long, default_value_t = 10_000)]
    pub events: u64,
    /// Clients of the connections phase.
    #[arg(long, default_value_t = 100)]
    pub connections: usize,
}

/// The demo phase.
#[derive(Debug, Serialize)]
pub struct DemoPhase {
    pub clients: usize,
    pub seconds: f64,
    /// Live events received per client per second: the demo's rate.
    pub events_per_s: f64,
    pub sessions_ended: u64,
    /// From the server's `ts` to arrival (`ts` has millisecond precision: see
    /// `follower::Followed::latencies_us`).
    pub latency: Quantiles,
    pub rss_max_kb: Option<u64>,
    pub rss_end_kb: Option<u64>,
    pub server_cpu_pct: Option<f64>,
    pub errors: u64,
    pub first_error: Option<String>,
}

/// The three phases' results.
#[derive(Debug, Serialize)]
pub struct Report {
    pub demo: DemoPhase,
    pub throughput: loadgen::Report,
    pub connections: loadgen::Report,
}

pub async fn run(config: Config) -> anyhow::Result<Report> {
    let demo = demo(&config).await;
    let throughput = loadgen::run(fan_out(
        &config,
        "budgets-throughput",
        config.clients,
        config.events,
    ))
    .await?;
    let connections = loadgen::run(fan_out(
        &config,
        "budgets-connections",
        config.connections,
        100,
    ))
    .await?;
    Ok(Report {
        demo,
        throughput,
        connections,
    })
}

/// Follows the demo with `config.clients` clients for `config.seconds`.
async fn demo(config: &Config) -> DemoPhase {
    let pid = config.server_pid;
    let window = Duration::from_secs_f64(config.seconds.max(1.0));
    let until = tokio::time::Instant::now() + window;
    let followers: Vec<_> = (0..config.clients)
        .map(|_| {
            let (url, token) = (config.url.clone(), config.token.clone());
            tokio::spawn(async move { follower::follow(&url, token.as_deref(), until).await })
        })
        .collect();
    let started_us = unix_micros();
    let cpu_before = procfs::cpu_seconds(Some(pid));
    let mut rss_max_kb = None;
    while tokio::time::Instant::now() < until {
        rss_max_kb = rss_max_kb.max(procfs::vm_rss_kb(pid));
        tokio::time::sleep(
            Duration::from_secs(1)
                .min(until.saturating_duration_since(tokio::time::Instant::now())),
        )
        .await;
    }
    let rss_end_kb = procfs::vm_rss_kb(pid);
    let cpu_after = procfs::cpu_seconds(Some(pid));
    let seconds = (unix_micros() - started_us) as f64 / 1e6;
    let (mut live, mut ended, mut errors, mut first_error) = (0, 0, 0, None);
    let mut latencies: Vec<u32> = Vec::new();
    for task in followers {
        match task.await {
            Ok(f) => {
                live += f.live;
                ended += f.sessions_ended;
                errors += f.offset_errors + u64::from(f.error.is_some());
                first_error = first_error.or(f.error);
                latencies.extend(f.latencies_us);
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(format!("a follower panicked: {e}"));
            }
        }
    }
    latencies.sort_unstable();
    DemoPhase {
        clients: config.clients,
        seconds,
        events_per_s: live as f64 / config.clients.max(1) as f64 / seconds.max(1e-9),
        sessions_ended: ended,
        latency: Quantiles::of(&latencies),
        rss_max_kb: rss_max_kb.max(rss_end_kb),
        rss_end_kb,
        server_cpu_pct: match (cpu_before, cpu_after) {
            (Some(b), Some(a)) => Some((a - b) / seconds.max(1e-9) * 100.0),
            _ => None,
        },
        errors,
        first_error,
    }
}

/// The load generator's configuration for one phase: `clients` subscribers of a session of
/// its own, `events` published one per `publish`.
fn fan_out(config: &Config, session: &str, clients: usize, events: u64) -> loadgen::Config {
    loadgen::Config {
        url: vec![config.url.clone()],
        ns: format!("/sessions/{session}"),
        clients,
        events,
        batch: 1,
        inflight: 16,
        max_lag: 256,
        rate: 0,
        publish_envelopes: false,
        pad: 400,
        event_type: "tool.started".into(),
        server_pid: vec![config.server_pid],
        token: config.token.clone(),
        connect_concurrency: 128,
        settle_ms: 1000,
        timeout_s: 180,
    }
}
