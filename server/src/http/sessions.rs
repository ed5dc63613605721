//! Sessions over HTTP: start an agent process (`POST /api/sessions` with a command) and stop
//! it (`DELETE /api/sessions/{id}`). Only commands on the allow-list may be started.

use agentcast_shared::ErrorCode;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, parse_json};
use super::state::AppState;
use crate::sources::supervisor::{SuperviseError, http_spec, new_session_id};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Program and arguments, e.g. `["claude", "-p", "...", "--output-format", "stream-json", "--verbose"]`.
    pub command: Vec<String>,
    /// Working directory [default: the server's].
    pub cwd: Option<std::path::PathBuf>,
    pub label: Option<String>,
    /// Session id [default: a new random id].
    pub session_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CreatedSession {
    pub session_id: String,
    pub namespace: String,
}

pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedSession>), ApiError> {
    let request: CreateSession = parse_json(&body)?;
    let session_id = request.session_id.unwrap_or_else(new_session_id);
    let spec = http_spec(
        session_id.clone(),
        request.command,
        request.cwd,
        request.label,
    );
    state.supervisor.start(spec).map_err(|err| match err {
        SuperviseError::NotAllowed { .. } => ApiError::new(ErrorCode::Forbidden, err.to_string()),
        SuperviseError::AlreadyRunning(_) => ApiError::new(ErrorCode::Conflict, err.to_string()),
        SuperviseError::EmptyCommand => ApiError::bad_request(err.to_string()),
        SuperviseError::Hub(err) => err.into(),
    })?;
    let namespace = format!("{}{session_id}", crate::hub::SESSION_NS_PREFIX);
    Ok((
        StatusCode::CREATED,
        Json(CreatedSession {
            session_id,
            namespace,
        }),
    ))
}

/// Stops the session's process; 202 while it stops, 404 if it has none running.
pub async fn delete(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.supervisor.stop(&session_id) {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(ApiError::not_found(format!(
            "session {session_id} has no running process"
        )))
    }
}
