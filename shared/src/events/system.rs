//! Server statistics: `system.stats`.

use serde::{Deserialize, Serialize};

/// `system.stats`: the server's vital signs, emitted on `/` every few seconds with offset 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SystemStats {
    /// Open Socket.IO connections.
    pub connections: u64,
    /// Sessions whose state is starting, running or idle.
    pub sessions_active: u64,
    /// Events ingested per second, over the last interval.
    pub events_in_per_s: f64,
    /// Envelopes sent to clients per second, over the last interval.
    pub events_out_per_s: f64,
    /// Resident memory of the server process.
    pub memory_bytes: u64,
    /// Seconds since the server started.
    pub uptime_s: u64,
    /// Sockets disconnected since start because their send buffer was full.
    #[serde(default)]
    pub slow_consumer_disconnects: u64,
}
