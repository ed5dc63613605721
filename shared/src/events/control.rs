//! Answering the agent: `permission.requested`, `permission.resolved` (stored, so a watcher
//! who arrives later sees what is open and who answered) and the ephemeral
//! `session.presence`.

use serde::{Deserialize, Serialize};

/// `permission.requested`: the agent asks before it uses a tool; any watcher with the
/// `control` scope may answer with `permission.respond`. The session is `waiting` while one
/// is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PermissionRequested {
    /// The id to answer with.
    pub request_id: String,
    /// The tool call it is about (its `tool.started`), when the agent said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// The tool, e.g. `Bash`, `Edit`, `Write`.
    pub tool_name: String,
    /// What the tool would be called with (the command, the file and its new text, ...).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub input: serde_json::Value,
    /// What the agent says the call does, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agent's own offers to allow more than this call (e.g. a rule that always allows
    /// the command), to pass back as `updated_permissions`; as the agent sent them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "unknown[]", optional = nullable))]
    pub suggestions: Vec<serde_json::Value>,
    /// When it is denied with reason `timeout` if no one answers, RFC 3339 UTC with
    /// milliseconds.
    pub expires_at: String,
}

/// `permission.resolved`: a permission request was answered; the first answer wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PermissionResolved {
    /// The request answered.
    pub request_id: String,
    /// What the agent was told.
    pub decision: PermissionDecision,
    /// Who answered: the token's subject, or `agentcast` when the server decided (timeout,
    /// end of the session).
    pub by: String,
    /// Why it was resolved.
    pub reason: ResolvedReason,
    /// The message a denial gave the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer to a permission request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PermissionDecision {
    /// The tool runs (with `updated_input` when one was given).
    Allow,
    /// The tool does not run; the agent gets the message.
    Deny,
    /// (Sessions approved through hooks only.) Left to the agent's own prompt in its
    /// terminal: no one answered through agentcast in time, or a watcher chose to.
    Ask,
}

/// Why a permission request was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolvedReason {
    /// A person answered.
    Answered,
    /// No one answered in time (`--permission-timeout`): denied.
    Timeout,
    /// The session ended (or its process exited) while it was open: denied.
    SessionEnded,
    /// The agent withdrew it (e.g. the turn was interrupted).
    Cancelled,
}

/// `session.presence` (ephemeral, offset 0): who is watching the session now. Opt-in: not in
/// a new socket's default subscription, sent to the sockets that subscribed to it (or to `*`
/// explicitly) when watchers come and go, at most four times a second; also in `get_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionPresence {
    /// One entry per token subject connected to the session's namespace, by subject.
    pub watchers: Vec<Watcher>,
}

/// One subject watching a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Watcher {
    /// The token's subject (`anonymous` when the server runs without auth).
    pub sub: String,
    /// Its connected sockets (tabs, terminals).
    pub sockets: u32,
    /// True when its token may answer the agent (the `control` scope).
    pub can_control: bool,
}
