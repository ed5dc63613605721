//! `GET /health`: liveness, the database, what is connected and the collector, for load
//! balancers and humans.

use serde::{Deserialize, Serialize};

/// The body of `GET /health` (200 when `ok` or `degraded`, 503 when `failing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`; `degraded` when it serves but something is wrong (a collector stopped, an
    /// error of the server in the last minute); `failing` when the database does not answer.
    pub status: HealthStatus,
    /// `ok` or `error` (the detail is in the server log).
    pub database: DatabaseStatus,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_s: u64,
    /// Sockets connected now, over every namespace.
    #[serde(default)]
    pub connections: u64,
    /// Rooms with at least one member now (a room is a namespace's subscribed event type).
    #[serde(default)]
    pub rooms: u64,
    /// The transcript collector.
    #[serde(default)]
    pub collector: CollectorState,
    /// The connection that brings other servers' events, when several servers share one
    /// PostgreSQL; `off` for a server alone on its store.
    #[serde(default)]
    pub broker: BrokerState,
}

/// Whether a server that shares its store with others hears of their events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BrokerState {
    /// Alone on its store (SQLite, memory): nothing to hear.
    #[default]
    Off,
    /// Listening: other servers' events reach this server's clients.
    Connected,
    /// The connection is lost and being retried: other servers' events wait (`degraded`).
    Lost,
}

/// What the transcript collector is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CollectorState {
    /// Collecting is off (`--no-collect`).
    #[default]
    Off,
    /// Reading the transcripts found at start.
    Importing,
    /// Following the transcripts as they grow.
    Following,
    /// It stopped (see the server log and `system.error`): nothing new is collected.
    Stopped,
}

/// Whether the server serves fully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Serving, database reachable, nothing wrong.
    Ok,
    /// Serving and storing, but a collector stopped or the server reported an error
    /// (`system.error` of severity `error`) in the last minute.
    Degraded,
    /// The database does not answer: events cannot be stored.
    Failing,
}

/// Whether the database answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DatabaseStatus {
    /// It answered.
    Ok,
    /// It did not.
    Error,
}
