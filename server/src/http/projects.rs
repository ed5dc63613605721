//! Projects over HTTP: sessions are grouped by project; a project's settings are a JSON
//! object the client owns.

use agentcast_shared::Scope;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ErrorResponse};
use super::state::AppState;
use crate::hub::is_valid_session_id;
use crate::store::{Project, StoreError};

/// The body of `POST /api/projects`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1 to 128 letters, digits, `-`, `_` or `.` [default: a new random id].
    pub id: Option<String>,
    pub name: String,
    /// Free-form settings [default: `{}`].
    #[schema(value_type = Option<Object>)]
    pub settings: Option<Map<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub settings: Value,
    pub created_at: String,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        ProjectView {
            id: p.id,
            name: p.name,
            settings: p.settings,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectView>,
}

#[utoipa::path(
    get, path = "/api/projects", tag = "projects",
    responses((status = 200, description = "Every project, by id", body = ProjectList))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ProjectList>, ApiError> {
    caller.require(Scope::Read)?;
    let projects = state.hub.store().list_projects().await?;
    Ok(Json(ProjectList {
        projects: projects.into_iter().map(ProjectView::from).collect(),
    }))
}

/// The longest project name accepted.
const MAX_NAME_CHARS: usize = 200;

#[utoipa::path(
    post, path = "/api/projects", tag = "projects",
    request_body = CreateProject,
    responses(
        (status = 201, body = ProjectView),
        (status = 400, description = "Bad body, id or name", body = ErrorResponse),
        (status = 409, description = "A project with this id exists", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<ProjectView>), ApiError> {
    caller.require(Scope::Write)?;
    let id = request
        .id
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if !is_valid_session_id(&id) {
        return Err(ApiError::bad_request(format!(
            "id: {id:?} is not 1 to 128 letters, digits, '-', '_' or '.'"
        )));
    }
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "name: must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let settings = Value::Object(request.settings.unwrap_or_default());
    let project = Project::new(id, name, settings);
    match state.hub.store().create_project(&project).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(project.into()))),
        Err(StoreError::Conflict { .. }) => {
            Err(ApiError::conflict(format!("project {} exists", project.id)))
        }
        Err(err) => Err(err.into()),
    }
}

#[utoipa::path(
    get, path = "/api/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "Project id")),
    responses(
        (status = 200, body = ProjectView),
        (status = 404, description = "Unknown project", body = ErrorResponse),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ProjectView>, ApiError> {
    caller.require(Scope::Read)?;
    match state.hub.store().get_project(&id).await? {
        Some(project) => Ok(Json(project.into())),
        None => Err(not_found(&id)),
    }
}

#[utoipa::path(
    put, path = "/api/projects/{id}/settings", tag = "projects",
    description = "Replaces the project's settings with the body, a JSON object.",
    params(("id" = String, Path, description = "Project id")),
    request_body(content = Object, description = "The new settings"),
    responses(
        (status = 200, body = ProjectView),
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
) -> Result<Json<ProjectView>, ApiError> {
    caller.require(Scope::Write)?;
    let store = state.hub.store();
    if !store
        .update_project_settings(&id, &Value::Object(settings))
        .await?
    {
        return Err(not_found(&id));
    }
    match store.get_project(&id).await? {
        Some(project) => Ok(Json(project.into())),
        None => Err(not_found(&id)), // deleted in between
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no project {id}"))
}
