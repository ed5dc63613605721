//! Sessions over REST: [`SessionRecord`], the one definition of a session's summary and
//! totals (what the server stores, what `GET /api/sessions` lists, and what the `get_status`
//! line [`SessionSummary`] is derived from), the views the routes answer with, checkpoints,
//! and the bodies and query parameters of `/api/sessions`.

use serde::{Deserialize, Serialize};

use crate::commands::SessionSummary;
use crate::events::{AgentKind, SessionSource, SessionState};

/// A session as the server keeps it: what `session.started` said, the latest status, and the
/// totals that usage and end events carry (the analytics read these, never the events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionRecord {
    /// The session's id.
    pub id: String,
    /// Its human name.
    pub label: Option<String>,
    /// Its project.
    pub project_id: Option<String>,
    /// `run`, `pipe`, `http`, `hook`, `demo`, `publish`, `transcript` or `tmux`.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub source: SessionSource,
    /// The command line, when a process was started.
    pub command: Option<Vec<String>>,
    /// The working directory of that process.
    pub cwd: Option<String>,
    /// The model the agent reported.
    pub model: Option<String>,
    /// `starting`, `running`, `idle`, `completed`, `failed`, `cancelled` or `interrupted`.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub status: SessionState,
    /// RFC 3339 UTC with milliseconds; the analytics group days by its first ten characters.
    pub started_at: String,
    /// When it ended, if it did.
    pub ended_at: Option<String>,
    /// From `session.ended`; the analytics' durations.
    pub duration_ms: Option<u64>,
    /// The latest offset of its stream; only moves forward.
    pub head_offset: u64,
    /// Cumulative, as the last `usage.updated` or `session.ended` reported it.
    pub total_cost_usd: Option<f64>,
    /// Cumulative input tokens.
    pub input_tokens: u64,
    /// Cumulative output tokens.
    pub output_tokens: u64,
    /// Cumulative tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Cumulative tokens written to the prompt cache.
    pub cache_creation_tokens: u64,
    /// `claude`, `codex` or `other`, when known.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<String>))]
    pub agent: Option<AgentKind>,
    /// The agent's own id for the session (equal to `id` for a collected transcript).
    #[serde(default)]
    pub agent_session_id: Option<String>,
    /// The agent CLI's version.
    #[serde(default)]
    pub cli_version: Option<String>,
    /// The git branch of the working directory.
    #[serde(default)]
    pub git_branch: Option<String>,
}

impl SessionRecord {
    /// A session just seen: everything else empty or zero.
    pub fn new(
        id: impl Into<String>,
        source: SessionSource,
        status: SessionState,
        started_at: impl Into<String>,
    ) -> Self {
        SessionRecord {
            id: id.into(),
            label: None,
            project_id: None,
            source,
            command: None,
            cwd: None,
            model: None,
            status,
            started_at: started_at.into(),
            ended_at: None,
            duration_ms: None,
            head_offset: 0,
            total_cost_usd: None,
            input_tokens: 0,
            output_tokens: 0,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            agent: None,
            agent_session_id: None,
            cli_version: None,
            git_branch: None,
        }
    }

    /// Its line of the sessions list that `get_status` on `/` answers with.
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            session_id: self.id.clone(),
            label: self.label.clone(),
            project_id: self.project_id.clone(),
            status: self.status,
            head_offset: self.head_offset,
            started_at: Some(self.started_at.clone()),
            model: self.model.clone(),
            total_cost_usd: self.total_cost_usd,
        }
    }
}

/// A session as the REST API shows it: its record, and whether this server runs a process
/// for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The record's fields, inline.
    #[serde(flatten)]
    pub record: SessionRecord,
    /// True while a process this server started for it runs.
    pub process_running: bool,
    /// True when it accepts the control commands (prompt, interrupt, permission answers).
    #[serde(default)]
    pub controllable: bool,
}

/// The body of `GET /api/sessions`: newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// The sessions the caller may see.
    pub sessions: Vec<SessionView>,
    /// Present when more sessions may follow: pass it as `cursor` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub next_cursor: Option<String>,
}

/// The body of `GET /api/sessions/{id}`: one session and its checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct SessionDetail {
    /// The session's fields, inline.
    #[serde(flatten)]
    pub session: SessionView,
    /// Its checkpoints, by offset.
    pub checkpoints: Vec<Checkpoint>,
}

/// Which sessions a list returns (`GET /api/sessions?status=active`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SessionFilter {
    /// Starting, running or idle.
    Active,
    /// Every session not deleted.
    #[default]
    All,
}

impl SessionFilter {
    /// True when a session in `status` passes the filter.
    pub fn admits(self, status: SessionState) -> bool {
        match self {
            SessionFilter::Active => status.is_active(),
            SessionFilter::All => true,
        }
    }
}

/// The query parameters of `GET /api/sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "utoipa",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct ListSessionsParams {
    /// `active` (starting, running or idle) or `all` [default: all].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", param(inline))]
    pub status: Option<SessionFilter>,
    /// The most sessions returned, newest first [default: 100, max: 1000].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page: the sessions after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The body of `POST /api/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Program and arguments, e.g. `["claude"]` or `["claude", "--model", "sonnet"]`. The
    /// program must be on the server's allow-list (`allow_commands`). Claude Code runs in
    /// control mode (see `control`) unless the command drives its own input.
    pub command: Vec<String>,
    /// Working directory [default: the server's].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// A human name for the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Session id [default: a new random id].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Its project: a path (with a `/`, or `.`, `..`, `~`; relative to `cwd`) means that
    /// directory's project (its git root), anything else the project of that name, created if
    /// need be [default: the project of `cwd`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The first prompt of a session in control mode [default: none: the session waits,
    /// idle, for a `prompt`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Run Claude Code in control mode (stream-json in and out, permission requests
    /// answered by watchers, alive across turns) [default: true]; false runs the command
    /// as given, one-shot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<bool>,
}

/// The answer to `POST /api/sessions`: the process started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CreatedSession {
    /// The new session's id.
    pub session_id: String,
    /// The Socket.IO namespace to watch it on.
    pub namespace: String,
}

/// The answer to `DELETE /api/sessions/{id}` while its process is being stopped (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Stopping {
    /// The session whose process is stopping.
    pub session_id: String,
    /// Always true.
    pub stopping: bool,
}

/// The body of `POST /api/sessions/{id}/checkpoint`; the body may also be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCheckpoint {
    /// A human name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A named point in a session's stream (`POST /api/sessions/{id}/checkpoint`), also announced
/// as a `session.checkpoint` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Checkpoint {
    /// The checkpoint's id.
    #[serde(rename = "checkpoint_id")]
    pub id: String,
    /// The session it marks.
    pub session_id: String,
    /// A human name for it.
    pub label: Option<String>,
    /// The last offset the checkpoint covers: the session's head when it was made. It may
    /// fall below the session's first stored offset once trimming passed it: the checkpoint
    /// stays, as a label.
    pub offset: u64,
    /// When it was made, RFC 3339 UTC with milliseconds.
    pub created_at: String,
}

/// The query parameters of `GET /api/sessions/{id}/events`, the semantics of the
/// `get_history` command (`GetHistoryArgs`); the answer is a `HistoryPage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "utoipa",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Comma-separated type patterns, e.g. `tool.*,output.text` [default: every type].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<String>,
    /// Only events with a greater offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Only events with a smaller offset. Given without `after`, the page is the newest
    /// events before it (paging back); otherwise the oldest after `after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
    /// The most events returned [default and max: 1000].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
