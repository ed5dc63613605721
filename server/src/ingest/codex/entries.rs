//! The serde shapes of a Codex rollout's lines, as far as the mapper reads them.
//!
//! A line is `{"timestamp": ..., "type": ..., "payload": {...}}`; the payload is kept raw and
//! read by the shape its `type` says (`session_meta`, `turn_context`, `event_msg`,
//! `response_item`, `compacted`, ...). Every field is optional and unknown fields are ignored,
//! so CLI versions that add fields change nothing; strings borrow from the line when they hold
//! no escape, so a 20 KB `base_instructions` is skipped, not copied.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::claude::messages::borrowed;

/// The envelope of every line.
#[derive(Debug, Deserialize)]
pub(crate) struct Entry<'a> {
    /// `session_meta`, `turn_context`, `event_msg`, `response_item`, `compacted`, ...
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// When the CLI wrote the line, RFC 3339.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub payload: Option<&'a RawValue>,
}

/// `session_meta`: the first line of a rollout.
#[derive(Debug, Deserialize)]
pub(crate) struct SessionMeta<'a> {
    /// The session (thread) id, the uuid at the end of the file name.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub session_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cli_version: Option<Cow<'a, str>>,
    /// Not written by the versions seen so far (the model is in `turn_context`); read in case.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub model: Option<Cow<'a, str>>,
    /// Set when the cwd is in a git repository.
    #[serde(default, borrow)]
    pub git: Option<Git<'a>>,
}

/// The git state of the working directory when the session started.
#[derive(Debug, Deserialize)]
pub(crate) struct Git<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub branch: Option<Cow<'a, str>>,
}

/// `turn_context`: the settings of a turn (written before each turn).
#[derive(Debug, Deserialize)]
pub(crate) struct TurnContext<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub model: Option<Cow<'a, str>>,
}

/// `event_msg`: one of the events the CLI showed; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
pub(crate) struct EventMsg<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// `user_message`, `agent_message`, `error`, `warning`, `stream_error`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub message: Option<Cow<'a, str>>,
    /// `user_message` of older CLIs: `plain`, or the context they injected
    /// (`user_instructions`, `environment_context`).
    #[serde(default, rename = "kind", borrow, deserialize_with = "borrowed")]
    pub message_kind: Option<Cow<'a, str>>,
    /// `token_count`.
    #[serde(default)]
    pub info: Option<TokenInfo>,
    /// `task_complete`, `turn_aborted`.
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// `turn_aborted`: `interrupted`, `replaced`, ...
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub reason: Option<Cow<'a, str>>,
    /// `exec_command_end`, `patch_apply_end`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub call_id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub exit_code: Option<f64>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub aggregated_output: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stdout: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stderr: Option<Cow<'a, str>>,
    /// `patch_apply_end`.
    #[serde(default)]
    pub success: Option<bool>,
    /// `item_started`, `item_completed` (newer CLIs).
    #[serde(default, borrow)]
    pub item: Option<Item<'a>>,
}

/// The item of an `item_completed` event.
#[derive(Debug, Deserialize)]
pub(crate) struct Item<'a> {
    /// `UserMessage`, `AgentMessage`, `Reasoning`, `CommandExecution`, `FileChange`, ...
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    /// `UserMessage`, `AgentMessage`.
    #[serde(default, borrow)]
    pub content: Option<Vec<ContentItem<'a>>>,
    /// `CommandExecution`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub aggregated_output: Option<Cow<'a, str>>,
    #[serde(default)]
    pub exit_code: Option<f64>,
    /// `completed`, `failed`, `declined`, ...
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub status: Option<Cow<'a, str>>,
}

/// `response_item`: an item of the model's conversation; which fields are set depends on
/// `type`.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseItem<'a> {
    /// `message`, `reasoning`, `function_call`, `function_call_output`, `custom_tool_call`,
    /// `custom_tool_call_output`, `local_shell_call`, `web_search_call`, ...
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    /// `message`: `user`, `assistant`, `developer`, `system`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub role: Option<Cow<'a, str>>,
    /// `message`: the text parts; `reasoning`: the raw reasoning, when the model gave it.
    #[serde(default, borrow)]
    pub content: Option<Vec<ContentItem<'a>>>,
    /// `reasoning`: the summary the model wrote of its reasoning.
    #[serde(default, borrow)]
    pub summary: Option<Vec<ContentItem<'a>>>,
    /// Calls: the tool's name.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub name: Option<Cow<'a, str>>,
    /// `function_call`: the arguments, a JSON text.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub arguments: Option<Cow<'a, str>>,
    /// `custom_tool_call`: the free-form input (a patch for `apply_patch`).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub input: Option<Cow<'a, str>>,
    /// Calls and their outputs.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub call_id: Option<Cow<'a, str>>,
    /// Outputs: a string, content items, or `{content, success}`.
    #[serde(default, borrow)]
    pub output: Option<&'a RawValue>,
    /// `local_shell_call`, `web_search_call`: what was done.
    #[serde(default, borrow)]
    pub action: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub status: Option<Cow<'a, str>>,
}

/// A part of a message, of a reasoning summary, or of a tool output.
#[derive(Debug, Deserialize)]
pub(crate) struct ContentItem<'a> {
    /// `input_text`, `output_text`, `summary_text`, `reasoning_text`, `text`, `Text`,
    /// `input_image`, ...
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub text: Option<Cow<'a, str>>,
}

/// `token_count`'s `info` (null before the first response).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenInfo {
    /// The session's totals so far.
    #[serde(default)]
    pub total_token_usage: Option<TokenUsage>,
}

/// Token counts as the Responses API reports them: `input_tokens` includes the cached ones,
/// `output_tokens` the reasoning ones.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct TokenUsage {
    #[serde(default)]
    pub input_tokens: Option<f64>,
    #[serde(default)]
    pub cached_input_tokens: Option<f64>,
    #[serde(default)]
    pub cache_write_input_tokens: Option<f64>,
    #[serde(default)]
    pub output_tokens: Option<f64>,
}

/// The text parts of content items, joined by `separator`; `[image]` for an image.
pub(crate) fn joined_text(items: &[ContentItem<'_>], separator: &str) -> String {
    let mut text = String::new();
    for item in items {
        let part = match (item.kind.as_deref(), item.text.as_deref()) {
            (_, Some(part)) => part,
            (Some(kind), None) if kind.contains("image") => "[image]",
            _ => continue,
        };
        if !text.is_empty() && !part.is_empty() {
            text.push_str(separator);
        }
        text.push_str(part);
    }
    text
}
