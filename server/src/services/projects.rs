//! [`ProjectService`]: projects, their ids and names checked, their settings a JSON object
//! the client owns.

use std::sync::Arc;

use agentcast_shared::rest::{CreateProject, Project};
use serde_json::{Map, Value};

use super::ServiceError;
use crate::clock::now_ts;
use crate::store::{ProjectCatalog, StoreError};
use agentcast_shared::is_valid_session_id;

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

    /// Every project, by id, with its session count.
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
            path: None,
            session_count: 0,
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::MemoryStore;

    fn service() -> ProjectService {
        ProjectService::new(Arc::new(MemoryStore::new()))
    }

    fn request(id: Option<&str>, name: &str) -> CreateProject {
        CreateProject {
            id: id.map(str::to_owned),
            name: name.to_owned(),
            settings: None,
        }
    }

    #[tokio::test]
    async fn ids_and_names_are_checked_and_a_taken_id_exists() {
        let projects = service();
        let err = projects
            .create(request(Some("a/b"), "x"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ServiceError::Invalid { field: "id", .. }),
            "{err}"
        );
        let err = projects.create(request(None, "   ")).await.unwrap_err();
        assert_eq!(err.to_string(), "name: must be 1 to 200 characters");
        let long = "n".repeat(MAX_NAME_CHARS + 1);
        assert!(projects.create(request(None, &long)).await.is_err());

        let web = projects
            .create(request(Some("web"), " Web "))
            .await
            .unwrap();
        assert_eq!((web.name.as_str(), &web.settings), ("Web", &json!({})));
        let err = projects
            .create(request(Some("web"), "again"))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "project web exists");
        // Without an id, a new random one.
        let other = projects.create(request(None, "Other")).await.unwrap();
        assert_ne!(other.id, web.id);
        assert_eq!(projects.list().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn settings_are_replaced_whole_and_unknown_projects_are_not_found() {
        let projects = service();
        let mut create = request(Some("web"), "Web");
        create.settings = json!({"a": 1, "b": 2}).as_object().cloned();
        projects.create(create).await.unwrap();
        let settings = json!({"b": [3]}).as_object().cloned().unwrap();
        let updated = projects.replace_settings("web", settings).await.unwrap();
        assert_eq!(updated.settings, json!({"b": [3]}));
        assert_eq!(projects.get("web").await.unwrap(), updated);

        let err = projects.get("nope").await.unwrap_err();
        assert_eq!(err.to_string(), "no project nope");
        let err = projects
            .replace_settings("nope", Map::new())
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            ServiceError::NotFound {
                what: "project",
                ..
            }
        ));
    }
}
