//! The MCP server as a child process: started from its configuration in its own process
//! group, stdout read as bounded lines, stderr kept as a bounded tail, and stopped either
//! politely (the stdio transport's shutdown) or at once.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::rest::McpServerConfig;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How to start one MCP server over stdio: its configuration, the one the REST API stores
/// and lists (deserialized from the same flat object), and where to start it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpLaunch {
    /// Name, command, arguments and environment. The environment is added to agentcast's
    /// own, which the server inherits.
    #[serde(flatten)]
    pub config: McpServerConfig,
    /// The working directory; agentcast's own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
}

/// Longest stdout line read; a longer one ends the check (it cannot be a sane `initialize`
/// answer, and holding it would let a server fill our memory).
pub(crate) const MAX_LINE: usize = 1024 * 1024;
/// How much of the server's stderr is kept: its last words, usually the reason it failed.
pub(crate) const STDERR_TAIL: usize = 2 * 1024;
/// How long the server gets at each step of a polite shutdown (stdin closed, then SIGTERM).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long stderr may stay open after the server is gone (a grandchild may hold it).
const STDERR_DRAIN: Duration = Duration::from_millis(500);

/// One stdout line, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line is in the buffer, without its newline (the last one may have had none).
    Read,
    /// stdout is closed.
    Eof,
    /// The line exceeds [`MAX_LINE`].
    TooLong,
}

/// A started MCP server.
pub(crate) struct ServerProcess {
    child: Child,
    /// `None` once closed, which is how the stdio transport asks the server to exit.
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<StderrTail>>,
    stderr_task: JoinHandle<()>,
}

impl ServerProcess {
    pub(crate) fn spawn(launch: &McpLaunch) -> std::io::Result<Self> {
        let config = &launch.config;
        if config.command.trim().is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the command is empty",
            ));
        }
        if let Some(cwd) = launch.cwd.as_ref().filter(|cwd| !cwd.is_dir()) {
            // spawn would say only "No such file or directory", as if the program were missing.
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the working directory {} does not exist", cwd.display()),
            ));
        }
        let mut command = Command::new(&config.command);
        command
            .args(&config.args)
            .envs(&config.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0); // its own group: what it starts (npx -> node) dies with it
        if let Some(cwd) = &launch.cwd {
            command.current_dir(cwd);
        }
        let mut child = command.spawn()?;
        // The three are piped just above, so they are there to take.
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let tail = Arc::new(Mutex::new(StderrTail::new(STDERR_TAIL)));
        let stderr_task = tokio::spawn(collect_stderr(stderr, tail.clone()));
        Ok(Self {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            stderr: tail,
            stderr_task,
        })
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Writes one message and its newline.
    pub(crate) async fn send(&mut self, message: &[u8]) -> std::io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdin is closed")
        })?;
        stdin.write_all(message).await?;
        stdin.write_all(b"\n").await?;
        stdin.flush().await
    }

    /// Reads the next stdout line into `line` (cleared first). Read errors count as the end.
    pub(crate) async fn next_line(&mut self, line: &mut Vec<u8>) -> Line {
        line.clear();
        // One byte more than the longest line allows for its newline.
        let mut limited = (&mut self.stdout).take(MAX_LINE as u64 + 1);
        match limited.read_until(b'\n', line).await {
            Ok(0) => Line::Eof,
            Ok(_) if line.ends_with(b"\n") => {
                line.pop();
                Line::Read
            }
            Ok(n) if n > MAX_LINE => Line::TooLong,
            Ok(_) => Line::Read, // the last line, without a newline
            Err(err) => {
                tracing::debug!(%err, "reading the MCP server's stdout failed");
                Line::Eof
            }
        }
    }

    /// Waits up to `within` for the server to exit.
    pub(crate) async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()?
            .ok()
    }

    /// The stdio transport's shutdown: close stdin and let the server exit, then SIGTERM,
    /// then SIGKILL, each step given [`SHUTDOWN_GRACE`] but none going past `deadline`.
    pub(crate) async fn shutdown(&mut self, deadline: Instant) {
        self.stdin = None;
        let grace = || SHUTDOWN_GRACE.min(deadline.saturating_duration_since(Instant::now()));
        if self.wait_exit(grace()).await.is_some() {
            return;
        }
        self.signal_group(Signal::Terminate);
        if self.wait_exit(grace()).await.is_some() {
            return;
        }
        tracing::debug!(pid = ?self.pid(), "the MCP server outlived SIGTERM; killing it");
        self.kill().await;
    }

    /// Kills the server's process group and reaps the server.
    pub(crate) async fn kill(&mut self) {
        self.stdin = None;
        self.signal_group(Signal::Kill);
        let _ = self.child.kill().await; // the group signal may be unavailable; this is not
    }

    /// The last [`STDERR_TAIL`] bytes of stderr, as text. Waits briefly for stderr to close so
    /// the last words of an exiting server are in.
    pub(crate) async fn stderr_tail(&mut self) -> String {
        if tokio::time::timeout(STDERR_DRAIN, &mut self.stderr_task)
            .await
            .is_err()
        {
            self.stderr_task.abort();
        }
        self.stderr.lock().expect("stderr tail lock").text()
    }

    /// Signals the server's process group, so its own children hear it too. Only while the
    /// server is unreaped (`id()` is `Some`): its pid, which names the group, cannot have been
    /// reused by then.
    fn signal_group(&self, signal: Signal) {
        #[cfg(unix)]
        if let Some(pid) = self.child.id() {
            let signal = match signal {
                Signal::Terminate => libc::SIGTERM,
                Signal::Kill => libc::SIGKILL,
            };
            // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
            unsafe { libc::kill(-(pid as i32), signal) };
        }
        #[cfg(not(unix))]
        let _ = signal;
    }
}

enum Signal {
    Terminate,
    Kill,
}

/// Copies stderr into the tail until it closes.
async fn collect_stderr(mut stderr: impl AsyncRead + Unpin, tail: Arc<Mutex<StderrTail>>) {
    let mut buffer = vec![0u8; 8 * 1024];
    loop {
        match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            // A std Mutex: the section is a memcpy of at most one buffer, with no await inside.
            Ok(n) => tail.lock().expect("stderr tail lock").push(&buffer[..n]),
        }
    }
}

/// The last `capacity` bytes written, oldest dropped first.
#[derive(Debug)]
pub(crate) struct StderrTail {
    bytes: VecDeque<u8>,
    capacity: usize,
    /// Whether older bytes were dropped, so the text starts mid-stream.
    cut: bool,
}

impl StderrTail {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            bytes: VecDeque::with_capacity(capacity),
            capacity,
            cut: false,
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        let data = if data.len() > self.capacity {
            self.cut = true;
            &data[data.len() - self.capacity..]
        } else {
            data
        };
        let overflow = (self.bytes.len() + data.len()).saturating_sub(self.capacity);
        if overflow > 0 {
            self.cut = true;
            self.bytes.drain(..overflow);
        }
        self.bytes.extend(data);
    }

    /// The tail as text: invalid UTF-8 replaced, and when it was cut, starting at the first
    /// whole character.
    pub(crate) fn text(&self) -> String {
        let (front, back) = self.bytes.as_slices();
        let mut bytes = [front, back].concat();
        if self.cut {
            let partial = bytes.iter().take_while(|&&b| b & 0xC0 == 0x80).count();
            bytes.drain(..partial.min(3));
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_bytes() {
        let mut tail = StderrTail::new(8);
        tail.push(b"hello ");
        assert_eq!(tail.text(), "hello ");
        tail.push(b"world");
        assert_eq!(tail.text(), "lo world");
        tail.push(b"0123456789abc");
        assert_eq!(tail.text(), "56789abc");
    }

    #[test]
    fn a_cut_tail_starts_at_a_whole_character() {
        let mut tail = StderrTail::new(5);
        tail.push("aé€!".as_bytes()); // 1 + 2 + 3 + 1 bytes: the cut lands inside `é`
        assert_eq!(tail.text(), "€!");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let mut tail = StderrTail::new(16);
        tail.push(b"bad \xff byte");
        assert_eq!(tail.text(), "bad \u{fffd} byte");
    }
}
