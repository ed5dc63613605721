//! Server counters and the periodic `system.stats` event on the hub namespace.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentcast_shared::{Event, SystemStats};

use super::{Hub, emit};
use crate::limits::Hits;
use crate::socket::adapter::BroadcastLedger;

/// Monotonic counters; readers take a snapshot.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    /// Sockets connected to any namespace.
    pub connections: AtomicU64,
    /// Events accepted into sessions.
    pub events_in: AtomicU64,
    /// Client events with a name no handler knows: ignored, counted here.
    pub unknown_events: AtomicU64,
    /// Sockets disconnected because their send buffer was full.
    pub slow_consumer_disconnects: AtomicU64,
    /// Deliveries made by broadcasts, and full sockets found by them.
    pub ledger: Arc<BroadcastLedger>,
    /// Refusals by the rate and connection limits (counted by `limits::Limiters`).
    pub limits_hit: Arc<Hits>,
}

impl Stats {
    pub fn new(ledger: Arc<BroadcastLedger>, limits_hit: Arc<Hits>) -> Self {
        Self {
            started: Instant::now(),
            connections: AtomicU64::new(0),
            events_in: AtomicU64::new(0),
            unknown_events: AtomicU64::new(0),
            slow_consumer_disconnects: AtomicU64::new(0),
            ledger,
            limits_hit,
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Turns counters into per-second rates between two ticks.
struct RateMeter {
    last: Instant,
    events_in: u64,
    events_out: u64,
}

impl RateMeter {
    fn snapshot(&mut self, hub: &Hub) -> SystemStats {
        let stats = hub.stats();
        let (events_in, events_out) = (
            stats.events_in.load(Ordering::Relaxed),
            stats.ledger.delivered(),
        );
        let secs = self.last.elapsed().as_secs_f64().max(1e-3);
        let snapshot = SystemStats {
            connections: stats.connections.load(Ordering::Relaxed),
            sessions_active: hub.active_sessions(),
            events_in_per_s: (events_in - self.events_in) as f64 / secs,
            events_out_per_s: (events_out - self.events_out) as f64 / secs,
            memory_bytes: resident_memory_bytes(),
            uptime_s: stats.uptime().as_secs(),
            slow_consumer_disconnects: stats.slow_consumer_disconnects.load(Ordering::Relaxed),
            limits_hit: stats.limits_hit.snapshot(),
        };
        *self = Self {
            last: Instant::now(),
            events_in,
            events_out,
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
    };
    meter.snapshot(hub)
}

/// Emits `system.stats` on `/` every `interval` until the hub's io is closed.
pub async fn run_ticker(hub: Hub, interval: Duration) {
    let mut meter = RateMeter {
        last: Instant::now(),
        events_in: 0,
        events_out: 0,
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let event = Event::SystemStats(meter.snapshot(&hub));
        emit::emit_ephemeral_to_hub(&hub, &event).await;
    }
}

/// Resident set size from /proc (Linux); 0 where it cannot be read.
fn resident_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
