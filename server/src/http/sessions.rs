//! Sessions over HTTP: start an agent process, list and read sessions, stop or delete one,
//! and checkpoint its stream. The bodies are `agentcast_shared::rest`'s; what is not starting
//! a process goes through the [`SessionService`](crate::services::SessionService).

use agentcast_shared::rest::{
    Checkpoint, CreateCheckpoint, CreateSession, CreatedSession, ErrorResponse, ListSessionsParams,
    SessionDetail, SessionList, Stopping,
};
use agentcast_shared::{ErrorCode, Scope};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::body::{JsonBody, RawBody};
use super::error::{ApiError, parse_json};
use super::query::Params;
use super::state::AppState;
use crate::audit::{AdminAction, AuditEvent};
use crate::services::Removal;
use crate::sources::supervisor::{SuperviseError, http_spec, new_session_id};

#[utoipa::path(
    post, path = "/api/sessions", tag = "sessions",
    description = "Starts an agent process as a new session; its output is ingested as it \
        streams. A `claude` command runs in control mode (unless `control` is false): it \
        lives across turns, takes `prompt` first, and its permission requests go to the \
        session's watchers.",
    request_body = CreateSession,
    responses(
        (status = 201, description = "Started", body = CreatedSession),
        (status = 400, description = "Bad body or session id", body = ErrorResponse),
        (status = 403, description = "Program not on the allow-list", body = ErrorResponse),
        (status = 409, description = "A process already runs for this session id", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateSession>,
) -> Result<(StatusCode, Json<CreatedSession>), ApiError> {
    caller.require(Scope::Admin)?;
    let session_id = request.session_id.unwrap_or_else(new_session_id);
    let mut spec = http_spec(
        session_id.clone(),
        request.command,
        request.cwd.map(Into::into),
        request.label,
        request.project,
    );
    match request.control {
        Some(false) if request.prompt.is_some() => {
            return Err(ApiError::bad_request(
                "prompt: only a session in control mode takes a prompt; put it in the command",
            ));
        }
        Some(false) => {}
        wanted => {
            let controls = state.supervisor.controls();
            let made =
                spec.make_controlled(controls, request.prompt.clone(), caller.claims.sub.clone());
            // Asked for (a prompt, or `control: true`) but impossible: say why.
            if let Err(why) = made
                && (wanted == Some(true) || request.prompt.is_some())
            {
                return Err(ApiError::bad_request(format!("control: {why}")));
            }
        }
    }
    let command = spec.command.clone();
    state.supervisor.start(spec).map_err(|err| match err {
        SuperviseError::NotAllowed { .. } => ApiError::new(ErrorCode::Forbidden, err.to_string()),
        SuperviseError::AlreadyRunning(_) => ApiError::conflict(err.to_string()),
        SuperviseError::EmptyCommand => ApiError::bad_request(err.to_string()),
        SuperviseError::Hub(err) => err.into(),
    })?;
    state.audit.record(AuditEvent::ProcessStarted {
        actor: caller.actor(),
        session_id: session_id.clone(),
        command,
    });
    let namespace = format!("{}{session_id}", crate::hub::SESSION_NS_PREFIX);
    Ok((
        StatusCode::CREATED,
        Json(CreatedSession {
            session_id,
            namespace,
        }),
    ))
}

#[utoipa::path(
    get, path = "/api/sessions", tag = "sessions",
    description = "Sessions, newest first; deleted ones are left out.",
    params(ListSessionsParams),
    responses(
        (status = 200, body = SessionList),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<ListSessionsParams>,
) -> Result<Json<SessionList>, ApiError> {
    caller.require(Scope::Read)?;
    let mut list = state.services.sessions.list(&params).await?;
    list.sessions
        .retain(|view| caller.claims.allows_session(&view.record.id));
    Ok(Json(list))
}

#[utoipa::path(
    get, path = "/api/sessions/{id}", tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = SessionDetail),
        (status = 404, description = "Unknown or deleted session", body = ErrorResponse),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Json<SessionDetail>, ApiError> {
    caller.require_session(&session_id, Scope::Read)?;
    let detail = state.services.sessions.detail(&session_id).await?;
    Ok(Json(detail))
}

#[utoipa::path(
    delete, path = "/api/sessions/{id}", tag = "sessions",
    description = "If a process this server started still runs for the session, stops it \
        (SIGTERM, then SIGKILL after `process_grace_ms`) and answers 202: the transcript stays. \
        Otherwise deletes the session: its events and checkpoints are removed, its totals stay \
        in the analytics, and its id continues at the next offset if reused.",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 202, description = "The process is stopping", body = Stopping),
        (status = 204, description = "Deleted"),
        (status = 404, description = "Unknown or already deleted session", body = ErrorResponse),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_session(&session_id, Scope::Admin)?;
    if state.services.sessions.remove(&session_id).await? == Removal::Stopping {
        state.audit.record(AuditEvent::ProcessStopped {
            actor: caller.actor(),
            session_id: session_id.clone(),
        });
        let body = Stopping {
            session_id,
            stopping: true,
        };
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::SessionDelete {
            session_id: session_id.clone(),
        },
    });
    tracing::info!(session_id, "session deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/checkpoint", tag = "sessions",
    description = "Marks the session's current head: stored, and announced to its watchers \
        as a `session.checkpoint` event.",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = Option<CreateCheckpoint>, description = "Optional label"),
    responses(
        (status = 201, body = Checkpoint),
        (status = 400, description = "Bad body", body = ErrorResponse),
        (status = 404, description = "Unknown session", body = ErrorResponse),
        (status = 409, description = "The session was deleted", body = ErrorResponse),
    )
)]
pub async fn checkpoint(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Checkpoint>), ApiError> {
    caller.require_session(&session_id, Scope::Write)?;
    let request: CreateCheckpoint = if body.iter().all(u8::is_ascii_whitespace) {
        CreateCheckpoint::default()
    } else {
        parse_json(&body)?
    };
    let checkpoint = state
        .services
        .sessions
        .checkpoint(&session_id, request.label)
        .await?;
    Ok((StatusCode::CREATED, Json(checkpoint)))
}
