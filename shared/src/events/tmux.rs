//! What the tmux collector sees (`agentcast serve --collect-tmux`): `tmux.*`, the events of a
//! session of source `tmux`, one session per tmux server.
//!
//! Ids are tmux's own and stable for the life of the tmux server: `$1` a tmux session, `@2` a
//! window, `%3` a pane. Events say what changed between two polls of the tmux server, never
//! what stayed the same; the first poll of a collector reports every window and pane as
//! opened (the state from scratch), as does the first poll after the tmux server came back.

use serde::{Deserialize, Serialize};

use super::AgentKind;

/// `tmux.window_opened`: a window appeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxWindowOpened {
    /// tmux's id of the window, e.g. `@2`.
    pub window_id: String,
    /// Its index in its tmux session (what the status line shows).
    pub index: u32,
    /// Its name.
    pub name: String,
    /// tmux's id of the tmux session the window is in, e.g. `$1`.
    pub tmux_session_id: String,
    /// That tmux session's name.
    pub tmux_session: String,
}

/// `tmux.window_renamed`: a window's name changed (by `rename-window` or tmux's automatic
/// renaming after the command that runs in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxWindowRenamed {
    /// The window, e.g. `@2`.
    pub window_id: String,
    /// The new name.
    pub name: String,
    /// The name before.
    pub previous_name: String,
}

/// `tmux.window_closed`: a window is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxWindowClosed {
    /// The window, e.g. `@2`.
    pub window_id: String,
    /// Its last name.
    pub name: String,
}

/// `tmux.pane_opened`: a pane appeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxPaneOpened {
    /// tmux's id of the pane, e.g. `%3` (what `$TMUX_PANE` says inside it).
    pub pane_id: String,
    /// The window it is in.
    pub window_id: String,
    /// Its index in the window.
    pub index: u32,
    /// The pid of the pane's first process (its shell, or the command it was opened with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The foreground command, e.g. `bash`.
    pub command: String,
    /// The foreground command's working directory, when tmux knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// `tmux.pane_command_changed`: another command runs in the foreground of a pane, e.g.
/// `claude` started in `%3`, or the shell is back after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxPaneCommandChanged {
    /// The pane, e.g. `%3`.
    pub pane_id: String,
    /// The window it is in.
    pub window_id: String,
    /// The foreground command now.
    pub command: String,
    /// The foreground command before.
    pub previous_command: String,
    /// The working directory of the command now, when tmux knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// `tmux.pane_exited`: the pane's process ended and the pane stays (tmux's `remain-on-exit`);
/// a pane that closes as its process ends gives `tmux.pane_closed` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxPaneExited {
    /// The pane, e.g. `%3`.
    pub pane_id: String,
    /// The window it is in.
    pub window_id: String,
    /// The exit status, when the process exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    /// The signal that killed it, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

/// `tmux.pane_closed`: a pane is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxPaneClosed {
    /// The pane, e.g. `%3`.
    pub pane_id: String,
    /// The window it was in.
    pub window_id: String,
}

/// `tmux.agent_detected`: a coding agent runs in a pane; sent again when what is known of it
/// changes (its session id once it is written, a new one after `/clear`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxAgentDetected {
    /// The pane, e.g. `%3`.
    pub pane_id: String,
    /// The window it is in.
    pub window_id: String,
    /// Which agent.
    pub agent: AgentKind,
    /// The agent's process.
    pub pid: u32,
    /// The agent's own id of the session it runs (Claude Code's session id, the name of its
    /// transcript): the collected session of that transcript has it as `agent_session_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session_id: Option<String>,
    /// The agent's working directory, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// `tmux.agent_ended`: the agent detected in a pane is no longer running there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TmuxAgentEnded {
    /// The pane, e.g. `%3`.
    pub pane_id: String,
    /// The window it is (or was) in.
    pub window_id: String,
    /// Which agent.
    pub agent: AgentKind,
    /// The agent's process.
    pub pid: u32,
    /// The agent's own id of the session it ran last, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_session_id: Option<String>,
}
