//! Event store throughput: appends through `append_batch` (group commit) and replay reads,
//! SQLite (a file in a temp dir) and PostgreSQL (a private server the bench starts, WAL
//! fsynced as by default, a fresh database per run; left out after a notice when it is not
//! installed) against the memory store as the reference, in the same run.
//!
//! ```text
//! cargo bench -p agentcast-server --bench store
//! ```
//!
//! Appends: ~1 KB events, four sessions interleaved in each batch, batches of 1, 10, 100 and
//! 500 events, each run on a fresh database; SQLite with `synchronous = NORMAL` (the default)
//! and `FULL` (an fsync per commit), PostgreSQL with `synchronous_commit` off and on. Reads: 100,000 events of one session read back in pages
//! of 1000, as a replay does, then the same with every envelope rebuilt for the wire.
//! Every figure is the median of several runs. The target is 100,000 events/s appended for
//! ~1 KB events with group commit. `AGENTCAST_BENCH_EVENTS` changes the events per run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcast_server::hub::envelope;
use agentcast_server::store::testing::{Fsync, TempPostgres};
use agentcast_server::store::{
    EventQuery, MemoryStore, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Store,
    StoredEvent, Synchronous, SynchronousCommit,
};

const RUNS: usize = 5;
const SESSIONS: usize = 4;
const BATCH_SIZES: [usize; 4] = [1, 10, 100, 500];
const PAGE: u32 = 1000;

#[derive(Clone, Copy)]
enum Kind {
    Memory,
    Sqlite(Synchronous),
    Postgres(&'static TempPostgres, SynchronousCommit),
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Sqlite(Synchronous::Normal) => "sqlite NORMAL",
            Kind::Sqlite(Synchronous::Full) => "sqlite FULL",
            Kind::Postgres(_, SynchronousCommit::Off) => "postgres off",
            Kind::Postgres(_, SynchronousCommit::On) => "postgres on",
        }
    }

    /// Commits per run at most: an fsync per commit makes FULL with small batches slow.
    fn max_commits(self) -> usize {
        match self {
            Kind::Sqlite(Synchronous::Full) | Kind::Postgres(_, SynchronousCommit::On) => 1_000,
            _ => 20_000,
        }
    }
}

/// A store of `kind` and the temp dir that holds its file (dropped after the store).
async fn open(kind: Kind) -> (Store, Option<tempfile::TempDir>) {
    match kind {
        Kind::Memory => (Store::new(Arc::new(MemoryStore::new())), None),
        Kind::Sqlite(synchronous) => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let options = SqliteOptions {
                synchronous,
                ..SqliteOptions::default()
            };
            let store = SqliteStore::open(&dir.path().join("agentcast.db"), options)
                .await
                .expect("the database opens");
            (Store::new(Arc::new(store)), Some(dir))
        }
        Kind::Postgres(server, synchronous_commit) => {
            let url = server
                .new_database()
                .await
                .parse()
                .expect("a postgres:// URL");
            let options = PostgresOptions {
                synchronous_commit,
                ..PostgresOptions::default()
            };
            let store = PostgresStore::open(&url, options)
                .await
                .expect("the database opens");
            (Store::new(Arc::new(store)), None)
        }
    }
}

/// `count` events of ~1 KB of data each: output text as an agent streams it.
fn make_events(count: usize, sessions: usize) -> Vec<StoredEvent> {
    let ids: Vec<Arc<str>> = (0..sessions)
        .map(|i| Arc::from(format!("bench-session-{i}")))
        .collect();
    let text =
        "The quick brown fox jumps over the lazy dog; fn main() { println!(\"hi\"); } ".repeat(14);
    (0..count)
        .map(|i| {
            let session = i % sessions;
            let offset = (i / sessions + 1) as u64;
            StoredEvent {
                session_id: ids[session].clone(),
                offset,
                kind: "output.text".to_owned(),
                ts: agentcast_shared::format_ts_millis(1_795_514_400_000 + i as u64),
                data_json: serde_json::json!({
                    "message_id": format!("msg_{:08}", offset / 50),
                    "text": &text[..920 + i % 64],
                    "delta": true,
                })
                .to_string(),
            }
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let total: usize = std::env::var("AGENTCAST_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sample = make_events(SESSIONS, SESSIONS);
        let avg_bytes = sample.iter().map(|e| e.data_json.len()).sum::<usize>() / SESSIONS;
        println!(
            "store append_batch throughput, median of {RUNS} runs, {SESSIONS} sessions per batch, \
             data ~{avg_bytes} bytes/event"
        );
        println!(
            "{:<14} {:>6} {:>8} {:>12} {:>8} {:>14}",
            "store", "batch", "events", "events/s", "MB/s", "commit p50 us"
        );
        // The server lives as long as the bench (a leaked one: dropping it stops it).
        let postgres: Option<&'static TempPostgres> = TempPostgres::start(Fsync::On)
            .map(|started| &*Box::leak(Box::new(started.expect("a private PostgreSQL server"))));
        let mut kinds = vec![
            Kind::Memory,
            Kind::Sqlite(Synchronous::Normal),
            Kind::Sqlite(Synchronous::Full),
        ];
        if let Some(server) = postgres {
            kinds.push(Kind::Postgres(server, SynchronousCommit::Off));
            kinds.push(Kind::Postgres(server, SynchronousCommit::On));
        }
        for &kind in &kinds {
            for batch in BATCH_SIZES {
                append(kind, batch, total).await;
            }
        }

        println!();
        println!("store replay: {total} events of one session read in pages of {PAGE}, median of {RUNS} runs");
        println!(
            "{:<14} {:>12} {:>8} {:>22}",
            "store", "events/s", "MB/s", "+ envelope, events/s"
        );
        let mut readers = vec![Kind::Memory, Kind::Sqlite(Synchronous::Normal)];
        if let Some(server) = postgres {
            readers.push(Kind::Postgres(server, SynchronousCommit::Off));
        }
        for kind in readers {
            replay(kind, total).await;
        }
    });
}

async fn append(kind: Kind, batch: usize, total: usize) {
    let count = total.min(batch * kind.max_commits());
    let events = make_events(count, SESSIONS);
    let bytes: usize = events.iter().map(|e| e.data_json.len()).sum();
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for _ in 0..RUNS {
        let (store, _dir) = open(kind).await;
        let mut commits = Vec::with_capacity(count / batch + 1);
        let start = Instant::now();
        for chunk in events.chunks(batch) {
            let commit = Instant::now();
            store
                .events()
                .append_batch(chunk)
                .await
                .expect("the batch is stored");
            commits.push(commit.elapsed());
        }
        let elapsed = start.elapsed();
        store.close().await;
        rates.push(count as f64 / elapsed.as_secs_f64());
        commits.sort();
        latencies.push(commits[commits.len() / 2].as_secs_f64() * 1e6);
    }
    let rate = median(rates);
    println!(
        "{:<14} {:>6} {:>8} {:>12.0} {:>8.1} {:>14.0}",
        kind.name(),
        batch,
        count,
        rate,
        rate * (bytes as f64 / count as f64) / 1e6,
        median(latencies),
    );
}

async fn replay(kind: Kind, total: usize) {
    let events = make_events(total, 1);
    let bytes: usize = events.iter().map(|e| e.data_json.len()).sum();
    let (store, _dir) = open(kind).await;
    for chunk in events.chunks(500) {
        store
            .events()
            .append_batch(chunk)
            .await
            .expect("the batch is stored");
    }
    let session = events[0].session_id.clone();
    let mut plain = Vec::new();
    let mut with_envelope = Vec::new();
    for run in 0..RUNS * 2 {
        let build_envelopes = run % 2 == 1;
        let start = Instant::now();
        let mut after = 0;
        let mut read = 0;
        loop {
            let query = EventQuery {
                limit: PAGE,
                ..EventQuery::after(after)
            };
            let page = store
                .events()
                .read_events(&session, &query)
                .await
                .expect("reads");
            if build_envelopes {
                for event in &page.events {
                    std::hint::black_box(envelope::of_stored(event).expect("valid data"));
                }
            }
            read += page.events.len();
            match page.events.last() {
                Some(last) if page.has_more => after = last.offset,
                _ => break,
            }
        }
        assert_eq!(read, total, "the replay read every event");
        let rate = total as f64 / elapsed_secs(start.elapsed());
        if build_envelopes {
            with_envelope.push(rate);
        } else {
            plain.push(rate);
        }
    }
    store.close().await;
    let rate = median(plain);
    println!(
        "{:<14} {:>12.0} {:>8.1} {:>22.0}",
        kind.name(),
        rate,
        rate * (bytes as f64 / total as f64) / 1e6,
        median(with_envelope),
    );
}

fn elapsed_secs(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64().max(1e-9)
}
