//! Session lifecycle events: `session.started`, `session.status`, `session.checkpoint`,
//! `session.ended` and the ephemeral `session.recovered`.

use serde::{Deserialize, Serialize};

/// `session.started`: a session began; the first event of every session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionStarted {
    /// The session's id, also in the namespace `/sessions/{session_id}`.
    pub session_id: String,
    /// A human name for the session list; the dashboard falls back to the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The project the session belongs to, for grouping and per-project tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// How the events arrive.
    pub source: SessionSource,
    /// The command line of a process the server or `agentcast run` started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The working directory of that process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// The model the agent reported, e.g. `claude-sonnet-4-5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The tools the agent reported as available.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub tools: Vec<String>,
    /// The agent CLI's version, when it reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_version: Option<String>,
    /// Which agent it is, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentKind>,
    /// The agent's own id for the session (Claude Code's `session_id`, Codex's rollout id):
    /// what joins the transcript of a session agentcast runs to that session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session_id: Option<String>,
    /// The git branch checked out in the working directory, when the agent reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    /// When the session started, RFC 3339 UTC with milliseconds.
    pub started_at: String,
}

impl SessionStarted {
    /// A session of `source` started at `started_at`, with nothing else known yet: the
    /// optional facts are set on the value as they are learned.
    pub fn new(session_id: impl Into<String>, source: SessionSource, started_at: String) -> Self {
        SessionStarted {
            session_id: session_id.into(),
            label: None,
            project_id: None,
            source,
            command: None,
            cwd: None,
            model: None,
            tools: Vec::new(),
            cli_version: None,
            agent: None,
            agent_session_id: None,
            git_branch: None,
            started_at,
        }
    }
}

/// Where a session's events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SessionSource {
    /// A process started by `agentcast run` or `POST /api/sessions`.
    Run,
    /// JSONL read on stdin by `agentcast pipe`.
    Pipe,
    /// An ndjson body posted to `POST /api/sessions/{id}/events`.
    Http,
    /// Claude Code hook payloads posted to `POST /api/hooks`.
    Hook,
    /// The built-in simulated agent of `agentcast serve --demo`.
    Demo,
    /// Typed events sent with the `publish` command.
    Publish,
    /// An agent's own transcript file, collected from the machine (Claude Code's
    /// `~/.claude/projects`, Codex's `~/.codex/sessions`).
    Transcript,
    /// The tmux collector: windows and panes of a tmux server.
    Tmux,
}

impl SessionSource {
    /// Every source.
    pub const ALL: [SessionSource; 8] = [
        Self::Run,
        Self::Pipe,
        Self::Http,
        Self::Hook,
        Self::Demo,
        Self::Publish,
        Self::Transcript,
        Self::Tmux,
    ];

    /// The wire name, e.g. `run` (also what the store keeps).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Pipe => "pipe",
            Self::Http => "http",
            Self::Hook => "hook",
            Self::Demo => "demo",
            Self::Publish => "publish",
            Self::Transcript => "transcript",
            Self::Tmux => "tmux",
        }
    }
}

/// Which coding agent a session is: the CLI whose output or transcript it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum AgentKind {
    /// Anthropic's Claude Code.
    Claude,
    /// OpenAI's Codex CLI.
    Codex,
    /// Any other producer (a kind this build does not know reads as this).
    #[serde(other)]
    Other,
}

impl AgentKind {
    /// Every kind.
    pub const ALL: [AgentKind; 3] = [Self::Claude, Self::Codex, Self::Other];

    /// The wire name, e.g. `claude` (also what the store keeps).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Codex => "codex",
            Self::Other => "other",
        }
    }
}

/// `session.status`: the session's state changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionStatus {
    /// The new state.
    pub status: SessionState,
    /// The agent process id while one runs, so an operator can find it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Why the state changed, when that is worth showing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SessionState {
    /// Created; the process or source is not producing yet.
    Starting,
    /// Producing events.
    Running,
    /// Alive but waiting (e.g. for the next prompt).
    Idle,
    /// Alive and waiting for a person: a permission request is open.
    Waiting,
    /// Ended normally.
    Completed,
    /// Ended with an error or a non-zero exit.
    Failed,
    /// Stopped on request (Ctrl-C, `DELETE /api/sessions/{id}`).
    Cancelled,
    /// Cut off without an end, e.g. by a server restart.
    Interrupted,
}

impl SessionState {
    /// Every state.
    pub const ALL: [SessionState; 8] = [
        Self::Starting,
        Self::Running,
        Self::Idle,
        Self::Waiting,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
        Self::Interrupted,
    ];

    /// Starting, running, idle or waiting: the session may still produce events.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::Starting | Self::Running | Self::Idle | Self::Waiting
        )
    }

    /// Completed, failed, cancelled or interrupted: the session will produce no more events.
    pub fn is_final(self) -> bool {
        !self.is_active()
    }

    /// The wire name, e.g. `running` (also what the store keeps).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Idle => "idle",
            Self::Waiting => "waiting",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
        }
    }
}

/// `session.checkpoint`: a named point in the session stream to come back to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionCheckpoint {
    /// The checkpoint's id.
    pub checkpoint_id: String,
    /// A human name for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The last offset the checkpoint covers.
    pub offset: u64,
}

/// `session.ended`: the session is over; the last event of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionEnded {
    /// The final state.
    pub status: SessionState,
    /// The process exit code, when a process exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that killed the process, when one did (Unix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Wall time from start to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Agent turns, as the agent's result line reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_turns: Option<u32>,
    /// The session's total cost, as the agent reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_usd: Option<f64>,
    /// Why it ended, when that is worth showing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `session.recovered`: sent (with offset 0) after the replay that follows a connect with
/// `auth.offset`, so the client knows whether it has everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SessionRecovered {
    /// False when the history no longer held `offset + 1`: the client should page back with
    /// `get_history` to fill the gap.
    pub recovered: bool,
    /// The first offset replayed.
    pub from: u64,
    /// The last offset replayed.
    pub to: u64,
}
