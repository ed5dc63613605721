//! Background tasks the agent runs: `agent.task`.

use serde::{Deserialize, Serialize};

/// `agent.task`: progress of a task the agent runs beside the conversation, such as a
/// sub-agent or a shell started in the background (stream-json `system/task_started`,
/// `task_progress` and `task_notification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentTask {
    /// The agent's id for the task; every event of one task carries the same one.
    pub task_id: String,
    /// The tool call that started the task, when the agent names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_use_id: Option<String>,
    /// Where the task stands.
    pub status: AgentTaskStatus,
    /// What the task does, or what it is doing now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The kind of task as the agent names it, e.g. `local_agent`, `local_bash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// The last tool the task used, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_tool_name: Option<String>,
    /// What the task produced, once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Where the task wrote its full output, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_file: Option<String>,
}

/// Where a background task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AgentTaskStatus {
    /// The task was started.
    Started,
    /// The task reported progress and goes on.
    Running,
    /// The task finished.
    Completed,
    /// The task failed.
    Failed,
    /// The task was stopped before it finished.
    Stopped,
}
