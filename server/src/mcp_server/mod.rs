//! agentcast as an MCP server: agents (and anything else that speaks the Model Context
//! Protocol) list and read the sessions, page and search their history, read a session as a
//! transcript, see the server's status and health and, with the control scope, answer the
//! agents. Built on rmcp, the official Rust SDK.
//!
//! Two ways in, one implementation:
//! - `agentcast serve` serves it over streamable HTTP at `/mcp` ([`routes`]), behind the same
//!   bearer tokens and scopes as the REST API;
//! - `agentcast mcp` ([`stdio::run`]) speaks MCP on stdin/stdout for clients that start their
//!   servers as processes (Claude Code's `--mcp-config`) and forwards every request to a
//!   running server's `/mcp`, so the tools run where the sessions are.
//!
//! - `service`: [`AgentcastMcp`], the handler: server info, resources and subscriptions.
//! - `tools`: the tools, each a method with its argument type (`args`).
//! - `caller`: who calls (the token's claims, put in the request by `route`) and its checks.
//! - `reply`: tool results as readable text plus structured content, and tool errors.
//! - `sessions`: a session as the tools show it, and `list_sessions`' filters.
//! - `text`: the readable text of sessions and events.
//! - `reading`: the tail of a session's history (transcripts, resources).
//! - `search`: `search_events`, bounded.
//! - `status`: `server_status` and `health`.
//! - `updates`: update notifications of subscribed session resources.
//! - `route`: `/mcp` on the server's router.
//! - `stdio`: `agentcast mcp`, the stdio bridge to a server's `/mcp`.

mod args;
mod caller;
mod reading;
mod reply;
mod route;
mod search;
mod service;
mod sessions;
mod status;
pub mod stdio;
mod text;
mod tools;
mod updates;

pub(crate) use route::routes;
pub(crate) use service::AgentcastMcp;

use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};

const INSTRUCTIONS: &str = "agentcast watches the coding-agent sessions (Claude Code, Codex) \
    on this machine or team server. list_sessions shows them (needs_you: waiting for a \
    person); get_session, get_events, get_transcript and search_events read them; \
    server_status and health report on the server. With a control token, send_prompt, \
    respond_permission and interrupt answer a session agentcast runs in control mode. \
    Sessions are also resources (agentcast://sessions/{id}) with update notifications.";

/// What agentcast says about itself as an MCP server, on `/mcp` and through `agentcast mcp`.
fn server_config() -> ServerConfig {
    ServerConfig::new(
        ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_resources_subscribe()
            .build(),
    )
    .with_server_info(Implementation::new("agentcast", env!("CARGO_PKG_VERSION")))
    .with_instructions(INSTRUCTIONS)
}

/// The URI scheme of session resources: `agentcast://sessions/{id}`.
const SESSION_URI_PREFIX: &str = "agentcast://sessions/";

/// The resource URI of a session.
fn session_uri(session_id: &str) -> String {
    format!("{SESSION_URI_PREFIX}{session_id}")
}

/// The session id of a session resource URI.
fn session_of_uri(uri: &str) -> Option<&str> {
    uri.strip_prefix(SESSION_URI_PREFIX)
        .filter(|id| agentcast_shared::is_valid_session_id(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_uris_round_trip_and_refuse_other_uris() {
        assert_eq!(session_uri("abc"), "agentcast://sessions/abc");
        assert_eq!(session_of_uri("agentcast://sessions/abc"), Some("abc"));
        assert_eq!(session_of_uri("agentcast://sessions/"), None);
        assert_eq!(session_of_uri("agentcast://sessions/a/b"), None);
        assert_eq!(session_of_uri("file:///etc/passwd"), None);
    }
}
