//! MCP servers over REST (`/api/mcp-servers`): [`McpServerConfig`], the one definition of how
//! to start a server over stdio (the body that adds one, and what the server's check starts),
//! [`McpServer`] as stored and listed, and the check's report.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How to start one MCP server over stdio, as MCP clients configure it: the body of
/// `POST /api/mcp-servers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct McpServerConfig {
    /// The name the user knows the server by (the key in an `mcpServers` table): 1 to 128
    /// letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The program that starts the server, looked up on `PATH` like a shell would.
    pub command: String,
    /// Its arguments [default: none].
    #[serde(default)]
    pub args: Vec<String>,
    /// Extra environment variables for it (API keys go here) [default: none].
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// A configured MCP server: its configuration and when it was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct McpServer {
    /// The configuration's fields, inline.
    #[serde(flatten)]
    pub config: McpServerConfig,
    /// When it was added, RFC 3339 UTC with milliseconds.
    pub created_at: String,
}

/// The body of `GET /api/mcp-servers`: every configured server, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct McpServerList {
    /// The servers.
    pub servers: Vec<McpServer>,
}

/// The query parameters of `POST /api/mcp-servers/{name}/test`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "utoipa",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct McpTestParams {
    /// How long the server gets to answer `initialize` [default: 10000, max: 60000].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// The outcome of a check: `ok` and what the server said, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct McpTestReport {
    /// The server answered `initialize`.
    pub ok: bool,
    /// `serverInfo.name`, when it answered.
    pub server_name: Option<String>,
    /// `serverInfo.version`, when it gave one.
    pub server_version: Option<String>,
    /// The protocol revision the server chose.
    pub protocol_version: Option<String>,
    /// Its capabilities object as sent.
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub capabilities: Option<Value>,
    /// Usage hints the server gives to the model, if any.
    pub instructions: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The end of its stderr, where servers explain a failure.
    pub stderr_tail: Option<String>,
    /// How long the check took.
    pub duration_ms: u64,
}
