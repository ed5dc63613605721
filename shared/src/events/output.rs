//! What the agent says and what the user typed: `output.text`, `output.thinking`,
//! `output.stderr`, `user.prompt`.

use serde::{Deserialize, Serialize};

/// `output.text`: assistant text, either a streamed piece or a whole block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutputText {
    /// The assistant message this text belongs to, so pieces can be joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The text.
    pub text: String,
    /// True for a streamed piece to append; false for a whole block.
    #[serde(default)]
    pub delta: bool,
    /// Set when a sub-agent produced the text: the `tool_use_id` of the call that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// `output.thinking`: the assistant's reasoning, shown folded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutputThinking {
    /// The assistant message this thinking belongs to, so pieces can be joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The text.
    pub text: String,
    /// True for a streamed piece to append; false for a whole block.
    #[serde(default)]
    pub delta: bool,
    /// Set when a sub-agent produced the thinking: the `tool_use_id` of the call that started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_tool_use_id: Option<String>,
}

/// `output.stderr`: one line the agent process wrote to stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct OutputStderr {
    /// The line, without its newline.
    pub line: String,
}

/// `user.prompt`: a prompt the user gave the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct UserPrompt {
    /// The prompt.
    pub text: String,
    /// Who sent it through agentcast (the token's subject); absent for a prompt the agent's
    /// own output or transcript reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}
