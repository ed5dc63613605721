//! `GET /health`: liveness, the database, connections, rooms and the collector, for load
//! balancers and humans; the report is
//! [`services::health::check`](crate::services::health::check)'s.

use agentcast_shared::rest::{Health, HealthStatus};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;
use crate::services::health::check;

#[utoipa::path(
    get, path = "/health", tag = "operations",
    responses(
        (status = 200, description = "Serving: `ok`, or `degraded` (a collector stopped, or an \
            error of the server in the last minute)", body = Health),
        (status = 503, description = "`failing`: the database does not answer", body = Health),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let health = check(&state.hub, &state.sockets).await;
    let code = match health.status {
        HealthStatus::Ok | HealthStatus::Degraded => StatusCode::OK,
        HealthStatus::Failing => StatusCode::SERVICE_UNAVAILABLE,
    };
    (code, Json(health))
}
