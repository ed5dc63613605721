//! The small records around sessions: [`Checkpoint`], [`Project`], [`McpServer`].

use std::collections::BTreeMap;

use super::now_ts;

/// A named point in a session's stream (`POST /api/sessions/{id}/checkpoint`); the hub also
/// emits it as `session.checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: String,
    pub session_id: String,
    pub label: Option<String>,
    /// The last offset the checkpoint covers. It may fall below the session's first stored
    /// offset once trimming passed it: the checkpoint stays, as a label.
    pub offset: u64,
    pub created_at: String,
}

impl Checkpoint {
    /// A checkpoint created now.
    pub fn new(
        id: impl Into<String>,
        session_id: impl Into<String>,
        label: Option<String>,
        offset: u64,
    ) -> Self {
        Checkpoint {
            id: id.into(),
            session_id: session_id.into(),
            label,
            offset,
            created_at: now_ts(),
        }
    }
}

/// A project: sessions are grouped by it; its settings are free-form JSON the REST API
/// validates.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub settings: serde_json::Value,
    pub created_at: String,
}

impl Project {
    /// A project created now.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        settings: serde_json::Value,
    ) -> Self {
        Project {
            id: id.into(),
            name: name.into(),
            settings,
            created_at: now_ts(),
        }
    }
}

/// A configured MCP server: the command that starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpServer {
    pub name: String,
    pub command: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub created_at: String,
}

impl McpServer {
    /// A server added now.
    pub fn new(
        name: impl Into<String>,
        command: impl Into<String>,
        args: Vec<String>,
        env: BTreeMap<String, String>,
    ) -> Self {
        McpServer {
            name: name.into(),
            command: command.into(),
            args,
            env,
            created_at: now_ts(),
        }
    }
}
