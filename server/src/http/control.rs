//! Answering the agent over REST (scope `control`): the same commands as the session
//! namespace's `prompt`, `interrupt`, `end` and `permission.respond`, through
//! [`Controls`](crate::control::Controls), audited with the caller's subject.

use agentcast_shared::rest::ErrorResponse;
use agentcast_shared::{
    EndResult, InterruptResult, PermissionAnswer, PermissionResponded, PromptArgs, PromptResult,
    Scope,
};
use axum::Json;
use axum::extract::{Path, State};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiError;
use super::state::AppState;
use crate::control::{self, ControlError};

fn control_caller(caller: &Caller) -> control::Caller {
    control::Caller {
        actor: caller.actor(),
        via: "http",
    }
}

impl From<ControlError> for ApiError {
    fn from(err: ControlError) -> Self {
        ApiError::new(err.code(), err.to_string())
    }
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/prompt", tag = "control",
    description = "Sends the next prompt to a session agentcast runs in control mode; queued \
        while a turn runs (the answer says so). Published as `user.prompt` with `by` when it \
        reaches the agent.",
    params(("id" = String, Path, description = "Session id")),
    request_body = PromptArgs,
    responses(
        (status = 200, body = PromptResult),
        (status = 400, description = "Empty or too long prompt", body = ErrorResponse),
        (status = 403, description = "The token lacks the control scope", body = ErrorResponse),
        (status = 409, description = "The session is not controlled or is ending", body = ErrorResponse),
        (status = 429, description = "Too many prompts queued", body = ErrorResponse),
    )
)]
pub async fn prompt(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
    JsonBody(args): JsonBody<PromptArgs>,
) -> Result<Json<PromptResult>, ApiError> {
    caller.require_session(&session_id, Scope::Control)?;
    let by = control_caller(&caller);
    Ok(Json(
        state.controls.prompt(&session_id, &by, args.text).await?,
    ))
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/interrupt", tag = "control",
    description = "Stops the running turn of a controlled session; the session then waits for \
        the next prompt. `interrupted` is false when no turn ran.",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = InterruptResult),
        (status = 403, description = "The token lacks the control scope", body = ErrorResponse),
        (status = 409, description = "The session is not controlled or is ending", body = ErrorResponse),
    )
)]
pub async fn interrupt(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Json<InterruptResult>, ApiError> {
    caller.require_session(&session_id, Scope::Control)?;
    let by = control_caller(&caller);
    Ok(Json(state.controls.interrupt(&session_id, &by).await?))
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/end", tag = "control",
    description = "Ends a controlled session: open permission requests are denied, the agent \
        finishes the turn it is in and exits, and `session.ended` follows.",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = EndResult),
        (status = 403, description = "The token lacks the control scope", body = ErrorResponse),
        (status = 409, description = "The session is not controlled or is ending", body = ErrorResponse),
    )
)]
pub async fn end(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> Result<Json<EndResult>, ApiError> {
    caller.require_session(&session_id, Scope::Control)?;
    let by = control_caller(&caller);
    Ok(Json(state.controls.end(&session_id, &by).await?))
}

#[utoipa::path(
    post, path = "/api/sessions/{id}/permissions/{request_id}", tag = "control",
    description = "Answers a `permission.requested`: the first answer wins and is published as \
        `permission.resolved` with `by`; a later one gets 409 `already_resolved`.",
    params(
        ("id" = String, Path, description = "Session id"),
        ("request_id" = String, Path, description = "The request's `request_id`"),
    ),
    request_body = PermissionAnswer,
    responses(
        (status = 200, body = PermissionResponded),
        (status = 400, description = "Bad body", body = ErrorResponse),
        (status = 403, description = "The token lacks the control scope", body = ErrorResponse),
        (status = 404, description = "No such open request", body = ErrorResponse),
        (status = 409, description = "Already answered (`already_resolved`), or the session is not controlled", body = ErrorResponse),
    )
)]
pub async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Path((session_id, request_id)): Path<(String, String)>,
    JsonBody(answer): JsonBody<PermissionAnswer>,
) -> Result<Json<PermissionResponded>, ApiError> {
    caller.require_session(&session_id, Scope::Control)?;
    let by = control_caller(&caller);
    let responded = state
        .controls
        .respond(&session_id, &by, request_id, answer)
        .await?;
    Ok(Json(responded))
}
