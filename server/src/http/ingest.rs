//! Ingest over HTTP: typed events (`POST /api/sessions/{id}/publish`), an agent's JSONL as an
//! ndjson body processed as it streams (`POST /api/sessions/{id}/events`), and Claude Code
//! hook payloads (`POST /api/hooks`).

use agentcast_shared::{PublishArgs, PublishResult, SessionSource};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::error::{ApiError, parse_json};
use super::state::AppState;
use crate::hub::now_unix_millis;
use crate::hub::session::{IngestHookError, StreamIngest, StreamIngestError};

/// `POST /api/sessions/{id}/publish` with `{"events": [{type, data}, ...]}`.
pub async fn publish(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Result<Json<PublishResult>, ApiError> {
    let args: PublishArgs = parse_json(&body)?;
    let head_offset = state.hub.publish(&session_id, args.events).await?;
    Ok(Json(PublishResult { head_offset }))
}

/// `POST /api/sessions/{id}/events` with an `application/x-ndjson` body of agent JSONL. Each
/// chunk's events are published before the next chunk is read.
pub async fn ndjson(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<StreamIngest>), ApiError> {
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
    let limits = state.config.ingest_limits();
    let result = session
        .ingest_stream(
            body.into_data_stream(),
            SessionSource::Http,
            &limits,
            state.config.max_ndjson_body,
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

/// `POST /api/hooks` with one Claude Code hook payload; its `session_id` names the session.
pub async fn hook(State(state): State<AppState>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let payload: Value = parse_json(&body)?;
    let session_id = payload
        .get("session_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("session_id: missing or not a string"))?;
    let session = state.hub.session(session_id)?;
    let head_offset = session
        .ingest_hook(&payload, now_unix_millis())
        .await
        .map_err(|err| match err {
            IngestHookError::Payload(message) => ApiError::bad_request(message),
            IngestHookError::Hub(err) => err.into(),
        })?;
    Ok(Json(
        json!({ "session_id": session_id, "head_offset": head_offset }),
    ))
}
