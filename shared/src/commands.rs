//! Client-to-server commands: their event names, arguments and ack results, and the
//! handshake auth.
//!
//! Every command is a Socket.IO event with an acknowledgement; the ack is an
//! [`Ack`](crate::Ack) of the result type named beside each argument type.

use serde::{Deserialize, Deserializer, Serialize, de::IgnoredAny};

use crate::control;
use crate::envelope::Envelope;
use crate::events::{Event, PermissionRequested, SessionState, SystemStats, Watcher};

/// `subscribe` ([`SubscribeArgs`] -> [`Subscription`]): add patterns to the socket's subscription.
pub const SUBSCRIBE: &str = "subscribe";
/// `unsubscribe` ([`SubscribeArgs`] -> [`Subscription`]): remove patterns from it.
pub const UNSUBSCRIBE: &str = "unsubscribe";
/// `get_history` ([`GetHistoryArgs`] -> [`HistoryPage`]): page through a session's events.
pub const GET_HISTORY: &str = "get_history";
/// `get_status` ([`GetStatusArgs`] -> [`SessionStatusReport`] on a session namespace,
/// [`HubStatusReport`] on `/`).
pub const GET_STATUS: &str = "get_status";
/// `ingest` ([`IngestArgs`] -> [`IngestResult`]): raw agent JSONL lines; write scope.
pub const INGEST: &str = "ingest";
/// `publish` ([`PublishArgs`] -> [`PublishResult`]): typed events; write scope.
pub const PUBLISH: &str = "publish";
/// `auth.refresh` ([`RefreshArgs`] -> [`Refreshed`]): replace the socket's token.
pub const AUTH_REFRESH: &str = "auth.refresh";
/// `ping` ([`PingArgs`] -> [`Pong`]): a round trip, shown as latency.
pub const PING: &str = "ping";

/// Every command name.
pub const ALL_COMMANDS: &[&str] = &[
    SUBSCRIBE,
    UNSUBSCRIBE,
    GET_HISTORY,
    GET_STATUS,
    INGEST,
    PUBLISH,
    AUTH_REFRESH,
    PING,
    control::PROMPT,
    control::INTERRUPT,
    control::PERMISSION_RESPOND,
    control::END,
];

/// The most events one `get_history` call returns.
pub const MAX_HISTORY_LIMIT: u32 = 1000;

/// Arguments of `subscribe` and `unsubscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SubscribeArgs {
    /// Patterns such as `*`, `tool.*` or `output.text` (see [`crate::Pattern`]).
    pub patterns: Vec<String>,
}

/// Result of `subscribe` and `unsubscribe`: the subscription after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Subscription {
    /// Every event type the socket now receives, in the order of `ALL_EVENT_TYPES`.
    pub types: Vec<String>,
}

/// Arguments of `get_history`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GetHistoryArgs {
    /// Patterns of the event types to return; all types when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// Return events with an offset greater than this (paging forward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Return events with an offset less than this (paging back from a gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
    /// How many events at most; capped at [`MAX_HISTORY_LIMIT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Result of `get_history`, and the body of `GET /api/sessions/{id}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    /// The events, in offset order: envelopes `{offset, session_id, ts, type, data}`.
    #[cfg_attr(feature = "utoipa", schema(value_type = Vec<Object>))]
    pub events: Vec<Envelope>,
    /// The session's latest offset when the page was read.
    pub head_offset: u64,
    /// True when more events match in the direction of the page.
    pub has_more: bool,
}

/// Arguments of `get_status`: none. Accepts `{}`, `null`, a missing argument or anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GetStatusArgs {}

impl<'de> Deserialize<'de> for GetStatusArgs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The command takes nothing: whatever a client sends is not worth refusing.
        IgnoredAny::deserialize(deserializer).map(|_| GetStatusArgs {})
    }
}

/// Result of `get_status` on a session namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionStatusReport {
    /// The session asked about.
    pub session_id: String,
    /// Its state; absent when the session has produced no `session.status` or
    /// `session.started` yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SessionState>,
    /// Its latest offset (0 when it has no events).
    pub head_offset: u64,
    /// Sockets connected to its namespace.
    pub clients: u64,
    /// Who is watching it now (as `session.presence` reports it).
    pub watchers: Vec<Watcher>,
    /// True when the session accepts the control commands (a process agentcast runs in
    /// control mode, or a hook session in approve mode).
    pub controllable: bool,
    /// The permission requests open now, oldest first.
    pub open_permissions: Vec<PermissionRequested>,
}

/// Result of `get_status` on the hub namespace `/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct HubStatusReport {
    /// The server's current statistics.
    pub stats: SystemStats,
    /// The sessions the caller may see.
    pub sessions: Vec<SessionSummary>,
}

/// One line of the sessions list, derived from the session's record
/// (`rest::SessionRecord::summary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionSummary {
    /// The session's id.
    pub session_id: String,
    /// Its human name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Its project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Its state.
    pub status: SessionState,
    /// Its latest offset.
    pub head_offset: u64,
    /// When it started, RFC 3339 UTC with milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// The model it reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its cumulative cost so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_usd: Option<f64>,
}

/// Arguments of `ingest`: agent output lines, mapped as if they came from a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct IngestArgs {
    /// JSONL lines, one JSON object each, without newlines.
    pub lines: Vec<String>,
}

/// Result of `ingest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct IngestResult {
    /// Lines turned into events.
    pub accepted: u32,
    /// Lines refused, each with why.
    pub rejected: Vec<RejectedLine>,
    /// The session's latest offset after the ingest.
    pub head_offset: u64,
}

/// A line `ingest` refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RejectedLine {
    /// Its 0-based index in [`IngestArgs::lines`].
    pub index: u32,
    /// Why it was refused.
    pub error: String,
}

/// Arguments of `publish`: typed events from any producer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PublishArgs {
    /// `{type, data}` items, appended in order.
    pub events: Vec<Event>,
}

/// Result of `publish`, and the body of `POST /api/sessions/{id}/publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PublishResult {
    /// The session's latest offset after the publish (the offset of the last event published).
    pub head_offset: u64,
}

/// Arguments of `auth.refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RefreshArgs {
    /// A new token for the same subject; it replaces the socket's token and its expiry.
    pub token: String,
}

/// Result of `auth.refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Refreshed {
    /// The new expiry, seconds since the Unix epoch (the token's `exp`).
    pub expires_at: u64,
}

/// Arguments of `ping`: none. Accepts `{}`, `null`, a missing argument or anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PingArgs {}

impl<'de> Deserialize<'de> for PingArgs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The command takes nothing: whatever a client sends is not worth refusing.
        IgnoredAny::deserialize(deserializer).map(|_| PingArgs {})
    }
}

/// Result of `ping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Pong {
    /// The server's time, RFC 3339 UTC with milliseconds.
    pub ts: String,
}

/// The Socket.IO handshake `auth` object; unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ConnectAuth {
    /// The JWT; may be absent when the server runs with `--auth none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The last offset the client applied on this session namespace: the server replays
    /// everything after it before live events. Absent: no replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}
