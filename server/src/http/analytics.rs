//! Analytics over HTTP: tokens, costs and session outcomes grouped by day, model or project,
//! for the sessions started in a time range. They read the sessions' totals, never the events.

use agentcast_shared::Scope;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorResponse};
use super::query::Params;
use super::state::AppState;
use crate::store::{GroupBy, TimeRange};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// `day`, `model` or `project` [default: day].
    #[param(inline)]
    pub group_by: Option<Group>,
    /// Sessions started at or after this RFC 3339 time or date (`2026-11-01`).
    pub from: Option<String>,
    /// Sessions started before this RFC 3339 time or date.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Day,
    Model,
    Project,
}

impl AnalyticsParams {
    fn parts(self) -> Result<(Group, TimeRange), ApiError> {
        for (name, bound) in [("from", &self.from), ("to", &self.to)] {
            if let Some(bound) = bound
                && !looks_like_a_time(bound)
            {
                return Err(ApiError::bad_request(format!(
                    "{name}: {bound:?} is not an RFC 3339 date or time such as 2026-11-01 or 2026-11-01T12:00:00Z"
                )));
            }
        }
        let group = self.group_by.unwrap_or(Group::Day);
        Ok((
            group,
            TimeRange {
                from: self.from,
                to: self.to,
            },
        ))
    }
}

/// `YYYY-MM-DD` optionally followed by `T...`: bounds are compared as strings with the stored
/// UTC timestamps, so anything else would silently select nonsense.
fn looks_like_a_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let date = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    date && (bytes.len() == 10 || bytes[10] == b'T')
}

impl From<Group> for GroupBy {
    fn from(group: Group) -> Self {
        match group {
            Group::Day => GroupBy::Day,
            Group::Model => GroupBy::Model,
            Group::Project => GroupBy::Project,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    pub group_by: Group,
    pub rows: Vec<UsageRowView>,
}

/// Tokens of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRowView {
    /// The day, model or project; `null` groups the sessions without one.
    pub key: Option<String>,
    pub sessions: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
}

#[utoipa::path(
    get, path = "/api/analytics/usage", tag = "analytics",
    description = "Tokens per group (deleted sessions count: they were spent).",
    params(AnalyticsParams),
    responses(
        (status = 200, body = UsageReport),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
    )
)]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<AnalyticsParams>,
) -> Result<Json<UsageReport>, ApiError> {
    // Totals over every session: only for a token that may see them all.
    caller.require_all_sessions(Scope::Read)?;
    let (group, range) = params.parts()?;
    let rows = state.hub.store().usage_by(group.into(), &range).await?;
    let rows = rows
        .into_iter()
        .map(|r| UsageRowView {
            key: r.key,
            sessions: r.sessions,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cache_read_tokens: r.cache_read_tokens,
            cache_creation_tokens: r.cache_creation_tokens,
        })
        .collect();
    Ok(Json(UsageReport {
        group_by: group,
        rows,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CostReport {
    pub group_by: Group,
    pub rows: Vec<CostRowView>,
    /// The sum over the rows.
    pub total_cost_usd: f64,
}

/// Cost of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostRowView {
    pub key: Option<String>,
    pub sessions: u64,
    pub total_cost_usd: f64,
}

#[utoipa::path(
    get, path = "/api/analytics/costs", tag = "analytics",
    description = "Cost in USD per group, as the agents reported it.",
    params(AnalyticsParams),
    responses(
        (status = 200, body = CostReport),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
    )
)]
pub async fn costs(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<AnalyticsParams>,
) -> Result<Json<CostReport>, ApiError> {
    // Totals over every session: only for a token that may see them all.
    caller.require_all_sessions(Scope::Read)?;
    let (group, range) = params.parts()?;
    let rows: Vec<CostRowView> = state
        .hub
        .store()
        .costs_by(group.into(), &range)
        .await?
        .into_iter()
        .map(|r| CostRowView {
            key: r.key,
            sessions: r.sessions,
            total_cost_usd: r.total_cost_usd,
        })
        .collect();
    let total_cost_usd = rows.iter().map(|r| r.total_cost_usd).sum();
    Ok(Json(CostReport {
        group_by: group,
        rows,
        total_cost_usd,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsReport {
    pub group_by: Group,
    pub rows: Vec<SessionStatsView>,
}

/// Session counts, outcomes and durations of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStatsView {
    pub key: Option<String>,
    pub sessions: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub interrupted: u64,
    /// Still starting, running or idle.
    pub active: u64,
    /// Completed over ended; `null` when none has ended.
    pub success_rate: Option<f64>,
    /// Mean duration of the sessions that reported one.
    pub avg_duration_ms: Option<f64>,
    pub total_duration_ms: u64,
}

#[utoipa::path(
    get, path = "/api/analytics/sessions", tag = "analytics",
    description = "Session counts, outcomes, success rate and durations per group.",
    params(AnalyticsParams),
    responses(
        (status = 200, body = SessionsReport),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
    )
)]
pub async fn sessions(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<AnalyticsParams>,
) -> Result<Json<SessionsReport>, ApiError> {
    // Totals over every session: only for a token that may see them all.
    caller.require_all_sessions(Scope::Read)?;
    let (group, range) = params.parts()?;
    let rows = state.hub.store().sessions_by(group.into(), &range).await?;
    let rows = rows
        .into_iter()
        .map(|r| SessionStatsView {
            success_rate: r.success_rate(),
            avg_duration_ms: r.avg_duration_ms(),
            key: r.key,
            sessions: r.sessions,
            completed: r.completed,
            failed: r.failed,
            cancelled: r.cancelled,
            interrupted: r.interrupted,
            active: r.active,
            total_duration_ms: r.total_duration_ms,
        })
        .collect();
    Ok(Json(SessionsReport {
        group_by: group,
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_must_be_dates_or_times() {
        assert!(looks_like_a_time("2026-11-01"));
        assert!(looks_like_a_time("2026-11-01T12:00:00Z"));
        assert!(!looks_like_a_time("yesterday"));
        assert!(!looks_like_a_time("2026-11-1"));
        assert!(!looks_like_a_time("2026-11-01 12:00"));
    }
}
