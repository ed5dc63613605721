//! [`McpServerService`]: the configured MCP servers, their names and commands checked, and
//! the check that starts one and performs the MCP `initialize` handshake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcast_shared::rest::{McpServer, McpServerConfig, McpTestParams, McpTestReport};

use super::ServiceError;
use crate::clock::now_ts;
use crate::mcp::{McpLaunch, test_server};
use crate::store::{ProjectCatalog, StoreError};
use agentcast_shared::is_valid_session_id;

/// How long a server gets to answer `initialize` when the caller does not say.
const DEFAULT_TEST_TIMEOUT_MS: u64 = 10_000;
/// The longest a check may wait.
const MAX_TEST_TIMEOUT_MS: u64 = 60_000;

/// The MCP servers of the store. Cheap to clone.
#[derive(Clone)]
pub(crate) struct McpServerService {
    catalog: Arc<dyn ProjectCatalog>,
}

impl McpServerService {
    pub(crate) fn new(catalog: Arc<dyn ProjectCatalog>) -> Self {
        McpServerService { catalog }
    }

    /// Every configured server, by name.
    pub(crate) async fn list(&self) -> Result<Vec<McpServer>, ServiceError> {
        Ok(self.catalog.list_mcp_servers().await?)
    }

    /// Adds a server: its name must be a valid session id and free, its command not empty.
    pub(crate) async fn add(&self, config: McpServerConfig) -> Result<McpServer, ServiceError> {
        if !is_valid_session_id(&config.name) {
            return Err(ServiceError::invalid(
                "name",
                format!(
                    "{:?} is not 1 to 128 letters, digits, '-', '_' or '.'",
                    config.name
                ),
            ));
        }
        if config.command.trim().is_empty() {
            return Err(ServiceError::invalid("command", "must not be empty"));
        }
        let server = McpServer {
            config,
            created_at: now_ts(),
        };
        match self.catalog.add_mcp_server(&server).await {
            Ok(()) => Ok(server),
            Err(StoreError::Conflict { .. }) => Err(ServiceError::Exists {
                what: "MCP server",
                key: server.config.name,
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes a server.
    pub(crate) async fn remove(&self, name: &str) -> Result<(), ServiceError> {
        if self.catalog.delete_mcp_server(name).await? {
            Ok(())
        } else {
            Err(not_found(name))
        }
    }

    /// Starts the server, performs the handshake within the timeout and stops it. A server
    /// that fails the check is a report with `ok: false` and the reason: the check itself
    /// worked.
    pub(crate) async fn test(
        &self,
        name: &str,
        params: &McpTestParams,
    ) -> Result<McpTestReport, ServiceError> {
        let timeout_ms = match params.timeout_ms {
            Some(0) => return Err(ServiceError::invalid("timeout_ms", "must be at least 1")),
            Some(ms) => ms.min(MAX_TEST_TIMEOUT_MS),
            None => DEFAULT_TEST_TIMEOUT_MS,
        };
        let Some(server) = self.catalog.get_mcp_server(name).await? else {
            return Err(not_found(name));
        };
        let launch = McpLaunch {
            config: server.config,
            cwd: None,
        };
        let started = Instant::now();
        let report = match test_server(&launch, Duration::from_millis(timeout_ms)).await {
            Ok(info) => McpTestReport {
                ok: true,
                server_name: Some(info.name),
                server_version: info.version,
                protocol_version: Some(info.protocol_version),
                capabilities: Some(info.capabilities),
                instructions: info.instructions,
                error: None,
                stderr_tail: None,
                duration_ms: info.duration_ms,
            },
            Err(err) => McpTestReport {
                ok: false,
                server_name: None,
                server_version: None,
                protocol_version: None,
                capabilities: None,
                instructions: None,
                stderr_tail: err.stderr_tail().map(str::to_owned),
                error: Some(err.to_string()),
                duration_ms: started.elapsed().as_millis() as u64,
            },
        };
        tracing::info!(mcp.server = %launch.config.name, ok = report.ok, "MCP server tested");
        Ok(report)
    }
}

fn not_found(name: &str) -> ServiceError {
    ServiceError::not_found("MCP server", name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn config(name: &str, command: &str) -> McpServerConfig {
        McpServerConfig {
            name: name.to_owned(),
            command: command.to_owned(),
            args: vec!["-y".into()],
            env: Default::default(),
        }
    }

    #[tokio::test]
    async fn names_and_commands_are_checked_and_a_taken_name_exists() {
        let servers = McpServerService::new(Arc::new(MemoryStore::new()));
        let err = servers.add(config("a b", "npx")).await.unwrap_err();
        assert!(
            err.to_string().starts_with("name: \"a b\" is not 1 to 128"),
            "{err}"
        );
        let err = servers.add(config("fs", "  ")).await.unwrap_err();
        assert_eq!(err.to_string(), "command: must not be empty");

        let added = servers.add(config("fs", "npx")).await.unwrap();
        assert_eq!(added.config, config("fs", "npx"));
        let err = servers.add(config("fs", "uvx")).await.unwrap_err();
        assert_eq!(err.to_string(), "MCP server fs exists");
        assert_eq!(servers.list().await.unwrap(), [added]);

        servers.remove("fs").await.unwrap();
        let err = servers.remove("fs").await.unwrap_err();
        assert_eq!(err.to_string(), "no MCP server fs");
    }

    #[tokio::test]
    async fn a_check_needs_a_known_server_and_a_timeout_of_at_least_one_ms() {
        let servers = McpServerService::new(Arc::new(MemoryStore::new()));
        let no_wait = McpTestParams {
            timeout_ms: Some(0),
        };
        let err = servers.test("fs", &no_wait).await.unwrap_err();
        assert_eq!(err.to_string(), "timeout_ms: must be at least 1");
        let err = servers
            .test("fs", &McpTestParams::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::NotFound { .. }), "{err}");

        // A command that does not exist fails the check, which is a report, not an error.
        servers
            .add(config("missing", "agentcast-no-such-mcp-server"))
            .await
            .unwrap();
        let report = servers
            .test("missing", &McpTestParams::default())
            .await
            .unwrap();
        assert!(!report.ok);
        let error = report.error.unwrap_or_default();
        assert!(error.starts_with("cannot start"), "{error}");
        assert_eq!(report.server_name, None);
    }
}
