//! [`McpServerService`]: the configured MCP servers, their names and commands checked, and
//! the check that starts one and performs the MCP `initialize` handshake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentcast_shared::rest::{McpServer, McpServerConfig, McpTestParams, McpTestReport};

use super::ServiceError;
use crate::hub::is_valid_session_id;
use crate::mcp::{McpLaunch, test_server};
use crate::store::{ProjectCatalog, StoreError, now_ts};

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
