//! One poll of a tmux server: `tmux list-panes -a -F <format>`, run as a child process
//! awaited by tokio (the async threads never block on it) and bounded by the configured
//! timeout; its output parsed into a [`Snapshot`].

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::parse::{FORMAT, ParseError, parse};
use super::snapshot::Snapshot;
use super::socket::TmuxSocket;

/// The program polled, looked up on `PATH`.
const TMUX: &str = "tmux";

/// How much of tmux's stderr an error keeps.
const STDERR_KEPT: usize = 300;

/// Why a poll found nothing to compare. A tmux server that is not running is not one of
/// these: it is a poll that finds no panes.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PollError {
    #[error("tmux is not installed (no `tmux` on PATH)")]
    Missing,
    #[error("tmux did not answer within {0:?} (tmux_timeout_ms)")]
    Timeout(Duration),
    #[error("tmux could not be run: {0}")]
    Spawn(std::io::Error),
    #[error("tmux failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The server's windows and panes; `None` when no server runs on the socket.
pub(crate) async fn poll(
    socket: &TmuxSocket,
    timeout: Duration,
) -> Result<Option<Snapshot>, PollError> {
    let mut command = Command::new(TMUX);
    command
        .args(socket.args())
        .args(["list-panes", "-a", "-F", FORMAT])
        .stdin(Stdio::null())
        // Dropped on timeout (or when the collector stops): the child is killed, not left.
        .kill_on_drop(true);
    let output = match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => return Err(PollError::Timeout(timeout)),
        Ok(Err(err)) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(PollError::Missing);
        }
        Ok(Err(err)) => return Err(PollError::Spawn(err)),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        return Ok(Some(parse(&output.stdout)?));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if is_not_running(&stderr) {
        return Ok(None);
    }
    Err(PollError::Failed {
        status: output.status.to_string(),
        stderr: stderr.trim().chars().take(STDERR_KEPT).collect(),
    })
}

/// What tmux says when no server listens on the socket: none was started (`no server
/// running on ...`), or its socket file is missing or stale (`error connecting to ...`).
fn is_not_running(stderr: &str) -> bool {
    stderr.contains("no server running") || stderr.contains("error connecting to")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_is_not_running_is_recognised_by_what_tmux_says() {
        assert!(is_not_running("no server running on /tmp/tmux-0/default\n"));
        assert!(is_not_running(
            "error connecting to /tmp/tmux-0/x (No such file or directory)\n"
        ));
        assert!(!is_not_running("unknown option -- Z\n"));
    }
}
