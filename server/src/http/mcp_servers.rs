//! MCP servers over HTTP: the configured servers (the command that starts each) and a check
//! that starts one and performs the MCP `initialize` handshake. The bodies are
//! `agentcast_shared::rest`'s; the rules and the check are the
//! [`McpServerService`](crate::services::McpServerService)'s.

use agentcast_shared::Scope;
use agentcast_shared::rest::{
    ErrorResponse, McpServer, McpServerConfig, McpServerList, McpTestParams, McpTestReport,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::body::JsonBody;
use super::error::ApiError;
use super::query::Params;
use super::state::AppState;
use crate::audit::{AdminAction, AuditEvent};

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
    let servers = state.services.mcp_servers.list().await?;
    Ok(Json(McpServerList { servers }))
}

#[utoipa::path(
    post, path = "/api/mcp-servers", tag = "mcp-servers",
    request_body = McpServerConfig,
    responses(
        (status = 201, body = McpServer),
        (status = 400, description = "Bad body, name or command", body = ErrorResponse),
        (status = 409, description = "A server with this name exists", body = ErrorResponse),
        (status = 413, description = "Body over `max_payload`", body = ErrorResponse),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<McpServerConfig>,
) -> Result<(StatusCode, Json<McpServer>), ApiError> {
    caller.require(Scope::Admin)?;
    let server = state.services.mcp_servers.add(request).await?;
    let config = &server.config;
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::McpServerAdd {
            name: config.name.clone(),
            command: config.command.clone(),
        },
    });
    Ok((StatusCode::CREATED, Json(server)))
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
    state.services.mcp_servers.remove(&name).await?;
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::McpServerDelete { name },
    });
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/api/mcp-servers/{name}/test", tag = "mcp-servers",
    description = "Starts the server, performs the MCP `initialize` handshake over stdio \
        within the timeout and stops it. A server that fails the check is a 200 with \
        `ok: false` and the reason: the check itself worked.",
    params(("name" = String, Path, description = "Server name"), McpTestParams),
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
    Params(params): Params<McpTestParams>,
) -> Result<Json<McpTestReport>, ApiError> {
    caller.require(Scope::Admin)?;
    let report = state.services.mcp_servers.test(&name, &params).await?;
    state.audit.record(AuditEvent::AdminAction {
        actor: caller.actor(),
        action: AdminAction::McpServerTest {
            name,
            ok: report.ok,
        },
    });
    Ok(Json(report))
}
