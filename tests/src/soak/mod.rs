//! The endurance run behind `agentcast-soak` and `cargo xtask soak`: many connections on many
//! sessions, a steady publish rate, clients reconnecting at random and resuming by offset,
//! for a fixed time; then whether any event was lost, whether the server's RSS stayed flat
//! and whether it gave back every connection's file descriptor.
//!
//! Phases: the server's resources before anything -> one publisher per session, one event
//! each (the sessions exist) -> every client connects (a bounded number of handshakes at a
//! time) -> publishing at the rate for the duration, the server sampled every few seconds ->
//! publishing stops at known last offsets; clients stop reconnecting and end once they hold
//! their session's last offset -> every connection closed -> the server's resources after.
//!
//! - `client`: one reconnecting subscriber and the counters they share.
//! - `offsets`: the gap, duplicate and reorder check of a client's offsets.
//! - `publisher`: the publishing schedule of a session.
//! - `rng`: when a client reconnects.
//! - `series`: the RSS series and its drift after warm-up.
//! - `report`: the JSON report.

mod client;
mod offsets;
mod publisher;
mod report;
mod rng;
mod series;

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::{Semaphore, watch};

// The budgets' demo followers check their offsets the same way.
pub(crate) use offsets::OffsetCheck;
pub use offsets::OffsetErrors;
pub use report::{Report, Resources};
pub use series::{RssSummary, Sample};

use crate::durability::events::Events;
use crate::durability::publisher::Publisher;
use crate::loadgen::conn::Target;
use crate::procfs;
use client::{Phase, Plan, Shared};

/// The soak's knobs (the command line of `agentcast-soak`).
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-soak",
    about = "Endurance run: many reconnecting clients on many sessions at a steady publish rate; one JSON report on stdout."
)]
pub struct Config {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// The server's process, sampled from /proc.
    #[arg(long)]
    pub server_pid: u32,
    /// Token sent in every CONNECT (`{"token": ..., "offset": ...}`), for a server with auth.
    #[arg(long, env = "AGENTCAST_TOKEN")]
    pub token: Option<String>,
    /// Subscribing clients, spread evenly over the sessions.
    #[arg(long, default_value_t = 10_000)]
    pub clients: usize,
    /// Sessions (`/sessions/soak-0`, ...), one publisher each.
    #[arg(long, default_value_t = 100)]
    pub sessions: usize,
    /// Events per second over every session.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 600.0)]
    pub seconds: f64,
    /// Seconds of publishing left out of the RSS summary (connections and caches settle).
    #[arg(long, default_value_t = 60.0)]
    pub warmup_seconds: f64,
    /// Average seconds between two reconnects of one client.
    #[arg(long, default_value_t = 60.0)]
    pub reconnect_seconds: f64,
    /// Seconds between two samples of the server.
    #[arg(long, default_value_t = 5.0)]
    pub sample_seconds: f64,
    /// Characters of text in each event.
    #[arg(long, default_value_t = 200)]
    pub text: usize,
    /// Handshakes in progress at most (first connects and resumes).
    #[arg(long, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// Seconds the clients get to receive the last events once publishing stopped.
    #[arg(long, default_value_t = 60.0)]
    pub drain_seconds: f64,
}

impl Config {
    fn check(&self) -> anyhow::Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if self.clients == 0 || self.sessions == 0 || self.connect_concurrency == 0 {
            bail!("--clients, --sessions and --connect-concurrency must be positive");
        }
        let durations_positive = [
            self.rate,
            self.seconds,
            self.reconnect_seconds,
            self.sample_seconds,
            self.drain_seconds,
        ]
        .into_iter()
        .all(positive);
        let warmup_valid = self.warmup_seconds.is_finite() && self.warmup_seconds >= 0.0;
        if !durations_positive || !warmup_valid {
            bail!("the rate and every duration must be positive (the warm-up may be 0)");
        }
        Ok(())
    }

    /// A bound on the whole run: connecting, publishing, draining, with room to spare.
    fn deadline(&self) -> Instant {
        let connect = 60.0 + self.clients as f64 / 100.0;
        Instant::now() + Duration::from_secs_f64(connect + self.seconds + self.drain_seconds + 60.0)
    }
}

/// Runs the soak against the server at `config.url`.
pub async fn run(config: Config) -> anyhow::Result<Report> {
    config.check()?;
    let deadline = config.deadline();
    let pid = config.server_pid;
    let before = Resources::of(pid, &config.url, config.token.as_deref()).await;
    let publisher_auth = config
        .token
        .as_ref()
        .map(|token| serde_json::json!({ "token": token }).to_string());
    let targets = (0..config.sessions)
        .map(|i| {
            Target::new(
                &config.url,
                &format!("/sessions/soak-{i}"),
                publisher_auth.clone(),
            )
        })
        .map(|target| target.map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;

    // The sessions exist (one event each) before any client resumes from offset 0 in them.
    let mut publishers = Vec::with_capacity(targets.len());
    for target in &targets {
        let mut publisher = Publisher::connect(target, config.text, deadline).await?;
        publisher.publish(1, true).await?;
        while publisher.read_ack(deadline).await?.is_none() {}
        publishers.push(publisher);
    }

    // Every client connects.
    let shared = Arc::new(Shared::default());
    let events = Arc::new(Events::new(config.text));
    let handshakes = Arc::new(Semaphore::new(config.connect_concurrency));
    let (phase_tx, phase_rx) = watch::channel(Phase::Running);
    let connect_started = Instant::now();
    let clients: Vec<_> = (0..config.clients)
        .map(|i| {
            let plan = Plan {
                session: i % config.sessions,
                target: targets[i % config.sessions].clone(),
                token: config.token.clone(),
                reconnect_mean: Duration::from_secs_f64(config.reconnect_seconds),
                seed: i as u64,
            };
            tokio::spawn(client::run(
                plan,
                shared.clone(),
                events.clone(),
                handshakes.clone(),
                phase_rx.clone(),
            ))
        })
        .collect();
    wait_until(deadline, || {
        shared.connects.load(Relaxed) >= config.clients as u64
    })
    .await
    .with_context(|| {
        format!(
            "connecting: {} of {} clients, first error: {:?}",
            shared.connects.load(Relaxed),
            config.clients,
            shared.first_error.lock().unwrap()
        )
    })?;
    let connect_s = connect_started.elapsed().as_secs_f64();

    // Publishing at the rate, the server sampled.
    let (stop_tx, stop_rx) = watch::channel(false);
    let start = tokio::time::Instant::now();
    let publishing: Vec<_> = publishers
        .into_iter()
        .enumerate()
        .map(|(session, publisher)| {
            tokio::spawn(publisher::run(
                publisher,
                session,
                config.sessions,
                config.rate,
                start,
                stop_rx.clone(),
                deadline,
            ))
        })
        .collect();
    let cpu_before = (procfs::cpu_seconds(Some(pid)), procfs::cpu_seconds(None));
    let samples = sample(&config, &shared, start).await;
    let cpu_after = (procfs::cpu_seconds(Some(pid)), procfs::cpu_seconds(None));
    let duration_s = start.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    let mut heads = vec![0; config.sessions];
    let (mut published, mut publisher_stalls) = (0, 0);
    for (session, task) in publishing.into_iter().enumerate() {
        let done = task.await.context("a publisher panicked")??;
        heads[session] = done.head_offset;
        published += done.events;
        publisher_stalls += done.stalls;
    }

    // Draining: every client should reach its session's last offset.
    let _ = phase_tx.send(Phase::Draining(Arc::new(heads.clone())));
    let drain_until = Instant::now() + Duration::from_secs_f64(config.drain_seconds);
    let _ = wait_until(drain_until.min(deadline), || {
        shared.finished.load(Relaxed) >= config.clients as u64
    })
    .await;
    let _ = phase_tx.send(Phase::Stopped);
    let (mut offset_errors, mut missing, mut unfinished) = (OffsetErrors::default(), 0, 0);
    for task in clients {
        let outcome = task.await.context("a client panicked")?;
        offset_errors.add(&outcome.errors);
        let behind = heads[outcome.session].saturating_sub(outcome.last);
        missing += behind;
        unfinished += u64::from(behind > 0);
    }

    let after = settled(&config, before).await;
    let cpu_pct = |before: Option<f64>, after: Option<f64>| {
        Some((after? - before?) / duration_s.max(1e-9) * 100.0)
    };
    let rss = RssSummary::of(&samples, config.warmup_seconds);
    let first_error = shared.first_error.lock().unwrap().clone();
    Ok(Report {
        clients: config.clients,
        sessions: config.sessions,
        rate: config.rate,
        duration_s,
        published,
        connect_s,
        connects: shared.connects.load(Relaxed),
        reconnects: shared.reconnects.load(Relaxed),
        connect_failures: shared.connect_failures.load(Relaxed),
        server_disconnects: shared.server_disconnects.load(Relaxed),
        delivered: shared.delivered.load(Relaxed),
        not_recovered: shared.not_recovered.load(Relaxed),
        offset_errors,
        missing,
        unfinished,
        publisher_stalls,
        samples,
        rss,
        before,
        after,
        server_cpu_pct: cpu_pct(cpu_before.0, cpu_after.0),
        soak_cpu_pct: cpu_pct(cpu_before.1, cpu_after.1),
        first_error,
    })
}

/// Samples the server every `sample_seconds` until `seconds` of publishing have passed,
/// with a line on stderr for the person watching.
async fn sample(config: &Config, shared: &Shared, start: tokio::time::Instant) -> Vec<Sample> {
    let every = Duration::from_secs_f64(config.sample_seconds);
    let end = start + Duration::from_secs_f64(config.seconds);
    let mut samples = Vec::new();
    let mut next = start;
    while next <= end {
        tokio::time::sleep_until(next).await;
        let pid = config.server_pid;
        let sample = Sample {
            t_s: start.elapsed().as_secs_f64(),
            rss_kb: procfs::vm_rss_kb(pid).unwrap_or_default(),
            fds: procfs::open_fds(pid).map_or(0, |fds| fds.total),
            threads: procfs::threads(pid).unwrap_or_default(),
            connected: shared.connected.load(Relaxed),
        };
        eprintln!(
            "agentcast-soak: {:>6.0} s  rss {:>7} KB  fds {:>6}  threads {:>3}  connected {:>6}  \
             reconnects {:>7}  delivered {:>10}",
            sample.t_s,
            sample.rss_kb,
            sample.fds,
            sample.threads,
            sample.connected,
            shared.reconnects.load(Relaxed),
            shared.delivered.load(Relaxed)
        );
        samples.push(sample);
        next += every;
    }
    tokio::time::sleep_until(end).await;
    samples
}

/// The server's resources once the connections closed: its socket count polled until it is
/// back to `before`'s (the server notices closed connections asynchronously), at most
/// [`SETTLE`]; a count still higher then is what the report shows.
async fn settled(config: &Config, before: Resources) -> Resources {
    let pid = config.server_pid;
    const SETTLE: Duration = Duration::from_secs(15);
    let baseline = before.fds.map_or(0, |fds| fds.sockets);
    let until = Instant::now() + SETTLE;
    let _ = wait_until(until, || {
        procfs::open_fds(pid).is_none_or(|fds| fds.sockets <= baseline)
    })
    .await;
    Resources::of(pid, &config.url, config.token.as_deref()).await
}

/// Polls `done` every 100 ms until it holds or `deadline` passes.
async fn wait_until(deadline: Instant, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    while !done() {
        if Instant::now() >= deadline {
            bail!("timed out");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn defaults_are_the_record_run_and_nonsense_is_refused() {
        let config =
            Config::try_parse_from(["soak", "--url", "http://127.0.0.1:1", "--server-pid", "1"])
                .unwrap();
        assert_eq!((config.clients, config.sessions), (10_000, 100));
        assert_eq!((config.rate, config.seconds), (1000.0, 600.0));
        config.check().unwrap();
        let zero =
            Config::try_parse_from(["soak", "--url", "x", "--server-pid", "1", "--sessions", "0"])
                .unwrap();
        assert!(zero.check().is_err());
        let negative = Config::try_parse_from([
            "soak",
            "--url",
            "x",
            "--server-pid",
            "1",
            "--warmup-seconds=-1",
        ])
        .unwrap();
        assert!(negative.check().is_err());
    }
}
