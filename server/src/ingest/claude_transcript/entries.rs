//! The serde shape of a transcript entry, as far as the mapper reads it, and the wall-clock
//! time each entry carries (`agentcast_shared::parse_ts_millis`).
//!
//! Like the stream-json shapes (`claude::messages`, whose API message and blocks it reuses),
//! every field is optional, unknown fields are ignored and strings borrow from the line. The
//! transcript writes its own fields in camelCase (`sessionId`, `toolUseResult`), the API
//! message inside in snake_case.

use std::borrow::Cow;

use agentcast_shared::parse_ts_millis;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::claude::messages::{ApiMessage, Usage, borrowed};

/// One line of a transcript; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry<'a> {
    /// `user`, `assistant`, `system`, `attachment`, `queue-operation`, `cost-state`,
    /// `summary`, `custom-title`, ... (the table in the module docs).
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub subtype: Option<Cow<'a, str>>,
    /// The entry's own id: an entry written twice (a resumed or replayed file) is shown once.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub session_id: Option<Cow<'a, str>>,
    /// The wall clock when the entry was written, RFC 3339.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cwd: Option<Cow<'a, str>>,
    /// The Claude Code version that wrote the entry.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub version: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub git_branch: Option<Cow<'a, str>>,
    /// A sub-agent's entry (older CLIs wrote them into the main transcript).
    #[serde(default)]
    pub is_sidechain: Option<bool>,
    /// Text the CLI injected (caveats, skill bodies): not the user's prompt.
    #[serde(default)]
    pub is_meta: Option<bool>,
    /// The summary that replaces the conversation after a compaction.
    #[serde(default)]
    pub is_compact_summary: Option<bool>,
    /// Who produced a `user` entry: `task-notification` for a background task's news.
    #[serde(default, borrow)]
    pub origin: Option<Origin<'a>>,

    /// `user`, `assistant`: the API message.
    #[serde(default, borrow)]
    pub message: Option<ApiMessage<'a>>,
    /// `user`: the tool's own structured result beside the `tool_result` block.
    #[serde(default, borrow)]
    pub tool_use_result: Option<&'a RawValue>,

    /// `queue-operation`: `enqueue`, `dequeue`, `remove`, `popAll`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub operation: Option<Cow<'a, str>>,
    /// `queue-operation` (the queued prompt: a string or blocks), `system` (its text).
    #[serde(default, borrow)]
    pub content: Option<&'a RawValue>,

    /// `summary`: a title of the conversation (older CLIs).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub summary: Option<Cow<'a, str>>,
    /// `custom-title`: the name the user gave (`/rename`).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub custom_title: Option<Cow<'a, str>>,
    /// `ai-title`: the title the CLI generated.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub ai_title: Option<Cow<'a, str>>,

    /// `cost-state`: the session's cost so far, sub-agents included.
    #[serde(default, rename = "totalCostUSD")]
    pub total_cost_usd: Option<f64>,
    /// `cost-state`: tokens per model.
    #[serde(default, borrow)]
    pub model_usage: Option<std::collections::HashMap<Cow<'a, str>, Usage>>,

    /// `attachment`: what the CLI attached to the conversation.
    #[serde(default, borrow)]
    pub attachment: Option<Attachment<'a>>,

    /// `system/compact_boundary`.
    #[serde(default, borrow)]
    pub compact_metadata: Option<&'a RawValue>,
}

/// `origin` of a `user` entry.
#[derive(Debug, Deserialize)]
pub(crate) struct Origin<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
}

/// The `attachment` of an `attachment` entry; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
pub(crate) struct Attachment<'a> {
    /// `model`, `queued_command`, `environment`, `date`, `skill_listing`, ...
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
    /// `model`: which model the session runs.
    #[serde(default, borrow)]
    pub identity: Option<Identity<'a>>,
    /// `queued_command`: a prompt typed while the agent worked, delivered mid-turn.
    #[serde(default, borrow)]
    pub prompt: Option<&'a RawValue>,
}

/// The model of a `model` attachment.
#[derive(Debug, Deserialize)]
pub(crate) struct Identity<'a> {
    #[serde(default, borrow, rename = "modelId", deserialize_with = "borrowed")]
    pub model_id: Option<Cow<'a, str>>,
}

impl Entry<'_> {
    /// The entry's wall-clock time in Unix milliseconds, when it has a readable one.
    pub(crate) fn time_ms(&self) -> Option<u64> {
        self.timestamp.as_deref().and_then(parse_ts_millis)
    }
}
