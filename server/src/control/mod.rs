//! Control: answering the agents agentcast runs (DESIGN.md section 10). A Claude Code
//! process started in control mode keeps its stdin open to agentcast: watchers with the
//! `control` scope send prompts, interrupt turns, answer permission requests and end the
//! session, over Socket.IO or REST; every action is audited with the token's subject.
//!
//! - `claude_command`: a `claude` command made ready for control mode (flags, first prompt).
//! - `protocol`: the control lines of Claude Code's stdin and stdout.
//! - `notices`: the events a permission request publishes, for the driver and the hooks.
//! - `permissions`: the open requests of a session (first answer wins, deadlines).
//! - `driver`: the task of one session, the only writer of its agent's stdin.
//! - `hook_approvals`: permission requests of sessions agentcast did not start, asked by
//!   Claude Code's `PermissionRequest` hook in approve mode.
//!
//! [`Controls`] is the registry the runner adds a session to while its process lives, and
//! that the socket commands and REST handlers call.

mod claude_command;
mod driver;
mod hook_approvals;
mod notices;
mod permissions;
mod protocol;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::{
    EndResult, ErrorCode, InterruptResult, PermissionAnswer, PermissionRequested,
    PermissionResponded, PromptResult, control::MAX_PROMPT_BYTES,
};
use tokio::process::ChildStdin;
use tokio::sync::{mpsc, oneshot};

pub use claude_command::NotControllable;
pub(crate) use claude_command::{controlled, is_claude_subcommand};
pub(crate) use protocol::{AgentControl, parse_control};

use crate::audit::{Actor, Audit, AuditEvent, ControlAction};
use crate::hub::Hub;
use crate::sink::Sink;
use agentcast_shared::rest::HookDecision;
use driver::{Driver, Input};
use hook_approvals::HookApprovals;

/// How long requests and idle sessions wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSettings {
    /// A permission request no one answers is denied after this.
    pub permission_timeout: Duration,
    /// A session with no prompt for this long is ended.
    pub idle_timeout: Duration,
}

/// Why a control command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error(
        "session {0} takes no control commands: agentcast did not start it in control mode, \
         or its process has ended"
    )]
    NotControllable(String),
    #[error("permission request {0} was already answered")]
    AlreadyResolved(String),
    #[error("request_id: no open permission request {0:?} in this session")]
    UnknownRequest(String),
    #[error("the session is ending: it takes no more commands")]
    Ending,
    #[error("the agent cannot take it: {0}")]
    AgentGone(String),
    #[error("{0} prompts are already waiting for their turn; try again after a turn ends")]
    QueueFull(usize),
    #[error("text: {0}")]
    BadPrompt(String),
    #[error("{0}")]
    BadAnswer(String),
}

impl ControlError {
    /// The wire error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotControllable(_) => ErrorCode::Conflict,
            Self::AlreadyResolved(_) => ErrorCode::AlreadyResolved,
            Self::UnknownRequest(_) => ErrorCode::NotFound,
            Self::Ending | Self::AgentGone(_) => ErrorCode::Conflict,
            Self::QueueFull(_) => ErrorCode::RateLimited,
            Self::BadPrompt(_) | Self::BadAnswer(_) => ErrorCode::BadRequest,
        }
    }
}

/// A watcher's command.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    Prompt {
        text: String,
    },
    Interrupt,
    Respond {
        request_id: String,
        answer: PermissionAnswer,
    },
    End,
}

/// The answer to a [`Command`], of the command's kind.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Prompt(PromptResult),
    Interrupt(InterruptResult),
    Respond(PermissionResponded),
    End(EndResult),
}

/// The controlled sessions of this server (session id -> its driver's inbox), and the
/// requests hooks in approve mode wait on.
#[derive(Clone)]
pub struct Controls {
    sessions: Arc<Mutex<HashMap<String, mpsc::Sender<Input>>>>,
    hooks: HookApprovals,
    hub: Hub,
    settings: ControlSettings,
    audit: Audit,
}

/// Who sends a command, and how: for the audit log and `by`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// `socket` or `http`.
    pub via: &'static str,
}

impl Controls {
    pub fn new(settings: ControlSettings, audit: Audit, hub: Hub) -> Self {
        Self {
            sessions: Arc::default(),
            hooks: HookApprovals::default(),
            hub,
            settings,
            audit,
        }
    }

    /// Asks the watchers of a hook session (`POST /api/hooks/approve`) about a tool call and
    /// waits at most `wait` (capped at the permission timeout) for an answer.
    pub async fn ask_for_hook(
        &self,
        session_id: &str,
        mut request: PermissionRequested,
        wait: Option<Duration>,
    ) -> Result<HookDecision, crate::hub::HubError> {
        let timeout = self.settings.permission_timeout;
        let wait = wait.map_or(timeout, |wait| wait.min(timeout));
        request.expires_at = agentcast_shared::format_ts_millis(
            crate::clock::now_unix_millis() + wait.as_millis() as u64,
        );
        let sink = Sink::Local(self.hub.session(session_id)?);
        Ok(self.hooks.ask(session_id, &sink, request, wait).await)
    }

    /// True while the session's process runs in control mode.
    pub fn is_controllable(&self, session_id: &str) -> bool {
        self.inbox(session_id).is_some()
    }

    /// Sends the next prompt (queued while a turn runs).
    pub async fn prompt(
        &self,
        session_id: &str,
        caller: &Caller,
        text: String,
    ) -> Result<PromptResult, ControlError> {
        check_prompt(&text)?;
        let bytes = text.len();
        match self
            .command(session_id, caller, Command::Prompt { text })
            .await?
        {
            Answer::Prompt(result) => {
                let queued = result.queued;
                self.audit(caller, session_id, ControlAction::Prompt { bytes, queued });
                Ok(result)
            }
            other => unreachable_answer(other),
        }
    }

    /// Interrupts the running turn.
    pub async fn interrupt(
        &self,
        session_id: &str,
        caller: &Caller,
    ) -> Result<InterruptResult, ControlError> {
        match self.command(session_id, caller, Command::Interrupt).await? {
            Answer::Interrupt(result) => {
                self.audit(caller, session_id, ControlAction::Interrupt);
                Ok(result)
            }
            other => unreachable_answer(other),
        }
    }

    /// Answers permission request `request_id` (of a controlled session, or of a hook in
    /// approve mode).
    pub async fn respond(
        &self,
        session_id: &str,
        caller: &Caller,
        request_id: String,
        answer: PermissionAnswer,
    ) -> Result<PermissionResponded, ControlError> {
        let answered = match self.inbox(session_id) {
            Some(_) => {
                let command = Command::Respond { request_id, answer };
                self.command(session_id, caller, command).await?
            }
            None => Answer::Respond(
                self.respond_to_hook(session_id, caller, &request_id, answer)
                    .await?,
            ),
        };
        match answered {
            Answer::Respond(result) => {
                let action = ControlAction::Permission {
                    request_id: result.request_id.clone(),
                    decision: result.decision,
                };
                self.audit(caller, session_id, action);
                Ok(result)
            }
            other => unreachable_answer(other),
        }
    }

    /// Ends the session: its agent finishes the turn it is in and exits.
    pub async fn end(&self, session_id: &str, caller: &Caller) -> Result<EndResult, ControlError> {
        match self.command(session_id, caller, Command::End).await? {
            Answer::End(result) => {
                self.audit(caller, session_id, ControlAction::End);
                Ok(result)
            }
            other => unreachable_answer(other),
        }
    }

    /// The open permission requests of a session (none when no one can answer it).
    pub async fn open_permissions(&self, session_id: &str) -> Vec<PermissionRequested> {
        let Some(inbox) = self.inbox(session_id) else {
            return self.hooks.open(session_id);
        };
        let (reply, answer) = oneshot::channel();
        if inbox.send(Input::Open(reply)).await.is_err() {
            return Vec::new();
        }
        answer.await.unwrap_or_default()
    }

    /// Puts a session under control: starts its driver, which writes `initialize` and the
    /// first prompt. The runner feeds the returned handle and ends it when the process is
    /// gone.
    pub(crate) fn attach(
        &self,
        session_id: &str,
        sink: Sink,
        stdin: ChildStdin,
        first_prompt: Option<(String, String)>,
    ) -> ControlSession {
        let (inbox, inputs) = mpsc::channel(64);
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session_id.to_owned(), inbox.clone());
        let driver = Driver::new(sink, stdin, self.settings);
        tokio::spawn(driver.run(inputs, first_prompt));
        ControlSession {
            session_id: session_id.to_owned(),
            inbox,
            controls: self.clone(),
        }
    }

    async fn respond_to_hook(
        &self,
        session_id: &str,
        caller: &Caller,
        request_id: &str,
        answer: PermissionAnswer,
    ) -> Result<PermissionResponded, ControlError> {
        let not_controllable = || ControlError::NotControllable(session_id.to_owned());
        if !self.hooks.knows(session_id) {
            return Err(not_controllable());
        }
        let sink = Sink::Local(
            self.hub
                .session(session_id)
                .map_err(|_| not_controllable())?,
        );
        let by = &caller.actor.sub;
        self.hooks
            .respond(session_id, &sink, request_id, answer, by)
            .await
            .unwrap_or_else(|| Err(not_controllable()))
    }

    async fn command(
        &self,
        session_id: &str,
        caller: &Caller,
        command: Command,
    ) -> Result<Answer, ControlError> {
        let not_controllable = || ControlError::NotControllable(session_id.to_owned());
        let inbox = self.inbox(session_id).ok_or_else(not_controllable)?;
        let (reply, answer) = oneshot::channel();
        let input = Input::Command {
            command,
            by: caller.actor.sub.clone(),
            reply,
        };
        inbox.send(input).await.map_err(|_| not_controllable())?;
        answer.await.map_err(|_| not_controllable())?
    }

    fn inbox(&self, session_id: &str) -> Option<mpsc::Sender<Input>> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(session_id)
            .cloned()
    }

    fn audit(&self, caller: &Caller, session_id: &str, action: ControlAction) {
        self.audit.record(AuditEvent::Control {
            actor: caller.actor.clone(),
            via: caller.via,
            session_id: session_id.to_owned(),
            action,
        });
    }
}

/// The runner's side of a controlled session.
#[derive(Clone)]
pub(crate) struct ControlSession {
    session_id: String,
    inbox: mpsc::Sender<Input>,
    controls: Controls,
}

impl ControlSession {
    /// Hands a control line of the agent to the driver; returns once its events are out.
    pub async fn agent(&self, control: AgentControl) {
        let (done, published) = oneshot::channel();
        if self.inbox.send(Input::Agent(control, done)).await.is_ok() {
            let _ = published.await;
        }
    }

    /// The agent ended a turn.
    pub async fn turn_ended(&self) {
        let (done, published) = oneshot::channel();
        if self.inbox.send(Input::TurnEnded(done)).await.is_ok() {
            let _ = published.await;
        }
    }

    /// The process is gone: open requests are resolved and the session leaves the registry.
    pub async fn exited(&self) {
        self.controls
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.session_id);
        let (done, published) = oneshot::channel();
        if self.inbox.send(Input::Exited(done)).await.is_ok() {
            let _ = published.await;
        }
    }
}

fn check_prompt(text: &str) -> Result<(), ControlError> {
    if text.trim().is_empty() {
        return Err(ControlError::BadPrompt("must not be empty".into()));
    }
    if text.len() > MAX_PROMPT_BYTES {
        return Err(ControlError::BadPrompt(format!(
            "{} bytes, the limit is {MAX_PROMPT_BYTES}",
            text.len()
        )));
    }
    Ok(())
}

/// The driver answers every command with its own kind; anything else is a bug, reported
/// rather than panicked on.
fn unreachable_answer<T>(answer: Answer) -> Result<T, ControlError> {
    tracing::error!(?answer, "a control command got another command's answer");
    Err(ControlError::AgentGone("internal error".into()))
}
