//! The serde shapes of Claude Code's stream-json lines, as far as the mapper reads them.
//!
//! Every field is optional and unknown fields are ignored, so a newer CLI that adds fields
//! changes nothing. A line is read in one pass: strings borrow from it when they hold no
//! escapes, and only parts that may not be needed stay [`RawValue`]s (a tool input, the
//! structured tool result, rate-limit details). Numbers are read as `f64` so that `2360` and
//! `2360.0` both work.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The top level of every line; which fields are set depends on `type` and `subtype`.
#[derive(Debug, Deserialize)]
pub(crate) struct Line<'a> {
    /// `system`, `assistant`, `user`, `result`, `stream_event`, `rate_limit_event`, ...
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub subtype: Option<Cow<'a, str>>,
    /// Set on lines produced inside a sub-agent: the id of the `Task` call that runs it.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub parent_tool_use_id: Option<Cow<'a, str>>,
    /// `assistant`, `user`: the API message.
    #[serde(default, borrow)]
    pub message: Option<ApiMessage<'a>>,
    /// `stream_event`: the API streaming event.
    #[serde(default, borrow)]
    pub event: Option<StreamEvent<'a>>,
    /// `user`: the tool's own structured result beside the `tool_result` block.
    #[serde(default, borrow)]
    pub tool_use_result: Option<&'a RawValue>,

    // system/init
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cwd: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub tools: Option<Vec<Cow<'a, str>>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub claude_code_version: Option<Cow<'a, str>>,
    /// Claude Code's own id of the session (on every line; read from `system/init`).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub session_id: Option<Cow<'a, str>>,

    // system/status (a string, or null when the status is cleared), task_notification
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub status: Option<Cow<'a, str>>,

    // system/hook_started, system/hook_response
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub hook_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub hook_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub hook_event: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub outcome: Option<Cow<'a, str>>,
    #[serde(default)]
    pub exit_code: Option<f64>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub output: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stdout: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stderr: Option<Cow<'a, str>>,

    // system/task_started, task_progress, task_notification
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub task_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub tool_use_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub description: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub task_type: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub last_tool_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub summary: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub output_file: Option<Cow<'a, str>>,
    /// `task_started`: the sub-agent runs in the background (its call returns at once).
    #[serde(default)]
    pub is_backgrounded: Option<bool>,

    // system/compact_boundary
    #[serde(default, borrow)]
    pub compact_metadata: Option<&'a RawValue>,

    // rate_limit_event
    #[serde(default, borrow)]
    pub rate_limit_info: Option<&'a RawValue>,

    // result
    #[serde(default)]
    pub is_error: Option<bool>,
    #[serde(default)]
    pub duration_ms: Option<f64>,
    #[serde(default)]
    pub num_turns: Option<f64>,
    #[serde(default)]
    pub total_cost_usd: Option<f64>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub result: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub errors: Option<Vec<Cow<'a, str>>>,
}

/// An API message (`assistant`, `user`, and `message_start` of a stream).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiMessage<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub content: Content<'a>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One content block; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
pub(crate) struct Block<'a> {
    /// `text`, `thinking`, `tool_use`, `server_tool_use`, `tool_result`, `image`, ...
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub text: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub thinking: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub id: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub input: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub tool_use_id: Option<Cow<'a, str>>,
    /// `tool_result` (and the results of server tools): a string or blocks.
    #[serde(default, borrow)]
    pub content: Content<'a>,
    #[serde(default)]
    pub is_error: Option<bool>,
}

/// The `content` of a message or of a tool result: a string, blocks, or (rarely) other JSON.
#[derive(Debug, Default)]
pub(crate) enum Content<'a> {
    /// Absent or null.
    #[default]
    None,
    Text(Cow<'a, str>),
    Blocks(Vec<Block<'a>>),
    /// Any other JSON, as its text.
    Other(String),
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor(std::marker::PhantomData))
    }
}

struct ContentVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for ContentVisitor<'a> {
    type Value = Content<'a>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, an array of content blocks or null")
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(text)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut blocks = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
        while let Some(block) = seq.next_element()? {
            blocks.push(block);
        }
        Ok(Content::Blocks(blocks))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value =
            serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Content::Other(value.to_string()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Content::None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Content::None)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Content::Other(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Content::Other(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Content::Other(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Content::Other(v.to_string()))
    }
}

/// Token counts of one API message, or of a whole run (`result`); also one model's counts in
/// a transcript's `cost-state`, which spells them in camelCase.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct Usage {
    #[serde(default, alias = "inputTokens")]
    pub input_tokens: Option<f64>,
    #[serde(default, alias = "outputTokens")]
    pub output_tokens: Option<f64>,
    #[serde(default, alias = "cacheReadInputTokens")]
    pub cache_read_input_tokens: Option<f64>,
    #[serde(default, alias = "cacheCreationInputTokens")]
    pub cache_creation_input_tokens: Option<f64>,
}

/// An API streaming event inside a `stream_event` line.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamEvent<'a> {
    /// `message_start`, `content_block_start`, `content_block_delta`, `content_block_stop`,
    /// `message_delta`, `message_stop`, `ping`, `error`.
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default)]
    pub index: Option<f64>,
    #[serde(default, borrow)]
    pub message: Option<ApiMessage<'a>>,
    #[serde(default, borrow)]
    pub content_block: Option<Block<'a>>,
    #[serde(default, borrow)]
    pub delta: Option<Delta<'a>>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// The delta of a `content_block_delta` (or the stop reason of a `message_delta`).
#[derive(Debug, Deserialize)]
pub(crate) struct Delta<'a> {
    /// `text_delta`, `thinking_delta`, `input_json_delta`, `signature_delta`, ...
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub text: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub thinking: Option<Cow<'a, str>>,
}

/// The fields of a `user` line's `tool_use_result` (a transcript's `toolUseResult`) that say
/// more than its `tool_result`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolUseResult<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stdout: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub stderr: Option<Cow<'a, str>>,
    #[serde(default)]
    pub interrupted: Option<bool>,
    /// A `Task`/`Agent` call that launched its sub-agent in the background.
    #[serde(default, rename = "isAsync")]
    pub is_async: Option<bool>,
    /// `async_launched` for a background sub-agent; `completed` for one that ran in the call.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub status: Option<Cow<'a, str>>,
    /// The sub-agent's id (its transcript is `subagents/agent-<id>.jsonl`).
    #[serde(default, borrow, rename = "agentId", deserialize_with = "borrowed")]
    pub agent_id: Option<Cow<'a, str>>,
}

impl ToolUseResult<'_> {
    /// True when the call launched a sub-agent that goes on after the call returned: its
    /// delegation ends with the task's notification, not with this result.
    pub(crate) fn launched_in_background(&self) -> bool {
        self.is_async == Some(true) || self.status.as_deref() == Some("async_launched")
    }
}

/// An optional string that borrows from the line when it holds no escape. (serde borrows a
/// `Cow` field by itself, but not a `Cow` inside an `Option`.)
pub(crate) fn borrowed<'de: 'a, 'a, D>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Borrowed<'a>>::deserialize(deserializer)?.map(|b| b.0))
}

/// A count from the wire as a `u64`: negative, fractional or absurd values are clamped.
pub(crate) fn count(value: Option<f64>) -> Option<u64> {
    value
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, u64::MAX as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_ignored_and_strings_borrow() {
        let line: Line<'_> = serde_json::from_str(
            r#"{"type":"system","subtype":"init","model":"m","future":{"x":[1,2]},"tools":["A"]}"#,
        )
        .unwrap();
        assert_eq!(line.kind, "system");
        assert!(matches!(line.model, Some(Cow::Borrowed("m"))));
        assert_eq!(line.tools.unwrap(), ["A"]);
    }

    #[test]
    fn numbers_may_be_floats_and_counts_are_clamped() {
        let line: Line<'_> =
            serde_json::from_str(r#"{"type":"result","duration_ms":12.7,"num_turns":-3}"#).unwrap();
        assert_eq!(count(line.duration_ms), Some(12));
        assert_eq!(count(line.num_turns), Some(0));
        assert_eq!(count(Some(f64::INFINITY)), None);
        assert_eq!(count(Some(1e30)), Some(u64::MAX));
    }

    #[test]
    fn null_fields_are_absent() {
        let line: Line<'_> = serde_json::from_str(
            r#"{"type":"system","subtype":"status","status":null,"parent_tool_use_id":null}"#,
        )
        .unwrap();
        assert!(line.status.is_none() && line.parent_tool_use_id.is_none());
    }
}
