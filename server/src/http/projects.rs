//! Projects over HTTP: sessions are grouped by project; a project's settings are a JSON
//! object the client owns. The bodies are `agentcast_shared::rest`'s; the rules are the
//! [`ProjectService`](crate::services::ProjectService)'s.

use agentcast_shared::Scope;
use agentcast_shared::rest::{CreateProject, ErrorResponse, Project, ProjectList};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiError;
use super::state::AppState;

#[utoipa::path(
    get, path = "/api/projects", tag = "projects",
    responses((status = 200, description = "Every project, by id", body = ProjectList))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProjectList>, ApiError> {
    caller.require(Scope::Read)?;
    let projects = state.services.projects.list().await?;
    Ok(Json(ProjectList { projects }))
}

#[utoipa::path(
    post, path = "/api/projects", tag = "projects",
    request_body = CreateProject,
    responses(
        (status = 201, body = Project),
        (status = 400, description = "Bad body, id or name", body = ErrorResponse),
        (status = 409, description = "A project with this id exists", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    caller.require(Scope::Write)?;
    let project = state.services.projects.create(request).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

#[utoipa::path(
    get, path = "/api/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    responses(
        (status = 200, body = Project),
        (status = 404, description = "Unknown project", body = ErrorResponse),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Project>, ApiError> {
    caller.require(Scope::Read)?;
    Ok(Json(state.services.projects.get(&id).await?))
}

#[utoipa::path(
    put, path = "/api/projects/{id}/settings", tag = "projects",
    description = "Replaces the project's settings with the body, a JSON object.",
    params(("id" = String, Path, description = "Project id")),
    request_body(content = Object, description = "The new settings"),
    responses(
        (status = 200, body = Project),
        (status = 400, description = "The body is not a JSON object", body = ErrorResponse),
        (status = 404, description = "Unknown project", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(settings): JsonBody<Map<String, Value>>,
) -> Result<Json<Project>, ApiError> {
    caller.require(Scope::Write)?;
    let project = state
        .services
        .projects
        .replace_settings(&id, settings)
        .await?;
    Ok(Json(project))
}
