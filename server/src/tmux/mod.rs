//! The tmux collector (`agentcast serve --collect-tmux`, DESIGN.md section 9): each tmux
//! server configured is polled, and what changed between two polls becomes `tmux.*` events
//! of a session `tmux-<socket name>` (source `tmux`): windows and panes opened, renamed,
//! closed, a pane's foreground command changing (`claude` started in `%3`), a pane exiting
//! with its status, and the coding agent running in a pane with its session id. A poll that
//! changed nothing publishes nothing.
//!
//! - `socket`: [`TmuxSocket`](socket::TmuxSocket), which server (`-L name`, `-S path`, the
//!   default) and its session id.
//! - `poll`: one `tmux list-panes -a` as a child process, bounded by a timeout; `parse`: its
//!   format and parse; `snapshot`: the windows and panes it gives.
//! - `diff`: two snapshots to `tmux.*` events.
//! - `agents`: the agent process in each pane and its session (`procfs`: what is read of
//!   `/proc`), and their changes as `tmux.agent_detected` / `tmux.agent_ended`.
//! - `stream`: the loop of one server: poll, diff, publish into the hub.

mod agents;
mod diff;
mod parse;
mod poll;
mod procfs;
mod snapshot;
mod socket;
mod stream;

use std::collections::HashSet;

use tokio::task::JoinSet;

use crate::config::TmuxSettings;
use crate::hub::Hub;
use socket::TmuxSocket;

/// Follows every configured tmux server (the user's default one when none is) until the
/// returned task is dropped or aborted; the tmux commands of a poll in flight are killed then.
/// `max_file_bytes` bounds the agent session files read (the configured `max_line_bytes`).
pub fn spawn(
    hub: Hub,
    settings: TmuxSettings,
    max_file_bytes: usize,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut followers = JoinSet::new();
        for socket in sockets(&settings.sockets) {
            followers.spawn(stream::follow(
                hub.clone(),
                socket,
                settings.clone(),
                max_file_bytes,
            ));
        }
        // Dropping the set (when this task is aborted) aborts the followers.
        while followers.join_next().await.is_some() {}
    })
}

/// The servers of `--tmux-socket`, or the default one; two names of one session id (the
/// same socket given twice) are followed once.
fn sockets(settings: &[String]) -> Vec<TmuxSocket> {
    let given: Vec<TmuxSocket> = match settings {
        [] => vec![TmuxSocket::Default],
        names => names.iter().map(|name| TmuxSocket::parse(name)).collect(),
    };
    let mut ids = HashSet::new();
    given
        .into_iter()
        .filter(|socket| {
            let new = ids.insert(socket.session_id());
            if !new {
                tracing::warn!(socket = %socket.label(), "tmux socket given twice; followed once");
            }
            new
        })
        .collect()
}
