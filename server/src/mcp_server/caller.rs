//! Who calls a tool: the verified token of the HTTP request that carried the MCP message.
//! `route` verifies it (as every REST route does) and puts a [`McpCaller`] in the request's
//! extensions; rmcp hands the request's parts to the handler in its context.

use agentcast_shared::{Claims, ErrorCode, Scope};
use axum::http::request::Parts;
use rmcp::RoleServer;
use rmcp::service::RequestContext;

use super::reply::ToolError;
use crate::audit::Actor;
use crate::control;

/// The verified caller of one MCP request.
#[derive(Debug, Clone)]
pub(crate) struct McpCaller {
    pub claims: Claims,
    pub actor: Actor,
}

impl McpCaller {
    /// The caller of the request `context` belongs to. Every request reaches the handler
    /// through `route`'s middleware, which always puts one there; a request without one is
    /// refused rather than trusted.
    pub fn of(context: &RequestContext<RoleServer>) -> Result<McpCaller, ToolError> {
        context
            .extensions
            .get::<Parts>()
            .and_then(|parts| parts.extensions.get::<McpCaller>())
            .cloned()
            .ok_or_else(|| ToolError::new(ErrorCode::Unauthorized, "no verified token"))
    }

    /// An error unless the token has `scope` (or a higher one).
    pub fn require(&self, scope: Scope) -> Result<(), ToolError> {
        if self.claims.has_scope(scope) {
            Ok(())
        } else {
            Err(ToolError::new(
                ErrorCode::Forbidden,
                format!("this tool needs a token with the {} scope", scope.as_str()),
            ))
        }
    }

    /// An error unless the token has `scope` and grants `session_id`.
    pub fn require_session(&self, session_id: &str, scope: Scope) -> Result<(), ToolError> {
        self.require(scope)?;
        if self.claims.allows_session(session_id) {
            Ok(())
        } else {
            Err(ToolError::new(
                ErrorCode::Forbidden,
                format!("the token does not grant session {session_id}"),
            ))
        }
    }

    /// Whether the token grants `session_id` for reading.
    pub fn may_read(&self, session_id: &str) -> bool {
        self.claims.has_scope(Scope::Read) && self.claims.allows_session(session_id)
    }

    /// The caller as the control registry and the audit log name it.
    pub fn control(&self) -> control::Caller {
        control::Caller {
            actor: self.actor.clone(),
            via: "mcp",
        }
    }
}
