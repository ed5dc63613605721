//! Hook commands the agent ran: `agent.hook`.

use serde::{Deserialize, Serialize};

/// `agent.hook`: a hook command Claude Code ran (stream-json `system/hook_started` and
/// `system/hook_response`), so a failing hook is visible where the session is watched.
///
/// Hook payloads posted to `POST /api/hooks` are not this event: they describe the agent's
/// own activity and become the typed events of that activity (`tool.started`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentHook {
    /// The hook event that triggered it, e.g. `SessionStart`, `PreToolUse`.
    pub hook_event: String,
    /// The hook's name as the agent reports it, e.g. `SessionStart:startup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_name: Option<String>,
    /// The agent's id for this run of the hook; the response carries the start's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_id: Option<String>,
    /// Whether the hook started or answered.
    pub phase: HookPhase,
    /// How it ended (`success`, `error`, ...), once it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The hook command's exit code, once it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The start of what the hook printed (its stderr when it failed), bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// Where a hook run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum HookPhase {
    /// The hook command was started.
    Started,
    /// The hook command answered (see `outcome` and `exit_code`).
    Completed,
}
