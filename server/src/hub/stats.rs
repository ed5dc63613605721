//! Server counters and the periodic `system.stats` event on the hub namespace. `/metrics`
//! reads the same counters when it is scraped (the `metrics` module).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentcast_shared::{CollectorStats, Event, LimitsHit, SYSTEM_STATS, SystemStats};
use prometheus_client::metrics::histogram::Histogram;

use super::BrokerCounters;
use super::system_error::SystemErrors;
use super::{Hub, SESSION_NS_PREFIX, envelope, process};
use crate::ingest::IngestCounters;

/// Monotonic counters of the whole server, kept by whoever does the counted thing (the
/// sequencers, the socket layer, the limits); readers take a snapshot.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    /// Sockets connected to any namespace.
    pub connections: AtomicU64,
    /// Events taken by the sequencers to be stored (committed or not).
    pub events_ingested: AtomicU64,
    /// Events stored and broadcast (committed).
    pub events_in: AtomicU64,
    /// Events other servers stored in a shared store, which this one broadcast.
    pub events_followed: AtomicU64,
    /// Envelopes handed to sockets by broadcasts, by namespace kind.
    pub events_out: PerNamespace,
    /// Broadcasts (one event to the subscribers of one namespace), by namespace kind.
    pub broadcasts: PerNamespace,
    /// Events sent to reconnecting clients catching up by offset.
    pub events_replayed: AtomicU64,
    /// Seconds each group commit took in the store.
    pub commit_seconds: Histogram,
    /// Events in each group commit.
    pub commit_events: Histogram,
    /// Client events with a name no handler knows: ignored, counted here.
    pub unknown_events: AtomicU64,
    /// Lines the server's pipelines and the collector mapped, and those they could not use.
    pub ingest: Arc<IngestCounters>,
    /// Sockets disconnected because their send buffer was full.
    pub slow_consumer_disconnects: AtomicU64,
    /// Refusals by the rate and connection limits.
    pub limits_hit: Hits,
    /// What the transcript collectors report.
    pub collector: CollectorCounters,
    /// Failures of the server itself, counted and emitted as `system.error`.
    pub errors: SystemErrors,
    /// The connection that announces other servers' appends (a shared store).
    pub broker: BrokerCounters,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            connections: AtomicU64::new(0),
            events_ingested: AtomicU64::new(0),
            events_in: AtomicU64::new(0),
            events_followed: AtomicU64::new(0),
            events_out: PerNamespace::default(),
            broadcasts: PerNamespace::default(),
            events_replayed: AtomicU64::new(0),
            // 100 µs to about 6.5 s: an fsync'd SQLite commit takes milliseconds.
            commit_seconds: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(0.0001, 4.0, 9),
            ),
            // 1 to 4096 events, by powers of two (the group is at most commit_max_events).
            commit_events: Histogram::new(
                prometheus_client::metrics::histogram::exponential_buckets(1.0, 2.0, 13),
            ),
            unknown_events: AtomicU64::new(0),
            ingest: Arc::default(),
            slow_consumer_disconnects: AtomicU64::new(0),
            limits_hit: Hits::default(),
            collector: CollectorCounters::default(),
            errors: SystemErrors::default(),
            broker: BrokerCounters::default(),
        }
    }
}

/// One count for the hub namespace `/` and one for the session namespaces together: a
/// namespace kind, never a session id, is what metrics are labelled with.
#[derive(Debug, Default)]
pub struct PerNamespace {
    pub hub: AtomicU64,
    pub session: AtomicU64,
}

impl PerNamespace {
    /// The count of namespace `ns`'s kind.
    pub fn of(&self, ns: &str) -> &AtomicU64 {
        if ns.starts_with(SESSION_NS_PREFIX) {
            &self.session
        } else {
            &self.hub
        }
    }

    pub fn total(&self) -> u64 {
        self.hub.load(Ordering::Relaxed) + self.session.load(Ordering::Relaxed)
    }
}

impl Stats {
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// The transcript collectors' progress, counted by them (`system.stats` carries it).
#[derive(Debug, Default)]
pub struct CollectorCounters {
    /// Set once collecting starts: `system.stats` then reports these.
    pub enabled: AtomicBool,
    pub importing: AtomicBool,
    pub files_total: AtomicU64,
    pub files_imported: AtomicU64,
    pub bytes_total: AtomicU64,
    pub bytes_imported: AtomicU64,
    pub files_followed: AtomicU64,
    pub errors: AtomicU64,
    /// Set when the collector's task ended while the server runs (it panicked).
    pub stopped: AtomicBool,
}

impl CollectorCounters {
    /// The progress now; `None` while collecting is off.
    pub fn snapshot(&self) -> Option<CollectorStats> {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        self.enabled
            .load(Ordering::Relaxed)
            .then(|| CollectorStats {
                importing: self.importing.load(Ordering::Relaxed),
                files_total: load(&self.files_total),
                files_imported: load(&self.files_imported),
                bytes_total: load(&self.bytes_total),
                bytes_imported: load(&self.bytes_imported),
                files_followed: load(&self.files_followed),
                errors: load(&self.errors),
            })
    }
}

/// How often each limit refused something since the start.
#[derive(Debug, Default)]
pub struct Hits {
    pub connections_per_ip: AtomicU64,
    pub max_connections: AtomicU64,
    pub http_requests: AtomicU64,
    pub messages: AtomicU64,
    pub flood_disconnects: AtomicU64,
}

impl Hits {
    /// The counts now, as `system.stats` carries them.
    pub fn snapshot(&self) -> LimitsHit {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        LimitsHit {
            connections_per_ip: load(&self.connections_per_ip),
            max_connections: load(&self.max_connections),
            http_requests: load(&self.http_requests),
            messages: load(&self.messages),
            flood_disconnects: load(&self.flood_disconnects),
        }
    }
}

/// Turns counters into per-second rates between two ticks.
struct RateMeter {
    last: Instant,
    events_in: u64,
    events_out: u64,
    cpu_s: f64,
}

impl RateMeter {
    fn snapshot(&mut self, hub: &Hub) -> SystemStats {
        let stats = hub.stats();
        let (events_in, events_out) = (
            stats.events_in.load(Ordering::Relaxed),
            stats.events_out.total(),
        );
        let cpu_s = process::cpu_seconds();
        let elapsed = self.last.elapsed();
        let secs = elapsed.as_secs_f64().max(1e-3);
        let snapshot = SystemStats {
            connections: stats.connections.load(Ordering::Relaxed),
            sessions_active: hub.active_sessions(),
            events_in_per_s: (events_in - self.events_in) as f64 / secs,
            events_out_per_s: (events_out - self.events_out) as f64 / secs,
            memory_bytes: process::resident_memory_bytes(),
            cpu_percent: process::cpu_percent(self.cpu_s, cpu_s, elapsed),
            uptime_s: stats.uptime().as_secs(),
            slow_consumer_disconnects: stats.slow_consumer_disconnects.load(Ordering::Relaxed),
            limits_hit: stats.limits_hit.snapshot(),
            collector: stats.collector.snapshot(),
        };
        *self = Self {
            last: Instant::now(),
            events_in,
            events_out,
            cpu_s,
        };
        snapshot
    }
}

/// The current statistics, with rates averaged since the server started (for `get_status`).
pub fn current(hub: &Hub) -> SystemStats {
    let mut meter = RateMeter {
        last: Instant::now() - hub.stats().uptime(),
        events_in: 0,
        events_out: 0,
        cpu_s: 0.0,
    };
    meter.snapshot(hub)
}

/// Emits `system.stats` on `/` every `interval` until the hub's io is closed.
pub async fn run_ticker(hub: Hub, interval: Duration) {
    let mut meter = RateMeter {
        last: Instant::now(),
        events_in: 0,
        events_out: 0,
        cpu_s: process::cpu_seconds(),
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let event = Event::SystemStats(meter.snapshot(&hub));
        let payload = envelope::ephemeral("", &event);
        hub.delivery().broadcast("/", SYSTEM_STATS, &payload).await;
    }
}
