//! [`CodexRolloutMapper`]: one line of a Codex CLI rollout
//! (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<timestamp>-<uuid>.jsonl`) in, the same typed
//! events as Claude Code's out.
//!
//! - `entries`: the serde shapes of the lines.
//! - `tool_output`: what a tool call returned (the output item, made exact by the CLI's
//!   report of the command it ran).
//! - `usage`: the session's token totals and what each turn used.
//! - [`file_name`]: [`rollout_session_id`], the session id in a rollout's file name.
//!
//! A rollout records most things twice: as `response_item`s (the conversation the model
//! sees) and as `event_msg`s (what the CLI showed). One source per kind, so nothing is shown
//! twice:
//!
//! | kind | shown from | the other source (consumed) |
//! |---|---|---|
//! | prompts | `event_msg` `user_message` (older CLIs) or `item_completed` `UserMessage` (0.16x): exactly what the user typed | `response_item` user messages, which also carry the context the CLI injects (`<environment_context>`, AGENTS.md, `<turn_aborted>`, ...): never shown |
//! | assistant text, reasoning | `response_item` `message` (assistant), `reasoning` (its summary, else its raw content) | `agent_message`, `agent_reasoning*`, `item_completed` `AgentMessage` / `Reasoning` |
//! | tool calls | `response_item` `function_call`, `custom_tool_call`, `local_shell_call`, `web_search_call` | `exec_command_begin`, `patch_apply_begin` |
//! | tool results | `response_item` `function_call_output`, `custom_tool_call_output`, with the exit code and the command's own output from `exec_command_end`, `patch_apply_end` or `item_completed` `CommandExecution` when the CLI wrote one (a non-zero exit code or a failed status is `is_error`) | |
//! | tokens | `event_msg` `token_count` (`total_token_usage`, the session's totals) | `token_usage_record` |
//! | compaction | `compacted` | `context_compacted` |
//!
//! What each line becomes:
//!
//! | line | events |
//! |---|---|
//! | `session_meta` | `session.started` + `session.status` running, held until a line has something to show (normally the first prompt, which labels the session; the model comes from the `turn_context` before it, or, in older CLIs that write the prompt first, with the first `usage.updated`) |
//! | `turn_context` | nothing (the model and cwd) |
//! | `event_msg` `task_started` | `session.status` running (when it was idle) |
//! | `event_msg` `task_complete` / `turn_aborted` | `session.status` idle, with the turn's duration and tokens / why it stopped: the CLI waits for the next prompt; a rollout never says a session is over |
//! | `event_msg` `token_count` | `usage.updated` (cost 0: no price is known for OpenAI models) |
//! | `event_msg` `error`; `stream_error` (a retry), `warning` | `agent.notification` kind `error`; `warning` |
//! | `response_item` `function_call` `update_plan` | `tool.started` + `todo.updated` (the plan is Codex's todo list) |
//! | `world_state`, developer and user `response_item` messages, `ghost_snapshot`, ... | nothing (consumed) |
//! | anything else, or a known line in a shape the mapper cannot read | `agent.raw` with the line |
//!
//! Times come from the lines' own `timestamp`s (a rollout is often read long after it was
//! written), falling back to the time the line was read.

mod entries;
pub mod file_name;
mod tool_output;
mod usage;

use std::borrow::Cow;

use agentcast_shared::{
    AgentKind, AgentNotification, Event, OutputText, OutputThinking, SessionStarted, SessionState,
    SessionStatus, TodoItem, TodoStatus, TodoUpdated, UserPrompt, format_ts_millis,
};
use serde_json::Value;

use self::entries::{Entry, EventMsg, ResponseItem, SessionMeta, TurnContext, joined_text};
pub use self::file_name::rollout_session_id;
use self::tool_output::{Ran, RanCalls, exit_code, tool_output};
use self::usage::{TokenMeter, describe};
use super::claude::messages::count;
use super::claude::stream::TextKind;
use super::context::{IngestLimits, SessionContext};
use super::json_line::{entry_or_raw, raw};
use super::line_mapper::LineMapper;
use super::text::label_of;
use super::tools::{ToolAnswer, ToolCall, ToolTracker};
use super::{Mapped, NotJson};
use agentcast_shared::parse_ts_millis;

/// Maps one rollout's lines to events; see the module docs. The state it keeps (the pending
/// start, tool calls waiting for their output, token totals) is per session and bounded.
#[derive(Debug)]
pub struct CodexRolloutMapper {
    context: SessionContext,
    preview_bytes: usize,
    /// A `session_meta` seen and not yet reported: `session.started` waits for the model.
    pending_start: Option<Start>,
    started: bool,
    /// The session's state as last reported: running during a turn, idle between turns.
    running: bool,
    /// Which event carries the prompts in this file (the first seen of the two kinds).
    prompts: Option<PromptSource>,
    tools: ToolTracker,
    ran: RanCalls,
    tokens: TokenMeter,
}

/// What `session.started` says, gathered from `session_meta` and `turn_context`.
#[derive(Debug)]
struct Start {
    started_ms: u64,
    agent_session_id: Option<String>,
    cwd: Option<String>,
    cli_version: Option<String>,
    git_branch: Option<String>,
    model: Option<String>,
}

/// The two events that carry a prompt; a CLI writes one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromptSource {
    /// `event_msg` `user_message`.
    UserMessage,
    /// `event_msg` `item_completed` with a `UserMessage` item.
    Item,
}

impl CodexRolloutMapper {
    /// A mapper for the session of `context` (its source is the collector's: `transcript`).
    pub fn new(context: SessionContext, limits: IngestLimits) -> Self {
        CodexRolloutMapper {
            context,
            preview_bytes: limits.preview_bytes,
            pending_start: None,
            started: false,
            running: false,
            prompts: None,
            tools: ToolTracker::new(limits.preview_bytes),
            ran: RanCalls::default(),
            tokens: TokenMeter::default(),
        }
    }

    /// True once `session.started` was emitted.
    pub fn has_started(&self) -> bool {
        self.started
    }

    /// Emits the held `session.started` (and `session.status` running) before the events
    /// from `mark` on.
    fn start(&mut self, mark: usize, out: &mut Vec<Event>) {
        let Some(start) = self.pending_start.take() else {
            return;
        };
        self.started = true;
        self.running = true;
        let context = &self.context;
        // Codex writes no title: like Claude's transcripts, the first prompt names it.
        let first_prompt = out[mark..].iter().find_map(|event| match event {
            Event::UserPrompt(prompt) => label_of(&prompt.text),
            _ => None,
        });
        let started = SessionStarted {
            session_id: context.session_id.clone(),
            label: context.label.clone().or(first_prompt),
            project_id: None,
            source: context.source,
            command: context.command.clone(),
            cwd: start.cwd.or_else(|| context.cwd.clone()),
            model: start.model,
            tools: Vec::new(),
            cli_version: start.cli_version,
            agent: Some(AgentKind::Codex),
            agent_session_id: start.agent_session_id,
            git_branch: start.git_branch,
            started_at: format_ts_millis(start.started_ms),
        };
        out.splice(
            mark..mark,
            [started.into(), status(SessionState::Running, None)],
        );
    }

    fn session_meta(&mut self, payload: &str, at: u64) -> bool {
        let Ok(meta) = serde_json::from_str::<SessionMeta<'_>>(payload) else {
            return false;
        };
        if self.started {
            // A session resumed or forked into the same file: the session goes on.
            return true;
        }
        if let Some(model) = meta.model.as_deref() {
            self.tokens.model(model);
        }
        let owned = |text: Option<Cow<'_, str>>| text.map(Cow::into_owned);
        self.pending_start = Some(Start {
            started_ms: meta
                .timestamp
                .as_deref()
                .and_then(parse_ts_millis)
                .unwrap_or(at),
            agent_session_id: owned(meta.id.or(meta.session_id)),
            cwd: owned(meta.cwd),
            cli_version: owned(meta.cli_version),
            git_branch: owned(meta.git.and_then(|git| git.branch)),
            model: owned(meta.model),
        });
        true
    }

    fn turn_context(&mut self, payload: &str) -> bool {
        let Ok(turn) = serde_json::from_str::<TurnContext<'_>>(payload) else {
            return false;
        };
        if let Some(model) = turn.model.as_deref() {
            self.tokens.model(model);
        }
        if let Some(start) = &mut self.pending_start {
            if let Some(model) = turn.model {
                start.model = Some(model.into_owned());
            }
            if start.cwd.is_none() {
                start.cwd = turn.cwd.map(Cow::into_owned);
            }
        }
        true
    }

    fn event(&mut self, payload: &str, out: &mut Vec<Event>) -> bool {
        let Ok(event) = serde_json::from_str::<EventMsg<'_>>(payload) else {
            return false;
        };
        match &*event.kind {
            "user_message" => {
                // Older CLIs also reported the context they injected as user messages.
                let injected = matches!(
                    event.message_kind.as_deref(),
                    Some("user_instructions" | "environment_context")
                );
                if !injected && let Some(text) = event.message {
                    self.prompt(PromptSource::UserMessage, text.into_owned(), out);
                }
                true
            }
            "item_completed" | "item_started" => {
                let completed = event.kind == "item_completed";
                self.item(event, completed, out)
            }
            // The response items show these.
            "agent_message"
            | "agent_reasoning"
            | "agent_reasoning_raw_content"
            | "agent_reasoning_section_break"
            | "context_compacted"
            | "exec_command_begin"
            | "exec_command_output_delta"
            | "terminal_interaction"
            | "patch_apply_begin"
            | "mcp_tool_call_begin"
            | "mcp_tool_call_end"
            | "web_search_begin"
            | "web_search_end"
            | "plan_update"
            | "turn_diff"
            | "thread_settings_applied" => true,
            "token_count" => {
                let totals = event.info.and_then(|info| info.total_token_usage);
                if let Some(update) = totals.and_then(|usage| self.tokens.totals(&usage)) {
                    out.push(update.into());
                }
                true
            }
            "task_started" => {
                self.tokens.turn_started();
                if self.started && !self.running {
                    self.running = true;
                    out.push(status(SessionState::Running, None));
                }
                true
            }
            "task_complete" => {
                let took = count(event.duration_ms)
                    .map(|ms| format!(" in {ms} ms"))
                    .unwrap_or_default();
                let message = format!("turn completed{took}: {}", describe(self.tokens.turn()));
                self.idle(message, out);
                true
            }
            "turn_aborted" => {
                let reason = event.reason.as_deref().unwrap_or("aborted");
                self.idle(format!("turn {reason}"), out);
                true
            }
            "exec_command_end" => {
                let Some(call_id) = event.call_id.as_deref() else {
                    return false;
                };
                let output = event.aggregated_output.map(Cow::into_owned).or_else(|| {
                    let (stdout, stderr) = (event.stdout?, event.stderr.unwrap_or_default());
                    Some(if stderr.is_empty() {
                        stdout.into_owned()
                    } else {
                        format!("{stdout}{stderr}")
                    })
                });
                let ran = Ran {
                    exit_code: exit_code(event.exit_code),
                    failed: false,
                    output,
                };
                self.ran.insert(call_id, ran);
                true
            }
            "patch_apply_end" => {
                let Some(call_id) = event.call_id.as_deref() else {
                    return false;
                };
                let ran = Ran {
                    failed: event.success == Some(false),
                    ..Ran::default()
                };
                self.ran.insert(call_id, ran);
                true
            }
            kind @ ("error" | "stream_error" | "warning") => {
                // A stream error is a retry ("Reconnecting... 1/5"), not the end of the turn.
                let kind = if kind == "error" { "error" } else { "warning" };
                let message = event.message.map(Cow::into_owned).unwrap_or_default();
                out.push(notification(kind, message));
                true
            }
            _ => false,
        }
    }

    /// An `item_completed` (or `item_started`) of newer CLIs: a prompt, or the CLI's report
    /// of a command; the rest is shown from the response items.
    fn item(&mut self, event: EventMsg<'_>, completed: bool, out: &mut Vec<Event>) -> bool {
        let Some(item) = event.item else {
            return false;
        };
        match &*item.kind {
            "UserMessage" => {
                if completed {
                    let text = joined_text(item.content.as_deref().unwrap_or_default(), "\n");
                    self.prompt(PromptSource::Item, text, out);
                }
                true
            }
            "CommandExecution" => {
                if let (true, Some(id)) = (completed, item.id.as_deref()) {
                    let ran = Ran {
                        exit_code: exit_code(item.exit_code),
                        failed: matches!(item.status.as_deref(), Some("failed" | "declined")),
                        output: item.aggregated_output.map(Cow::into_owned),
                    };
                    self.ran.insert(id, ran);
                }
                true
            }
            "FileChange" => {
                if let (true, Some(id)) = (completed, item.id.as_deref()) {
                    let ran = Ran {
                        failed: matches!(item.status.as_deref(), Some("failed" | "declined")),
                        ..Ran::default()
                    };
                    self.ran.insert(id, ran);
                }
                true
            }
            "AgentMessage" | "Reasoning" | "McpToolCall" | "WebSearch" | "ImageView"
            | "ContextCompaction" => true,
            _ => false,
        }
    }

    fn prompt(&mut self, source: PromptSource, text: String, out: &mut Vec<Event>) {
        // A CLI that wrote both kinds would show each prompt twice: the first kind seen wins.
        if *self.prompts.get_or_insert(source) != source || text.is_empty() {
            return;
        }
        out.push(UserPrompt { text, by: None }.into());
    }

    fn idle(&mut self, message: String, out: &mut Vec<Event>) {
        self.running = false;
        out.push(status(SessionState::Idle, Some(message)));
    }

    fn response_item(&mut self, payload: &str, at: u64, out: &mut Vec<Event>) -> bool {
        let Ok(item) = serde_json::from_str::<ResponseItem<'_>>(payload) else {
            return false;
        };
        let id = item.id.as_deref().map(str::to_owned);
        match &*item.kind {
            "message" => match item.role.as_deref() {
                Some("assistant") => {
                    let text = joined_text(item.content.as_deref().unwrap_or_default(), "\n");
                    out.extend(said(TextKind::Text, id, text));
                    true
                }
                // Prompts are shown from their events; the rest is what the CLI tells the
                // model (instructions, environment context).
                Some("user" | "developer" | "system") => true,
                _ => false,
            },
            "reasoning" => {
                let summary = joined_text(item.summary.as_deref().unwrap_or_default(), "\n\n");
                let text = if summary.is_empty() {
                    joined_text(item.content.as_deref().unwrap_or_default(), "\n\n")
                } else {
                    summary
                };
                // Encrypted reasoning alone has nothing to show.
                out.extend(said(TextKind::Thinking, id, text));
                true
            }
            "function_call" => {
                let (Some(call_id), Some(name)) = (item.call_id, item.name) else {
                    return false;
                };
                let arguments = item.arguments.as_deref().unwrap_or("null");
                let input = serde_json::from_str(arguments)
                    .unwrap_or_else(|_| Value::String(arguments.to_owned()));
                let plan = (name == "update_plan").then(|| plan_of(&input)).flatten();
                self.call(call_id.into_owned(), name.into_owned(), input, at, out);
                if let Some(todos) = plan {
                    out.push(TodoUpdated::new(todos).into());
                }
                true
            }
            "custom_tool_call" => {
                let (Some(call_id), Some(name)) = (item.call_id, item.name) else {
                    return false;
                };
                let input = Value::String(item.input.map(Cow::into_owned).unwrap_or_default());
                self.call(call_id.into_owned(), name.into_owned(), input, at, out);
                true
            }
            "local_shell_call" => {
                let Some(call_id) = item.call_id.map(Cow::into_owned).or(id) else {
                    return false;
                };
                self.call(call_id, "local_shell".into(), value(item.action), at, out);
                true
            }
            "web_search_call" => {
                let Some(call_id) = id else {
                    return false;
                };
                self.call(
                    call_id.clone(),
                    "web_search".into(),
                    value(item.action),
                    at,
                    out,
                );
                // The search runs on the API side: its item is its whole story.
                if let Some(status) = item.status.as_deref().filter(|s| *s != "in_progress") {
                    let answer = ToolAnswer {
                        id: call_id,
                        is_error: status == "failed",
                        output: Default::default(),
                        parent: None,
                    };
                    self.tools.complete(answer, at, out);
                }
                true
            }
            "function_call_output" | "custom_tool_call_output" => {
                let Some(call_id) = item.call_id else {
                    return false;
                };
                let ran = self.ran.take(&call_id);
                let (output, is_error) = tool_output(item.output, ran, self.preview_bytes);
                let answer = ToolAnswer {
                    id: call_id.into_owned(),
                    is_error,
                    output,
                    parent: None,
                };
                self.tools.complete(answer, at, out);
                true
            }
            // Snapshots for undo, encrypted compaction, tool and settings updates the CLI
            // gives the model: nothing to show.
            "ghost_snapshot"
            | "compaction"
            | "compaction_summary"
            | "additional_tools"
            | "configuration_update" => true,
            _ => false,
        }
    }

    fn call(&mut self, id: String, name: String, input: Value, at: u64, out: &mut Vec<Event>) {
        let call = ToolCall {
            id,
            name,
            input,
            parent: None,
        };
        self.tools.start(call, at, out);
    }
}

impl LineMapper for CodexRolloutMapper {
    /// `now_ms` (when the line was read) times only a line without a `timestamp`.
    fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson> {
        let entry: Entry<'_> = match entry_or_raw(line, out) {
            Ok(entry) => entry,
            Err(mapped) => return mapped,
        };
        let at = entry
            .timestamp
            .as_deref()
            .and_then(parse_ts_millis)
            .unwrap_or(now_ms);
        let mark = out.len();
        let payload = entry.payload.map_or("null", |raw| raw.get());
        let known = match &*entry.kind {
            "session_meta" => self.session_meta(payload, at),
            "turn_context" => self.turn_context(payload),
            "event_msg" => self.event(payload, out),
            "response_item" => self.response_item(payload, at, out),
            "compacted" => {
                out.push(notification("compact", "context compacted".into()));
                true
            }
            // 0.16x: the state of the model's world, and each response's tokens (the
            // `token_count` event that follows carries the totals).
            "world_state" | "token_usage_record" => true,
            _ => false,
        };
        if !known {
            // A type it does not know, or a known type in a shape it cannot read: the line
            // itself, after whatever it did yield, so that nothing of it is lost.
            out.push(raw(line));
        }
        if out.len() > mark {
            self.start(mark, out);
        }
        Ok(if known { Mapped::Typed } else { Mapped::Raw })
    }
}

/// The todo list of an `update_plan` input, `{"plan": [{"step": ..., "status": ...}]}`; steps
/// of an unknown status are left out rather than failing the list.
fn plan_of(input: &Value) -> Option<Vec<TodoItem>> {
    let steps = input.get("plan")?.as_array()?;
    Some(
        steps
            .iter()
            .filter_map(|step| {
                let status = match step.get("status")?.as_str()? {
                    "pending" => TodoStatus::Pending,
                    "in_progress" => TodoStatus::InProgress,
                    "completed" => TodoStatus::Completed,
                    _ => return None,
                };
                Some(TodoItem {
                    content: step.get("step")?.as_str()?.to_owned(),
                    status,
                    priority: None,
                    active_form: None,
                    id: None,
                })
            })
            .collect(),
    )
}

/// A whole text or thinking block of message `id`; nothing for an empty one.
fn said(kind: TextKind, id: Option<String>, text: String) -> Option<Event> {
    if text.is_empty() {
        return None;
    }
    Some(match kind {
        TextKind::Text => OutputText {
            message_id: id,
            text,
            delta: false,
            parent_tool_use_id: None,
        }
        .into(),
        TextKind::Thinking => OutputThinking {
            message_id: id,
            text,
            delta: false,
            parent_tool_use_id: None,
        }
        .into(),
    })
}

/// A JSON fragment as a `Value`: `null` when absent or too deeply nested to build one.
fn value(raw: Option<&serde_json::value::RawValue>) -> Value {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or(Value::Null)
}

fn status(status: SessionState, message: Option<String>) -> Event {
    SessionStatus {
        status,
        pid: None,
        message,
    }
    .into()
}

fn notification(kind: &str, message: String) -> Event {
    AgentNotification {
        kind: kind.to_owned(),
        message,
        title: None,
        details: None,
    }
    .into()
}

#[cfg(test)]
mod tests;
