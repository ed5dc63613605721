//! The tmux collector (`--collect-tmux`): which tmux servers, how often, how long a poll may
//! take.

use std::time::Duration;

use super::group::settings_group;
use super::values::{millis, positive};

settings_group! {
    /// Whether tmux servers are polled, which, and how often.
    TmuxSettings from TmuxArgs and TmuxFile, heading "tmux collector", switches [
        /// Poll tmux servers: windows and panes opened, closed, renamed, a pane's command
        /// changing or exiting, and the agents running in panes become the events of a
        /// session `tmux-<server>` per tmux server.
        collect_tmux -> enabled { flag: "collect-tmux", env: "AGENTCAST_COLLECT_TMUX" }
    ];
    /// Time between two polls of each tmux server, in ms.
    tmux_poll_interval_ms -> poll_interval: Duration {
        flag: "tmux-poll-interval-ms", env: "AGENTCAST_TMUX_POLL_INTERVAL_MS", value_name: "MS",
        input: u64, default: 1000, check: positive, convert: millis,
    }
    /// A tmux server to poll (repeat for several): a socket name as `tmux -L` takes it, or a
    /// socket path (anything with a `/`) as `tmux -S` takes it.
    tmux_sockets -> sockets: Vec<String> {
        flag: "tmux-socket", env: "AGENTCAST_TMUX_SOCKETS", value_name: "NAME|PATH",
        input: Vec<String>, default: Vec::new(), shown: "the user's default server",
        check: socket_names, clap: (value_delimiter = ','),
    }
    /// Time a tmux command of a poll may take before the poll is given up (and reported), in
    /// ms.
    tmux_timeout_ms -> timeout: Duration {
        flag: "tmux-timeout-ms", env: "AGENTCAST_TMUX_TIMEOUT_MS", value_name: "MS",
        input: u64, default: 5000, check: positive, convert: millis,
    }
}

/// Each socket is named: an empty one would silently mean the default server. (`settings_group!`
/// hands a check a reference to the input type, here `&Vec<String>`.)
#[allow(clippy::ptr_arg)]
fn socket_names(sockets: &Vec<String>) -> Result<(), String> {
    match sockets.iter().any(|socket| socket.trim().is_empty()) {
        true => Err("a socket name or path cannot be empty".into()),
        false => Ok(()),
    }
}
