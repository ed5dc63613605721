//! [`ProjectCatalog`]: projects and configured MCP servers.

use agentcast_shared::rest::{McpServer, Project};
use async_trait::async_trait;

use super::StoreError;

/// The projects sessions are grouped by, and the MCP servers the server may start.
#[async_trait]
pub trait ProjectCatalog: Send + Sync + 'static {
    /// Stores a new project; [`StoreError::Conflict`] if its id exists.
    async fn create_project(&self, project: &Project) -> Result<(), StoreError>;
    /// A project by id.
    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError>;
    /// Every project, by id.
    async fn list_projects(&self) -> Result<Vec<Project>, StoreError>;
    /// Replaces a project's settings; `false` if unknown.
    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError>;

    /// Stores an MCP server; [`StoreError::Conflict`] if its name exists.
    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError>;
    /// An MCP server by name.
    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError>;
    /// Every MCP server, by name.
    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError>;
    /// Removes an MCP server; `false` if unknown.
    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError>;
}
