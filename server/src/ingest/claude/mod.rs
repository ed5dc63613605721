//! [`ClaudeMapper`]: one line of Claude Code's `--output-format stream-json` in, typed events
//! out.
//!
//! - [`messages`]: the serde shapes of the lines.
//! - [`tool_result`]: the text of a tool's result (`tool_result` content, `tool_use_result`).
//! - [`stream`]: `stream_event` deltas against the assembled message (no text twice).
//! - [`usage`]: cumulative tokens and cost, each message priced from `ingest::pricing`.
//!
//! Tool calls, todos and sub-agent delegations are tracked by `ToolTracker` (`ingest::tools`),
//! which the hook mapper shares.
//!
//! What each line becomes:
//!
//! | line | events |
//! |---|---|
//! | `system/init` | `session.started` + `session.status` running (once; again only `session.status` running after a `result`) |
//! | `system/status` | `agent.notification` kind `status` |
//! | `system/hook_started`, `hook_response` | `agent.hook` started / completed |
//! | `system/task_started`, `task_progress`, `task_notification` | `agent.task` (a notification also ends a background delegation) |
//! | `system/compact_boundary` | `agent.notification` kind `compact` |
//! | `assistant` | `output.text`, `output.thinking`, `tool.started` (+ `todo.updated`, `agent.delegation`), then `usage.updated` with the message's estimated cost |
//! | `user` | `tool.completed` (+ `agent.delegation`; `todo.updated` after a `TaskCreate`/`TaskUpdate`) per `tool_result`; `user.prompt` for the main agent's text |
//! | `stream_event` | `output.text` / `output.thinking` with `delta: true`; `usage.updated` |
//! | `rate_limit_event` | `agent.notification` kind `rate_limit` |
//! | `result` | `usage.updated`, then `session.ended` (failed for `error_*` subtypes or `is_error`) |
//! | anything else, or a line of a known type the mapper cannot read | `agent.raw` with the line |

pub(crate) mod messages;
pub(crate) mod stream;
pub(crate) mod tool_result;
pub(crate) mod usage;

use std::borrow::Cow;

use agentcast_shared::{
    AgentHook, AgentKind, AgentNotification, AgentTask, AgentTaskStatus, DelegationStatus, Event,
    HookPhase, OutputText, OutputThinking, SessionEnded, SessionStarted, SessionState,
    SessionStatus, format_ts_millis,
};
use serde_json::Value;
use serde_json::value::RawValue;

use self::messages::{Block, Content, Line, ToolUseResult, count};
use self::stream::{Assembled, StreamDedup, TextKind};
use self::tool_result::{structured_result, tool_answer, tool_call};
use self::usage::UsageMeter;
use super::context::{IngestLimits, SessionContext};
use super::json_line::{entry_or_raw, raw};
use super::text::{preview, truncate};
use super::tools::ToolTracker;
use super::user_text::user_text_event;

/// What became of a line that was JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// Typed events (possibly none, e.g. a `content_block_stop`).
    Typed,
    /// An `agent.raw`: a type the mapper does not know, or a shape it cannot read.
    Raw,
}

/// A line that is not JSON; the message says where it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotJson(pub String);

/// Maps one session's stream-json lines to events; see the module docs. The state it keeps
/// (pending tools, open streams, usage) is per session and bounded.
#[derive(Debug)]
pub struct ClaudeMapper {
    context: SessionContext,
    preview_bytes: usize,
    started: bool,
    /// A `result` was seen and no activity since: the next activity resumes the session.
    ended: bool,
    tools: ToolTracker,
    stream: StreamDedup,
    usage: UsageMeter,
}

impl ClaudeMapper {
    /// A mapper for the session of `context`.
    pub fn new(context: SessionContext, limits: IngestLimits) -> Self {
        ClaudeMapper {
            context,
            preview_bytes: limits.preview_bytes,
            started: false,
            ended: false,
            tools: ToolTracker::new(limits.preview_bytes),
            stream: StreamDedup::default(),
            usage: UsageMeter::default(),
        }
    }

    /// True once `session.started` was emitted (the agent reported its `system/init`).
    pub fn has_started(&self) -> bool {
        self.started
    }

    /// Maps one line (without its line ending), appending its events to `out`; `now_ms` is
    /// the time the line was read, in Unix milliseconds. An error only when the line is not
    /// JSON; nothing is appended then.
    pub fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson> {
        let mut parsed: Line<'_> = match entry_or_raw(line, out) {
            Ok(parsed) => parsed,
            Err(mapped) => return mapped,
        };
        let known = match (&*parsed.kind, parsed.subtype.as_deref()) {
            ("system", Some("init")) => {
                self.init(&parsed, now_ms, out);
                true
            }
            ("system", Some("status")) => {
                self.status(&parsed, out);
                true
            }
            ("system", Some(phase @ ("hook_started" | "hook_response"))) => {
                self.hook(&parsed, phase == "hook_started", out)
            }
            ("system", Some(phase @ ("task_started" | "task_progress" | "task_notification"))) => {
                self.task(&parsed, phase, now_ms, out)
            }
            ("system", Some("compact_boundary")) => {
                self.compact(&parsed, out);
                true
            }
            ("assistant", _) => self.assistant(&mut parsed, now_ms, out),
            ("user", _) => self.user(&mut parsed, now_ms, out),
            ("stream_event", _) => self.stream_event(&mut parsed, out),
            ("rate_limit_event", _) => self.rate_limit(&parsed, out),
            ("result", subtype) => self.result(&parsed, subtype, out),
            _ => false,
        };
        if known {
            Ok(Mapped::Typed)
        } else {
            // A type it does not know, or a known type in a shape it cannot read (a block type
            // it does not know, a required field missing): the line itself, after whatever
            // typed events it did yield, so that nothing of it is lost.
            out.push(raw(line));
            Ok(Mapped::Raw)
        }
    }

    fn init(&mut self, line: &Line<'_>, now_ms: u64, out: &mut Vec<Event>) {
        if let Some(model) = &line.model {
            self.usage.default_model(model);
        }
        if self.started {
            // A second init (a new turn of a long-lived process): the session goes on.
            self.resume(out);
            return;
        }
        self.started = true;
        let context = &self.context;
        out.push(
            SessionStarted {
                session_id: context.session_id.clone(),
                label: context.label.clone(),
                project_id: None,
                source: context.source,
                command: context.command.clone(),
                cwd: line
                    .cwd
                    .as_deref()
                    .map(str::to_owned)
                    .or_else(|| context.cwd.clone()),
                model: line.model.as_deref().map(str::to_owned),
                tools: line
                    .tools
                    .iter()
                    .flatten()
                    .map(|tool| tool.to_string())
                    .collect(),
                cli_version: line.claude_code_version.as_deref().map(str::to_owned),
                agent: Some(AgentKind::Claude),
                agent_session_id: line.session_id.as_deref().map(str::to_owned),
                git_branch: None,
                started_at: format_ts_millis(now_ms),
            }
            .into(),
        );
        out.push(running());
    }

    /// Activity after a `result`: the session runs again.
    fn resume(&mut self, out: &mut Vec<Event>) {
        if std::mem::take(&mut self.ended) {
            out.push(running());
        }
    }

    fn status(&mut self, line: &Line<'_>, out: &mut Vec<Event>) {
        out.push(
            AgentNotification {
                kind: "status".into(),
                message: line
                    .status
                    .as_deref()
                    .unwrap_or("status cleared")
                    .to_owned(),
                title: None,
                details: None,
            }
            .into(),
        );
    }

    fn hook(&mut self, line: &Line<'_>, started: bool, out: &mut Vec<Event>) -> bool {
        let Some(hook_event) = line.hook_event.as_deref().or(line.hook_name.as_deref()) else {
            return false;
        };
        let outcome = line.outcome.as_deref();
        // What the hook said: its stderr when it failed and wrote one, else its output.
        let failed = outcome.is_some_and(|o| o != "success");
        let printed = [
            line.stderr.as_deref().filter(|_| failed),
            line.output.as_deref(),
            line.stdout.as_deref(),
            line.stderr.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find(|text| !text.is_empty());
        out.push(
            AgentHook {
                hook_event: hook_event.to_owned(),
                hook_name: line.hook_name.as_deref().map(str::to_owned),
                hook_id: line.hook_id.as_deref().map(str::to_owned),
                phase: if started {
                    HookPhase::Started
                } else {
                    HookPhase::Completed
                },
                outcome: outcome.map(str::to_owned),
                exit_code: line.exit_code.filter(|c| c.is_finite()).map(|c| {
                    // A process exit code fits an i32; anything else is clamped.
                    c.clamp(i32::MIN as f64, i32::MAX as f64) as i32
                }),
                output: printed.and_then(|text| preview(text, self.preview_bytes)),
            }
            .into(),
        );
        true
    }

    fn task(&mut self, line: &Line<'_>, phase: &str, now_ms: u64, out: &mut Vec<Event>) -> bool {
        let Some(task_id) = line.task_id.as_deref() else {
            return false;
        };
        let status = match (phase, line.status.as_deref()) {
            ("task_started", _) => AgentTaskStatus::Started,
            ("task_progress", _) => AgentTaskStatus::Running,
            (_, Some("completed")) => AgentTaskStatus::Completed,
            (_, Some("failed")) => AgentTaskStatus::Failed,
            (_, Some("stopped" | "killed" | "cancelled")) => AgentTaskStatus::Stopped,
            _ => return false,
        };
        let owned = |text: &Option<Cow<'_, str>>| text.as_deref().map(str::to_owned);
        let tool_use_id = owned(&line.tool_use_id);
        if let (AgentTaskStatus::Started, Some(true), Some(id)) =
            (status, line.is_backgrounded, &tool_use_id)
        {
            // The launch's result will come at once: the notification ends the delegation.
            self.tools.mark_background(id);
        }
        out.push(
            AgentTask {
                task_id: task_id.to_owned(),
                tool_use_id: tool_use_id.clone(),
                status,
                description: owned(&line.description),
                task_type: owned(&line.task_type),
                last_tool_name: owned(&line.last_tool_name),
                summary: line
                    .summary
                    .as_deref()
                    .and_then(|s| preview(s, self.preview_bytes)),
                output_file: owned(&line.output_file),
            }
            .into(),
        );
        // A sub-agent started in the background ends here, not with its call's result.
        let ended = match status {
            AgentTaskStatus::Completed => Some(DelegationStatus::Completed),
            AgentTaskStatus::Failed | AgentTaskStatus::Stopped => Some(DelegationStatus::Failed),
            _ => None,
        };
        if let (Some(status), Some(id)) = (ended, tool_use_id) {
            self.tools.end_delegation(&id, status, now_ms, out);
        }
        true
    }

    fn compact(&mut self, line: &Line<'_>, out: &mut Vec<Event>) {
        out.push(compacted(line.compact_metadata.and_then(to_value)));
    }

    fn assistant(&mut self, line: &mut Line<'_>, now_ms: u64, out: &mut Vec<Event>) -> bool {
        let Some(message) = line.message.take() else {
            return false;
        };
        self.resume(out);
        let parent = line.parent_tool_use_id.as_deref();
        let id = message.id.as_deref();
        let mut known = true;
        match message.content {
            Content::Blocks(blocks) => {
                for block in blocks {
                    known &= self.assistant_block(block, id, parent, now_ms, out);
                }
            }
            Content::Text(text) => self.text(TextKind::Text, text, id, parent, out),
            Content::None => {}
            Content::Other(_) => known = false,
        }
        if let Some(usage) = &message.usage {
            self.usage.message(id, message.model.as_deref(), usage);
            if let Some(update) = self.usage.changed() {
                out.push(update.into());
            }
        }
        known
    }

    /// One block of an assistant message; false for a block type it does not know.
    fn assistant_block(
        &mut self,
        block: Block<'_>,
        id: Option<&str>,
        parent: Option<&str>,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        match &*block.kind {
            "text" => {
                let text = block.text.unwrap_or_default();
                self.text(TextKind::Text, text, id, parent, out);
            }
            "thinking" => {
                let text = block.thinking.unwrap_or_default();
                self.text(TextKind::Thinking, text, id, parent, out);
            }
            // `server_tool_use` (web search, ...) and `mcp_tool_use` run on the API side;
            // they are calls all the same.
            "tool_use" | "server_tool_use" | "mcp_tool_use" => {
                let Some(call) = tool_call(&block, parent, self.preview_bytes) else {
                    return false;
                };
                self.tools.start(call, now_ms, out);
            }
            // The API-side result of a server tool: `web_search_tool_result`, ...
            kind if kind.ends_with("tool_result") => {
                let no_structure = ToolUseResult::default();
                let Some(answer) = tool_answer(&block, &no_structure, parent, self.preview_bytes)
                else {
                    return false;
                };
                self.tools.complete(answer, now_ms, out);
            }
            _ => return false,
        }
        true
    }

    /// A whole text or thinking block, less what was streamed of it.
    fn text(
        &mut self,
        kind: TextKind,
        text: Cow<'_, str>,
        id: Option<&str>,
        parent: Option<&str>,
        out: &mut Vec<Event>,
    ) {
        if text.is_empty() {
            return;
        }
        let (text, delta) = match self.stream.assembled(id, kind, &text) {
            Assembled::NotStreamed => (text.into_owned(), false),
            Assembled::Rest(rest) => (rest.to_owned(), true),
            Assembled::Covered => return,
        };
        out.push(output(kind, id, text, delta, parent));
    }

    fn user(&mut self, line: &mut Line<'_>, now_ms: u64, out: &mut Vec<Event>) -> bool {
        let Some(message) = line.message.take() else {
            return false;
        };
        self.resume(out);
        let parent = line.parent_tool_use_id.as_deref();
        let blocks = match message.content {
            Content::Blocks(blocks) => blocks,
            Content::Text(text) => {
                self.prompt(text, parent, out);
                return true;
            }
            Content::None => return true,
            Content::Other(_) => return false,
        };
        // The tool's structured result (`tool_use_result`) belongs to the line's one result.
        let results = blocks.iter().filter(|b| b.kind == "tool_result").count();
        let structured = structured_result(line.tool_use_result.filter(|_| results == 1));
        let mut known = true;
        for block in blocks {
            match &*block.kind {
                "tool_result" => {
                    let Some(answer) = tool_answer(&block, &structured, parent, self.preview_bytes)
                    else {
                        known = false;
                        continue;
                    };
                    if structured.launched_in_background() {
                        self.tools.mark_background(&answer.id);
                    }
                    self.tools.complete(answer, now_ms, out);
                }
                "text" => self.prompt(block.text.unwrap_or_default(), parent, out),
                // Pictures the user attached: nothing to show as text.
                "image" | "document" => {}
                _ => known = false,
            }
        }
        known
    }

    /// Text the user gave the main agent. A sub-agent's prompt is the `Task` input, already
    /// shown by its `agent.delegation`, and is not a prompt of the user.
    fn prompt(&mut self, text: Cow<'_, str>, parent: Option<&str>, out: &mut Vec<Event>) {
        if parent.is_none() && !text.is_empty() {
            out.push(user_text_event(text.into_owned()));
        }
    }

    fn stream_event(&mut self, line: &mut Line<'_>, out: &mut Vec<Event>) -> bool {
        let Some(event) = line.event.take() else {
            return false;
        };
        self.resume(out);
        let parent = line.parent_tool_use_id.as_deref();
        let index = count(event.index).unwrap_or(0);
        match &*event.kind {
            "message_start" => {
                let Some(message) = &event.message else {
                    return false;
                };
                if let Some(id) = &message.id {
                    self.stream.message_start(parent, id);
                }
                if let Some(usage) = &message.usage {
                    self.usage
                        .message(message.id.as_deref(), message.model.as_deref(), usage);
                }
            }
            "content_block_start" => {
                let Some(block) = &event.content_block else {
                    return false;
                };
                let (kind, text) = match &*block.kind {
                    "text" => (TextKind::Text, block.text.as_deref()),
                    "thinking" => (TextKind::Thinking, block.thinking.as_deref()),
                    _ => return true,
                };
                self.delta(parent, index, kind, text.unwrap_or(""), out);
            }
            "content_block_delta" => {
                let Some(delta) = &event.delta else {
                    return false;
                };
                match delta.kind.as_deref() {
                    Some("text_delta") => {
                        let text = delta.text.as_deref().unwrap_or("");
                        self.delta(parent, index, TextKind::Text, text, out);
                    }
                    Some("thinking_delta") => {
                        let text = delta.thinking.as_deref().unwrap_or("");
                        self.delta(parent, index, TextKind::Thinking, text, out);
                    }
                    // The tool input and the signature arrive whole in the assembled message.
                    Some("input_json_delta" | "signature_delta" | "citations_delta") => {}
                    _ => return false,
                }
            }
            "message_delta" => {
                // The final usage of the message the lane is streaming. The message id is not
                // on this event; the meter keys it by the id `message_start` gave.
                if let (Some(usage), Some(id)) = (&event.usage, self.stream.current_message(parent))
                {
                    self.usage.message(Some(id), None, usage);
                }
            }
            "content_block_stop" | "message_stop" | "ping" => {}
            _ => return false,
        }
        if let Some(update) = self.usage.changed() {
            out.push(update.into());
        }
        true
    }

    fn delta(
        &mut self,
        parent: Option<&str>,
        index: u64,
        kind: TextKind,
        text: &str,
        out: &mut Vec<Event>,
    ) {
        if let Some(piece) = self.stream.delta(parent, index, kind, text) {
            let text = piece.text.to_owned();
            out.push(output(kind, piece.message_id, text, true, parent));
        }
    }

    fn rate_limit(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> bool {
        let Some(details) = line.rate_limit_info.and_then(to_value) else {
            return false;
        };
        let field = |name: &str| details.get(name).and_then(Value::as_str);
        let mut message = match field("rateLimitType") {
            Some(window) => format!("{window} rate limit"),
            None => "rate limit".to_owned(),
        };
        if let Some(status) = field("status") {
            message.push_str(": ");
            message.push_str(status);
        }
        if let Some(resets) = details.get("resetsAt").and_then(Value::as_u64) {
            // Seconds since the epoch; far-future values are shown as given.
            match resets.checked_mul(1000) {
                Some(millis) => {
                    message.push_str(", resets at ");
                    message.push_str(&format_ts_millis(millis));
                }
                None => message.push_str(&format!(", resets at {resets}")),
            }
        }
        out.push(
            AgentNotification {
                kind: "rate_limit".into(),
                message,
                title: None,
                details: Some(details),
            }
            .into(),
        );
        true
    }

    fn result(&mut self, line: &Line<'_>, subtype: Option<&str>, out: &mut Vec<Event>) -> bool {
        let failed = match subtype {
            None | Some("success") => line.is_error.unwrap_or(false),
            Some(error) if error.starts_with("error") => true,
            Some(_) => return false,
        };
        self.usage.result(line.usage.as_ref(), line.total_cost_usd);
        if let Some(update) = self.usage.changed() {
            out.push(update.into());
        }
        let message = if failed {
            let errors = line.errors.as_deref().unwrap_or_default();
            let text = if errors.is_empty() {
                line.result
                    .as_deref()
                    .or(subtype)
                    .unwrap_or("error")
                    .to_owned()
            } else {
                errors.join("; ")
            };
            Some(truncate(&text, self.preview_bytes).to_owned())
        } else {
            None
        };
        out.push(
            SessionEnded {
                status: if failed {
                    SessionState::Failed
                } else {
                    SessionState::Completed
                },
                exit_code: None,
                signal: None,
                duration_ms: count(line.duration_ms),
                num_turns: count(line.num_turns).map(|n| n.min(u32::MAX as u64) as u32),
                total_cost_usd: line.total_cost_usd.filter(|c| c.is_finite()),
                message,
            }
            .into(),
        );
        self.ended = true;
        true
    }
}

/// A JSON fragment as a `Value`; `None` when it is too deeply nested to build one.
pub(crate) fn to_value(raw: &RawValue) -> Option<Value> {
    serde_json::from_str(raw.get()).ok()
}

/// `agent.notification` kind `compact`: the context was compacted; `details` is the
/// boundary's metadata (`trigger`: `auto` or `manual`, the tokens before).
pub(crate) fn compacted(details: Option<Value>) -> Event {
    let trigger = details
        .as_ref()
        .and_then(|d| d.get("trigger"))
        .and_then(Value::as_str);
    let message = match trigger {
        Some(trigger) => format!("context compacted ({trigger})"),
        None => "context compacted".to_owned(),
    };
    AgentNotification {
        kind: "compact".into(),
        message,
        title: None,
        details,
    }
    .into()
}

/// `output.text` or `output.thinking`.
pub(crate) fn output(
    kind: TextKind,
    message_id: Option<&str>,
    text: String,
    delta: bool,
    parent: Option<&str>,
) -> Event {
    let message_id = message_id.map(str::to_owned);
    let parent_tool_use_id = parent.map(str::to_owned);
    match kind {
        TextKind::Text => OutputText {
            message_id,
            text,
            delta,
            parent_tool_use_id,
        }
        .into(),
        TextKind::Thinking => OutputThinking {
            message_id,
            text,
            delta,
            parent_tool_use_id,
        }
        .into(),
    }
}

fn running() -> Event {
    SessionStatus {
        status: SessionState::Running,
        pid: None,
        message: None,
    }
    .into()
}

#[cfg(test)]
mod tests;
