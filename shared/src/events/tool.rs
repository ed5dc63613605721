//! Tool calls and sub-agent delegations: `tool.started`, `tool.completed`, `agent.delegation`.

use serde::{Deserialize, Serialize};

/// `tool.started`: the agent called a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ToolStarted {
    /// The call's id; the matching `tool.completed` carries the same one.
    pub tool_use_id: String,
    /// The tool's name, e.g. `Bash`.
    pub name: String,
    /// The tool's input, as the agent sent it.
    pub input: serde_json::Value,
    /// Set when a sub-agent made the call: the `tool_use_id` of the call that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// `tool.completed`: a tool call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ToolCompleted {
    /// The id of the `tool.started` this completes.
    pub tool_use_id: String,
    /// The tool's name, when the call was seen (a result can arrive without its start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// True when the tool reported a failure.
    #[serde(default)]
    pub is_error: bool,
    /// The start of the output, bounded so that one huge result cannot flood every client.
    pub output_preview: String,
    /// The size of the whole output, so a client can tell the preview was cut.
    pub output_bytes: u64,
    /// Time from `tool.started` to this event, when the start was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Set when a sub-agent made the call: the `tool_use_id` of the call that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// `agent.delegation`: the agent handed a task to a sub-agent (the Task tool), or the
/// sub-agent finished; its own events carry this `tool_use_id` as `parent_tool_use_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentDelegation {
    /// The id of the tool call that started the sub-agent.
    pub tool_use_id: String,
    /// The sub-agent's type or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The task it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Where the delegation stands.
    pub status: DelegationStatus,
    /// Time from start to end, once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// Where a delegation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum DelegationStatus {
    /// The sub-agent is working.
    Started,
    /// The sub-agent finished.
    Completed,
    /// The sub-agent failed.
    Failed,
}
