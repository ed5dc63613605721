//! The driver of one controlled session: a task that owns the agent's stdin and is the only
//! one to write to it, with one inbox for everything that can change the session's control
//! state (the agent's control lines and turn ends, from the stdout pump; watchers'
//! commands; the end of the process). It writes the prompts (one turn at a time, the rest
//! queued), answers permission requests (the first answer wins; no answer is a denial at
//! the deadline), and publishes what watchers must see: `user.prompt`, `permission.*`, and
//! `session.status` `waiting` / `running` / `idle`.

use std::collections::VecDeque;
use std::time::Duration;

use agentcast_shared::{
    AgentError, EndResult, Event, InterruptResult, PermissionAnswer, PermissionDecision,
    PermissionRequested, PermissionResponded, PromptResult, ResolvedReason, SessionState,
    UserPrompt, format_ts_millis,
};
use tokio::io::AsyncWriteExt;
use tokio::process::ChildStdin;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::notices;
use super::permissions::{NotOpen, OpenRequest, Permissions};
use super::protocol::{self, AgentControl, ToolPermission};
use super::{Answer, Command, ControlError, ControlSettings};
use crate::clock::now_unix_millis;
use crate::sink::Sink;

/// Longest wait for the agent to take a line on its stdin.
const WRITE_PATIENCE: Duration = Duration::from_secs(10);
/// Most prompts waiting for their turn.
pub(crate) const MAX_QUEUED_PROMPTS: usize = 100;
/// Longest wait for the agent to confirm an interrupt.
const CONFIRM_PATIENCE: Duration = Duration::from_secs(10);

type Reply = oneshot::Sender<Result<Answer, ControlError>>;

/// An interrupt written to the agent, answered once the agent confirms it: the turn has
/// stopped by the time the caller hears so.
struct Unconfirmed {
    request_id: String,
    reply: Reply,
    deadline: Instant,
}

/// What the driver's inbox takes.
pub(crate) enum Input {
    /// A control line of the agent; `done` once its events are published.
    Agent(AgentControl, oneshot::Sender<()>),
    /// The agent reported the end of a turn (`result`).
    TurnEnded(oneshot::Sender<()>),
    /// A watcher's command.
    Command {
        command: Command,
        by: String,
        reply: Reply,
    },
    /// The open permission requests, for `get_status`.
    Open(oneshot::Sender<Vec<PermissionRequested>>),
    /// The process is gone: what is open is resolved `session_ended`.
    Exited(oneshot::Sender<()>),
}

pub(crate) struct Driver {
    sink: Sink,
    stdin: Option<ChildStdin>,
    settings: ControlSettings,
    /// A turn runs: a prompt was written and its `result` has not come.
    turn: bool,
    queue: VecDeque<(String, String)>,
    permissions: Permissions,
    /// Since when nothing runs, waits or is queued (for the idle timeout).
    idle_since: Option<Instant>,
    next_request: u64,
    unconfirmed: Vec<Unconfirmed>,
}

impl Driver {
    pub fn new(sink: Sink, stdin: ChildStdin, settings: ControlSettings) -> Self {
        Self {
            sink,
            stdin: Some(stdin),
            settings,
            turn: false,
            queue: VecDeque::new(),
            permissions: Permissions::default(),
            idle_since: None,
            next_request: 0,
            unconfirmed: Vec::new(),
        }
    }

    /// Initializes the agent, writes the first prompt (or waits idle for one), then serves
    /// the inbox until every sender is gone.
    pub async fn run(mut self, mut inbox: mpsc::Receiver<Input>, first: Option<(String, String)>) {
        let init = self.request_id("init");
        self.write(&protocol::initialize(&init)).await.ok();
        match first {
            Some((text, by)) => {
                if let Err(err) = self.send_prompt(text, by).await {
                    tracing::warn!(%err, "the first prompt did not reach the agent");
                }
            }
            None => self.become_idle().await,
        }
        loop {
            let deadline = self.next_deadline();
            let input = tokio::select! {
                input = inbox.recv() => input,
                () = sleep_until(deadline) => {
                    self.on_deadline().await;
                    continue;
                }
            };
            let Some(input) = input else { return };
            match input {
                Input::Agent(control, done) => {
                    self.on_agent(control).await;
                    let _ = done.send(());
                }
                Input::TurnEnded(done) => {
                    self.on_turn_ended().await;
                    let _ = done.send(());
                }
                Input::Command { command, by, reply } => self.on_command(command, by, reply).await,
                Input::Open(reply) => {
                    let _ = reply.send(self.permissions.list());
                }
                Input::Exited(done) => {
                    self.stdin = None;
                    self.queue.clear();
                    for waiting in self.unconfirmed.drain(..) {
                        let _ = waiting.reply.send(Err(ControlError::Ending));
                    }
                    self.resolve_all(ResolvedReason::SessionEnded).await;
                    let _ = done.send(());
                }
            }
        }
    }

    /// Runs a watcher's command; `reply` hears how it went (an interrupt once the agent
    /// confirms it).
    async fn on_command(&mut self, command: Command, by: String, reply: Reply) {
        let answer = match command {
            _ if self.stdin.is_none() => Err(ControlError::Ending),
            Command::Interrupt => return self.interrupt(reply).await,
            Command::Prompt { text } => self.prompt(text, by).await.map(Answer::Prompt),
            Command::Respond { request_id, answer } => self
                .respond(&request_id, answer, by)
                .await
                .map(Answer::Respond),
            Command::End => {
                self.end().await;
                Ok(Answer::End(EndResult { ending: true }))
            }
        };
        let _ = reply.send(answer);
    }

    async fn prompt(&mut self, text: String, by: String) -> Result<PromptResult, ControlError> {
        if self.turn {
            if self.queue.len() >= MAX_QUEUED_PROMPTS {
                return Err(ControlError::QueueFull(MAX_QUEUED_PROMPTS));
            }
            let ahead = self.queue.len() as u32;
            self.queue.push_back((text, by));
            return Ok(PromptResult {
                queued: true,
                ahead,
            });
        }
        self.send_prompt(text, by).await?;
        Ok(PromptResult {
            queued: false,
            ahead: 0,
        })
    }

    async fn send_prompt(&mut self, text: String, by: String) -> Result<(), ControlError> {
        self.write(&protocol::user_prompt(&text)).await?;
        self.turn = true;
        self.idle_since = None;
        self.publish(vec![UserPrompt { text, by: Some(by) }.into()])
            .await;
        Ok(())
    }

    /// Writes an interrupt; `reply` hears when the agent confirms it (or why not).
    async fn interrupt(&mut self, reply: Reply) {
        if !self.turn {
            let nothing = InterruptResult { interrupted: false };
            let _ = reply.send(Ok(Answer::Interrupt(nothing)));
            return;
        }
        let request_id = self.request_id("interrupt");
        if let Err(err) = self.write(&protocol::interrupt(&request_id)).await {
            let _ = reply.send(Err(err));
            return;
        }
        self.unconfirmed.push(Unconfirmed {
            request_id,
            reply,
            deadline: Instant::now() + CONFIRM_PATIENCE,
        });
    }

    /// The agent answered one of agentcast's requests.
    async fn confirmed(&mut self, request_id: &str, error: Option<String>) {
        let Some(index) = self
            .unconfirmed
            .iter()
            .position(|u| u.request_id == request_id)
        else {
            if let Some(error) = error {
                let message = format!("the agent refused request {request_id}: {error}");
                self.agent_error(message).await;
            }
            return;
        };
        let waiting = self.unconfirmed.remove(index);
        let answer = match error {
            None => Ok(Answer::Interrupt(InterruptResult { interrupted: true })),
            Some(error) => Err(ControlError::AgentGone(format!(
                "it refused the interrupt: {error}"
            ))),
        };
        let _ = waiting.reply.send(answer);
    }

    async fn respond(
        &mut self,
        request_id: &str,
        answer: PermissionAnswer,
        by: String,
    ) -> Result<PermissionResponded, ControlError> {
        if answer.decision == PermissionDecision::Ask {
            return Err(ControlError::BadAnswer(
                "decision: ask is for sessions approved through hooks; this agent has no \
                 prompt of its own (allow or deny)"
                    .into(),
            ));
        }
        let open = self
            .permissions
            .take(request_id)
            .map_err(|missing| match missing {
                NotOpen::AlreadyResolved => ControlError::AlreadyResolved(request_id.to_owned()),
                NotOpen::Unknown => ControlError::UnknownRequest(request_id.to_owned()),
            })?;
        let decision = answer.decision;
        let (line, message) = match decision {
            PermissionDecision::Allow => {
                let input = answer.updated_input.as_ref().unwrap_or(&open.request.input);
                let line =
                    protocol::allow(request_id, input, answer.updated_permissions.as_deref());
                (line, None)
            }
            PermissionDecision::Deny | PermissionDecision::Ask => {
                let message = notices::denial(answer.message, &by);
                (protocol::deny(request_id, &message), Some(message))
            }
        };
        let written = self.write(&line).await;
        self.resolved(open, decision, by, ResolvedReason::Answered, message)
            .await;
        written?;
        Ok(PermissionResponded {
            request_id: request_id.to_owned(),
            decision,
        })
    }

    /// Closes the agent's input: it finishes the turn it is in and exits.
    async fn end(&mut self) {
        self.queue.clear();
        self.resolve_all(ResolvedReason::SessionEnded).await;
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.shutdown().await;
        }
    }

    async fn on_agent(&mut self, control: AgentControl) {
        match control {
            AgentControl::CanUseTool(asked) => self.open(asked).await,
            AgentControl::Unsupported {
                request_id,
                subtype,
            } => {
                let _ = self
                    .write(&protocol::unsupported(&request_id, &subtype))
                    .await;
            }
            AgentControl::Response { request_id, error } => {
                self.confirmed(&request_id, error).await
            }
            AgentControl::Cancel { request_id } => {
                if let Ok(open) = self.permissions.take(&request_id) {
                    let by = notices::SERVER.to_owned();
                    self.resolved(
                        open,
                        PermissionDecision::Deny,
                        by,
                        ResolvedReason::Cancelled,
                        None,
                    )
                    .await;
                }
            }
            AgentControl::Unreadable { reason } => {
                self.agent_error(format!("an unreadable control line: {reason}"))
                    .await
            }
        }
    }

    async fn open(&mut self, asked: ToolPermission) {
        if self.stdin.is_none() {
            return; // ending: the agent gets no answer, and exits with its input closed
        }
        let timeout = self.settings.permission_timeout;
        let expires_ms = now_unix_millis() + timeout.as_millis() as u64;
        let request = PermissionRequested {
            request_id: asked.request_id,
            tool_use_id: asked.tool_use_id,
            tool_name: asked.tool_name.clone(),
            input: asked.input,
            description: asked.description,
            suggestions: asked.suggestions,
            expires_at: format_ts_millis(expires_ms),
        };
        self.permissions
            .open(request.clone(), Instant::now() + timeout);
        self.idle_since = None;
        let waiting = notices::waiting(&asked.tool_name);
        self.publish(vec![request.into(), waiting]).await;
    }

    async fn on_turn_ended(&mut self) {
        self.turn = false;
        // A turn that ends leaves no request of its own open.
        self.resolve_all(ResolvedReason::Cancelled).await;
        if let Some((text, by)) = self.queue.pop_front() {
            if let Err(err) = self.send_prompt(text, by).await {
                self.agent_error(format!("a queued prompt did not reach the agent: {err}"))
                    .await;
            }
            return;
        }
        self.become_idle().await;
    }

    async fn become_idle(&mut self) {
        self.idle_since = Some(Instant::now());
        let idle = notices::status(SessionState::Idle, "waiting for a prompt");
        self.publish(vec![idle]).await;
    }

    fn next_deadline(&self) -> Option<Instant> {
        let idle = self
            .idle_since
            .map(|since| since + self.settings.idle_timeout);
        let confirm = self.unconfirmed.iter().map(|u| u.deadline).min();
        [self.permissions.next_deadline(), idle, confirm]
            .into_iter()
            .flatten()
            .min()
    }

    async fn on_deadline(&mut self) {
        let now = Instant::now();
        let (late, waiting) = std::mem::take(&mut self.unconfirmed)
            .into_iter()
            .partition(|u| u.deadline <= now);
        self.unconfirmed = waiting;
        for late in late {
            let patience = humantime(CONFIRM_PATIENCE);
            let _ = late.reply.send(Err(ControlError::AgentGone(format!(
                "it did not confirm the interrupt within {patience}"
            ))));
        }
        for open in self.permissions.take_expired(now) {
            let timeout = humantime(self.settings.permission_timeout);
            let message = format!("No one answered within {timeout}");
            let id = open.request.request_id.clone();
            let _ = self.write(&protocol::deny(&id, &message)).await;
            let by = notices::SERVER.to_owned();
            self.resolved(
                open,
                PermissionDecision::Deny,
                by,
                ResolvedReason::Timeout,
                Some(message),
            )
            .await;
        }
        if self
            .idle_since
            .is_some_and(|since| since + self.settings.idle_timeout <= now)
        {
            let idle = humantime(self.settings.idle_timeout);
            tracing::info!(idle, "controlled session idle too long: ending it");
            self.idle_since = None;
            self.publish(vec![notices::status(
                SessionState::Idle,
                format!("no prompt for {idle}: ending the session"),
            )])
            .await;
            self.end().await;
        }
    }

    /// Publishes how `open` was resolved, and `running` again once nothing waits.
    async fn resolved(
        &mut self,
        open: OpenRequest,
        decision: PermissionDecision,
        by: String,
        reason: ResolvedReason,
        message: Option<String>,
    ) {
        let id = &open.request.request_id;
        let mut events = vec![notices::resolved(id, decision, &by, reason, message)];
        if self.permissions.is_empty() && self.turn && self.stdin.is_some() {
            events.push(notices::answered());
        }
        self.publish(events).await;
    }

    async fn resolve_all(&mut self, reason: ResolvedReason) {
        for open in self.permissions.take_all() {
            let message = match reason {
                ResolvedReason::SessionEnded => Some("The session ended".to_owned()),
                _ => None,
            };
            if let Some(message) = &message {
                let id = open.request.request_id.clone();
                let _ = self.write(&protocol::deny(&id, message)).await;
            }
            let by = notices::SERVER.to_owned();
            self.resolved(open, PermissionDecision::Deny, by, reason, message)
                .await;
        }
    }

    async fn write(&mut self, line: &str) -> Result<(), ControlError> {
        let Some(stdin) = &mut self.stdin else {
            return Err(ControlError::Ending);
        };
        let written = tokio::time::timeout(WRITE_PATIENCE, async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.flush().await
        })
        .await;
        let failure = match written {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!(
                "it did not read its input for {}",
                humantime(WRITE_PATIENCE)
            ),
        };
        self.stdin = None;
        Err(ControlError::AgentGone(failure))
    }

    async fn agent_error(&self, message: String) {
        let error = AgentError {
            code: "control".into(),
            message,
            line: None,
            excerpt: None,
        };
        self.publish(vec![error.into()]).await;
    }

    async fn publish(&self, events: Vec<Event>) {
        if let Err(err) = self.sink.publish(events).await {
            tracing::warn!(%err, "publishing a control event failed");
        }
    }

    fn request_id(&mut self, what: &str) -> String {
        self.next_request += 1;
        format!("agentcast-{what}-{}", self.next_request)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// `90s`, `10m`, `1h` for messages.
fn humantime(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s if s > 0 => format!("{s}s"),
        _ => format!("{}ms", duration.as_millis()),
    }
}
