//! The JSON line the load generator prints, and the statistics behind it.

use serde::Serialize;

use super::subscriber::ClientStats;

/// One run's result. `cargo xtask bench` reads these fields by name.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Subscribing connections asked for.
    pub clients: usize,
    /// Measured events published.
    pub events: u64,
    /// Measured events received, over all subscribers (clients x events when all is well).
    pub delivered: u64,
    /// From the first measured publish to the last delivery.
    pub duration_s: f64,
    pub delivered_per_s: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    /// Until every client completed the namespace CONNECT (and so is subscribed).
    pub connect_ms: f64,
    pub rss_before_kb: Option<u64>,
    pub rss_after_kb: Option<u64>,
    /// (RSS with every client connected and idle - RSS before) / connected clients, "before"
    /// being after one client connected and left (what a first connection pays once per
    /// process is not counted per connection).
    pub rss_per_conn_kb: Option<f64>,
    /// The same with `RssAnon`, the server's own memory, without the pages of files it maps
    /// (its executable's code).
    pub anon_per_conn_kb: Option<f64>,
    /// Server RSS once every event was delivered (or the run gave up).
    pub rss_end_kb: Option<u64>,
    /// The most the server was ever resident (`VmHWM`), read at the end: the peak of the
    /// connects and the events together.
    pub rss_peak_kb: Option<u64>,
    /// Sum of `error_detail`.
    pub errors: u64,
    pub error_detail: ErrorDetail,
    /// The first error met, for a human.
    pub first_error: Option<String>,
    /// Events per publish, un-acked publishes at most, average lag bound (0: none), open-loop
    /// rate (0: closed loop).
    pub batch: u64,
    pub inflight: u64,
    pub max_lag: u64,
    /// Events per second in open loop; 0 for closed loop.
    pub rate: u64,
    /// Mean size of a received websocket message (the fan-out packet), in bytes.
    pub bytes_per_msg: f64,
    /// Server and load generator CPU use while events flowed, in percent of one core: a load
    /// generator near 100 % means it, not the server, set the pace.
    pub server_cpu_pct: Option<f64>,
    pub loadgen_cpu_pct: Option<f64>,
}

/// What went wrong, by kind. Every count should be 0.
#[derive(Debug, Default, Serialize)]
pub struct ErrorDetail {
    pub connect_failed: u64,
    /// Connections that ended before the run did.
    pub disconnected: u64,
    /// Connections that had not received every event when the run ended.
    pub unfinished: u64,
    pub gaps: u64,
    pub reorders: u64,
    pub duplicates: u64,
    pub malformed: u64,
    pub publish_failed: u64,
}

impl ErrorDetail {
    pub(crate) fn total(&self) -> u64 {
        self.connect_failed
            + self.disconnected
            + self.unfinished
            + self.gaps
            + self.reorders
            + self.duplicates
            + self.malformed
            + self.publish_failed
    }
}

/// Totals merged from every connection.
#[derive(Default)]
pub(crate) struct Merged {
    pub(crate) latencies_us: Vec<u32>,
    pub(crate) bytes: u64,
    pub(crate) messages: u64,
    pub(crate) errors: ErrorDetail,
    pub(crate) first_error: Option<String>,
}

impl Merged {
    pub(crate) fn add(&mut self, stats: ClientStats, expected: u64) {
        self.latencies_us.extend_from_slice(&stats.latencies_us);
        self.bytes += stats.bytes;
        self.messages += stats.messages;
        self.errors.gaps += stats.gaps;
        self.errors.reorders += stats.reorders;
        self.errors.duplicates += stats.duplicates;
        self.errors.malformed += stats.malformed;
        if stats.measured < expected {
            self.errors.unfinished += 1;
        }
        if let Some(why) = stats.ended {
            self.errors.disconnected += 1;
            self.first_error.get_or_insert(why);
        }
    }
}

/// The `q` quantile (0..=1) of sorted samples, nearest-rank; 0 when empty.
pub(crate) fn quantile(sorted: &[u32], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    u64::from(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile(&sorted, 0.5), 50);
        assert_eq!(quantile(&sorted, 0.99), 99);
        assert_eq!(quantile(&sorted, 1.0), 100);
        assert_eq!(quantile(&sorted, 0.0), 1);
        assert_eq!(quantile(&[], 0.5), 0);
    }
}
