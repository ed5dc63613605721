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
    /// How often each limit refused something since start.
    #[serde(default)]
    pub limits_hit: LimitsHit,
}

/// Refusals by limit since the server started (DESIGN.md section 5): each is also logged and
/// written to the audit log with the peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LimitsHit {
    /// Connections refused: too many new ones from one address in a second.
    pub connections_per_ip: u64,
    /// Connections refused: the server's total was reached.
    pub max_connections: u64,
    /// HTTP requests answered 429.
    pub http_requests: u64,
    /// Socket messages answered `rate_limited`.
    pub messages: u64,
    /// Sockets disconnected for going on sending while limited.
    pub flood_disconnects: u64,
}
