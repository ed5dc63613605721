//! HTTP routes beside Socket.IO, each documented in the OpenAPI document it is routed with.
//! Every body and query parameter is a type of `agentcast_shared::rest` (their schemas come
//! from shared's `utoipa` feature); what a route does beyond HTTP is a service's
//! (`crate::services`): no handler reaches into the store.
//!
//! - `health`: `GET /health`.
//! - `metrics`: `GET /metrics` behind a token (the exposition is the `metrics` module's).
//! - `ingest`: publish, ndjson and hook ingestion.
//! - `sessions`: start, list, read, stop, delete and checkpoint sessions.
//! - `control`: answer a controlled session's agent (prompt, interrupt, end, permissions).
//! - `history`: a page of a session's events, and its export as JSON lines.
//! - `projects`, `mcp_servers`, `analytics`: the catalogs and reports.
//! - `auth`: the bearer token of every call ([`auth::Caller`]) and `/api/auth`.
//! - `jwks`: the public keys at `/.well-known/jwks.json`.
//! - `cors`: the allow-list of browser origins.
//! - `dashboard`: the built dashboard at `/` (the fallback of every other path).
//! - `openapi`: the document at `/api/openapi.json`.
//! - `body`: JSON and raw request bodies whose errors are JSON too.
//! - `query`: typed query parameters whose errors name the parameter.
//! - `error`: [`ApiError`], the JSON error body of every route.
//! - `state`: [`AppState`].

mod analytics;
mod auth;
mod body;
mod control;
pub mod cors;
mod dashboard;
pub mod error;
mod health;
mod history;
mod ingest;
mod jwks;
mod mcp_servers;
mod metrics;
pub mod openapi;
mod projects;
mod query;
mod sessions;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::compression::CompressionLayer;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use auth::Caller;
pub use error::ApiError;
pub use state::AppState;

/// Every HTTP route, and the OpenAPI document that lists them. JSON bodies are limited to
/// `max_payload`; ndjson bodies stream under their own limit.
pub fn routes(state: AppState) -> Router {
    let (router, doc) = documented_routes(&state).split_for_parts();
    openapi::publish(doc);
    // The dashboard's files go out gzipped to browsers that accept it (its wasm shrinks to
    // about 40 %); API routes stream their own bodies and are left as they are.
    let dashboard = axum::routing::any(dashboard::serve).layer(CompressionLayer::new().gzip(true));
    router.fallback_service(dashboard).with_state(state)
}

fn documented_routes(state: &AppState) -> OpenApiRouter<AppState> {
    let json_limit = DefaultBodyLimit::max(state.config.engine.max_payload as usize);
    let limited = |routes: UtoipaMethodRouter<AppState>| routes.layer(json_limit);
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(metrics::scrape))
        .routes(routes!(openapi::serve))
        .routes(limited(routes!(sessions::create)))
        .routes(routes!(sessions::list))
        .routes(routes!(sessions::get, sessions::delete))
        .routes(limited(routes!(sessions::checkpoint)))
        .routes(limited(routes!(control::prompt)))
        .routes(routes!(control::interrupt))
        .routes(routes!(control::end))
        .routes(limited(routes!(control::respond)))
        .routes(limited(routes!(ingest::publish)))
        .routes(routes!(history::page, ingest::ndjson).layer(DefaultBodyLimit::disable()))
        .routes(routes!(history::export))
        .routes(limited(routes!(ingest::hook)))
        .routes(limited(routes!(ingest::approve)))
        .routes(routes!(projects::list))
        .routes(limited(routes!(projects::create)))
        .routes(routes!(projects::get))
        .routes(limited(routes!(projects::put_settings)))
        .routes(routes!(mcp_servers::list))
        .routes(limited(routes!(mcp_servers::add)))
        .routes(routes!(mcp_servers::delete))
        .routes(routes!(mcp_servers::test))
        .routes(routes!(analytics::usage))
        .routes(routes!(analytics::costs))
        .routes(routes!(analytics::sessions))
        .routes(routes!(auth::whoami))
        .routes(routes!(auth::refresh))
        .routes(routes!(jwks::jwks))
}
