//! Analytics over HTTP: tokens, costs and session outcomes grouped by day, model or project,
//! for the sessions started in a time range. The reports are `agentcast_shared::rest`'s, made
//! by the [`AnalyticsService`](crate::services::AnalyticsService) from the sessions' totals,
//! never the events.

use agentcast_shared::Scope;
use agentcast_shared::rest::{
    AnalyticsParams, CostReport, ErrorResponse, SessionsReport, UsageReport,
};
use axum::Json;
use axum::extract::State;

use super::auth::Caller;
use super::error::ApiError;
use super::query::Params;
use super::state::AppState;

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
    Ok(Json(state.services.analytics.usage(params).await?))
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
    Ok(Json(state.services.analytics.costs(params).await?))
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
    Ok(Json(state.services.analytics.sessions(params).await?))
}
