//! `GET /metrics` on the main address: the same exposition as `--metrics-bind`'s, behind a
//! token with the `read` scope for every session (`sessions: ["*"]`). The numbers cover every
//! session, as the hub namespace's `system.stats` does, which asks the same of a socket;
//! reading them changes nothing, so neither `write` nor `admin` is asked.

use agentcast_shared::Scope;
use agentcast_shared::rest::ErrorResponse;
use axum::extract::State;
use axum::response::IntoResponse;

use super::{ApiError, AppState, Caller};
use crate::metrics::{Sources, exposition};

#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    description = "The server's metrics in the Prometheus text format (version 0.0.4). Needs \
        a read token for every session; `--metrics-bind` serves it without a token on a \
        separate address.",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
        (status = 401, description = "No token, or a refused one", body = ErrorResponse),
        (status = 403, description = "A token without read for every session", body = ErrorResponse),
    )
)]
pub async fn scrape(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_all_sessions(Scope::Read)?;
    let sources = Sources {
        hub: state.hub,
        sockets: state.sockets,
        audit: state.audit,
    };
    Ok(exposition(&sources).await)
}
