//! Events persisted per second through the sequencer: `Hub::publish` on a hub built the way
//! `agentcast serve` builds it (`app::build`), so each publish returns only after its group
//! commit (one store transaction, then the broadcast). SQLite (a file in a temp dir) with
//! `synchronous = NORMAL` and `FULL`, and PostgreSQL (a private server the bench starts, WAL
//! fsynced as by default, a fresh database per run) with `synchronous_commit` off and on
//! (`durability` normal and full), against the memory store as the reference, in the same
//! run. Without PostgreSQL installed its rows are left out, after a notice.
//!
//! ```text
//! cargo bench -p agentcast-server --bench sequencer
//! ```
//!
//! ~1 KB `output.text` events into 4 sessions. Each scenario sets the events per publish and
//! the concurrent publishers per session, each publisher awaiting its publish before the
//! next: one publisher with batches of 1 is a commit per event; 64 of them show what group
//! commit gathers from publishes that queue behind a commit. No socket is connected, so the
//! broadcast costs little: the fan-out benchmark measures that. The clock runs from the
//! first publish to the last return; every figure is the median of several runs, each on a
//! fresh hub and database. The target is 100,000 events/s persisted for ~1 KB events.
//!
//! `AGENTCAST_BENCH_EVENTS` changes the events per run (100,000), `AGENTCAST_BENCH_RUNS` the
//! runs (5); `AGENTCAST_BENCH_COMMIT_MAX` and `AGENTCAST_BENCH_LINGER_MS` set the
//! `commit_max_events` and `commit_linger_ms` knobs (500 and 0 by default, as the server's).

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcast_server::app;
use agentcast_server::config::Config;
use agentcast_server::hub::Hub;
use agentcast_server::store::Durability;
use agentcast_server::store::testing::{Fsync, TempPostgres};
use agentcast_shared::{Event, OutputText};
use tokio::sync::Barrier;

const SESSIONS: usize = 4;

/// Events per publish and concurrent publishers per session.
const SCENARIOS: [(usize, usize); 4] = [(1, 1), (1, 64), (100, 1), (100, 4)];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A store to measure: a durability, on PostgreSQL or not.
#[derive(Clone, Copy)]
struct Kind {
    durability: Durability,
    postgres: Option<&'static TempPostgres>,
}

impl Kind {
    fn name(self) -> &'static str {
        match (self.durability, self.postgres.is_some()) {
            (Durability::Memory, _) => "memory",
            (Durability::Normal, false) => "sqlite NORMAL",
            (Durability::Full, false) => "sqlite FULL",
            (Durability::Normal, true) => "postgres off",
            (Durability::Full, true) => "postgres on",
        }
    }

    /// Commits per run at most, counting a commit per round of the publishers (the worst
    /// case with one publisher per session): an fsync per commit makes FULL slow with small
    /// batches.
    fn max_commits(self) -> usize {
        match self.durability {
            Durability::Full => 1_000,
            _ => 10_000,
        }
    }
}

/// `count` events of ~1 KB of data each: output text as an agent streams it.
fn make_events(count: usize, first: usize) -> Vec<Event> {
    let text =
        "The quick brown fox jumps over the lazy dog; fn main() { println!(\"hi\"); } ".repeat(14);
    (first..first + count)
        .map(|i| {
            Event::OutputText(OutputText {
                message_id: Some(format!("msg_{:08}", i / 50)),
                text: text[..900 + i % 64].to_owned(),
                delta: true,
                parent_tool_use_id: None,
            })
        })
        .collect()
}

/// The serialized size of the events' data, for MB/s.
fn data_bytes(events: &[Event]) -> usize {
    events
        .iter()
        .map(|e| serde_json::to_string(e).map_or(0, |s| s.len()))
        .sum()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One run's figures.
struct Measured {
    events_per_s: f64,
    /// Publish-to-return latency quantiles, in milliseconds.
    p50_ms: f64,
    p99_ms: f64,
}

fn main() {
    let total: usize = env_or("AGENTCAST_BENCH_EVENTS", 100_000);
    let runs: usize = env_or("AGENTCAST_BENCH_RUNS", 5).max(1);
    let commit_max: usize = env_or("AGENTCAST_BENCH_COMMIT_MAX", 500).max(1);
    let linger = Duration::from_millis(env_or("AGENTCAST_BENCH_LINGER_MS", 0));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let sample = make_events(64, 0);
    let avg_bytes = data_bytes(&sample) / sample.len();
    println!(
        "sequencer throughput (Hub::publish -> group commit -> broadcast), median of {runs} runs, \
         {SESSIONS} sessions, event ~{avg_bytes} bytes as JSON, commit_max_events {commit_max}, \
         commit_linger {} ms",
        linger.as_millis()
    );
    println!(
        "{:<14} {:>6} {:>9} {:>8} {:>12} {:>8} {:>9} {:>9} {:>10}",
        "store", "batch", "pubs/ses", "events", "events/s", "MB/s", "p50 ms", "p99 ms", "vs memory"
    );
    let settings = Settings {
        total,
        runs,
        commit_max,
        linger,
        avg_bytes,
    };
    // The server lives as long as the bench (a leaked one: dropping it stops it).
    let postgres: Option<&'static TempPostgres> = TempPostgres::start(Fsync::On)
        .map(|started| &*Box::leak(Box::new(started.expect("a private PostgreSQL server"))));
    let mut kinds = vec![
        Kind {
            durability: Durability::Memory,
            postgres: None,
        },
        Kind {
            durability: Durability::Normal,
            postgres: None,
        },
        Kind {
            durability: Durability::Full,
            postgres: None,
        },
    ];
    if postgres.is_some() {
        for durability in [Durability::Normal, Durability::Full] {
            kinds.push(Kind {
                durability,
                postgres,
            });
        }
    }
    for (batch, publishers) in SCENARIOS {
        scenario(&runtime, &settings, &kinds, batch, publishers);
    }
}

/// What every scenario shares (the command line's environment).
struct Settings {
    total: usize,
    runs: usize,
    commit_max: usize,
    linger: Duration,
    avg_bytes: usize,
}

/// One scenario on every store. The stores take turns run after run, so that other work
/// on the machine slows them alike and the ratio to memory holds.
fn scenario(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    kinds: &[Kind],
    batch: usize,
    publishers: usize,
) {
    let Settings {
        total,
        runs,
        commit_max,
        linger,
        avg_bytes,
    } = *settings;
    let per_publisher: Vec<usize> = kinds
        .iter()
        .map(|kind| {
            let count = total.min(kind.max_commits() * batch * publishers);
            (count / (SESSIONS * publishers) / batch).max(1) * batch
        })
        .collect();
    let mut measured: Vec<Vec<Measured>> = kinds.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (k, &kind) in kinds.iter().enumerate() {
            let config = Shape {
                kind,
                batch,
                publishers,
                per_publisher: per_publisher[k],
                commit_max,
                linger,
            };
            measured[k].push(runtime.block_on(run(config)));
        }
    }
    let reference = median(measured[0].iter().map(|m| m.events_per_s).collect());
    for (k, kind) in kinds.iter().enumerate() {
        let rate = median(measured[k].iter().map(|m| m.events_per_s).collect());
        println!(
            "{:<14} {:>6} {:>9} {:>8} {:>12.0} {:>8.1} {:>9.2} {:>9.2} {:>9.2}x",
            kind.name(),
            batch,
            publishers,
            per_publisher[k] * SESSIONS * publishers,
            rate,
            rate * avg_bytes as f64 / 1e6,
            median(measured[k].iter().map(|m| m.p50_ms).collect()),
            median(measured[k].iter().map(|m| m.p99_ms).collect()),
            rate / reference,
        );
    }
}

/// What one run publishes, and how.
struct Shape {
    kind: Kind,
    batch: usize,
    publishers: usize,
    per_publisher: usize,
    commit_max: usize,
    linger: Duration,
}

/// A fresh hub on a fresh store; `publishers` tasks per session each publish `per_publisher`
/// events in batches of `batch`.
async fn run(
    Shape {
        kind,
        batch,
        publishers,
        per_publisher,
        commit_max,
        linger,
    }: Shape,
) -> Measured {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut config = Config::default();
    config.server.data_dir = dir.path().to_owned();
    config.store.durability = kind.durability;
    if let Some(postgres) = kind.postgres {
        let url = postgres.new_database().await;
        config.store.database_url = Some(url.parse().expect("a postgres:// URL"));
    }
    config.hub.commit_max_events = commit_max;
    config.hub.commit_linger = linger;
    let built = app::build(&config).await.expect("the hub builds");
    let hub = built.hub.clone();
    let sessions: Vec<String> = (0..SESSIONS).map(|s| format!("bench-{s}")).collect();
    // Starts every sequencer (it reads where the store left its session) outside the clock.
    for session in &sessions {
        hub.publish(session, make_events(1, 0))
            .await
            .expect("the warm-up publish");
    }

    // Every event is made before the clock starts; publish takes its batch by value.
    let start = Arc::new(Barrier::new(SESSIONS * publishers + 1));
    let mut tasks = Vec::with_capacity(SESSIONS * publishers);
    for (s, session) in sessions.iter().enumerate() {
        for p in 0..publishers {
            let first = (s * publishers + p) * per_publisher;
            let batches: Vec<Vec<Event>> = make_events(per_publisher, first)
                .chunks(batch)
                .map(<[Event]>::to_vec)
                .collect();
            let (hub, session, start) = (hub.clone(), session.clone(), start.clone());
            tasks.push(tokio::spawn(publish_all(hub, session, batches, start)));
        }
    }
    start.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a publisher finished"));
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    hub.shutdown(Duration::from_secs(10)).await;
    hub.store().close().await;
    drop(built);
    latencies.sort_by(f64::total_cmp);
    let quantile =
        |q: f64| latencies[((q * latencies.len() as f64) as usize).min(latencies.len() - 1)];
    Measured {
        events_per_s: (per_publisher * SESSIONS * publishers) as f64 / elapsed,
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
    }
}

/// Publishes each batch and waits for it (its commit) before the next; returns each
/// publish's latency in milliseconds.
async fn publish_all(
    hub: Hub,
    session: String,
    batches: Vec<Vec<Event>>,
    start: Arc<Barrier>,
) -> Vec<f64> {
    let mut latencies = Vec::with_capacity(batches.len());
    start.wait().await;
    for batch in batches {
        let sent = Instant::now();
        hub.publish(&session, batch)
            .await
            .expect("the publish is committed");
        latencies.push(sent.elapsed().as_secs_f64() * 1e3);
    }
    latencies
}
