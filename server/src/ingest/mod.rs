//! Ingest: from an agent's output to typed events (DESIGN.md section 3).
//!
//! ```text
//! bytes --JsonlDecoder--> lines --ClaudeMapper--> events      (IngestPipeline does both)
//! hook payloads --HookMapper--> events
//! ```
//!
//! Pure logic, no I/O: sources (a child's stdout, an ndjson body, the socket `ingest`
//! command, `POST /api/hooks`) push into these and hand the events to the sequencer.
//!
//! - [`context`]: [`IngestLimits`] and [`SessionContext`].
//! - `counters`: [`IngestCounters`], the server's lines and errors by kind (`/metrics`).
//! - [`decoder`]: [`JsonlDecoder`], bytes in any split to complete lines.
//! - [`claude`]: [`ClaudeMapper`], one stream-json line to events (its table says what each
//!   line becomes).
//! - [`claude_transcript`]: [`ClaudeTranscriptMapper`], one Claude Code transcript entry to
//!   the same events (main transcripts and sub-agents' files).
//! - [`hooks`]: [`HookMapper`], Claude Code hook payloads to the same events.
//! - [`codex`]: [`CodexRolloutMapper`], one line of a Codex CLI rollout to the same events;
//!   [`rollout_session_id`] names a rollout's session from its file name.
//! - `line_mapper`: [`LineMapper`], the trait every JSONL mapper implements for its reader
//!   (the stream-json mapper, and each transcript format a collector reads).
//! - `json_line`: what every transcript mapper shares: odd lines kept as `agent.raw` or
//!   reported as not JSON (their times are `agentcast_shared::parse_ts_millis`).
//! - [`pipeline`]: [`IngestPipeline`], decoder and mapper with a clock and [`IngestStats`].
//! - `tools`: tool calls from start to result, todos and sub-agents; both mappers use it.
//! - `pricing`: the estimated cost of a Claude API message from its tokens (a price table).
//! - `task_list`: the todo list Claude Code 2.1.x keeps with its task tools.
//! - `text`: bounded previews and excerpts.
//! - `user_text`: a user text block: a prompt, or the marker of an interrupted turn.
//! - [`testing`] (tests and the `test-support` feature only): where the Claude Code fixtures
//!   are, and helpers to look at events.

pub mod claude;
pub mod claude_transcript;
pub mod codex;
pub mod context;
mod counters;
pub mod decoder;
pub mod hooks;
mod json_line;
mod line_mapper;
pub mod pipeline;
mod pricing;
#[cfg(test)]
mod properties;
mod task_list;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
mod text;
mod tools;
mod user_text;

pub use claude::{ClaudeMapper, Mapped, NotJson};
pub use claude_transcript::ClaudeTranscriptMapper;
pub use codex::{CodexRolloutMapper, rollout_session_id};
pub use context::{IngestLimits, SessionContext};
pub use counters::{ERROR_KINDS, IngestCounters};
pub use decoder::{Decoded, JsonlDecoder, LineError, LineErrorKind};
pub use hooks::{HookContext, HookError, HookMapper};
pub use line_mapper::LineMapper;
pub use pipeline::{Clock, IngestPipeline, IngestStats, PushLineError};
