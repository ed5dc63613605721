//! HTTP routes beside Socket.IO.
//!
//! - `health`: `GET /health`.
//! - `ingest`: publish, ndjson and hook ingestion.
//! - `sessions`: start and stop agent processes.
//! - `error`: [`ApiError`], the JSON error body of every route.
//! - `state`: [`AppState`].

pub mod error;
mod health;
mod ingest;
mod sessions;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};

pub use error::ApiError;
pub use state::AppState;

/// Every HTTP route. JSON bodies are limited to `max_payload`; ndjson bodies stream under
/// their own limit.
pub fn routes(state: AppState) -> Router {
    let json_limit = DefaultBodyLimit::max(state.config.max_payload as usize);
    Router::new()
        .route("/health", get(health::health))
        .route("/api/sessions", post(sessions::create).layer(json_limit))
        .route("/api/sessions/{id}", delete(sessions::delete))
        .route(
            "/api/sessions/{id}/publish",
            post(ingest::publish).layer(json_limit),
        )
        .route(
            "/api/sessions/{id}/events",
            post(ingest::ndjson).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/hooks", post(ingest::hook).layer(json_limit))
        .with_state(state)
}
