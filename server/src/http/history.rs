//! A session's stored events over HTTP: one page (`GET /api/sessions/{id}/events`, the
//! semantics of the `get_history` command) or the whole stream as JSON lines
//! (`GET /api/sessions/{id}/export.jsonl`).

use agentcast_shared::{GetHistoryArgs, Scope};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::{ApiError, ErrorResponse};
use super::query::{Params, comma_list};
use super::sessions::find;
use super::state::AppState;
use crate::hub::history;
use crate::store::{EventQuery, EventStore};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Comma-separated type patterns, e.g. `tool.*,output.text` [default: every type].
    pub types: Option<String>,
    /// Only events with a greater offset.
    pub after: Option<u64>,
    /// Only events with a smaller offset. Given without `after`, the page is the newest
    /// events before it (paging back); otherwise the oldest after `after`.
    pub before: Option<u64>,
    /// The most events returned [default and max: 1000].
    pub limit: Option<u32>,
}

/// `HistoryPage` for the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)] // only its schema is used; handlers send `history::HistoryPageJson`
pub struct HistoryPageSchema {
    /// Envelopes `{offset, session_id, ts, type, data}`, in offset order.
    events: Vec<serde_json::Value>,
    /// The session's latest offset when the page was read.
    head_offset: u64,
    /// More events match beyond the page, in its direction.
    has_more: bool,
}

#[utoipa::path(
    get, path = "/api/sessions/{id}/events", tag = "events",
    description = "One page of the session's stored events, as the `get_history` command.",
    params(("id" = String, Path, description = "Session id"), HistoryParams),
    responses(
        (status = 200, body = HistoryPageSchema),
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
    find(&state, &session_id).await?;
    let page = history::read(&state.hub, &session_id, &args)
        .await
        .map_err(|err| ApiError(err.into_body()))?;
    Ok(Json(page).into_response())
}

/// Events read per store query while exporting.
const EXPORT_PAGE: u32 = 1000;

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
    let record = find(&state, &session_id).await?;
    let store = state.hub.store().clone();
    // Stop at the head seen now, so a live session's export ends.
    let last = record.head_offset;
    let pages = stream::try_unfold(Some(0u64), move |after| {
        let (store, session_id) = (store.clone(), session_id.clone());
        async move {
            let Some(after) = after.filter(|after| *after < last) else {
                return Ok(None);
            };
            let (chunk, next) = export_page(&*store, &session_id, after, last).await?;
            Ok::<_, std::io::Error>(Some((chunk, next)))
        }
    });
    let disposition = format!("attachment; filename=\"{}.jsonl\"", record.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(pages),
    )
        .into_response())
}

/// One page of the export as JSON lines, and where the next starts (`None`: done). A store
/// error ends the body early; the client sees a truncated response, the log says why.
async fn export_page(
    store: &dyn EventStore,
    session_id: &str,
    after: u64,
    last: u64,
) -> Result<(Bytes, Option<u64>), std::io::Error> {
    let query = EventQuery {
        before: Some(last + 1),
        limit: EXPORT_PAGE,
        ..EventQuery::after(after)
    };
    let page = store.read_events(session_id, &query).await.map_err(|err| {
        tracing::error!(session_id, %err, "export failed");
        std::io::Error::other("export failed")
    })?;
    let mut chunk = Vec::with_capacity(page.events.len() * 256);
    for event in &page.events {
        let envelope = event
            .envelope_json()
            .map_err(|err| std::io::Error::other(err.to_string()))?;
        chunk.extend_from_slice(envelope.get().as_bytes());
        chunk.push(b'\n');
    }
    let next = page
        .has_more
        .then(|| page.events.last().map(|e| e.offset))
        .flatten();
    Ok((Bytes::from(chunk), next))
}
