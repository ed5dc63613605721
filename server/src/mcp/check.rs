//! The check itself: start the server, `initialize`, `notifications/initialized`, shut it
//! down, and say what it is or why it failed.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use super::message::{self, Incoming, InitializeResult};
use super::process::{Line, McpLaunch, ServerProcess};

/// What a server that passed the check said about itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServerInfo {
    /// `serverInfo.name`.
    pub name: String,
    /// `serverInfo.version`; the spec requires it, but some servers leave it out.
    pub version: Option<String>,
    /// The protocol revision the server chose (ours was [`PROTOCOL_VERSION`]).
    ///
    /// [`PROTOCOL_VERSION`]: super::PROTOCOL_VERSION
    pub protocol_version: String,
    /// The server's capabilities object as sent (`tools`, `resources`, `prompts`, ...).
    pub capabilities: Value,
    /// Usage hints the server gives to the model, if any.
    pub instructions: Option<String>,
    /// From starting the process to the `initialize` answer: what a client waits at startup.
    pub duration_ms: u64,
}

/// Why a server failed the check. `stderr_tail` is the last ~2 KiB the server wrote to its
/// stderr, where servers explain themselves.
#[derive(Debug, thiserror::Error)]
pub enum McpTestError {
    /// The program could not be started (not found, not executable, bad `cwd`).
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// No answer to `initialize` in time.
    #[error("the server did not answer `initialize` within {after_ms} ms")]
    Timeout { after_ms: u64, stderr_tail: String },
    /// The server ended before answering.
    #[error("the server exited before answering `initialize` ({})", describe_exit(.code, .signal))]
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
        stderr_tail: String,
    },
    /// The server's stdout did not carry a usable answer.
    #[error("the server broke the MCP stdio protocol: {message}")]
    Protocol {
        message: String,
        stderr_tail: String,
    },
    /// The server answered `initialize` with a JSON-RPC error.
    #[error("the server refused `initialize`: {message} (JSON-RPC error {code})")]
    ServerError { code: i64, message: String },
}

impl McpTestError {
    /// The tail of the server's stderr, for the variants that have one.
    pub fn stderr_tail(&self) -> Option<&str> {
        match self {
            Self::Timeout { stderr_tail, .. }
            | Self::Exited { stderr_tail, .. }
            | Self::Protocol { stderr_tail, .. } => Some(stderr_tail),
            Self::Spawn { .. } | Self::ServerError { .. } => None,
        }
    }
}

fn describe_exit(code: &Option<i32>, signal: &Option<i32>) -> String {
    match (code, signal) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "exit status unknown".to_owned(),
    }
}

/// How long a server that closed its stdout gets to exit before we stop waiting for its
/// exit status.
const EXIT_WAIT: Duration = Duration::from_secs(1);

/// Starts the server `launch` describes, performs the MCP `initialize` handshake over stdio
/// and shuts the server down again, all within `timeout`.
///
/// Lines on stdout that are not JSON, notifications (logging) and responses to other ids are
/// skipped; a `ping` from the server is answered. The server is always gone (or killed) when
/// this returns, except for descendants that left its process group.
#[tracing::instrument(skip_all, fields(mcp.server = %launch.config.name))]
pub async fn test_server(
    launch: &McpLaunch,
    timeout: Duration,
) -> Result<McpServerInfo, McpTestError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let config = &launch.config;
    let mut server = ServerProcess::spawn(launch).map_err(|source| McpTestError::Spawn {
        command: config.command.clone(),
        source,
    })?;
    tracing::debug!(pid = ?server.pid(), command = %config.command, "MCP server started");

    let outcome = tokio::time::timeout_at(deadline, handshake(&mut server)).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let failure = match outcome {
        Ok(Ok(result)) => {
            // Sent after the answer, as the spec orders. A server that stops reading now has
            // still passed the check; the shutdown deals with it.
            let initialized = message::initialized_notification();
            let _ = tokio::time::timeout_at(deadline, server.send(&initialized)).await;
            server.shutdown(deadline).await;
            let info = McpServerInfo {
                name: result.server_info.name,
                version: result.server_info.version,
                protocol_version: result.protocol_version,
                capabilities: Value::Object(result.capabilities),
                instructions: result.instructions,
                duration_ms,
            };
            tracing::info!(name = %info.name, version = ?info.version, protocol = %info.protocol_version, duration_ms, "MCP server passed the check");
            return Ok(info);
        }
        Ok(Err(Failure::ServerError { code, message })) => {
            // A server that answers with an error is alive and well-behaved: stop it politely.
            server.shutdown(deadline).await;
            McpTestError::ServerError { code, message }
        }
        Ok(Err(Failure::Exited { code, signal })) => {
            server.kill().await; // reaped already; this only closes stdin
            McpTestError::Exited {
                code,
                signal,
                stderr_tail: server.stderr_tail().await,
            }
        }
        Ok(Err(Failure::Protocol(message))) => {
            server.kill().await;
            McpTestError::Protocol {
                message,
                stderr_tail: server.stderr_tail().await,
            }
        }
        Err(_elapsed) => {
            server.kill().await;
            McpTestError::Timeout {
                after_ms: timeout.as_millis() as u64,
                stderr_tail: server.stderr_tail().await,
            }
        }
    };
    tracing::info!(error = %failure, duration_ms, "MCP server failed the check");
    Err(failure)
}

/// How the handshake went wrong, before the stderr tail is attached.
enum Failure {
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    Protocol(String),
    ServerError {
        code: i64,
        message: String,
    },
}

/// Lines on stdout that were not for us, for the error when no answer comes.
#[derive(Default)]
struct Noise {
    lines: usize,
    first: Option<String>,
}

impl Noise {
    fn record(&mut self, line: &[u8]) {
        self.lines += 1;
        if self.first.is_none() {
            let text = String::from_utf8_lossy(line);
            self.first = Some(text.chars().take(120).collect());
        }
    }
}

/// Sends `initialize` and reads until its answer. Not bounded itself: the caller's timeout
/// is.
async fn handshake(server: &mut ServerProcess) -> Result<InitializeResult, Failure> {
    if let Err(err) = server.send(&message::initialize_request()).await {
        // Most likely the server is already gone; its exit status says more than EPIPE.
        tracing::debug!(%err, "writing `initialize` failed");
        return Err(closed(server, &Noise::default()).await);
    }
    let mut noise = Noise::default();
    let mut line = Vec::new();
    loop {
        match server.next_line(&mut line).await {
            Line::Read => {}
            Line::Eof => return Err(closed(server, &noise).await),
            Line::TooLong => {
                return Err(Failure::Protocol(format!(
                    "a line on stdout is longer than {} KiB",
                    super::process::MAX_LINE / 1024
                )));
            }
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        match message::classify(&line) {
            Incoming::InitializeResponse(Ok(result)) => {
                return InitializeResult::from_value(result).map_err(Failure::Protocol);
            }
            Incoming::InitializeResponse(Err(error)) => {
                return Err(Failure::ServerError {
                    code: error.code,
                    message: error.message,
                });
            }
            Incoming::InvalidResponse(message) => return Err(Failure::Protocol(message)),
            Incoming::Request { id, method } => {
                tracing::debug!(%method, "answering the MCP server's request");
                // A failed write shows up as EOF on the next read.
                let _ = server.send(&message::answer_request(&id, &method)).await;
            }
            Incoming::Notification { method } => {
                tracing::debug!(%method, "MCP server notification during the handshake");
            }
            Incoming::Unrelated | Incoming::NotJson => {
                tracing::debug!(line = %String::from_utf8_lossy(&line[..line.len().min(200)]), "skipping a stdout line that is not for us");
                noise.record(&line);
            }
        }
    }
}

/// The server closed stdout (or stdin) without answering: it exited, or it is broken.
async fn closed(server: &mut ServerProcess, noise: &Noise) -> Failure {
    let status = server.wait_exit(EXIT_WAIT).await;
    #[cfg(unix)]
    let signal = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
    #[cfg(not(unix))]
    let signal = None;
    let code = status.and_then(|s| s.code());
    let failed = signal.is_some() || code.is_some_and(|c| c != 0);
    // A crash explains itself best by its exit status (and stderr); a clean exit or a
    // still-running server after stdout noise is a protocol problem.
    if failed || (status.is_some() && noise.lines == 0) {
        return Failure::Exited { code, signal };
    }
    let mut message = match status {
        Some(_) => "the server exited (code 0) without answering `initialize`".to_owned(),
        None => "the server closed its stdout without answering `initialize`".to_owned(),
    };
    if let Some(first) = &noise.first {
        message.push_str(&format!(
            "; {} line(s) on stdout were not JSON-RPC messages for us, the first: {first:?}",
            noise.lines
        ));
    }
    Failure::Protocol(message)
}
