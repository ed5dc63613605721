//! `GET /health`: liveness and the database, for load balancers and humans.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::hub::Hub;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    pub status: &'static str,
    /// `ok` or `error` (the detail is in the server log).
    pub database: &'static str,
    pub version: &'static str,
    pub uptime_s: u64,
}

#[utoipa::path(
    get, path = "/health", tag = "operations",
    responses(
        (status = 200, description = "Serving, database reachable", body = Health),
        (status = 503, description = "Serving, but the database does not answer", body = Health),
    )
)]
pub async fn health(State(hub): State<Hub>) -> (StatusCode, Json<Health>) {
    let database = hub.store().ping().await;
    if let Err(err) = &database {
        tracing::error!(%err, "health check: the database does not answer");
    }
    let (code, status, database) = match database {
        Ok(()) => (StatusCode::OK, "ok", "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "degraded", "error"),
    };
    let health = Health {
        status,
        database,
        version: env!("CARGO_PKG_VERSION"),
        uptime_s: hub.stats().uptime().as_secs(),
    };
    (code, Json(health))
}
