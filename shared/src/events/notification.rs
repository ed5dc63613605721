//! Things the agent wants a person to notice: `agent.notification`.

use serde::{Deserialize, Serialize};

/// `agent.notification`: something worth a person's attention that is neither output nor a
/// tool call: the agent waits for a permission or for input (the `Notification` hook), a
/// rate-limit report, a status change such as `requesting` or `compacting`, a compaction of
/// the context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AgentNotification {
    /// A stable machine-readable kind: `notification` (or the agent's own notification type,
    /// e.g. `permission_prompt`), `rate_limit`, `status`, `compact`.
    pub kind: String,
    /// What happened, for people.
    pub message: String,
    /// A short heading, when the agent gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The agent's own details, as it sent them (e.g. the rate-limit window and reset time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl AgentNotification {
    /// The kind of a notification that the session's title changed (`message` is the new
    /// title): the hub takes it as the session's label.
    pub const TITLE: &str = "title";
}
