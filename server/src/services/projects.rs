//! [`ProjectService`]: projects, their ids and names checked, their settings a JSON object
//! the client owns.

use std::sync::Arc;

use agentcast_shared::rest::{CreateProject, Project};
use serde_json::{Map, Value};

use super::ServiceError;
use crate::hub::is_valid_session_id;
use crate::store::{ProjectCatalog, StoreError, now_ts};

/// The longest project name accepted.
const MAX_NAME_CHARS: usize = 200;

/// The projects of the store. Cheap to clone.
#[derive(Clone)]
pub(crate) struct ProjectService {
    catalog: Arc<dyn ProjectCatalog>,
}

impl ProjectService {
    pub(crate) fn new(catalog: Arc<dyn ProjectCatalog>) -> Self {
        ProjectService { catalog }
    }

    /// Every project, by id.
    pub(crate) async fn list(&self) -> Result<Vec<Project>, ServiceError> {
        Ok(self.catalog.list_projects().await?)
    }

    /// A new project: its id (a new random one if none is given) must be a valid session
    /// id and free, its name 1 to [`MAX_NAME_CHARS`] characters once trimmed.
    pub(crate) async fn create(&self, request: CreateProject) -> Result<Project, ServiceError> {
        let id = request
            .id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !is_valid_session_id(&id) {
            return Err(ServiceError::invalid(
                "id",
                format!("{id:?} is not 1 to 128 letters, digits, '-', '_' or '.'"),
            ));
        }
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(ServiceError::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        let project = Project {
            id,
            name: name.to_owned(),
            settings: Value::Object(request.settings.unwrap_or_default()),
            created_at: now_ts(),
        };
        match self.catalog.create_project(&project).await {
            Ok(()) => Ok(project),
            Err(StoreError::Conflict { .. }) => Err(ServiceError::Exists {
                what: "project",
                key: project.id,
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// A project by id.
    pub(crate) async fn get(&self, id: &str) -> Result<Project, ServiceError> {
        self.catalog
            .get_project(id)
            .await?
            .ok_or_else(|| ServiceError::not_found("project", id))
    }

    /// Replaces the project's settings, and answers the project as it is now.
    pub(crate) async fn replace_settings(
        &self,
        id: &str,
        settings: Map<String, Value>,
    ) -> Result<Project, ServiceError> {
        if !self
            .catalog
            .update_project_settings(id, &Value::Object(settings))
            .await?
        {
            return Err(ServiceError::not_found("project", id));
        }
        // Not found here: deleted in between.
        self.get(id).await
    }
}
