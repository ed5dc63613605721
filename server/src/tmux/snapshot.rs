//! [`Snapshot`]: the windows and panes of one tmux server at one poll, keyed by tmux's ids.

use std::collections::{BTreeMap, BTreeSet};

/// Every window and pane of a tmux server. Keyed by the number in tmux's id (`@2` is 2, `%3`
/// is 3), so events come in the order tmux made them. A window linked into several tmux
/// sessions is listed once, with the first session tmux lists it under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub windows: BTreeMap<u32, Window>,
    pub panes: BTreeMap<u32, Pane>,
    /// The dead panes whose `tmux.pane_exited` was sent (kept by [`diff`](super::diff::diff),
    /// not read from tmux): an exit is reported once.
    pub exits_reported: BTreeSet<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    /// tmux's id, e.g. `@2`.
    pub id: String,
    pub index: u32,
    pub name: String,
    /// The tmux session's id (`$1`) and name.
    pub session_id: String,
    pub session_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pane {
    /// tmux's id, e.g. `%3`.
    pub id: String,
    /// The id of its window, e.g. `@2`.
    pub window_id: String,
    pub index: u32,
    /// The pane's first process; `None` once it is dead (tmux may still show the old one).
    pub pid: Option<u32>,
    /// `pane_current_command`: the foreground process's name.
    pub command: String,
    /// `pane_current_path`; `None` when tmux does not know it.
    pub cwd: Option<String>,
    /// Set once the pane's process ended and the pane stayed (`remain-on-exit`).
    pub exit: Option<PaneExit>,
}

/// How a dead pane's process ended: its exit status or the signal that killed it. tmux
/// marks a pane dead as its terminal closes and learns the status when it reaps the
/// process, a moment later: in between, neither is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PaneExit {
    pub status: Option<i32>,
    pub signal: Option<i32>,
}

impl PaneExit {
    /// The status or the signal is known (the pane is not between the two moments above).
    pub(crate) fn is_known(&self) -> bool {
        self.status.is_some() || self.signal.is_some()
    }
}
