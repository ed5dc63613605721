//! Projects and MCP servers in memory, each in a map by key.

use agentcast_shared::rest::{McpServer, Project};
use async_trait::async_trait;

use super::{Inner, MemoryStore, insert_new};
use crate::store::{ProjectCatalog, StoreError};

#[async_trait]
impl ProjectCatalog for MemoryStore {
    async fn create_project(&self, project: &Project) -> Result<(), StoreError> {
        insert_new(&mut self.lock().projects, &project.id, project, "project")
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        let inner = self.lock();
        Ok(inner.projects.get(id).map(|p| counted(&inner, p)))
    }

    async fn list_projects(&self) -> Result<Vec<Project>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .projects
            .values()
            .map(|p| counted(&inner, p))
            .collect())
    }

    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        Ok(match self.lock().projects.get_mut(id) {
            Some(project) => {
                project.settings = settings.clone();
                true
            }
            None => false,
        })
    }

    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError> {
        insert_new(
            &mut self.lock().mcp_servers,
            &server.config.name,
            server,
            "mcp server",
        )
    }

    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError> {
        Ok(self.lock().mcp_servers.get(name).cloned())
    }

    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError> {
        Ok(self.lock().mcp_servers.values().cloned().collect())
    }

    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.lock().mcp_servers.remove(name).is_some())
    }
}

/// The project with its live sessions counted, as the SQL does.
fn counted(inner: &Inner, project: &Project) -> Project {
    let sessions = inner
        .live_sessions()
        .filter(|s| s.project_id.as_deref() == Some(&project.id))
        .count();
    Project {
        session_count: sessions as u64,
        ..project.clone()
    }
}
