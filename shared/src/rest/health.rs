//! `GET /health`: liveness and the database, for load balancers and humans.

use serde::{Deserialize, Serialize};

/// The body of `GET /health` (200 when the database answers, 503 when it does not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    pub status: HealthStatus,
    /// `ok` or `error` (the detail is in the server log).
    pub database: DatabaseStatus,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_s: u64,
}

/// Whether the server serves fully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Serving, database reachable.
    Ok,
    /// Serving, but the database does not answer.
    Degraded,
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
