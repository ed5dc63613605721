//! [`ClaudeTranscriptMapper`]: one entry of a Claude Code transcript in
//! (`~/.claude/projects/<cwd>/<session>.jsonl`, or a sub-agent's
//! `<session>/subagents/agent-<id>.jsonl`), the same typed events as the stream-json mapper
//! (`ingest::claude`) out.
//!
//! - `entries`: the serde shape of an entry and the wall-clock time it carries.
//! - `messages`: `user` and `assistant` entries: prompts, text, thinking, tool calls, usage,
//!   each shown once.
//! - `tool_results`: `tool_result` blocks with their `toolUseResult`.
//! - `subagents`: [`subagent_parent`] (the meta file), agent ids, task notifications.
//! - `state`: the entries that are not messages (queue, cost, titles, attachments, system).
//!
//! Tool calls, todos and delegations go through the same `ToolTracker` as the stream-json
//! mapper, usage through its `UsageMeter`, blocks through its `tool_result` helpers. Times
//! and durations are the entries' own `timestamp`s (an import of old files shows when things
//! happened, not when they were read); `now_ms` stands in only for an entry without one.
//!
//! What each entry becomes:
//!
//! | entry | events |
//! |---|---|
//! | the first entry with a `cwd` (main transcript) | `session.started` (source `transcript`, agent `claude`, the agent's session id, cwd, git branch, CLI version, model, label: title or first prompt) before its own events |
//! | `user` with text | `user.prompt` (not for meta text, a sub-agent's prompt, a task notification, or a compaction summary: `agent.notification` kind `compact_summary`) |
//! | `user` with `tool_result` | `tool.completed` (+ `agent.delegation`; `todo.updated` after a `TaskCreate`/`TaskUpdate`); a background launch (`isAsync`) leaves the delegation running |
//! | `user` with a `<task-notification>` (or its `queue-operation` enqueue) | `agent.task` and the end of the background delegation, once |
//! | `assistant` | `output.text`, `output.thinking`, `tool.started` (+ `todo.updated`, `agent.delegation`), `usage.updated` with the message's estimated cost (`message_cost_usd`); a message written as one entry per block is shown once, its usage counted once |
//! | `attachment` `queued_command` | `user.prompt` (a prompt queued while the agent worked) |
//! | `attachment` `model` | the model, for `session.started` and usage; other attachments are consumed |
//! | `queue-operation` | consumed (an enqueued task notification: as above) |
//! | `cost-state` | `usage.updated` with the session's total cost and tokens (sub-agents included); the estimates of later messages add to it, and a transcript without one (CLIs before 2.1) costs the sum of its messages' estimates |
//! | `summary`, `custom-title`, `ai-title` | the label (the newest; a `custom-title` from `/rename` is not replaced by a generated `summary` or `ai-title`); once the session started, `agent.notification` kind `title` when it changed, which the hub's catalog takes as the session's label |
//! | `system/compact_boundary` | `agent.notification` kind `compact` |
//! | `system` with `content` | `agent.notification` kind its subtype (`local_command`, `api_error`, ...) |
//! | `system/turn_duration`, `stop_hook_summary`; `file-history-snapshot`, `progress`, `last-prompt`, `api-request*`, `atis-latch`, `tools-used`, `agent-name`, `agent-setting`, `pr-link`, `mode`, `tag`, `permission-mode` | consumed |
//! | anything else, or an entry of a known type the mapper cannot read | `agent.raw` with the line |
//!
//! A sub-agent's mapper ([`ClaudeTranscriptMapper::subagent`]) emits no `session.started`
//! and no `usage.updated` (the main transcript's `cost-state` totals include the sub-agent);
//! its events carry the `parent_tool_use_id` of the call that started it, as stream-json
//! sub-agent events do. Without a `cost-state` (older CLIs) a sub-agent's messages count
//! only where the CLI wrote them inline in the main transcript (`isSidechain`): the tokens
//! and cost of a sub-agent in its own file are left out of the session's totals (an
//! undercount) rather than added from a second mapper's running totals.

mod entries;
mod messages;
mod state;
mod subagents;
mod tool_results;

use std::collections::{HashSet, VecDeque};

use agentcast_shared::{AgentKind, Event, SessionSource, SessionStarted, format_ts_millis};

use self::entries::Entry;
use self::messages::Shown;
use self::subagents::AgentIds;
use super::claude::usage::UsageMeter;
use super::context::{IngestLimits, SessionContext};
use super::json_line::{entry_or_raw, raw};
use super::line_mapper::LineMapper;
use super::tools::ToolTracker;
use super::{Mapped, NotJson};

pub use self::subagents::subagent_parent;

/// Entry ids remembered to show an entry written twice once.
const RECENT_ENTRIES: usize = 4096;

/// Maps one transcript's entries to events; see the module docs. One per file; the state it
/// keeps (pending tools, shown messages, usage) is bounded.
#[derive(Debug)]
pub struct ClaudeTranscriptMapper {
    /// What the collector knows of the session; without it the session is named by the
    /// agent's own session id.
    context: Option<SessionContext>,
    preview_bytes: usize,
    /// `Some` for a sub-agent's transcript: the call it nests under (`None` inside when the
    /// collector could not tell).
    subagent: Option<Option<String>>,
    started: bool,
    facts: Facts,
    tools: ToolTracker,
    usage: UsageMeter,
    shown: Shown,
    agents: AgentIds,
    /// Recent entry uuids, oldest first, and the same as a set.
    recent: VecDeque<String>,
    recent_set: HashSet<String>,
    /// Task notifications already reported: (task id, status), most recent last.
    notified: VecDeque<(String, agentcast_shared::AgentTaskStatus)>,
}

/// What the transcript said about the session so far.
#[derive(Debug, Default)]
struct Facts {
    agent_session_id: Option<String>,
    cwd: Option<String>,
    git_branch: Option<String>,
    cli_version: Option<String>,
    model: Option<String>,
    /// The time of the first entry that had one.
    first_ms: Option<u64>,
    /// The latest title entry, but a name the user gave (`custom-title`) is not replaced by
    /// a generated one.
    title: Option<String>,
    /// `title` is the user's `custom-title`.
    title_by_user: bool,
    first_prompt: Option<String>,
}

impl ClaudeTranscriptMapper {
    /// A mapper for a session's main transcript, `<session>.jsonl`, with the default limits;
    /// the session is named by the agent's own session id unless
    /// [`with_context`](Self::with_context) says otherwise.
    pub fn main() -> Self {
        Self::new(None)
    }

    /// A mapper for a sub-agent's transcript, `<session>/subagents/agent-<id>.jsonl`: its
    /// events carry `parent_tool_use_id` (from [`subagent_parent`], or
    /// [`tool_use_id_of_agent`](Self::tool_use_id_of_agent) of the main transcript's mapper).
    pub fn subagent(parent_tool_use_id: Option<String>) -> Self {
        Self::new(Some(parent_tool_use_id))
    }

    fn new(subagent: Option<Option<String>>) -> Self {
        let limits = IngestLimits::default();
        ClaudeTranscriptMapper {
            context: None,
            preview_bytes: limits.preview_bytes,
            subagent,
            started: false,
            facts: Facts::default(),
            tools: ToolTracker::new(limits.preview_bytes),
            usage: UsageMeter::estimating(),
            shown: Shown::default(),
            agents: AgentIds::default(),
            recent: VecDeque::new(),
            recent_set: HashSet::new(),
            notified: VecDeque::new(),
        }
    }

    /// These limits instead of the defaults (the tool output preview).
    pub fn with_limits(mut self, limits: IngestLimits) -> Self {
        self.preview_bytes = limits.preview_bytes;
        self.tools = ToolTracker::new(limits.preview_bytes);
        self
    }

    /// The agentcast session (its id, a label, a source) the collector maps into, e.g. the
    /// session of an `agentcast run` this transcript joins. The transcript's own facts (cwd,
    /// branch, version) still fill `session.started`; the context's label wins over titles.
    pub fn with_context(mut self, context: SessionContext) -> Self {
        self.context = Some(context);
        self
    }

    /// True once `session.started` was emitted.
    pub fn has_started(&self) -> bool {
        self.started
    }

    /// Claude Code's session id, once an entry gave it.
    pub fn agent_session_id(&self) -> Option<&str> {
        self.facts.agent_session_id.as_deref()
    }

    /// The session's label so far: its latest title, else its first prompt (bounded).
    pub fn label(&self) -> Option<&str> {
        self.facts
            .title
            .as_deref()
            .or(self.facts.first_prompt.as_deref())
    }

    /// The `Task`/`Agent` call that started sub-agent `agent_id` (the `<id>` of
    /// `agent-<id>.jsonl`), as this main transcript told it so far: what nests a sub-agent
    /// whose `.meta.json` is missing.
    pub fn tool_use_id_of_agent(&self, agent_id: &str) -> Option<&str> {
        self.agents.get(agent_id)
    }

    /// Maps one line (without its line ending), appending its events to `out`; `now_ms`
    /// stands in for an entry without a timestamp. An error only when the line is not JSON;
    /// nothing is appended then.
    pub fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson> {
        let mut entry: Entry<'_> = match entry_or_raw(line, out) {
            Ok(entry) => entry,
            Err(mapped) => return mapped,
        };
        if self.seen_before(&entry) {
            return Ok(Mapped::Typed);
        }
        self.observe(&entry);
        let at = entry.time_ms().unwrap_or(now_ms);
        let mark = out.len();
        let known = match &*entry.kind {
            "user" => self.user(&mut entry, at, out),
            "assistant" => self.assistant(&mut entry, at, out),
            "attachment" => self.attachment(&entry, at, out),
            "queue-operation" => self.queue_operation(&entry, at, out),
            "cost-state" => self.cost_state(&entry, out),
            "summary" | "custom-title" | "ai-title" => self.title(&entry, out),
            "system" => self.system(&entry, out),
            // Bookkeeping of the CLI: nothing to show.
            "file-history-snapshot"
            | "progress"
            | "last-prompt"
            | "api-request"
            | "api-request-shape"
            | "api-request-blob"
            | "atis-latch"
            | "tools-used"
            | "agent-name"
            | "agent-setting"
            | "pr-link"
            | "mode"
            | "tag"
            | "permission-mode" => true,
            _ => false,
        };
        if !known {
            out.push(raw(line));
        }
        // The session starts with the first entry that says where it runs, or before the
        // first event, whichever comes first, so that `session.started` leads.
        if !self.started
            && self.subagent.is_none()
            && (self.facts.cwd.is_some() || out.len() > mark)
        {
            out.insert(mark, self.session_started(now_ms));
            self.started = true;
        }
        Ok(if known { Mapped::Typed } else { Mapped::Raw })
    }

    /// True for an entry already mapped (the same uuid, written again); remembers it.
    fn seen_before(&mut self, entry: &Entry<'_>) -> bool {
        let Some(uuid) = entry.uuid.as_deref() else {
            return false;
        };
        if self.recent_set.contains(uuid) {
            return true;
        }
        if self.recent.len() >= RECENT_ENTRIES
            && let Some(oldest) = self.recent.pop_front()
        {
            self.recent_set.remove(&oldest);
        }
        self.recent.push_back(uuid.to_owned());
        self.recent_set.insert(uuid.to_owned());
        false
    }

    /// Takes the session's facts from an entry.
    fn observe(&mut self, entry: &Entry<'_>) {
        let facts = &mut self.facts;
        let fill = |slot: &mut Option<String>, value: &Option<std::borrow::Cow<'_, str>>| {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty())
                && slot.as_deref() != Some(value)
            {
                *slot = Some(value.to_owned());
            }
        };
        if facts.agent_session_id.is_none() {
            fill(&mut facts.agent_session_id, &entry.session_id);
        }
        fill(&mut facts.cwd, &entry.cwd);
        fill(&mut facts.git_branch, &entry.git_branch);
        fill(&mut facts.cli_version, &entry.version);
        if facts.first_ms.is_none() {
            facts.first_ms = entry.time_ms();
        }
    }

    fn session_started(&self, now_ms: u64) -> Event {
        let facts = &self.facts;
        let context = self.context.as_ref();
        let label = context
            .and_then(|c| c.label.clone())
            .or_else(|| self.label().map(str::to_owned));
        SessionStarted {
            session_id: context
                .map(|c| c.session_id.clone())
                .or_else(|| facts.agent_session_id.clone())
                .unwrap_or_default(),
            label,
            project_id: None,
            source: context.map_or(SessionSource::Transcript, |c| c.source),
            command: context.and_then(|c| c.command.clone()),
            cwd: facts
                .cwd
                .clone()
                .or_else(|| context.and_then(|c| c.cwd.clone())),
            model: facts.model.clone(),
            tools: Vec::new(),
            cli_version: facts.cli_version.clone(),
            agent: Some(AgentKind::Claude),
            agent_session_id: facts.agent_session_id.clone(),
            git_branch: facts.git_branch.clone(),
            started_at: format_ts_millis(facts.first_ms.unwrap_or(now_ms)),
        }
        .into()
    }

    /// The call a message of this entry nests under: the sub-agent's, or (in a main
    /// transcript of an older CLI, which wrote sub-agents' entries inline) the one running
    /// delegation.
    fn parent(&self, entry: &Entry<'_>) -> Option<String> {
        if let Some(parent) = &self.subagent {
            return parent.clone();
        }
        if entry.is_sidechain != Some(true) {
            return None;
        }
        let mut running = self.tools.pending_delegations();
        match (running.next(), running.next()) {
            (Some((id, _)), None) => Some(id.to_owned()),
            _ => None,
        }
    }
}

impl LineMapper for ClaudeTranscriptMapper {
    fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson> {
        ClaudeTranscriptMapper::map_line(self, line, now_ms, out)
    }
}

#[cfg(test)]
mod tests;
