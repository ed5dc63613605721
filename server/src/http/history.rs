//! A session's stored events over HTTP: one page (`GET /api/sessions/{id}/events`, the
//! semantics of the `get_history` command) or the whole stream as JSON lines
//! (`GET /api/sessions/{id}/export.jsonl`). A page is read through the hub; the answer has
//! the shape of `shared`'s [`HistoryPage`], sent with the stored envelopes' bytes as they are
//! (`history::HistoryPageJson`), so the route is documented with `HistoryPage` itself.

use agentcast_shared::rest::{ErrorResponse, HistoryParams};
use agentcast_shared::{GetHistoryArgs, HistoryPage, Scope};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::error::ApiError;
use super::query::{Params, comma_list};
use super::state::AppState;
use crate::hub::history;

#[utoipa::path(
    get, path = "/api/sessions/{id}/events", tag = "events",
    description = "One page of the session's stored events, as the `get_history` command.",
    params(("id" = String, Path, description = "Session id"), HistoryParams),
    responses(
        (status = 200, body = HistoryPage),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
        (status = 404, description = "Unknown or deleted session", body = ErrorResponse),
    )
)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    Params(params): Params<HistoryParams>,
) -> Result<Response, ApiError> {
    caller.require_session(&session_id, Scope::Read)?;
    let args = GetHistoryArgs {
        types: comma_list(params.types.as_deref()),
        after: params.after,
        before: params.before,
        limit: params.limit,
    };
    history::validate(&args).map_err(|err| ApiError(err.into_body()))?;
    state.services.sessions.find(&session_id).await?;
    let page = history::read(&state.hub, &session_id, &args)
        .await
        .map_err(|err| ApiError(err.into_body()))?;
    Ok(Json(page).into_response())
}

#[utoipa::path(
    get, path = "/api/sessions/{id}/export.jsonl", tag = "events",
    description = "Every stored event of the session up to its head when the request \
        started, one envelope per line, streamed.",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "JSON lines", content_type = "application/x-ndjson", body = String),
        (status = 404, description = "Unknown or deleted session", body = ErrorResponse),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_session(&session_id, Scope::Read)?;
    let pages = state.services.sessions.export(&session_id).await?;
    let disposition = format!("attachment; filename=\"{session_id}.jsonl\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(pages),
    )
        .into_response())
}
