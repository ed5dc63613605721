//! Lines the mapper passes through or rejects: `agent.raw`, `agent.error`.

use serde::{Deserialize, Serialize};

/// `agent.raw`: a JSON line of a type the mapper does not know; kept, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentRaw {
    /// The original JSON line, unchanged.
    pub line: String,
}

/// `agent.error`: input that could not be used (a malformed or oversize line) or a failure
/// of the agent process; the stream goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentError {
    /// A stable machine-readable cause, e.g. `malformed_json`, `line_too_long`, `spawn_failed`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The 1-based number of the input line at fault, when a line was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The start of the line at fault, bounded, to help find it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}
