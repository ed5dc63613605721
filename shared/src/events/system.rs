//! The server itself: its statistics (`system.stats`) and its failures (`system.error`).

use serde::{Deserialize, Serialize};

/// `system.stats`: the server's vital signs, emitted on `/` every few seconds with offset 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
    /// CPU time the server process used over the last interval, in percent of one core
    /// (200 is two cores busy).
    #[serde(default)]
    pub cpu_percent: f64,
    /// Seconds since the server started.
    pub uptime_s: u64,
    /// Sockets disconnected since start because their send buffer was full.
    #[serde(default)]
    pub slow_consumer_disconnects: u64,
    /// How often each limit refused something since start.
    #[serde(default)]
    pub limits_hit: LimitsHit,
    /// The transcript collectors: the import's progress and the files followed; absent when
    /// collecting is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub collector: Option<CollectorStats>,
}

/// What the transcript collectors are doing (`system.stats`): the import of the transcripts
/// found at start (newest first), then the files followed live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CollectorStats {
    /// True until every transcript found at start is read to its end.
    pub importing: bool,
    /// Transcript files found at start.
    pub files_total: u64,
    /// Of those, the files read to their end.
    pub files_imported: u64,
    /// Bytes of the files found at start.
    pub bytes_total: u64,
    /// Of those, the bytes read.
    pub bytes_imported: u64,
    /// Files followed now (read as they grow).
    pub files_followed: u64,
    /// Files that could not be read (reported in the log, skipped), since start.
    pub errors: u64,
}

/// Refusals by limit since the server started (DESIGN.md section 5): each is also logged and
/// written to the audit log with the peer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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

/// `system.error`: a failure of the server itself, not of one session (the store refused a
/// commit, a collector stopped, a limit of the whole server was hit). Emitted on `/` with
/// offset 0, at most once per component per `--system-error-interval-ms`; what that holds
/// back is counted in `suppressed` of the next one (and every one in `/metrics`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SystemError {
    /// What failed: `store`, `collector` or `limits` (more may come).
    pub component: String,
    /// `warning` (something was refused or skipped) or `error` (work was lost or stopped).
    pub severity: Severity,
    /// What happened, for a person; the detail is in the server log.
    pub message: String,
    /// Errors of this component held back by the rate limit since the last `system.error`.
    #[serde(default)]
    pub suppressed: u64,
}

/// How bad a [`SystemError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The server goes on, something was refused or skipped (a limit hit).
    Warning,
    /// Work was lost or stopped (events not stored, a collector that stopped).
    Error,
}

impl Severity {
    /// The wire name, also the `severity` label in `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}
