//! Runs an agent process and streams it into a session: stdout through the ingest pipeline
//! (`stdout`), stderr lines as `output.stderr`, and at the end one `session.ended` with the
//! exit code, signal and duration (merged with what the agent's own `result` line
//! reported). A process in control mode (`ProcessSpec::control`) gets its stdin from the
//! session's control driver and lives across turns.

use std::process::Stdio;
use std::time::Instant;

use agentcast_shared::{
    AgentKind, Event, OutputStderr, SessionEnded, SessionSource, SessionStarted, SessionState,
    SessionStatus, format_ts_millis,
};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use super::stdout::pump_stdout;
use crate::clock::now_unix_millis;
use crate::control::Controls;
use crate::ingest::{IngestLimits, IngestPipeline, SessionContext};
use crate::sink::{Sink, SinkError};

/// What to run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub session_id: String,
    pub command: Vec<String>,
    pub cwd: Option<std::path::PathBuf>,
    pub label: Option<String>,
    pub source: SessionSource,
    /// The project `session.started` names: an absolute path, an id or a name (see
    /// `project`); `None`: the project of `cwd`.
    pub project: Option<String>,
    /// Control mode: watchers answer the agent (see `control`); `None`: one-shot.
    pub control: Option<ControlSpec>,
}

/// A process in control mode: its command is already made ready for it
/// ([`crate::control::controlled`]).
#[derive(Clone)]
pub struct ControlSpec {
    pub controls: Controls,
    /// The first prompt, if any: the session otherwise waits, idle, for one.
    pub prompt: Option<String>,
    /// Who sent that prompt (the token's subject, or the user of `agentcast run`).
    pub by: String,
}

impl std::fmt::Debug for ControlSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlSpec")
            .field("prompt", &self.prompt)
            .field("by", &self.by)
            .finish_non_exhaustive()
    }
}

impl ProcessSpec {
    /// Puts this spec in control mode when its command can run so (a `claude` session),
    /// with `prompt` (or the command's own prompt argument) first; says why not otherwise
    /// (the spec is then unchanged: one-shot).
    pub fn make_controlled(
        &mut self,
        controls: &Controls,
        prompt: Option<String>,
        by: String,
    ) -> Result<(), crate::control::NotControllable> {
        let ready = crate::control::controlled(&self.command)?;
        self.command = ready.command;
        self.control = Some(ControlSpec {
            controls: controls.clone(),
            prompt: prompt.or(ready.prompt),
            by,
        });
        Ok(())
    }
}

/// How the process ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessExit {
    pub status: SessionState,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("empty command")]
    EmptyCommand,
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// Longest stderr line forwarded as one event; longer lines are cut (and say so).
const MAX_STDERR_LINE: usize = 64 * 1024;

/// What the owner of a running process can ask of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Forward SIGINT (the user pressed Ctrl-C) and keep waiting.
    Interrupt,
    /// SIGTERM, then SIGKILL after the grace period; the session ends as cancelled.
    Terminate,
}

/// Runs `spec` to completion, or until asked to stop. Returns how it ended; the events are
/// all published by then.
pub async fn run(
    spec: ProcessSpec,
    sink: Sink,
    limits: IngestLimits,
    stop: mpsc::Receiver<Stop>,
    grace: std::time::Duration,
) -> Result<ProcessExit, RunError> {
    let mut spec = spec;
    // Decided before the agent starts, and recorded with the session before it runs: its
    // transcript then joins this session instead of being collected as a second one.
    let agent_session_id = super::agent_session::claude_session_id(&mut spec.command);
    let (program, args) = spec.command.split_first().ok_or(RunError::EmptyCommand)?;
    let started = Instant::now();
    let mut command = Command::new(program);
    let stdin = match spec.control {
        Some(_) => Stdio::piped(),
        None => Stdio::null(),
    };
    command
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0); // its own group: Ctrl-C reaches it once, through us
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    let started_event = Event::SessionStarted(SessionStarted {
        session_id: spec.session_id.clone(),
        label: spec.label.clone(),
        project_id: spec.project.clone(),
        source: spec.source,
        command: Some(spec.command.clone()),
        cwd: spec.cwd.as_ref().map(|c| c.display().to_string()),
        model: None,
        tools: Vec::new(),
        cli_version: None,
        // Otherwise the agent says who it is once it runs (the stream-json mapper's init).
        agent: agent_session_id.as_ref().map(|_| AgentKind::Claude),
        agent_session_id: agent_session_id.clone(),
        git_branch: None,
        started_at: format_ts_millis(now_unix_millis()),
    });
    let mut opening = vec![started_event];
    if agent_session_id.is_some() {
        // Stored before the agent can write its first transcript line.
        sink.publish(std::mem::take(&mut opening)).await?;
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(source) => {
            if opening.is_empty() {
                let exit = ProcessExit {
                    status: SessionState::Failed,
                    exit_code: None,
                    signal: None,
                    duration_ms: 0,
                };
                sink.publish(vec![ended_event(&exit, None)]).await?;
            }
            return Err(RunError::Spawn {
                program: program.clone(),
                source,
            });
        }
    };
    let pid = child.id();
    tracing::info!(session.id = %spec.session_id, ?pid, command = ?spec.command, "process started");

    opening.push(Event::SessionStatus(SessionStatus {
        status: SessionState::Running,
        pid,
        message: None,
    }));
    sink.publish(opening).await?;

    let context = SessionContext {
        session_id: spec.session_id.clone(),
        source: spec.source,
        label: spec.label.clone(),
        command: Some(spec.command.clone()),
        cwd: spec.cwd.as_ref().map(|c| c.display().to_string()),
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let control = spec.control.as_ref().map(|control| {
        let stdin = child.stdin.take().expect("stdin is piped in control mode");
        let first = control
            .prompt
            .clone()
            .map(|text| (text, control.by.clone()));
        control
            .controls
            .attach(&spec.session_id, sink.clone(), stdin, first)
    });
    let pipeline = IngestPipeline::new(context, limits);
    // In this server, its lines count in the server's metrics; mapped for a remote one, not.
    let pipeline = match &sink {
        Sink::Local(session) => session.counted(pipeline),
        Sink::Remote(_) => pipeline,
    };
    let stdout_task = tokio::spawn(pump_stdout(stdout, pipeline, sink.clone(), control.clone()));
    let stderr_task = tokio::spawn(pump_stderr(stderr, sink.clone()));

    let (exit, cancelled) = wait_or_stop(&mut child, stop, grace).await;
    // The pipes close when the process (and anything it left holding them) is gone.
    let reported_end = stdout_task.await.unwrap_or(Ok(None))?;
    stderr_task.await.unwrap_or(Ok(()))?;
    if let Some(control) = control {
        control.exited().await;
    }

    // In control mode a turn's outcome is not the session's: one that ends with the
    // agent's clean exit completed, whatever its last turn did.
    let turn_outcome = reported_end.as_ref().filter(|_| spec.control.is_none());
    let exit = describe_exit(
        exit,
        cancelled,
        turn_outcome,
        started.elapsed().as_millis() as u64,
    );
    tracing::info!(session.id = %spec.session_id, ?exit, "process ended");
    sink.publish(vec![ended_event(&exit, reported_end)]).await?;
    Ok(exit)
}

/// Waits for the child while obeying stop requests. Returns the exit status (None if it could
/// not be had) and whether it was terminated on request.
async fn wait_or_stop(
    child: &mut Child,
    mut stop: mpsc::Receiver<Stop>,
    grace: std::time::Duration,
) -> (Option<std::process::ExitStatus>, bool) {
    loop {
        tokio::select! {
            status = child.wait() => return (status.ok(), false),
            request = stop.recv() => match request {
                Some(Stop::Interrupt) => signal_group(child, Signal::Interrupt),
                Some(Stop::Terminate) => break,
                // The owner is gone: let the process run to its end.
                None => return (child.wait().await.ok(), false),
            },
        }
    }
    signal_group(child, Signal::Terminate);
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(status) => (status.ok(), true),
        Err(_) => {
            tracing::warn!(pid = ?child.id(), "process ignored SIGTERM; killing it");
            let _ = child.kill().await;
            (child.wait().await.ok(), true)
        }
    }
}

enum Signal {
    Interrupt,
    Terminate,
}

/// Signals the child's process group (it runs in its own, so its children hear it too).
fn signal_group(child: &Child, signal: Signal) {
    #[cfg(unix)]
    if let Some(pid) = child.id() {
        let signal = match signal {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
        };
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe { libc::kill(-(pid as i32), signal) };
    }
}

/// stderr lines -> `output.stderr` (invalid UTF-8 replaced, long lines cut).
async fn pump_stderr(stderr: impl AsyncRead + Unpin, sink: Sink) -> Result<(), SinkError> {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Bounded: never hold more than MAX_STDERR_LINE (+ one buffer) of a line.
        let mut limited = (&mut reader).take(MAX_STDERR_LINE as u64);
        let n = match limited.read_until(b'\n', &mut line).await {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(%err, "reading the agent's stderr failed");
                0
            }
        };
        if n == 0 {
            return Ok(());
        }
        let complete = line.ends_with(b"\n");
        let mut text = String::from_utf8_lossy(&line)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        if !complete && n == MAX_STDERR_LINE {
            text.push_str(" [line cut at 64 KiB]");
            skip_rest_of_line(&mut reader).await;
        }
        sink.publish(vec![Event::OutputStderr(OutputStderr { line: text })])
            .await?;
    }
}

async fn skip_rest_of_line(reader: &mut (impl AsyncBufReadExt + Unpin)) {
    loop {
        let Ok(buf) = reader.fill_buf().await else {
            return;
        };
        if buf.is_empty() {
            return;
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return;
            }
            None => {
                let len = buf.len();
                reader.consume(len);
            }
        }
    }
}

fn describe_exit(
    status: Option<std::process::ExitStatus>,
    cancelled: bool,
    reported: Option<&SessionEnded>,
    duration_ms: u64,
) -> ProcessExit {
    #[cfg(unix)]
    let signal = status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s));
    #[cfg(not(unix))]
    let signal = None;
    let exit_code = status.and_then(|s| s.code());
    let state = if cancelled {
        SessionState::Cancelled
    } else if exit_code == Some(0) {
        // The agent may have reported a failure (e.g. error_max_turns) and still exited 0.
        reported.map_or(SessionState::Completed, |r| r.status)
    } else {
        SessionState::Failed
    };
    ProcessExit {
        status: state,
        exit_code,
        signal,
        duration_ms,
    }
}

/// One `session.ended`: the process facts, plus turns and cost from the agent's report.
fn ended_event(exit: &ProcessExit, reported: Option<SessionEnded>) -> Event {
    let reported = reported.unwrap_or(SessionEnded {
        status: exit.status,
        exit_code: None,
        signal: None,
        duration_ms: None,
        num_turns: None,
        total_cost_usd: None,
        message: None,
    });
    let message = match (exit.exit_code, exit.signal) {
        (_, Some(signal)) => Some(format!("terminated by signal {signal}")),
        (Some(code), None) if code != 0 => Some(format!("exited with code {code}")),
        _ => reported.message,
    };
    Event::SessionEnded(SessionEnded {
        status: exit.status,
        exit_code: exit.exit_code,
        signal: exit.signal,
        duration_ms: Some(exit.duration_ms),
        num_turns: reported.num_turns,
        total_cost_usd: reported.total_cost_usd,
        message,
    })
}
