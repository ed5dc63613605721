//! The JSON lines `agentcast-durability` prints. `cargo xtask bench durability` reads these
//! fields by name.

use serde::Serialize;

use crate::loadgen::report::quantile;

/// Send-to-receive latency quantiles of sorted samples, in microseconds.
#[derive(Debug, Default, Serialize)]
pub struct Quantiles {
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
}

impl Quantiles {
    pub(crate) fn of(sorted: &[u32]) -> Self {
        Self {
            p50_us: quantile(sorted, 0.50),
            p90_us: quantile(sorted, 0.90),
            p99_us: quantile(sorted, 0.99),
            p999_us: quantile(sorted, 0.999),
            max_us: sorted.last().map_or(0, |l| u64::from(*l)),
            mean_us: if sorted.is_empty() {
                0.0
            } else {
                sorted.iter().map(|l| f64::from(*l)).sum::<f64>() / sorted.len() as f64
            },
        }
    }
}

/// One `latency` run.
#[derive(Debug, Serialize)]
pub struct LatencyReport {
    /// Events per second asked for, and sent (over the measured part).
    pub rate: u32,
    pub achieved_rate: f64,
    /// Measured events sent, and received by the subscriber.
    pub events: u64,
    pub received: u64,
    /// Publish send to the subscriber's receive of the event.
    pub latency: Quantiles,
    /// Publish send to its ack (which the server sends after the commit and the broadcast).
    pub ack: Quantiles,
    /// Times the publisher waited for acks because too many were outstanding (the server
    /// fell behind the rate); 0 when the rate was held.
    pub stalls: u64,
    /// Sum of `error_detail`.
    pub errors: u64,
    pub error_detail: LatencyErrors,
    pub first_error: Option<String>,
}

/// What went wrong in a `latency` run, by kind. Every count should be 0.
#[derive(Debug, Default, Serialize)]
pub struct LatencyErrors {
    /// Measured events the subscriber never received.
    pub missing: u64,
    pub gaps: u64,
    pub reorders: u64,
    pub malformed: u64,
    /// Events of another type (nothing else publishes into the session).
    pub other: u64,
}

impl LatencyErrors {
    pub(crate) fn total(&self) -> u64 {
        self.missing + self.gaps + self.reorders + self.malformed + self.other
    }
}

/// One `replay` run: the session filled, then replayed `replays.len()` times.
#[derive(Debug, Serialize)]
pub struct ReplayReport {
    /// Events published, then replayed.
    pub events: u64,
    /// Filling the session: every publish acked (so committed).
    pub fill_s: f64,
    pub fill_events_per_s: f64,
    pub replays: Vec<ReplayRun>,
    /// Sum of the replays' errors.
    pub errors: u64,
}

/// One client recovering the session from offset 0.
#[derive(Debug, Serialize)]
pub struct ReplayRun {
    /// Offsets received (1..=`to` when all is well).
    pub received: u64,
    /// `session.recovered`: whether the history covered everything, and up to where.
    pub recovered: bool,
    pub to: u64,
    /// From the start of the TCP connect to the namespace CONNECT ack.
    pub connect_ms: f64,
    /// From the start of the TCP connect to the first event, to the last one, and to
    /// `session.recovered`.
    pub first_event_ms: f64,
    pub duration_s: f64,
    pub recovered_ms: f64,
    /// `received` over `duration_s`, and the websocket text received (the Socket.IO packets
    /// of the events) over it.
    pub events_per_s: f64,
    pub mb_per_s: f64,
    pub bytes_per_event: f64,
    pub gaps: u64,
    pub reorders: u64,
    pub malformed: u64,
    pub other: u64,
}

impl ReplayRun {
    pub(crate) fn errors(&self) -> u64 {
        let short = u64::from(self.received != self.to || !self.recovered);
        self.gaps + self.reorders + self.malformed + self.other + short
    }
}
