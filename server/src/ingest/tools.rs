//! Tool calls from start to result, whoever reports them: [`ToolTracker`] pairs each call
//! ([`ToolCall`]: a stream-json `tool_use`, a `PreToolUse` hook) with its answer
//! ([`ToolAnswer`]: a `tool_result`, a `PostToolUse` hook) by id, times it, and derives what
//! some tools mean beyond a call: `TodoWrite` is the todo list, and so are the task tools of
//! newer CLIs (`TaskCreate`, `TaskUpdate`: [`TaskList`] keeps what they built); `Task` (named
//! `Agent` by newer CLIs) is a sub-agent delegation. The stream-json mapper (`claude`), the
//! transcript mapper and the hook mapper (`hooks`) each keep one per session; [`Output`] is a tool's output as events carry it
//! ([`render_value`] makes one of a JSON value, `claude::tool_result` of stream-json content).

use std::collections::{HashMap, HashSet, VecDeque};

use super::task_list::{self, TaskList};
use super::text::truncate;
use agentcast_shared::{
    AgentDelegation, DelegationStatus, Event, TodoItem, TodoUpdated, ToolCompleted, ToolStarted,
};
use serde::Deserialize;
use serde_json::Value;

/// Calls waiting for their result, at most. A stream that never answers its calls must not
/// grow the map without end; past this the oldest call is forgotten (its result is still
/// reported, without a duration).
const MAX_PENDING: usize = 4096;

/// Ids of recently completed calls remembered, so that a result seen twice (a replayed line)
/// is reported once.
const RECENT_DONE: usize = 256;

/// The tool whose input is the whole todo list.
const TODO_TOOL: &str = "TodoWrite";

/// True for the tool that starts a sub-agent: `Task`, renamed `Agent` by newer CLIs.
pub(crate) fn is_delegation_tool(name: &str) -> bool {
    name == "Task" || name == "Agent"
}

/// A tool call as the agent made it.
#[derive(Debug)]
pub(crate) struct ToolCall {
    pub id: String,
    pub name: String,
    pub input: Value,
    pub parent: Option<String>,
}

/// A tool's answer.
#[derive(Debug)]
pub(crate) struct ToolAnswer {
    pub id: String,
    pub is_error: bool,
    pub output: Output,
    pub parent: Option<String>,
}

/// A tool's output as events carry it: a bounded preview and the full size.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    pub preview: String,
    pub bytes: u64,
}

impl Output {
    /// The output of a plain string.
    pub(crate) fn of_str(text: &str, max: usize) -> Output {
        Output {
            preview: truncate(text, max).to_owned(),
            bytes: text.len() as u64,
        }
    }

    /// Appends a piece, keeping the preview bounded.
    pub(crate) fn push(&mut self, piece: &str, max: usize) {
        self.bytes += piece.len() as u64;
        let room = max.saturating_sub(self.preview.len());
        self.preview.push_str(truncate(piece, room));
    }
}

#[derive(Debug)]
struct PendingTool {
    name: String,
    started_ms: u64,
    parent: Option<String>,
    delegation: Option<Delegation>,
    /// The input of a `TaskCreate`/`TaskUpdate` call, applied to the task list once the call
    /// succeeded (a create's id is only in its result).
    task_input: Option<Value>,
}

/// A sub-agent started by a `Task` call.
#[derive(Debug, Clone)]
struct Delegation {
    agent: Option<String>,
    task: Option<String>,
    /// `run_in_background`: the call returns at once and the sub-agent goes on; it ends with
    /// its `task_notification`, not with the call's result.
    background: bool,
    /// Already reported as ended (by a `SubagentStop` hook before the call's result).
    ended: bool,
}

/// Per-session tool state; see the module docs.
#[derive(Debug)]
pub(crate) struct ToolTracker {
    preview_bytes: usize,
    pending: HashMap<String, PendingTool>,
    /// Recently completed ids, oldest first, and the same as a set for lookups.
    recent_done: VecDeque<String>,
    recent_done_set: HashSet<String>,
    /// Background delegations whose call returned: id -> (start time, delegation).
    background: HashMap<String, (u64, Delegation)>,
    /// The todo list the task tools built.
    tasks: TaskList,
}

impl ToolTracker {
    pub(crate) fn new(preview_bytes: usize) -> Self {
        ToolTracker {
            preview_bytes,
            pending: HashMap::new(),
            recent_done: VecDeque::new(),
            recent_done_set: HashSet::new(),
            background: HashMap::new(),
            tasks: TaskList::default(),
        }
    }

    pub(crate) fn preview_bytes(&self) -> usize {
        self.preview_bytes
    }

    /// True while a call with this id waits for its result.
    #[cfg(test)]
    pub(crate) fn is_pending(&self, id: &str) -> bool {
        self.pending.contains_key(id)
    }

    /// Pending delegation calls: (tool_use_id, sub-agent type).
    pub(crate) fn pending_delegations(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.pending.iter().filter_map(|(id, tool)| {
            let delegation = tool.delegation.as_ref()?;
            (!delegation.ended).then_some((id.as_str(), delegation.agent.as_deref()))
        })
    }

    /// A call started: `tool.started`, and `todo.updated` or `agent.delegation` when the tool
    /// means one. A call seen before (the same id again) emits nothing.
    pub(crate) fn start(&mut self, call: ToolCall, now_ms: u64, out: &mut Vec<Event>) {
        if self.pending.contains_key(&call.id) || self.recent_done_set.contains(&call.id) {
            return;
        }
        let todos = (call.name == TODO_TOOL)
            .then(|| todos_of(&call.input))
            .flatten();
        let delegation =
            is_delegation_tool(&call.name).then(|| delegation_of(&call.input, self.preview_bytes));
        let task_input = [task_list::CREATE_TOOL, task_list::UPDATE_TOOL]
            .contains(&call.name.as_str())
            .then(|| call.input.clone());
        if self.pending.len() >= MAX_PENDING {
            self.forget_oldest();
        }
        self.pending.insert(
            call.id.clone(),
            PendingTool {
                name: call.name.clone(),
                started_ms: now_ms,
                parent: call.parent.clone(),
                delegation: delegation.clone(),
                task_input,
            },
        );
        out.push(
            ToolStarted {
                tool_use_id: call.id.clone(),
                name: call.name,
                input: call.input,
                parent_tool_use_id: call.parent,
            }
            .into(),
        );
        if let Some(todos) = todos {
            out.push(TodoUpdated::new(todos).into());
        }
        if let Some(delegation) = delegation {
            out.push(
                AgentDelegation {
                    tool_use_id: call.id,
                    agent: delegation.agent,
                    task: delegation.task,
                    status: DelegationStatus::Started,
                    duration_ms: None,
                }
                .into(),
            );
        }
    }

    /// The sub-agent of pending delegation call `id` runs in the background although its input
    /// did not say so (the CLI's default, reported by `task_started` or the call's structured
    /// result): its result will not end the delegation, its task notification will.
    pub(crate) fn mark_background(&mut self, id: &str) {
        if let Some(delegation) = self
            .pending
            .get_mut(id)
            .and_then(|tool| tool.delegation.as_mut())
        {
            delegation.background = true;
        }
    }

    /// A call answered: `tool.completed` (also for a call never seen start), `todo.updated`
    /// when a task tool changed the list, and the end of its delegation. A result seen twice
    /// is reported once.
    pub(crate) fn complete(&mut self, answer: ToolAnswer, now_ms: u64, out: &mut Vec<Event>) {
        let pending = self.pending.remove(&answer.id);
        if pending.is_none() && self.recent_done_set.contains(&answer.id) {
            return;
        }
        if self.recent_done.len() >= RECENT_DONE
            && let Some(oldest) = self.recent_done.pop_front()
        {
            self.recent_done_set.remove(&oldest);
        }
        self.recent_done.push_back(answer.id.clone());
        self.recent_done_set.insert(answer.id.clone());
        let duration_ms = pending
            .as_ref()
            .map(|tool| now_ms.saturating_sub(tool.started_ms));
        let (name, start_parent, delegation, task_input) = match pending {
            Some(tool) => (
                Some(tool.name),
                tool.parent,
                tool.delegation,
                tool.task_input,
            ),
            None => (None, None, None, None),
        };
        // A failed call changed nothing; a create's id is in its result's text.
        let tasks_changed = match task_input {
            Some(input) if !answer.is_error => match name.as_deref() {
                Some(task_list::CREATE_TOOL) => self.tasks.create(&input, &answer.output.preview),
                _ => self.tasks.update(&input),
            },
            _ => false,
        };
        out.push(
            ToolCompleted {
                tool_use_id: answer.id.clone(),
                name,
                is_error: answer.is_error,
                output_preview: answer.output.preview,
                output_bytes: answer.output.bytes,
                duration_ms,
                parent_tool_use_id: answer.parent.or(start_parent),
            }
            .into(),
        );
        if tasks_changed {
            out.push(TodoUpdated::new(self.tasks.todos()).into());
        }
        let Some(delegation) = delegation else {
            return;
        };
        if delegation.ended {
            return;
        }
        if delegation.background && !answer.is_error {
            let started = now_ms.saturating_sub(duration_ms.unwrap_or(0));
            if self.background.len() >= MAX_PENDING {
                self.background.clear();
            }
            self.background.insert(answer.id, (started, delegation));
            return;
        }
        let status = if answer.is_error {
            DelegationStatus::Failed
        } else {
            DelegationStatus::Completed
        };
        out.push(
            AgentDelegation {
                tool_use_id: answer.id,
                agent: delegation.agent,
                task: delegation.task,
                status,
                duration_ms,
            }
            .into(),
        );
    }

    /// A sub-agent ended by other news than its call's result (a background task's
    /// notification, a `SubagentStop` hook): `agent.delegation` with `status`, once. False
    /// when no such delegation is known.
    pub(crate) fn end_delegation(
        &mut self,
        id: &str,
        status: DelegationStatus,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        let (started_ms, delegation) = if let Some(entry) = self.background.remove(id) {
            entry
        } else if let Some(tool) = self.pending.get_mut(id) {
            let Some(delegation) = tool.delegation.as_mut().filter(|d| !d.ended) else {
                return false;
            };
            delegation.ended = true;
            (tool.started_ms, delegation.clone())
        } else {
            return false;
        };
        out.push(
            AgentDelegation {
                tool_use_id: id.to_owned(),
                agent: delegation.agent,
                task: delegation.task,
                status,
                duration_ms: Some(now_ms.saturating_sub(started_ms)),
            }
            .into(),
        );
        true
    }

    fn forget_oldest(&mut self) {
        let oldest = self
            .pending
            .iter()
            .min_by_key(|(_, tool)| tool.started_ms)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            self.pending.remove(&id);
        }
    }
}

/// The todo list of a `TodoWrite` input, `{"todos": [...]}`; items that do not fit (an
/// unknown status) are left out rather than failing the list.
fn todos_of(input: &Value) -> Option<Vec<TodoItem>> {
    let list = input.get("todos")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|item| TodoItem::deserialize(item).ok())
            .collect(),
    )
}

/// The sub-agent and task of a `Task` input: `subagent_type`, and `description` (a few
/// words) or else the start of `prompt`.
fn delegation_of(input: &Value, max: usize) -> Delegation {
    let field = |name: &str| input.get(name).and_then(Value::as_str);
    Delegation {
        agent: field("subagent_type").map(str::to_owned),
        task: field("description")
            .or_else(|| field("prompt"))
            .map(|task| truncate(task, max).to_owned()),
        background: input
            .get("run_in_background")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ended: false,
    }
}

/// The text of a hook's `tool_response`: a string; `stdout` and `stderr` (Bash); `content`
/// (a string or blocks); else the JSON text.
pub(crate) fn render_value(value: &Value, max: usize) -> Output {
    match value {
        Value::Null => Output::default(),
        Value::String(text) => Output::of_str(text, max),
        Value::Object(map) => {
            let text = |key: &str| map.get(key).and_then(Value::as_str);
            if let Some(stdout) = text("stdout") {
                let mut output = Output::of_str(stdout, max);
                if let Some(stderr) = text("stderr").filter(|s| !s.is_empty()) {
                    if !stdout.is_empty() {
                        output.push("\n", max);
                    }
                    output.push(stderr, max);
                }
                return output;
            }
            match map.get("content") {
                Some(Value::String(text)) => Output::of_str(text, max),
                Some(Value::Array(blocks)) => {
                    let mut output = Output::default();
                    for (i, block) in blocks.iter().enumerate() {
                        if i > 0 {
                            output.push("\n", max);
                        }
                        match (block.get("type").and_then(Value::as_str), block.get("text")) {
                            (Some("text"), Some(Value::String(text))) => output.push(text, max),
                            (kind, _) => {
                                output.push(&format!("[{}]", kind.unwrap_or("block")), max)
                            }
                        }
                    }
                    output
                }
                _ => Output::of_str(&value.to_string(), max),
            }
        }
        other => Output::of_str(&other.to_string(), max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testing::{kinds, todo_counts};
    use serde_json::json;

    fn call(id: &str, name: &str, input: Value) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            input,
            parent: None,
        }
    }

    fn answer(id: &str, is_error: bool) -> ToolAnswer {
        ToolAnswer {
            id: id.into(),
            is_error,
            output: Output::of_str("ok", 10),
            parent: None,
        }
    }

    #[test]
    fn start_and_result_pair_by_id_with_duration() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        tracker.start(call("a", "Bash", json!({"command": "ls"})), 1_000, &mut out);
        tracker.complete(answer("a", false), 1_250, &mut out);
        let Event::ToolCompleted(done) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(done.name.as_deref(), Some("Bash"));
        assert_eq!(done.duration_ms, Some(250));
        assert_eq!((done.output_preview.as_str(), done.output_bytes), ("ok", 2));
        // The same result again is reported once; an unknown id is still reported.
        tracker.complete(answer("a", false), 1_300, &mut out);
        tracker.complete(answer("zz", true), 1_300, &mut out);
        assert_eq!(out.len(), 3);
        let Event::ToolCompleted(orphan) = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!((orphan.name.as_ref(), orphan.duration_ms), (None, None));
        assert!(orphan.is_error);
    }

    #[test]
    fn a_call_seen_twice_starts_once() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        tracker.start(call("a", "Read", json!({})), 0, &mut out);
        tracker.start(call("a", "Read", json!({})), 0, &mut out);
        assert_eq!(kinds(&out), ["tool.started"]);
    }

    #[test]
    fn todo_write_is_the_todo_list() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        let input = json!({"todos": [
            {"content": "a", "status": "completed", "activeForm": "A-ing"},
            {"content": "b", "status": "in_progress", "priority": "high", "id": "2"},
            {"content": "c", "status": "pending"},
            {"content": "d", "status": "exploded"}
        ]});
        tracker.start(call("t", "TodoWrite", input), 0, &mut out);
        assert_eq!(kinds(&out), ["tool.started", "todo.updated"]);
        let Event::TodoUpdated(todos) = &out[1] else {
            panic!()
        };
        assert_eq!(todos.todos.len(), 3);
        assert_eq!(todo_counts(todos), (3, 1, 1, 1));
        assert_eq!(todos.todos[0].active_form.as_deref(), Some("A-ing"));
        // No `todos` array: a plain tool call.
        let mut out = Vec::new();
        tracker.start(call("u", "TodoWrite", json!({"x": 1})), 0, &mut out);
        assert_eq!(kinds(&out), ["tool.started"]);
    }

    #[test]
    fn the_task_tools_build_the_todo_list() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        let text_answer = |id: &str, text: &str, is_error: bool| ToolAnswer {
            output: Output::of_str(text, 100),
            ..answer(id, is_error)
        };
        for (n, subject) in ["a", "b", "c"].into_iter().enumerate() {
            let id = format!("c{n}");
            let input = json!({"subject": subject, "description": "d", "activeForm": "doing"});
            tracker.start(call(&id, "TaskCreate", input), 0, &mut out);
            let result = format!("Task #{} created successfully: {subject}", n + 1);
            tracker.complete(text_answer(&id, &result, false), 1, &mut out);
        }
        let update = |status: &str| json!({"taskId": "1", "status": status});
        tracker.start(call("u1", "TaskUpdate", update("in_progress")), 2, &mut out);
        tracker.complete(
            text_answer("u1", "Updated task #1 status", false),
            3,
            &mut out,
        );
        // A failed call changes nothing; a call that changes nothing says nothing.
        tracker.start(call("u2", "TaskUpdate", update("completed")), 4, &mut out);
        tracker.complete(text_answer("u2", "<tool_use_error>", true), 5, &mut out);
        tracker.start(call("u3", "TaskUpdate", update("in_progress")), 6, &mut out);
        tracker.complete(
            text_answer("u3", "Updated task #1 status", false),
            7,
            &mut out,
        );
        tracker.start(call("l", "TaskList", json!({})), 8, &mut out);
        tracker.complete(text_answer("l", "#1 [in_progress] a", false), 9, &mut out);
        let lists: Vec<_> = out
            .iter()
            .filter_map(|e| match e {
                Event::TodoUpdated(todos) => Some(todo_counts(todos)),
                _ => None,
            })
            .collect();
        assert_eq!(
            lists,
            [(1, 1, 0, 0), (2, 2, 0, 0), (3, 3, 0, 0), (3, 2, 1, 0)]
        );
        let Some(Event::TodoUpdated(last)) = out
            .iter()
            .rev()
            .find(|e| matches!(e, Event::TodoUpdated(_)))
        else {
            panic!("{out:?}")
        };
        assert_eq!(last.todos[0].id.as_deref(), Some("1"));
        assert_eq!(last.todos[2].content, "c");
        // The list follows its tool's completion.
        assert_eq!(
            kinds(&out[..2]),
            ["tool.started", "tool.completed"],
            "todo.updated comes with the result"
        );
        assert_eq!(kinds(&out[2..3]), ["todo.updated"]);
    }

    #[test]
    fn task_is_a_delegation_that_completes_or_fails() {
        let mut tracker = ToolTracker::new(8);
        let mut out = Vec::new();
        let input =
            json!({"subagent_type": "Explore", "description": "find the parser", "prompt": "..."});
        tracker.start(call("d1", "Task", input), 100, &mut out);
        tracker.start(
            call("d2", "Agent", json!({"prompt": "a long prompt here"})),
            100,
            &mut out,
        );
        tracker.complete(answer("d1", false), 400, &mut out);
        tracker.complete(answer("d2", true), 500, &mut out);
        assert_eq!(
            kinds(&out),
            [
                "tool.started",
                "agent.delegation",
                "tool.started",
                "agent.delegation",
                "tool.completed",
                "agent.delegation",
                "tool.completed",
                "agent.delegation"
            ]
        );
        let Event::AgentDelegation(started) = &out[1] else {
            panic!()
        };
        assert_eq!(started.agent.as_deref(), Some("Explore"));
        assert_eq!(started.task.as_deref(), Some("find the"));
        let Event::AgentDelegation(prompt_only) = &out[3] else {
            panic!()
        };
        assert_eq!(prompt_only.task.as_deref(), Some("a long p"));
        let Event::AgentDelegation(done) = &out[5] else {
            panic!()
        };
        assert_eq!(
            (done.status, done.duration_ms),
            (DelegationStatus::Completed, Some(300))
        );
        let Event::AgentDelegation(failed) = &out[7] else {
            panic!()
        };
        assert_eq!(failed.status, DelegationStatus::Failed);
    }

    #[test]
    fn a_background_delegation_ends_with_its_notification() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        let input = json!({"subagent_type": "x", "description": "bg", "run_in_background": true});
        tracker.start(call("b", "Task", input), 0, &mut out);
        tracker.complete(answer("b", false), 10, &mut out);
        assert_eq!(
            kinds(&out),
            ["tool.started", "agent.delegation", "tool.completed"]
        );
        assert!(tracker.end_delegation("b", DelegationStatus::Completed, 900, &mut out));
        let Event::AgentDelegation(done) = &out[3] else {
            panic!()
        };
        assert_eq!(done.duration_ms, Some(900));
        assert!(!tracker.end_delegation("b", DelegationStatus::Completed, 901, &mut out));
    }

    #[test]
    fn a_delegation_ended_early_is_not_ended_again() {
        let mut tracker = ToolTracker::new(100);
        let mut out = Vec::new();
        tracker.start(call("s", "Task", json!({})), 0, &mut out);
        assert!(tracker.end_delegation("s", DelegationStatus::Completed, 5, &mut out));
        tracker.complete(answer("s", false), 7, &mut out);
        assert_eq!(
            kinds(&out),
            [
                "tool.started",
                "agent.delegation",
                "agent.delegation",
                "tool.completed"
            ]
        );
    }

    #[test]
    fn pending_calls_are_bounded() {
        let mut tracker = ToolTracker::new(10);
        let mut out = Vec::new();
        for i in 0..(MAX_PENDING as u64 + 10) {
            tracker.start(call(&i.to_string(), "Bash", Value::Null), i, &mut out);
            out.clear();
        }
        assert_eq!(tracker.pending.len(), MAX_PENDING);
        assert!(!tracker.is_pending("0") && tracker.is_pending("4105"));
    }

    #[test]
    fn hook_responses_render_by_shape() {
        let bash = json!({"stdout": "out", "stderr": "err", "interrupted": false});
        assert_eq!(render_value(&bash, 100).preview, "out\nerr");
        let mcp = json!({"content": [{"type": "text", "text": "a"}, {"type": "image"}]});
        assert_eq!(render_value(&mcp, 100).preview, "a\n[image]");
        assert_eq!(render_value(&json!("plain"), 3).preview, "pla");
        assert_eq!(render_value(&json!("plain"), 3).bytes, 5);
        assert_eq!(
            render_value(&json!({"file": 1}), 100).preview,
            r#"{"file":1}"#
        );
        assert_eq!(render_value(&Value::Null, 100), Output::default());
    }
}
