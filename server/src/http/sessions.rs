//! Sessions over HTTP: start an agent process, list and read sessions, stop or delete one,
//! and checkpoint its stream.

use agentcast_shared::{ErrorCode, Event, Scope, SessionCheckpoint, SessionSource, SessionState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::{JsonBody, RawBody};
use super::error::{ApiError, ErrorResponse, parse_json};
use super::query::Params;
use super::state::AppState;
use crate::audit::{AdminAction, AuditEvent};
use crate::sources::supervisor::{SuperviseError, http_spec, new_session_id};
use crate::store::{Checkpoint, SessionFilter, SessionRecord};

/// The body of `POST /api/sessions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Program and arguments, e.g. `["claude", "-p", "...", "--output-format", "stream-json",
    /// "--verbose"]`. The program must be on the server's allow-list (`allow_commands`).
    pub command: Vec<String>,
    /// Working directory [default: the server's].
    #[schema(value_type = Option<String>)]
    pub cwd: Option<std::path::PathBuf>,
    pub label: Option<String>,
    /// Session id [default: a new random id].
    pub session_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSession {
    pub session_id: String,
    /// The Socket.IO namespace to watch it on.
    pub namespace: String,
}

#[utoipa::path(
    post, path = "/api/sessions", tag = "sessions",
    description = "Starts an agent process as a new session; its output is ingested as it streams.",
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
    let command = request.command.clone();
    let spec = http_spec(
        session_id.clone(),
        request.command,
        request.cwd,
        request.label,
    );
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

/// A session as the REST API shows it: its summary and totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub label: Option<String>,
    pub project_id: Option<String>,
    /// `run`, `pipe`, `http`, `hook`, `demo` or `publish`.
    #[schema(value_type = String)]
    pub source: SessionSource,
    pub command: Option<Vec<String>>,
    pub cwd: Option<String>,
    pub model: Option<String>,
    /// `starting`, `running`, `idle`, `completed`, `failed`, `cancelled` or `interrupted`.
    #[schema(value_type = String)]
    pub status: SessionState,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// The latest offset of its stream.
    pub head_offset: u64,
    pub total_cost_usd: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// True while a process this server started for it runs.
    pub process_running: bool,
}

impl SessionView {
    fn new(record: SessionRecord, state: &AppState) -> Self {
        SessionView {
            process_running: state.supervisor.is_running(&record.id),
            id: record.id,
            label: record.label,
            project_id: record.project_id,
            source: record.source,
            command: record.command,
            cwd: record.cwd,
            model: record.model,
            status: record.status,
            started_at: record.started_at,
            ended_at: record.ended_at,
            duration_ms: record.duration_ms,
            head_offset: record.head_offset,
            total_cost_usd: record.total_cost_usd,
            input_tokens: record.input_tokens,
            output_tokens: record.output_tokens,
            cache_read_tokens: record.cache_read_tokens,
            cache_creation_tokens: record.cache_creation_tokens,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `active` (starting, running or idle) or `all` [default: all].
    #[param(inline)]
    pub status: Option<StatusFilter>,
    /// The most sessions returned, newest first [default: 100, max: 1000].
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    Active,
    All,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

const DEFAULT_LIST_LIMIT: u32 = 100;
const MAX_LIST_LIMIT: u32 = 1000;

#[utoipa::path(
    get, path = "/api/sessions", tag = "sessions",
    description = "Sessions, newest first; deleted ones are left out.",
    params(ListParams),
    responses(
        (status = 200, body = SessionList),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(params): Params<ListParams>,
) -> Result<Json<SessionList>, ApiError> {
    caller.require(Scope::Read)?;
    let filter = match params.status {
        Some(StatusFilter::Active) => SessionFilter::Active,
        Some(StatusFilter::All) | None => SessionFilter::All,
    };
    let limit = match params.limit {
        Some(0) => return Err(ApiError::bad_request("limit: must be at least 1")),
        Some(limit) => limit.min(MAX_LIST_LIMIT),
        None => DEFAULT_LIST_LIMIT,
    };
    let records = state.hub.store().list_sessions(filter, limit).await?;
    let sessions = records
        .into_iter()
        .map(|stored| {
            // The live handle knows the latest head and totals.
            let record = match state.hub.find(&stored.id) {
                Some(live) if live.head_offset() >= stored.head_offset => live.record(),
                _ => stored,
            };
            SessionView::new(record, &state)
        })
        .filter(|view| filter.admits(view.status) && caller.claims.allows_session(&view.id))
        .collect();
    Ok(Json(SessionList { sessions }))
}

/// One session and its checkpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionView,
    pub checkpoints: Vec<CheckpointView>,
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
    let record = find(&state, &session_id).await?;
    let checkpoints = state.hub.store().list_checkpoints(&session_id).await?;
    Ok(Json(SessionDetail {
        session: SessionView::new(record, &state),
        checkpoints: checkpoints.into_iter().map(CheckpointView::from).collect(),
    }))
}

/// A session's record, or the 404 every session route answers for an unknown or deleted one.
pub(super) async fn find(state: &AppState, session_id: &str) -> Result<SessionRecord, ApiError> {
    state
        .hub
        .record(session_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no session {session_id}")))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stopping {
    pub session_id: String,
    pub stopping: bool,
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
    if state.supervisor.stop(&session_id) {
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
    if !state.hub.store().delete_session(&session_id).await? {
        return Err(ApiError::not_found(format!("no session {session_id}")));
    }
    state.hub.forget(&session_id);
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::SessionDelete {
            session_id: session_id.clone(),
        },
    });
    tracing::info!(session_id, "session deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body of `POST /api/sessions/{id}/checkpoint`; may be empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCheckpoint {
    /// A human name for it.
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    pub checkpoint_id: String,
    pub session_id: String,
    pub label: Option<String>,
    /// The last offset the checkpoint covers: the session's head when it was made.
    pub offset: u64,
    pub created_at: String,
}

impl From<Checkpoint> for CheckpointView {
    fn from(c: Checkpoint) -> Self {
        CheckpointView {
            checkpoint_id: c.id,
            session_id: c.session_id,
            label: c.label,
            offset: c.offset,
            created_at: c.created_at,
        }
    }
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/checkpoint", tag = "sessions",
    description = "Marks the session's current head: stored, and announced to its watchers \
        as a `session.checkpoint` event.",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = Option<CreateCheckpoint>, description = "Optional label"),
    responses(
        (status = 201, body = CheckpointView),
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
) -> Result<(StatusCode, Json<CheckpointView>), ApiError> {
    caller.require_session(&session_id, Scope::Write)?;
    let request: CreateCheckpoint = if body.iter().all(u8::is_ascii_whitespace) {
        CreateCheckpoint::default()
    } else {
        parse_json(&body)?
    };
    let Some(record) = state.hub.record(&session_id).await? else {
        // A deleted session keeps its head offset in the store; an unknown one has none.
        return Err(if state.hub.store().head_offset(&session_id).await? > 0 {
            ApiError::conflict(format!("session {session_id} was deleted"))
        } else {
            ApiError::not_found(format!("no session {session_id}"))
        });
    };
    let checkpoint = Checkpoint::new(
        uuid::Uuid::new_v4().to_string(),
        session_id.clone(),
        request.label,
        record.head_offset,
    );
    state.hub.store().add_checkpoint(&checkpoint).await?;
    let event = Event::SessionCheckpoint(SessionCheckpoint {
        checkpoint_id: checkpoint.id.clone(),
        label: checkpoint.label.clone(),
        offset: checkpoint.offset,
    });
    state.hub.publish(&session_id, vec![event]).await?;
    Ok((StatusCode::CREATED, Json(checkpoint.into())))
}
