//! [`HookMapper`]: Claude Code hook payloads (`POST /api/hooks`) into the same typed events
//! as the stream-json mapper, each for the session its `session_id` names.
//!
//! | hook | events |
//! |---|---|
//! | `SessionStart` | `session.started` (source `hook`) + `session.status` running; for a known session (`resume`, `clear`, `compact`) `session.status` running with the source as message |
//! | `UserPromptSubmit` | `user.prompt` (after `session.status` running if the session was idle) |
//! | `PreToolUse` | `tool.started` (+ `todo.updated` for `TodoWrite`, `agent.delegation` started for `Task`/`Agent`) |
//! | `PostToolUse` | `tool.completed` with duration (+ `agent.delegation` completed; `todo.updated` when `TaskCreate`/`TaskUpdate` changed the list) |
//! | `PostToolUseFailure` | `tool.completed` with `is_error` and the error as output (+ `agent.delegation` failed) |
//! | `PermissionRequest` | `session.status` idle, "waiting for permission: <tool>" (the dialog is shown) |
//! | `Notification` | `agent.notification` (kind: the payload's `notification_type`, else `notification`) |
//! | `Stop` | `session.status` idle |
//! | `StopFailure` | `session.status` idle, "the turn failed: <error>" |
//! | `SubagentStart` | nothing when it matches a pending `Task` call (that call's delegation is the sub-agent); else `agent.delegation` started with the `agent_id` as id |
//! | `SubagentStop` | `agent.delegation` completed, once per delegation |
//! | `PreCompact` | `agent.notification` kind `compact` |
//! | `SessionEnd` | `session.ended` completed, with the reason and the time since the session was first seen |
//! | any other | `agent.raw` with the payload |
//!
//! The first payload of a session that is not `SessionStart` (hooks installed mid-session, a
//! server restarted) starts the session all the same, unless the hub says it has started
//! ([`HookContext::started`]). A session another source feeds (its transcript, `agentcast
//! run`) takes only what that source lacks from hooks ([`HookContext::content`] false):
//! statuses, notifications and its end; prompts, tool calls, sub-agents and compaction come
//! from the other source, so nothing is shown twice. Hooks fired inside a sub-agent carry
//! its `agent_id`; their tool events get the delegation's id as `parent_tool_use_id`. A
//! payload that cannot be mapped is a [`HookError`] naming the field at fault.

use std::collections::HashMap;

use agentcast_shared::{
    AgentDelegation, AgentKind, AgentNotification, AgentRaw, DelegationStatus, Event, SessionEnded,
    SessionSource, SessionStarted, SessionState, SessionStatus, UserPrompt, format_ts_millis,
};
use serde_json::{Value, json};

use super::context::IngestLimits;
use super::text::truncate;
use super::tools::{Output, ToolAnswer, ToolCall, ToolTracker, render_value};

/// Sessions tracked at once; past this the one seen least recently is forgotten (its next
/// payload starts it again).
const MAX_SESSIONS: usize = 1024;

/// Sub-agents and id-less calls remembered per session.
const MAX_AGENTS: usize = 1024;
const MAX_ANONYMOUS: usize = 256;

/// Why a hook payload cannot be mapped. Its text is the message `POST /api/hooks` answers
/// with (400), so it names the field a user has to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// The payload is JSON but not an object.
    #[error("a hook payload must be a JSON object")]
    NotAnObject,
    /// A field the hook needs is absent or null.
    #[error("missing string field `{0}`")]
    Missing(&'static str),
    /// A field that names something is empty.
    #[error("field `{0}` must not be empty")]
    Empty(&'static str),
    /// A field holds something other than a string.
    #[error("field `{0}` must be a string")]
    NotAString(&'static str),
}

/// What the hub knows of the session a payload goes to, which decides what the payload adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookContext {
    /// The session has started already (it has events): no `session.started` again, and its
    /// status as of now is `state`.
    pub started: bool,
    /// The session's status, when `started`.
    pub state: SessionState,
    /// Prompts, tool calls, sub-agents and compaction too; false when another source (a
    /// transcript, a process's stream-json) gives those.
    pub content: bool,
    /// `SessionEnd` ends the session; false when a process of ours owns it (its exit ends it).
    pub ends: bool,
}

impl HookContext {
    /// A session hooks alone feed, as far as the hub knows.
    pub const HOOKS_ONLY: HookContext = HookContext {
        started: false,
        state: SessionState::Starting,
        content: true,
        ends: true,
    };
}

/// Maps hook payloads of any number of sessions; see the module docs.
#[derive(Debug)]
pub struct HookMapper {
    preview_bytes: usize,
    sessions: HashMap<String, HookSession>,
}

#[derive(Debug)]
struct HookSession {
    tools: ToolTracker,
    first_seen_ms: u64,
    last_seen_ms: u64,
    state: SessionState,
    /// Sub-agent id -> the id of the `Task` call that runs it.
    linked_agents: HashMap<String, String>,
    /// Sub-agents reported by `SubagentStart` alone: id -> start time.
    own_agents: HashMap<String, u64>,
    /// Calls of CLIs that send no `tool_use_id`: (made-up id, tool, input), to pair the
    /// result by tool and input.
    anonymous: Vec<(String, String, Value)>,
    next_anonymous: u64,
    /// [`HookContext::content`] of the latest payload.
    content: bool,
    /// [`HookContext::ends`] of the latest payload.
    ends: bool,
}

impl Default for HookMapper {
    fn default() -> Self {
        Self::new()
    }
}

impl HookMapper {
    /// A mapper with the default preview size.
    pub fn new() -> Self {
        Self::with_limits(IngestLimits::default())
    }

    /// A mapper whose tool output previews are bounded by `limits.preview_bytes`.
    pub fn with_limits(limits: IngestLimits) -> Self {
        HookMapper {
            preview_bytes: limits.preview_bytes,
            sessions: HashMap::new(),
        }
    }

    /// Maps one hook payload of a session hooks alone feed, appending its events to `out`;
    /// returns its `session_id`. `Err` says what is wrong with a payload that cannot be
    /// mapped (nothing is appended then).
    pub fn map(
        &mut self,
        payload: &Value,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<String, HookError> {
        self.map_in(payload, &HookContext::HOOKS_ONLY, now_ms, out)
    }

    /// [`map`](Self::map) for a session the hub knows as `context` says.
    pub fn map_in(
        &mut self,
        payload: &Value,
        context: &HookContext,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<String, HookError> {
        if !payload.is_object() {
            return Err(HookError::NotAnObject);
        }
        let session_id = required(payload, "session_id")?;
        if session_id.is_empty() {
            return Err(HookError::Empty("session_id"));
        }
        let hook = Hook::parse(payload)?;
        let cwd = optional(payload, "cwd")?;
        let agent_id = optional(payload, "agent_id")?;

        let is_new = !self.sessions.contains_key(session_id);
        if is_new && self.sessions.len() >= MAX_SESSIONS {
            self.forget_least_recent();
        }
        let preview_bytes = self.preview_bytes;
        let session = self
            .sessions
            .entry(session_id.to_owned())
            .or_insert_with(|| HookSession::new(preview_bytes, now_ms));
        session.last_seen_ms = now_ms;
        session.content = context.content;
        session.ends = context.ends;
        if is_new && context.started {
            session.state = context.state;
        }
        let is_new = is_new && !context.started;
        if is_new {
            let model = match &hook {
                Hook::SessionStart { model, .. } => *model,
                _ => None,
            };
            out.push(
                SessionStarted {
                    session_id: session_id.to_owned(),
                    label: None,
                    project_id: None,
                    source: SessionSource::Hook,
                    command: None,
                    cwd: cwd.map(str::to_owned),
                    model: model.map(str::to_owned),
                    tools: Vec::new(),
                    cli_version: None,
                    agent: Some(AgentKind::Claude),
                    agent_session_id: Some(session_id.to_owned()),
                    git_branch: None,
                    started_at: format_ts_millis(now_ms),
                }
                .into(),
            );
            out.push(status(SessionState::Running, None));
        }
        // Inside a sub-agent: the call that started it, or the sub-agent's own id when only
        // `SubagentStart` announced it (that id is then its delegation's id).
        let parent = agent_id
            .filter(|_| !matches!(hook, Hook::SubagentStart { .. } | Hook::SubagentStop { .. }))
            .map(|agent| {
                session
                    .linked_agents
                    .get(agent)
                    .cloned()
                    .unwrap_or_else(|| agent.to_owned())
            });
        let ended = session.apply(hook, payload, parent, is_new, now_ms, out);
        if ended {
            self.sessions.remove(session_id);
        }
        Ok(session_id.to_owned())
    }

    fn forget_least_recent(&mut self) {
        let oldest = self
            .sessions
            .iter()
            .min_by_key(|(_, s)| s.last_seen_ms)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            self.sessions.remove(&id);
        }
    }
}

/// A payload, checked before anything is emitted for it.
enum Hook<'a> {
    SessionStart {
        source: Option<&'a str>,
        model: Option<&'a str>,
    },
    UserPromptSubmit {
        prompt: &'a str,
    },
    PreToolUse(ToolRef<'a>),
    PostToolUse(ToolRef<'a>),
    PostToolUseFailure {
        tool: ToolRef<'a>,
        error: Option<&'a str>,
    },
    Notification {
        message: Option<&'a str>,
        title: Option<&'a str>,
        kind: Option<&'a str>,
    },
    Stop,
    PermissionRequest {
        tool: Option<&'a str>,
    },
    StopFailure {
        error: Option<&'a str>,
    },
    SubagentStart {
        agent_id: &'a str,
        agent_type: Option<&'a str>,
    },
    SubagentStop {
        agent_id: Option<&'a str>,
        agent_type: Option<&'a str>,
    },
    PreCompact {
        trigger: Option<&'a str>,
        custom_instructions: Option<&'a str>,
    },
    SessionEnd {
        reason: Option<&'a str>,
    },
    Unknown,
}

struct ToolRef<'a> {
    name: &'a str,
    id: Option<&'a str>,
    input: &'a Value,
    response: Option<&'a Value>,
}

impl<'a> Hook<'a> {
    fn parse(payload: &'a Value) -> Result<Hook<'a>, HookError> {
        let field = |name| optional(payload, name);
        Ok(match required(payload, "hook_event_name")? {
            "SessionStart" => Hook::SessionStart {
                source: field("source")?,
                model: field("model")?,
            },
            "UserPromptSubmit" => Hook::UserPromptSubmit {
                prompt: required(payload, "prompt")?,
            },
            "PreToolUse" => Hook::PreToolUse(ToolRef::parse(payload)?),
            "PostToolUse" => Hook::PostToolUse(ToolRef::parse(payload)?),
            "PostToolUseFailure" => Hook::PostToolUseFailure {
                tool: ToolRef::parse(payload)?,
                error: field("error")?,
            },
            "Notification" => Hook::Notification {
                message: field("message")?,
                title: field("title")?,
                kind: field("notification_type")?,
            },
            "Stop" => Hook::Stop,
            // Newer hooks: read leniently, an odd field is no reason to lose the status.
            "PermissionRequest" => Hook::PermissionRequest {
                tool: lenient(payload, "tool_name"),
            },
            "StopFailure" => Hook::StopFailure {
                error: lenient(payload, "error").or(lenient(payload, "message")),
            },
            "SubagentStart" => Hook::SubagentStart {
                agent_id: required(payload, "agent_id")?,
                agent_type: field("agent_type")?,
            },
            "SubagentStop" => Hook::SubagentStop {
                agent_id: field("agent_id")?,
                agent_type: field("agent_type")?,
            },
            "PreCompact" => Hook::PreCompact {
                trigger: field("trigger")?,
                custom_instructions: field("custom_instructions")?,
            },
            "SessionEnd" => Hook::SessionEnd {
                reason: field("reason")?,
            },
            _ => Hook::Unknown,
        })
    }
}

impl Hook<'_> {
    /// What a session's transcript or stream-json shows as well.
    fn is_content(&self) -> bool {
        self.is_activity()
            || matches!(
                self,
                Hook::SubagentStart { .. } | Hook::SubagentStop { .. } | Hook::PreCompact { .. }
            )
    }

    /// The agent works on a turn (a stopped or waiting session runs again).
    fn is_activity(&self) -> bool {
        matches!(
            self,
            Hook::UserPromptSubmit { .. }
                | Hook::PreToolUse(_)
                | Hook::PostToolUse(_)
                | Hook::PostToolUseFailure { .. }
        )
    }
}

impl<'a> ToolRef<'a> {
    fn parse(payload: &'a Value) -> Result<ToolRef<'a>, HookError> {
        Ok(ToolRef {
            name: required(payload, "tool_name")?,
            id: optional(payload, "tool_use_id")?,
            input: payload.get("tool_input").unwrap_or(&Value::Null),
            response: payload.get("tool_response"),
        })
    }
}

impl HookSession {
    fn new(preview_bytes: usize, now_ms: u64) -> Self {
        HookSession {
            tools: ToolTracker::new(preview_bytes),
            first_seen_ms: now_ms,
            last_seen_ms: now_ms,
            state: SessionState::Running,
            linked_agents: HashMap::new(),
            own_agents: HashMap::new(),
            anonymous: Vec::new(),
            next_anonymous: 0,
            content: true,
            ends: true,
        }
    }

    /// Emits the events of one hook; true when it ended the session.
    fn apply(
        &mut self,
        hook: Hook<'_>,
        payload: &Value,
        parent: Option<String>,
        is_new: bool,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        let max = self.tools.preview_bytes();
        if !self.content && hook.is_content() {
            // Another source shows it; that the agent is busy is all it says here.
            if hook.is_activity() {
                self.wake(out);
            }
            return false;
        }
        match hook {
            Hook::SessionStart { source, .. } => {
                if !is_new {
                    self.state = SessionState::Running;
                    out.push(status(SessionState::Running, source));
                }
            }
            Hook::UserPromptSubmit { prompt } => {
                self.wake(out);
                out.push(
                    UserPrompt {
                        text: prompt.to_owned(),
                        by: None,
                    }
                    .into(),
                );
            }
            Hook::PreToolUse(tool) => {
                self.wake(out);
                let id = match tool.id {
                    Some(id) => id.to_owned(),
                    None => self.anonymous_id(tool.name, tool.input),
                };
                let call = ToolCall {
                    id,
                    name: tool.name.to_owned(),
                    input: tool.input.clone(),
                    parent,
                };
                self.tools.start(call, now_ms, out);
            }
            Hook::PostToolUse(tool) => {
                self.wake(out);
                let response = tool.response.unwrap_or(&Value::Null);
                let flag = |name: &str| response.get(name).and_then(Value::as_bool);
                let answer = ToolAnswer {
                    id: self.answer_id(&tool),
                    is_error: flag("is_error").unwrap_or(false)
                        || flag("interrupted").unwrap_or(false),
                    output: render_value(response, max),
                    parent,
                };
                self.tools.complete(answer, now_ms, out);
            }
            Hook::PostToolUseFailure { tool, error } => {
                self.wake(out);
                let answer = ToolAnswer {
                    id: self.answer_id(&tool),
                    is_error: true,
                    output: error.map_or_else(Output::default, |e| Output::of_str(e, max)),
                    parent,
                };
                self.tools.complete(answer, now_ms, out);
            }
            Hook::Notification {
                message,
                title,
                kind,
            } => {
                out.push(
                    AgentNotification {
                        kind: kind.unwrap_or("notification").to_owned(),
                        message: message.or(title).unwrap_or("").to_owned(),
                        title: title.map(str::to_owned),
                        details: None,
                    }
                    .into(),
                );
            }
            Hook::Stop => {
                self.state = SessionState::Idle;
                out.push(status(SessionState::Idle, None));
            }
            Hook::PermissionRequest { tool } => {
                let waits_for = format!("waiting for permission: {}", tool.unwrap_or("a tool"));
                self.wait(&waits_for, out);
            }
            Hook::StopFailure { error } => {
                let failed = format!(
                    "the turn failed: {}",
                    error.map_or("an error", |e| truncate(e, max))
                );
                self.wait(&failed, out);
            }
            Hook::SubagentStart {
                agent_id,
                agent_type,
            } => self.subagent_start(agent_id, agent_type, now_ms, out),
            Hook::SubagentStop {
                agent_id,
                agent_type,
            } => self.subagent_stop(agent_id, agent_type, now_ms, out),
            Hook::PreCompact {
                trigger,
                custom_instructions,
            } => {
                let message = match trigger {
                    Some(trigger) => format!("compacting the context ({trigger})"),
                    None => "compacting the context".to_owned(),
                };
                out.push(
                    AgentNotification {
                        kind: "compact".into(),
                        message,
                        title: None,
                        details: Some(json!({
                            "trigger": trigger,
                            "custom_instructions": custom_instructions.map(|c| truncate(c, max)),
                        })),
                    }
                    .into(),
                );
            }
            Hook::SessionEnd { reason } => {
                if !self.ends {
                    // A process of ours runs the agent: its exit ends the session.
                    return true;
                }
                out.push(
                    SessionEnded {
                        status: SessionState::Completed,
                        exit_code: None,
                        signal: None,
                        duration_ms: Some(now_ms.saturating_sub(self.first_seen_ms)),
                        num_turns: None,
                        total_cost_usd: None,
                        message: reason.map(str::to_owned),
                    }
                    .into(),
                );
                return true;
            }
            Hook::Unknown => out.push(
                AgentRaw {
                    line: payload.to_string(),
                }
                .into(),
            ),
        }
        false
    }

    /// Activity after `Stop`: the session runs again.
    fn wake(&mut self, out: &mut Vec<Event>) {
        if self.state != SessionState::Running {
            self.state = SessionState::Running;
            out.push(status(SessionState::Running, None));
        }
    }

    /// The agent waits for someone: the session is idle, and the status says for what.
    fn wait(&mut self, waits_for: &str, out: &mut Vec<Event>) {
        self.state = SessionState::Idle;
        out.push(status(SessionState::Idle, Some(waits_for)));
    }

    /// A made-up id for a call of a CLI that sends none, remembered with its tool and input.
    fn anonymous_id(&mut self, name: &str, input: &Value) -> String {
        self.next_anonymous += 1;
        let id = format!("hook-{}", self.next_anonymous);
        if self.anonymous.len() >= MAX_ANONYMOUS {
            self.anonymous.remove(0);
        }
        self.anonymous
            .push((id.clone(), name.to_owned(), input.clone()));
        id
    }

    /// The id of the call a result answers: its own, or the made-up id of the oldest call
    /// with the same tool and input, or a new one (a result whose call was not seen).
    fn answer_id(&mut self, tool: &ToolRef<'_>) -> String {
        if let Some(id) = tool.id {
            return id.to_owned();
        }
        let found = self
            .anonymous
            .iter()
            .position(|(_, name, input)| name == tool.name && input == tool.input);
        match found {
            Some(pos) => self.anonymous.remove(pos).0,
            None => {
                self.next_anonymous += 1;
                format!("hook-{}", self.next_anonymous)
            }
        }
    }

    fn subagent_start(
        &mut self,
        agent_id: &str,
        agent_type: Option<&str>,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) {
        if self.linked_agents.contains_key(agent_id) || self.own_agents.contains_key(agent_id) {
            return;
        }
        // The pending `Task` call of the same sub-agent type not yet linked to a sub-agent is
        // the one this sub-agent runs.
        let linked: Vec<&String> = self.linked_agents.values().collect();
        let call = self
            .tools
            .pending_delegations()
            .filter(|(id, _)| !linked.iter().any(|l| l.as_str() == *id))
            .find(|(_, kind)| agent_type.is_none() || *kind == agent_type)
            .map(|(id, _)| id.to_owned());
        if self.linked_agents.len() + self.own_agents.len() >= MAX_AGENTS {
            self.linked_agents.clear();
            self.own_agents.clear();
        }
        match call {
            Some(call) => {
                self.linked_agents.insert(agent_id.to_owned(), call);
            }
            None => {
                self.own_agents.insert(agent_id.to_owned(), now_ms);
                out.push(
                    AgentDelegation {
                        tool_use_id: agent_id.to_owned(),
                        agent: agent_type.map(str::to_owned),
                        task: None,
                        status: DelegationStatus::Started,
                        duration_ms: None,
                    }
                    .into(),
                );
            }
        }
    }

    fn subagent_stop(
        &mut self,
        agent_id: Option<&str>,
        agent_type: Option<&str>,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) {
        let Some(agent_id) = agent_id else {
            // An older CLI that does not say which sub-agent stopped.
            out.push(
                AgentNotification {
                    kind: "subagent_stop".into(),
                    message: "a sub-agent finished".into(),
                    title: None,
                    details: None,
                }
                .into(),
            );
            return;
        };
        if let Some(call) = self.linked_agents.remove(agent_id) {
            self.tools
                .end_delegation(&call, DelegationStatus::Completed, now_ms, out);
            return;
        }
        let started = self.own_agents.remove(agent_id);
        out.push(
            AgentDelegation {
                tool_use_id: agent_id.to_owned(),
                agent: agent_type.map(str::to_owned),
                task: None,
                status: DelegationStatus::Completed,
                duration_ms: started.map(|s| now_ms.saturating_sub(s)),
            }
            .into(),
        );
    }
}

fn status(state: SessionState, message: Option<&str>) -> Event {
    SessionStatus {
        status: state,
        pid: None,
        message: message.map(str::to_owned),
    }
    .into()
}

/// A string field that must be there.
fn required<'a>(payload: &'a Value, name: &'static str) -> Result<&'a str, HookError> {
    optional(payload, name)?.ok_or(HookError::Missing(name))
}

/// A string field, `None` when absent or anything but a string.
fn lenient<'a>(payload: &'a Value, name: &str) -> Option<&'a str> {
    payload.get(name).and_then(Value::as_str)
}

/// A string field, `None` when absent or null; an error when it is something else.
fn optional<'a>(payload: &'a Value, name: &'static str) -> Result<Option<&'a str>, HookError> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(HookError::NotAString(name)),
    }
}

#[cfg(test)]
mod tests;
