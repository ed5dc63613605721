//! `/mcp` on the server: rmcp's streamable HTTP service behind the REST API's token check.
//! Every MCP request (POST) and notification stream (GET) carries `Authorization: Bearer`,
//! verified as on any REST route (401 and the audit log when refused); the caller it names
//! rides in the request to the handler ([`McpCaller`]), where each tool checks its scope.

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::AgentcastMcp;
use super::caller::McpCaller;
use crate::http::{AppState, Caller};

/// The path of the MCP endpoint.
pub(crate) const MCP_PATH: &str = "/mcp";

/// The `/mcp` route (none with `--no-mcp`); `shutdown` ends its sessions and their streams.
pub(crate) fn routes(state: AppState, shutdown: CancellationToken) -> Router {
    if state.config.mcp.disabled {
        return Router::new();
    }
    let mut config = StreamableHttpServerConfig::default()
        .with_cancellation_token(shutdown)
        .with_max_request_body_bytes(state.config.engine.max_payload as usize);
    // rmcp refuses Host headers other than loopback names by default, against DNS rebinding
    // of an open local server. With tokens on, a rebound page cannot present one, and a
    // server reached by its public name must answer; without tokens, loopback only.
    if state.auth.is_enabled() {
        config = config.disable_allowed_hosts();
    }
    let handler_state = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(AgentcastMcp::new(handler_state.clone())),
        LocalSessionManager::default().into(),
        config,
    );
    Router::new()
        .nest_service(MCP_PATH, service)
        .layer(middleware::from_fn_with_state(state, authenticate))
}

/// Verifies the request's token (the `Caller` extractor answers 401 itself) and hands the
/// caller to the handler.
async fn authenticate(caller: Caller, mut request: Request, next: Next) -> Response {
    let actor = caller.actor();
    request.extensions_mut().insert(McpCaller {
        claims: caller.claims,
        actor,
    });
    next.run(request).await
}
