//! Ingest over HTTP: typed events (`POST /api/sessions/{id}/publish`), an agent's JSONL as an
//! ndjson body processed as it streams (`POST /api/sessions/{id}/events`), and Claude Code
//! hook payloads (`POST /api/hooks`, and `POST /api/hooks/approve` for a permission the hook
//! waits on). The answers are `agentcast_shared`'s (`PublishResult`, `rest::StreamIngest`,
//! `rest::HookIngested`, `rest::HookDecision`).

use agentcast_shared::rest::{
    ApproveParams, ErrorResponse, HookDecision, HookIngested, StreamIngest,
};
use agentcast_shared::{PermissionRequested, PublishArgs, PublishResult, Scope, SessionSource};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiError;
use super::query::Params;
use super::state::AppState;
use crate::clock::now_unix_millis;
use crate::hub::session::StreamIngestError;
use crate::services::HookIngestError;

/// `POST /api/sessions/{id}/publish` with `{"events": [{type, data}, ...]}`.
#[utoipa::path(
    post, path = "/api/sessions/{id}/publish", tag = "ingest",
    description = "Publishes typed events `{\"events\": [{\"type\", \"data\"}, ...]}` into the \
        session (created on first use); answers once they are committed and sent.",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = Object, description = "`{\"events\": [...]}`, at most `max_events_per_publish`"),
    responses(
        (status = 200, description = "The head offset after the events", body = PublishResult),
        (status = 400, description = "Bad body (the message names the field) or session id", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
        (status = 503, description = "Shutting down", body = ErrorResponse),
    )
)]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    JsonBody(args): JsonBody<PublishArgs>,
) -> Result<Json<PublishResult>, ApiError> {
    caller.require_session(&session_id, Scope::Write)?;
    let head_offset = state.hub.publish(&session_id, args.events).await?;
    Ok(Json(PublishResult { head_offset }))
}

/// `POST /api/sessions/{id}/events` with an `application/x-ndjson` body of agent JSONL. Each
/// chunk's events are published before the next chunk is read.
#[utoipa::path(
    post, path = "/api/sessions/{id}/events", tag = "ingest",
    description = "Ingests an agent's JSONL (Claude Code `stream-json`) streamed as the body; \
        lines are mapped to events as they arrive. Malformed lines are counted and reported, \
        not fatal.",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = String, content_type = "application/x-ndjson"),
    responses(
        (status = 200, description = "What the body did: lines accepted and rejected, head offset", body = StreamIngest),
        (status = 400, description = "Bad content type or session id", body = ErrorResponse),
        (status = 413, description = "Body over `max_ndjson_body`; the lines before it were ingested", body = ErrorResponse),
    )
)]
pub async fn ndjson(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<StreamIngest>), ApiError> {
    caller.require_session(&session_id, Scope::Write)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(
        media,
        "application/x-ndjson" | "application/jsonl" | "application/json-seq" | "text/plain" | ""
    ) {
        return Err(ApiError::new(
            agentcast_shared::ErrorCode::BadRequest,
            format!("content-type: expected application/x-ndjson, got {media}"),
        ));
    }
    let session = state.hub.session(&session_id)?;
    let limits = state.config.ingest.limits();
    let result = session
        .ingest_stream(
            body.into_data_stream(),
            SessionSource::Http,
            &limits,
            state.config.ingest.max_ndjson_body,
        )
        .await;
    match result {
        Ok(done) => Ok((StatusCode::OK, Json(done))),
        Err(StreamIngestError::TooLarge { max_bytes }) => Err(ApiError::too_large(format!(
            "body: larger than the limit of {max_bytes} bytes (max_ndjson_body); the lines before the limit were ingested"
        ))),
        Err(StreamIngestError::Body(err)) => Err(ApiError::bad_request(format!("body: {err}"))),
        Err(StreamIngestError::Hub(err)) => Err(err.into()),
    }
}

/// `POST /api/hooks` with one Claude Code hook payload; its `session_id` is Claude's.
#[utoipa::path(
    post, path = "/api/hooks", tag = "ingest",
    description = "One Claude Code hook payload (the JSON a hook command receives on stdin). \
        Its `session_id` is Claude's: the payload goes to the session whose \
        `agent_session_id` it is (one agentcast runs), else to the session of that id.",
    request_body(content = Object),
    responses(
        (status = 200, description = "The session and its head offset after the payload", body = HookIngested),
        (status = 400, description = "Bad payload", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn hook(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(payload): JsonBody<Value>,
) -> Result<Json<HookIngested>, ApiError> {
    Ok(Json(ingest_hook(&state, &caller, &payload).await?))
}

/// `POST /api/hooks/approve` with a `PermissionRequest` (or `PreToolUse`) hook payload.
#[utoipa::path(
    post, path = "/api/hooks/approve", tag = "ingest",
    description = "A Claude Code `PermissionRequest` (or `PreToolUse`) hook payload whose hook \
        waits for a person (`agentcast hooks install --approve`): ingested as `/api/hooks` \
        does, published as `permission.requested`, and answered once a watcher with the \
        control scope answers it (`permission.respond`), or with `ask` after `wait_s`, when \
        Claude Code shows its own prompt.",
    params(ApproveParams),
    request_body(content = Object),
    responses(
        (status = 200, description = "The answer", body = HookDecision),
        (status = 400, description = "Bad payload: no tool_name", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<ApproveParams>,
    JsonBody(payload): JsonBody<Value>,
) -> Result<Json<HookDecision>, ApiError> {
    let request = permission_of(&payload)?;
    let ingested = ingest_hook(&state, &caller, &payload).await?;
    let wait = params.wait_s.map(std::time::Duration::from_secs);
    let decision = state
        .controls
        .ask_for_hook(&ingested.session_id, request, wait)
        .await?;
    Ok(Json(decision))
}

/// The permission a hook payload asks for (its `tool_name`, `tool_input` and suggestions).
fn permission_of(payload: &Value) -> Result<PermissionRequested, ApiError> {
    let tool_name = payload
        .get("tool_name")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("tool_name: missing or not a string"))?;
    let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(PermissionRequested {
        request_id: uuid::Uuid::new_v4().to_string(),
        tool_use_id: text("tool_use_id"),
        tool_name: tool_name.to_owned(),
        input: payload.get("tool_input").cloned().unwrap_or(Value::Null),
        description: payload
            .pointer("/tool_input/description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        suggestions: payload
            .get("permission_suggestions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        // Set from the wait when it is asked.
        expires_at: String::new(),
    })
}

/// What `/api/hooks` does with a payload: into the session it belongs to.
async fn ingest_hook(
    state: &AppState,
    caller: &Caller,
    payload: &Value,
) -> Result<HookIngested, ApiError> {
    let agent_session_id = payload
        .get("session_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("session_id: missing or not a string"))?;
    let hooks = &state.services.hooks;
    let session_id = hooks.target(agent_session_id).await?;
    caller.require_session(&session_id, Scope::Write)?;
    let head_offset = hooks
        .ingest(&session_id, payload, now_unix_millis())
        .await
        .map_err(|err| match err {
            HookIngestError::Payload(err) => ApiError::bad_request(err.to_string()),
            HookIngestError::Service(err) => err.into(),
        })?;
    Ok(HookIngested {
        session_id,
        head_offset,
    })
}
