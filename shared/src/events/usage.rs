//! Tokens and cost: `usage.updated`.

use serde::{Deserialize, Serialize};

/// `usage.updated`: the session's cumulative token counts and cost, after every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct UsageUpdated {
    /// The model the latest usage was reported for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Input tokens so far, cache reads and writes excluded.
    pub input_tokens: u64,
    /// Output tokens so far.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache so far.
    #[serde(default)]
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache so far.
    #[serde(default)]
    pub cache_creation_tokens: u64,
    /// Cost so far in US dollars (cumulative for the session, not a delta): the agent's own
    /// total where it reports one, plus estimates (as `message_cost_usd`) of the messages
    /// after it; only estimates for agents that report none (Claude Code transcripts before
    /// 2.1). Replaced, not raised, when the agent's total arrives.
    pub total_cost_usd: f64,
    /// Estimated cost in US dollars of the one API message whose usage this update reports,
    /// from the hub's price table of the model's list prices: an estimate, not the bill.
    /// Absent for an unknown model and for an update no single message caused (an agent's
    /// total). A later update of the same message (a stream's final usage) replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_cost_usd: Option<f64>,
}
