//! `GET /health`: liveness and the database, for load balancers and humans; the report is
//! [`services::health::check`](crate::services::health::check)'s.

use agentcast_shared::rest::{Health, HealthStatus};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::hub::Hub;
use crate::services::health::check;

#[utoipa::path(
    get, path = "/health", tag = "operations",
    responses(
        (status = 200, description = "Serving, database reachable", body = Health),
        (status = 503, description = "Serving, but the database does not answer", body = Health),
    )
)]
pub async fn health(State(hub): State<Hub>) -> (StatusCode, Json<Health>) {
    let health = check(&hub).await;
    let code = match health.status {
        HealthStatus::Ok => StatusCode::OK,
        HealthStatus::Degraded => StatusCode::SERVICE_UNAVAILABLE,
    };
    (code, Json(health))
}
