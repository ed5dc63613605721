//! `agentcast run` and `agentcast pipe`: the client side of the two command-line sources.

use std::time::Duration;

use agentcast_shared::SessionSource;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::runner::{self, ProcessExit, ProcessSpec, Stop};
use super::sink::{RemoteSession, Sink, SinkError};
use super::supervisor::new_session_id;
use crate::ingest::{IngestLimits, IngestPipeline, SessionContext};

/// Runs `spec` into `sink`, forwarding Ctrl-C to the child (a second one terminates it).
pub async fn run_with_signals(
    spec: ProcessSpec,
    sink: Sink,
    limits: IngestLimits,
    grace: Duration,
) -> Result<ProcessExit, runner::RunError> {
    let (stop, stopped) = mpsc::channel(4);
    let forward = tokio::spawn(async move {
        let mut interrupts = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupts += 1;
            let request = if interrupts == 1 {
                Stop::Interrupt
            } else {
                Stop::Terminate
            };
            eprintln!(
                "agentcast: {}",
                match request {
                    Stop::Interrupt => "Ctrl-C forwarded to the agent (again to stop it)",
                    Stop::Terminate => "stopping the agent",
                }
            );
            if stop.send(request).await.is_err() {
                return;
            }
        }
    });
    let result = runner::run(spec, sink, limits, stopped, grace).await;
    forward.abort();
    result
}

/// The spec of `agentcast run`.
pub fn run_spec(
    session: Option<String>,
    label: Option<String>,
    command: Vec<String>,
) -> ProcessSpec {
    ProcessSpec {
        session_id: session.unwrap_or_else(new_session_id),
        command,
        cwd: std::env::current_dir().ok(),
        label,
        source: SessionSource::Run,
    }
}

/// The exit code `agentcast run` ends with: the child's, or 128 + its signal.
pub fn exit_code(exit: &ProcessExit) -> i32 {
    match (exit.exit_code, exit.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    }
}

/// `agentcast pipe`: JSONL on stdin, mapped here, published to `server` as it streams.
/// Returns the head offset after the last line.
pub async fn pipe_stdin(
    server: &str,
    session_id: &str,
    token: Option<String>,
    limits: IngestLimits,
) -> Result<u64, SinkError> {
    let sink = Sink::Remote(RemoteSession::new(server, session_id, token));
    let context = SessionContext::new(session_id, SessionSource::Pipe);
    let mut pipeline = IngestPipeline::new(context, limits);
    let mut stdin = tokio::io::stdin();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut events = Vec::new();
    let mut head = 0;
    loop {
        let read = stdin.read(&mut buffer).await.unwrap_or_else(|err| {
            eprintln!("agentcast: reading stdin failed: {err}");
            0
        });
        if read == 0 {
            pipeline.finish(&mut events);
        } else {
            pipeline.push_bytes(&buffer[..read], &mut events);
        }
        if !events.is_empty() {
            head = sink.publish(std::mem::take(&mut events)).await?;
        }
        if read == 0 {
            return Ok(head);
        }
    }
}
