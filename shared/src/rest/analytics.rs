//! Analytics over REST (`/api/analytics/usage|costs|sessions`): tokens, costs and session
//! outcomes grouped by day, model or project, for the sessions started in a time range. The
//! rows are what the server's store computes, as they are sent.

use serde::{Deserialize, Serialize};

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The UTC day a session started, `2026-11-24`.
    #[default]
    Day,
    /// The model a session reported; `null` for those that reported none.
    Model,
    /// The session's project; `null` for those without one.
    Project,
}

/// The query parameters of every analytics route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "utoipa",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsParams {
    /// `day`, `model` or `project` [default: day].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", param(inline))]
    pub group_by: Option<GroupBy>,
    /// Sessions started at or after this RFC 3339 time or date (`2026-11-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Sessions started before this RFC 3339 time or date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Tokens of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct UsageRow {
    /// The day, model or project; `null` groups the sessions without one.
    pub key: Option<String>,
    /// Sessions in the group.
    pub sessions: u64,
    /// Their input tokens.
    pub input_tokens: u64,
    /// Their output tokens.
    pub output_tokens: u64,
    /// Their tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Their tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
}

/// The body of `GET /api/analytics/usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct UsageReport {
    /// What the rows are grouped by.
    pub group_by: GroupBy,
    /// One row per group, by key, the `null` group last.
    pub rows: Vec<UsageRow>,
}

/// Cost of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CostRow {
    /// The day, model or project; `null` groups the sessions without one.
    pub key: Option<String>,
    /// Sessions in the group.
    pub sessions: u64,
    /// The sum of the sessions' cumulative costs in USD (those without one count 0).
    pub total_cost_usd: f64,
}

/// The body of `GET /api/analytics/costs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CostReport {
    /// What the rows are grouped by.
    pub group_by: GroupBy,
    /// One row per group, by key, the `null` group last.
    pub rows: Vec<CostRow>,
    /// The sum over the rows.
    pub total_cost_usd: f64,
}

/// Session counts, outcomes and durations of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionStatsRow {
    /// The day, model or project; `null` groups the sessions without one.
    pub key: Option<String>,
    /// Sessions in the group.
    pub sessions: u64,
    /// Of them, completed.
    pub completed: u64,
    /// Failed.
    pub failed: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Interrupted.
    pub interrupted: u64,
    /// Still starting, running or idle.
    pub active: u64,
    /// Completed over ended (completed, failed, cancelled or interrupted); `null` when none
    /// has ended.
    pub success_rate: Option<f64>,
    /// Mean duration of the sessions that reported one; `null` when none did.
    pub avg_duration_ms: Option<f64>,
    /// The sum of the durations reported.
    pub total_duration_ms: u64,
}

/// The body of `GET /api/analytics/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionsReport {
    /// What the rows are grouped by.
    pub group_by: GroupBy,
    /// One row per group, by key, the `null` group last.
    pub rows: Vec<SessionStatsRow>,
}
