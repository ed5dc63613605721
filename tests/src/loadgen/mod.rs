//! The fan-out load generator behind `agentcast-loadgen` and `cargo xtask bench`.
//!
//! N raw Socket.IO websocket clients subscribe to one session namespace; one more connection
//! publishes M events of about 512 bytes; every client must receive all M, in offset order.
//! Given several servers (`--url` more than once: nodes on one PostgreSQL), the clients are
//! spread over them in turn and the publisher publishes on the first.
//! It speaks only the protocol surface agentcast and the Node reference server
//! (tests/js/bench/reference-server.mjs) share, so the same run measures either; the
//! reference is a bare relay, published the envelopes themselves (`--publish-envelopes`).
//!
//! Phases: connect all N (timed) -> server RSS before/after (idle connections) -> warm-up
//! (publish until every client has seen an event, so every one is subscribed) -> measured
//! publish of M events (closed loop, or open loop at `--rate`) -> wait until every client
//! has all M -> one JSON [`Report`].
//!
//! - `conn`: TCP + websocket + Engine.IO open + namespace CONNECT.
//! - `packet`: classifying received packets and pulling out `offset` and `sent_us`.
//! - `subscriber`: the per-connection task and the shared progress counters.
//! - `publisher`: the publishing connection and its pacing.
//! - `procfs`: RSS and CPU time from /proc.
//! - `report`: the JSON report and quantiles.

// `conn` and `packet` are also the client of the durability benchmark (`crate::durability`).
pub(crate) mod conn;
pub(crate) mod packet;

mod publisher;
// Its quantiles serve the durability benchmark too.
pub(crate) mod report;
mod subscriber;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::procfs;
use anyhow::{Context, bail};
use tokio::sync::{Semaphore, watch};

pub use report::{ErrorDetail, Report};

use conn::Target;
use publisher::{Form, Pacing, Publisher};
use subscriber::Progress;

/// The load generator's knobs (its command line).
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-loadgen",
    about = "Fan-out load generator: N Socket.IO clients on one session, M published events, one JSON report on stdout."
)]
pub struct Config {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    /// Repeatable (or comma-separated) for several nodes of one store: client i connects to
    /// the (i mod count)-th, the publisher to the first.
    #[arg(long, required = true, value_delimiter = ',')]
    pub url: Vec<String>,
    /// The session namespace every client connects to.
    #[arg(long, default_value = "/sessions/bench")]
    pub ns: String,
    /// Subscribing clients.
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Measured events to publish.
    #[arg(long, default_value_t = 1000)]
    pub events: u64,
    /// Events per `publish` command.
    #[arg(long, default_value_t = 1)]
    pub batch: u64,
    /// Un-acked `publish` commands at most.
    #[arg(long, default_value_t = 16)]
    pub inflight: u64,
    /// Pause publishing while the average client is this many events behind (0: never).
    #[arg(long, default_value_t = 256)]
    pub max_lag: u64,
    /// Open loop: publish this many events per second on a fixed schedule, whatever the acks
    /// do (`--inflight` and `--max-lag` then do not apply); 0 for closed loop.
    #[arg(long, default_value_t = 0)]
    pub rate: u64,
    /// Publish the envelopes agentcast would send instead of the events, for a server that
    /// only relays them (the Node reference, tests/js/bench/reference-server.mjs).
    #[arg(long)]
    pub publish_envelopes: bool,
    /// Padding characters in each event's data (400 makes a ~512-byte event).
    #[arg(long, default_value_t = 400)]
    pub pad: usize,
    /// Event type published (each client is subscribed to every type).
    #[arg(long, default_value = "tool.started")]
    pub event_type: String,
    /// Server process to read VmRSS and CPU time from; repeatable (or comma-separated), and
    /// then the report has their sums.
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,
    /// Token sent in the CONNECT auth (`{"token": ...}`), for a server with auth on.
    #[arg(long, env = "AGENTCAST_TOKEN")]
    pub token: Option<String>,
    /// Handshakes in progress at most while connecting.
    #[arg(long, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// Pause after the warm-up client left, before the first RSS reading, and between the
    /// last connect and the second.
    #[arg(long, default_value_t = 1000)]
    pub settle_ms: u64,
    /// Bound on the whole run, in seconds.
    #[arg(long, default_value_t = 180)]
    pub timeout_s: u64,
}

/// Unix time in microseconds: the clock of `sent_us`, shared by the publisher and the
/// subscribers because they run in this one process.
pub(crate) fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The microseconds from `sent_us` to `now_us`, as the reports keep them (at most `u32::MAX`,
/// over an hour).
pub(crate) fn latency_us(sent_us: u64, now_us: u64) -> u32 {
    now_us.saturating_sub(sent_us).min(u64::from(u32::MAX)) as u32
}

/// Raises RLIMIT_NOFILE (soft to hard, and both to 65536 when allowed); returns the soft limit.
pub fn raise_fd_limit() -> anyhow::Result<u64> {
    use rlimit::Resource;
    const WANT: u64 = 65_536;
    let (soft, hard) = Resource::NOFILE.get()?;
    if hard < WANT && Resource::NOFILE.set(WANT, WANT).is_ok() {
        return Ok(WANT);
    }
    let target = hard.min(WANT.max(soft));
    if target > soft {
        Resource::NOFILE.set(target, hard)?;
    }
    Ok(Resource::NOFILE.get()?.0)
}

/// The index in `count` targets of the target of client `client`: round-robin.
fn target_of(client: usize, count: usize) -> usize {
    client % count
}

/// The sum of `read` over `pids`; `None` when there are none or one cannot be read.
fn sum_over<T: std::iter::Sum>(pids: &[u32], read: impl Fn(u32) -> Option<T>) -> Option<T> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| read(pid)).sum()
}

/// Runs one benchmark against the server(s) at `config.url`.
pub async fn run(config: Config) -> anyhow::Result<Report> {
    if config.clients == 0 || config.events == 0 || config.batch == 0 || config.inflight == 0 {
        bail!("clients, events, batch and inflight must be positive");
    }
    let deadline = Instant::now() + Duration::from_secs(config.timeout_s);
    let auth_json = config
        .token
        .as_ref()
        .map(|token| serde_json::json!({ "token": token }).to_string());
    let targets = config
        .url
        .iter()
        .map(|url| Target::new(url, &config.ns, auth_json.clone()).map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let Some(target) = targets.first().cloned() else {
        bail!("no --url");
    };
    let codec = target.codec.clone();
    let progress = Arc::new(Progress::default());
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let (stop_tx, stop_rx) = watch::channel(false);
    let pids = config.server_pid.as_slice();
    let cpu_seconds = || sum_over(pids, |pid| procfs::cpu_seconds(Some(pid)));

    // One client per server first, connected and closed before the first reading: what the
    // first connection pays once per process (the code of the connect path run and paged in
    // for the first time, the session's namespace, a store finishing its start) is not what
    // an idle connection costs.
    for target in &targets {
        let mut warm_up = target
            .connect(Duration::from_secs(30))
            .await
            .context("connecting the warm-up client")?;
        warm_up.close(None).await.ok();
    }
    tokio::time::sleep(Duration::from_millis(config.settle_ms)).await;

    // Connect: every client, a bounded number of handshakes at a time.
    let rss_before_kb = sum_over(pids, procfs::vm_rss_kb);
    let anon_before_kb = sum_over(pids, procfs::rss_anon_kb);
    let handshakes = Arc::new(Semaphore::new(config.connect_concurrency.max(1)));
    let connect_started = Instant::now();
    let mut clients = Vec::with_capacity(config.clients);
    for i in 0..config.clients {
        let target = targets[target_of(i, targets.len())].clone();
        let (codec, progress) = (target.codec.clone(), progress.clone());
        let (handshakes, first_error, stop) =
            (handshakes.clone(), first_error.clone(), stop_rx.clone());
        let expected = config.events;
        clients.push(tokio::spawn(async move {
            // The semaphore is never closed.
            let permit = handshakes.acquire_owned().await.ok();
            let connected = target.connect(Duration::from_secs(30)).await;
            drop(permit);
            match connected {
                Ok(ws) => {
                    progress.connected.fetch_add(1, Relaxed);
                    Some(subscriber::run(ws, codec, progress, expected, stop).await)
                }
                Err(e) => {
                    progress.connect_failed.fetch_add(1, Relaxed);
                    note(&first_error, format!("connect: {e:#}"));
                    None
                }
            }
        }));
    }
    wait_until(deadline, || {
        progress.connected.load(Relaxed) + progress.connect_failed.load(Relaxed) >= config.clients
    })
    .await
    .context("connecting the clients")?;
    let connect_ms = connect_started.elapsed().as_secs_f64() * 1e3;
    let connected = progress.connected.load(Relaxed);
    if connected == 0 {
        bail!(
            "no client could connect: {}",
            first_error.lock().unwrap().clone().unwrap_or_default()
        );
    }

    // Memory of idle connections.
    tokio::time::sleep(Duration::from_millis(config.settle_ms)).await;
    let rss_after_kb = sum_over(pids, procfs::vm_rss_kb);
    let per_conn = |before: Option<u64>, after: Option<u64>| {
        Some((after? as f64 - before? as f64) / connected as f64)
    };
    let rss_per_conn_kb = per_conn(rss_before_kb, rss_after_kb);
    let anon_per_conn_kb = per_conn(anon_before_kb, sum_over(pids, procfs::rss_anon_kb));

    // Warm-up: publish until every connected client has seen an event, which proves that the
    // server subscribed it (a server may join the rooms just after acknowledging CONNECT).
    let publisher_ws = target
        .connect(Duration::from_secs(30))
        .await
        .context("connecting the publisher")?;
    let form = if config.publish_envelopes {
        let session_id = config.ns.rsplit('/').next().unwrap_or_default();
        Form::Envelopes {
            session_id: session_id.to_string(),
        }
    } else {
        Form::Events
    };
    let mut publisher = Publisher::new(
        publisher_ws,
        codec.clone(),
        form,
        &config.event_type,
        config.pad,
    );
    loop {
        publisher.warm_up(Duration::from_secs(30)).await?;
        let settled = wait_until(Instant::now() + Duration::from_millis(200), || {
            progress.warmed.load(Relaxed) >= progress.alive()
        })
        .await;
        if settled.is_ok() {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "warm-up: only {} of {} clients received an event",
                progress.warmed.load(Relaxed),
                progress.alive()
            );
        }
    }

    // Measured publish; the publisher runs beside the wait so its failure ends the wait.
    let pacing = Pacing {
        batch: config.batch,
        inflight: config.inflight,
        max_lag: config.max_lag,
        rate: config.rate,
    };
    let server_cpu_before = cpu_seconds();
    let self_cpu_before = procfs::cpu_seconds(None);
    let publish_started_us = unix_micros();
    let publishing = {
        let (progress, events) = (progress.clone(), config.events);
        tokio::spawn(async move { publisher.run(events, pacing, &progress).await })
    };
    let mut publish_failed = 0;
    let all_done = || {
        progress.finished.load(Relaxed) + progress.lost.load(Relaxed)
            >= progress.connected.load(Relaxed)
    };
    let mut publishing = Some(publishing);
    while !all_done() && Instant::now() < deadline {
        if publishing.as_ref().is_some_and(|p| p.is_finished()) {
            // Checked just above: the task has finished, so this does not wait.
            match publishing.take().unwrap().await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    publish_failed += 1;
                    note(&first_error, format!("publish: {e:#}"));
                    break;
                }
                Err(e) => bail!("the publisher panicked: {e}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let finished_all = all_done() && publish_failed == 0;
    let end_us = if finished_all {
        progress
            .last_finish_us
            .load(Relaxed)
            .max(publish_started_us)
    } else {
        unix_micros()
    };
    let server_cpu_after = cpu_seconds();
    let self_cpu_after = procfs::cpu_seconds(None);
    let rss_end_kb = sum_over(pids, procfs::vm_rss_kb);
    let rss_peak_kb = sum_over(pids, procfs::vm_hwm_kb);

    // Stop and merge.
    let _ = stop_tx.send(true);
    if let Some(p) = publishing {
        p.abort();
    }
    let mut merged = report::Merged::default();
    for client in clients {
        if let Ok(Some(stats)) = client.await {
            merged.add(stats, config.events);
        }
    }
    merged.latencies_us.sort_unstable();
    let lat = &merged.latencies_us;
    let delivered = lat.len() as u64;
    let duration_s = (end_us.saturating_sub(publish_started_us)) as f64 / 1e6;
    let cpu_pct = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(b), Some(a)) if duration_s > 0.0 => Some((a - b) / duration_s * 100.0),
        _ => None,
    };
    let mut errors = merged.errors;
    errors.connect_failed = progress.connect_failed.load(Relaxed) as u64;
    errors.publish_failed = publish_failed;
    let first_error = first_error.lock().unwrap().clone().or(merged.first_error);
    Ok(Report {
        clients: config.clients,
        events: config.events,
        delivered,
        duration_s,
        delivered_per_s: if duration_s > 0.0 {
            delivered as f64 / duration_s
        } else {
            0.0
        },
        p50_us: report::quantile(lat, 0.50),
        p99_us: report::quantile(lat, 0.99),
        p999_us: report::quantile(lat, 0.999),
        max_us: lat.last().map_or(0, |l| u64::from(*l)),
        connect_ms,
        rss_before_kb,
        rss_after_kb,
        rss_per_conn_kb,
        anon_per_conn_kb,
        rss_end_kb,
        rss_peak_kb,
        errors: errors.total(),
        error_detail: errors,
        first_error,
        batch: config.batch,
        inflight: config.inflight,
        max_lag: config.max_lag,
        rate: config.rate,
        bytes_per_msg: if merged.messages > 0 {
            merged.bytes as f64 / merged.messages as f64
        } else {
            0.0
        },
        server_cpu_pct: cpu_pct(server_cpu_before, server_cpu_after),
        loadgen_cpu_pct: cpu_pct(self_cpu_before, self_cpu_after),
    })
}

/// Keeps the first error for the report (every later one is usually the same).
fn note(slot: &Mutex<Option<String>>, error: String) {
    // Held for one assignment; never across an await.
    slot.lock().unwrap().get_or_insert(error);
}

/// Polls `done` every 2 ms until it holds or `deadline` passes.
async fn wait_until(deadline: Instant, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    while !done() {
        if Instant::now() >= deadline {
            bail!("timed out");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn one_url_or_several() {
        let one = Config::try_parse_from(["loadgen", "--url", "http://127.0.0.1:1"]).unwrap();
        assert_eq!(one.url, ["http://127.0.0.1:1"]);
        assert!(one.server_pid.is_empty());
        let several = Config::try_parse_from([
            "loadgen",
            "--url",
            "http://127.0.0.1:1,http://127.0.0.1:2",
            "--url=http://127.0.0.1:3",
            "--server-pid",
            "10,11",
        ])
        .unwrap();
        assert_eq!(
            several.url,
            [
                "http://127.0.0.1:1",
                "http://127.0.0.1:2",
                "http://127.0.0.1:3"
            ]
        );
        assert_eq!(several.server_pid, [10, 11]);
        assert!(Config::try_parse_from(["loadgen"]).is_err());
    }

    #[test]
    fn clients_go_round_robin() {
        let per_target = |clients: usize, count: usize| {
            let mut n = vec![0; count];
            (0..clients).for_each(|i| n[target_of(i, count)] += 1);
            n
        };
        assert_eq!(per_target(5, 1), [5]);
        assert_eq!(per_target(1000, 2), [500, 500]);
        assert_eq!(per_target(5, 2), [3, 2]);
        assert_eq!(target_of(0, 3), 0);
    }

    #[test]
    fn sums_over_servers() {
        assert_eq!(sum_over(&[], |_| Some(1u64)), None);
        assert_eq!(sum_over(&[1, 2], |pid| Some(u64::from(pid) * 10)), Some(30));
        assert_eq!(sum_over(&[1, 2], |pid| (pid == 1).then_some(1.0)), None);
    }
}
