//! Projects and MCP servers in PostgreSQL: the `projects` and `mcp_servers` tables, their JSON
//! columns (`settings`, `args`, `env`) as text.

use agentcast_shared::rest::{McpServer, McpServerConfig, Project};
use async_trait::async_trait;
use sqlx::postgres::PgRow;

use super::{PostgresStore, get, get_uint, json_column};
use crate::store::error::{db, db_or_conflict};
use crate::store::{ProjectCatalog, StoreError};

fn project_from_row(row: &PgRow) -> Result<Project, StoreError> {
    Ok(Project {
        id: get(row, "id")?,
        name: get(row, "name")?,
        settings: json_column(&get::<String>(row, "settings")?, "project settings")?,
        created_at: get(row, "created_at")?,
        path: get(row, "path")?,
        session_count: get_uint(row, "session_count")?,
    })
}

/// A project's columns, and its live sessions counted.
const PROJECT_SELECT: &str = "SELECT id, name, settings, created_at, path, \
     (SELECT COUNT(*) FROM sessions s WHERE s.project_id = projects.id \
         AND s.deleted_at IS NULL) AS session_count \
     FROM projects";

fn mcp_server_from_row(row: &PgRow) -> Result<McpServer, StoreError> {
    Ok(McpServer {
        config: McpServerConfig {
            name: get(row, "name")?,
            command: get(row, "command")?,
            args: json_column(&get::<String>(row, "args")?, "mcp server args")?,
            env: json_column(&get::<String>(row, "env")?, "mcp server env")?,
        },
        created_at: get(row, "created_at")?,
    })
}

#[async_trait]
impl ProjectCatalog for PostgresStore {
    async fn create_project(&self, p: &Project) -> Result<(), StoreError> {
        const OP: &str = "create_project";
        sqlx::query(
            "INSERT INTO projects (id, name, settings, created_at, path) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&p.id)
        .bind(&p.name)
        .bind(p.settings.to_string())
        .bind(&p.created_at)
        .bind(&p.path)
        .execute(&self.pool)
        .await
        .map_err(db_or_conflict(OP, "project", || p.id.clone()))?;
        Ok(())
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        sqlx::query(&format!("{PROJECT_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("get_project"))?
            .as_ref()
            .map(project_from_row)
            .transpose()
    }

    async fn list_projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query(&format!("{PROJECT_SELECT} ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db("list_projects"))?
            .iter()
            .map(project_from_row)
            .collect()
    }

    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        const OP: &str = "update_project_settings";
        let updated = sqlx::query("UPDATE projects SET settings = $1 WHERE id = $2")
            .bind(settings.to_string())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db(OP))?
            .rows_affected();
        Ok(updated == 1)
    }

    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError> {
        const OP: &str = "add_mcp_server";
        let s = &server.config;
        sqlx::query(
            "INSERT INTO mcp_servers (name, command, args, env, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.name)
        .bind(&s.command)
        .bind(serde_json::to_string(&s.args).expect("strings serialize"))
        .bind(serde_json::to_string(&s.env).expect("a string map serializes"))
        .bind(&server.created_at)
        .execute(&self.pool)
        .await
        .map_err(db_or_conflict(OP, "mcp server", || s.name.clone()))?;
        Ok(())
    }

    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError> {
        sqlx::query("SELECT name, command, args, env, created_at FROM mcp_servers WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("get_mcp_server"))?
            .as_ref()
            .map(mcp_server_from_row)
            .transpose()
    }

    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError> {
        sqlx::query("SELECT name, command, args, env, created_at FROM mcp_servers ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db("list_mcp_servers"))?
            .iter()
            .map(mcp_server_from_row)
            .collect()
    }

    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM mcp_servers WHERE name = $1",
            name,
            "delete_mcp_server",
        )
        .await
    }
}
