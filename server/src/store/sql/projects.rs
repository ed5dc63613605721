//! Projects and MCP servers in SQL: the `projects` and `mcp_servers` tables, their JSON
//! columns (`settings`, `args`, `env`) as text.

use agentcast_shared::rest::{McpServer, Project};
use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::rows::{
    INSERT_MCP_SERVER, INSERT_PROJECT, MCP_SERVER_SELECT, PROJECT_SELECT, mcp_server_from_row,
    mcp_server_json, project_from_row,
};
use super::{Columns, Dialect, SqlStore};
use crate::store::error::{db, db_or_conflict};
use crate::store::{ProjectCatalog, StoreError};

#[async_trait]
impl<DB> ProjectCatalog for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<f64>: Encode<'q, DB>,
    f64: Type<DB>,
    DB::Row: Columns,
    usize: ColumnIndex<DB::Row>,
{
    async fn create_project(&self, p: &Project) -> Result<(), StoreError> {
        sqlx::query(&DB::sql(INSERT_PROJECT))
            .bind(&p.id)
            .bind(&p.name)
            .bind(p.settings.to_string())
            .bind(&p.created_at)
            .bind(&p.path)
            .execute(&self.writer)
            .await
            .map_err(db_or_conflict("create_project", "project", || p.id.clone()))?;
        Ok(())
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        sqlx::query(&DB::sql(&format!("{PROJECT_SELECT} WHERE id = ?")))
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_project"))?
            .as_ref()
            .map(project_from_row)
            .transpose()
    }

    async fn list_projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query(&format!("{PROJECT_SELECT} ORDER BY id"))
            .fetch_all(&self.reader)
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
        let updated = sqlx::query(&DB::sql("UPDATE projects SET settings = ? WHERE id = ?"))
            .bind(settings.to_string())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db("update_project_settings"))?;
        Ok(DB::rows_affected(&updated) == 1)
    }

    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError> {
        let s = &server.config;
        let (args, env) = mcp_server_json(s);
        sqlx::query(&DB::sql(INSERT_MCP_SERVER))
            .bind(&s.name)
            .bind(&s.command)
            .bind(args)
            .bind(env)
            .bind(&server.created_at)
            .execute(&self.writer)
            .await
            .map_err(db_or_conflict("add_mcp_server", "mcp server", || {
                s.name.clone()
            }))?;
        Ok(())
    }

    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError> {
        sqlx::query(&DB::sql(&format!("{MCP_SERVER_SELECT} WHERE name = ?")))
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_mcp_server"))?
            .as_ref()
            .map(mcp_server_from_row)
            .transpose()
    }

    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError> {
        sqlx::query(&format!("{MCP_SERVER_SELECT} ORDER BY name"))
            .fetch_all(&self.reader)
            .await
            .map_err(db("list_mcp_servers"))?
            .iter()
            .map(mcp_server_from_row)
            .collect()
    }

    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM mcp_servers WHERE name = ?",
            name,
            "delete_mcp_server",
        )
        .await
    }
}
