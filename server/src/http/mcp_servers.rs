//! MCP servers over HTTP: the configured servers (the command that starts each) and a check
//! that starts one and performs the MCP `initialize` handshake.

use std::collections::BTreeMap;
use std::time::Duration;

use agentcast_shared::Scope;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ErrorResponse};
use super::query::Params;
use super::state::AppState;
use crate::audit::{AdminAction, AuditEvent};
use crate::hub::is_valid_session_id;
use crate::mcp::{McpServerConfig, McpServerInfo, test_server};
use crate::store::{McpServer, StoreError};

/// The body of `POST /api/mcp-servers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMcpServer {
    /// 1 to 128 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The program that starts the server (stdio transport).
    pub command: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Extra environment variables for it.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct McpServerView {
    pub name: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub created_at: String,
}

impl From<McpServer> for McpServerView {
    fn from(s: McpServer) -> Self {
        McpServerView {
            name: s.name,
            command: s.command,
            args: s.args,
            env: s.env,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct McpServerList {
    pub servers: Vec<McpServerView>,
}

#[utoipa::path(
    get, path = "/api/mcp-servers", tag = "mcp-servers",
    responses((status = 200, description = "Every configured server, by name", body = McpServerList))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<McpServerList>, ApiError> {
    // Admin: the commands and their environment may hold secrets.
    caller.require(Scope::Admin)?;
    let servers = state.hub.store().list_mcp_servers().await?;
    Ok(Json(McpServerList {
        servers: servers.into_iter().map(McpServerView::from).collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/mcp-servers", tag = "mcp-servers",
    request_body = AddMcpServer,
    responses(
        (status = 201, body = McpServerView),
        (status = 400, description = "Bad body, name or command", body = ErrorResponse),
        (status = 409, description = "A server with this name exists", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<AddMcpServer>,
) -> Result<(StatusCode, Json<McpServerView>), ApiError> {
    caller.require(Scope::Admin)?;
    if !is_valid_session_id(&request.name) {
        return Err(ApiError::bad_request(format!(
            "name: {:?} is not 1 to 128 letters, digits, '-', '_' or '.'",
            request.name
        )));
    }
    if request.command.trim().is_empty() {
        return Err(ApiError::bad_request("command: must not be empty"));
    }
    let server = McpServer::new(request.name, request.command, request.args, request.env);
    match state.hub.store().add_mcp_server(&server).await {
        Ok(()) => {
            state.audit.record(AuditEvent::AdminAction {
                actor: caller.actor(),
                action: AdminAction::McpServerAdd {
                    name: server.name.clone(),
                    command: server.command.clone(),
                },
            });
            Ok((StatusCode::CREATED, Json(server.into())))
        }
        Err(StoreError::Conflict { .. }) => Err(ApiError::conflict(format!(
            "MCP server {} exists",
            server.name
        ))),
        Err(err) => Err(err.into()),
    }
}

#[utoipa::path(
    delete, path = "/api/mcp-servers/{name}", tag = "mcp-servers",
    params(("name" = String, Path, description = "Server name")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Unknown server", body = ErrorResponse),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Scope::Admin)?;
    if state.hub.store().delete_mcp_server(&name).await? {
        state.audit.record(AuditEvent::AdminAction {
            actor: caller.actor(),
            action: AdminAction::McpServerDelete { name },
        });
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&name))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TestParams {
    /// How long the server gets to answer `initialize` [default: 10000, max: 60000].
    pub timeout_ms: Option<u64>,
}

const DEFAULT_TEST_TIMEOUT_MS: u64 = 10_000;
const MAX_TEST_TIMEOUT_MS: u64 = 60_000;

/// The outcome of a check: `ok` and what the server said, or why it failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct McpTestReport {
    pub ok: bool,
    /// `serverInfo.name`, when it answered.
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    pub protocol_version: Option<String>,
    /// Its capabilities object as sent.
    #[schema(value_type = Option<Object>)]
    pub capabilities: Option<serde_json::Value>,
    pub instructions: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The end of its stderr, where servers explain a failure.
    pub stderr_tail: Option<String>,
    pub duration_ms: u64,
}

#[utoipa::path(
    post, path = "/api/mcp-servers/{name}/test", tag = "mcp-servers",
    description = "Starts the server, performs the MCP `initialize` handshake over stdio \
        within the timeout and stops it. A server that fails the check is a 200 with \
        `ok: false` and the reason: the check itself worked.",
    params(("name" = String, Path, description = "Server name"), TestParams),
    responses(
        (status = 200, body = McpTestReport),
        (status = 400, description = "Bad query parameter", body = ErrorResponse),
        (status = 404, description = "Unknown server", body = ErrorResponse),
    )
)]
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Params(params): Params<TestParams>,
) -> Result<Json<McpTestReport>, ApiError> {
    caller.require(Scope::Admin)?;
    let timeout_ms = match params.timeout_ms {
        Some(0) => return Err(ApiError::bad_request("timeout_ms: must be at least 1")),
        Some(ms) => ms.min(MAX_TEST_TIMEOUT_MS),
        None => DEFAULT_TEST_TIMEOUT_MS,
    };
    let Some(server) = state.hub.store().get_mcp_server(&name).await? else {
        return Err(not_found(&name));
    };
    let config = McpServerConfig {
        name: server.name,
        command: server.command,
        args: server.args,
        env: server.env,
        cwd: None,
    };
    let started = std::time::Instant::now();
    let report = match test_server(&config, Duration::from_millis(timeout_ms)).await {
        Ok(info) => passed(info),
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
    tracing::info!(mcp.server = %config.name, ok = report.ok, "MCP server tested");
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::McpServerTest {
            name: config.name,
            ok: report.ok,
        },
    });
    Ok(Json(report))
}

fn passed(info: McpServerInfo) -> McpTestReport {
    McpTestReport {
        ok: true,
        server_name: Some(info.name),
        server_version: info.version,
        protocol_version: Some(info.protocol_version),
        capabilities: Some(info.capabilities),
        instructions: info.instructions,
        error: None,
        stderr_tail: None,
        duration_ms: info.duration_ms,
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("no MCP server {name}"))
}
