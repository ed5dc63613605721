//! Tool execution rows: one per `tool_use_id`, opened by `tool.started`, closed by
//! `tool.completed`, named by `agent.delegation` for sub-agents, and shown as a tree in which
//! calls with a `parent_tool_use_id` sit under the Task that made them.

use std::collections::HashMap;

use crate::{DelegationStatus, Envelope, Event};
use serde_json::Value;

use super::format;

/// Where a tool call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolStatus {
    /// Started, no result yet.
    Running,
    /// Returned without an error (or its sub-agent completed).
    Succeeded,
    /// Returned an error (or its sub-agent failed).
    Failed,
}

impl ToolStatus {
    /// The status as a word: `running`, `succeeded`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolStatus::Running => "running",
            ToolStatus::Succeeded => "succeeded",
            ToolStatus::Failed => "failed",
        }
    }
}

/// One tool call, from its start to its result.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRow {
    /// The call's id, which its events share.
    pub tool_use_id: String,
    /// The tool's name, e.g. `Bash` (`Task` for a sub-agent).
    pub name: String,
    /// One line saying what the call does: the command, the file, the pattern...
    pub summary: String,
    /// The Task the call was made in, for a sub-agent's calls.
    pub parent: Option<String>,
    /// Running, succeeded or failed.
    pub status: ToolStatus,
    /// How long the call took, once it returned.
    pub duration_ms: Option<u64>,
    /// The start of its output, once it returned.
    pub output_preview: Option<String>,
    /// The size of its whole output (the preview may be cut).
    pub output_bytes: u64,
    /// The sub-agent a Task delegated to (`agent.delegation`).
    pub agent: Option<String>,
    /// Offset of the event that created the row.
    pub offset: u64,
}

/// A row with its depth in the tree, as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownRow<'a> {
    /// How many Tasks the call is nested in (0: the session's own calls).
    pub depth: usize,
    /// The call.
    pub row: &'a ToolRow,
}

/// Every tool call of a session, by id, in start order.
#[derive(Debug, Default, Clone)]
pub struct ToolRows {
    rows: Vec<ToolRow>,
    by_id: HashMap<String, usize>,
}

impl ToolRows {
    /// Folds one event in: `tool.started`, `tool.completed` and `agent.delegation` open,
    /// close and name rows.
    pub fn apply(&mut self, envelope: &Envelope) {
        let offset = envelope.offset;
        match envelope.event() {
            Ok(Event::ToolStarted(started)) => {
                let index = self.row(&started.tool_use_id, offset);
                let row = &mut self.rows[index];
                row.summary = summary(&started.name, &started.input);
                row.name = started.name;
                row.parent = started.parent_tool_use_id.or(row.parent.take());
            }
            Ok(Event::ToolCompleted(done)) => {
                let index = self.row(&done.tool_use_id, offset);
                let row = &mut self.rows[index];
                if row.name.is_empty() {
                    row.name = done.name.unwrap_or_else(|| "tool".into());
                }
                if row.parent.is_none() {
                    row.parent = done.parent_tool_use_id;
                }
                row.status = if done.is_error {
                    ToolStatus::Failed
                } else {
                    ToolStatus::Succeeded
                };
                row.duration_ms = done.duration_ms;
                row.output_preview = Some(done.output_preview);
                row.output_bytes = done.output_bytes;
            }
            Ok(Event::AgentDelegation(delegation)) => {
                let index = self.row(&delegation.tool_use_id, offset);
                let row = &mut self.rows[index];
                if row.name.is_empty() {
                    row.name = "Task".into();
                }
                if delegation.agent.is_some() {
                    row.agent = delegation.agent;
                }
                if row.summary.is_empty() {
                    row.summary = delegation
                        .task
                        .as_deref()
                        .map(|t| format::one_line(t, SUMMARY_CHARS))
                        .unwrap_or_default();
                }
                // A delegation that ends closes its Task even if no tool.completed follows.
                match delegation.status {
                    DelegationStatus::Started => {}
                    DelegationStatus::Completed if row.status == ToolStatus::Running => {
                        row.status = ToolStatus::Succeeded;
                        row.duration_ms = row.duration_ms.or(delegation.duration_ms);
                    }
                    DelegationStatus::Failed => {
                        row.status = ToolStatus::Failed;
                        row.duration_ms = row.duration_ms.or(delegation.duration_ms);
                    }
                    DelegationStatus::Completed => {}
                }
            }
            _ => {}
        }
    }

    /// Rows in start order.
    pub fn rows(&self) -> &[ToolRow] {
        &self.rows
    }

    /// How many calls have not returned yet.
    pub fn running(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == ToolStatus::Running)
            .count()
    }

    /// How many calls failed.
    pub fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == ToolStatus::Failed)
            .count()
    }

    /// The rows as a tree, depth first in start order: each call directly under its parent.
    /// A call whose parent is unknown (trimmed history) is shown at the top level.
    pub fn tree(&self) -> Vec<ShownRow<'_>> {
        let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (index, row) in self.rows.iter().enumerate() {
            match row
                .parent
                .as_deref()
                .filter(|p| self.by_id.contains_key(*p) && *p != row.tool_use_id)
            {
                Some(parent) => children.entry(parent).or_default().push(index),
                None => roots.push(index),
            }
        }
        let mut shown = Vec::with_capacity(self.rows.len());
        // An explicit stack, not recursion: a deep chain of sub-agents must not overflow.
        let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|i| (i, 0)).collect();
        while let Some((index, depth)) = stack.pop() {
            let row = &self.rows[index];
            shown.push(ShownRow { depth, row });
            if let Some(kids) = children.remove(row.tool_use_id.as_str()) {
                stack.extend(kids.into_iter().rev().map(|i| (i, depth + 1)));
            }
        }
        shown
    }

    fn row(&mut self, id: &str, offset: u64) -> usize {
        if let Some(&index) = self.by_id.get(id) {
            return index;
        }
        self.by_id.insert(id.to_owned(), self.rows.len());
        self.rows.push(ToolRow {
            tool_use_id: id.to_owned(),
            name: String::new(),
            summary: String::new(),
            parent: None,
            status: ToolStatus::Running,
            duration_ms: None,
            output_preview: None,
            output_bytes: 0,
            agent: None,
            offset,
        });
        self.rows.len() - 1
    }
}

const SUMMARY_CHARS: usize = 120;

/// The one-line summary of a tool's input: the field that says what the call does for the
/// tools Claude Code uses, else the first short string field.
pub fn summary(name: &str, input: &Value) -> String {
    let field = |key: &str| input.get(key).and_then(Value::as_str);
    let text = match name {
        "Bash" => field("command").map(str::to_owned),
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => field("file_path")
            .or(field("notebook_path"))
            .map(str::to_owned),
        "Grep" => field("pattern").map(|p| match field("path") {
            Some(path) => format!("{p} in {path}"),
            None => p.to_owned(),
        }),
        "Glob" => field("pattern").map(str::to_owned),
        "WebFetch" => field("url").map(str::to_owned),
        "WebSearch" => field("query").map(str::to_owned),
        "Task" | "Agent" => field("description").or(field("prompt")).map(str::to_owned),
        "TodoWrite" => input
            .get("todos")
            .and_then(Value::as_array)
            .map(|todos| format!("{} todos", todos.len())),
        _ => None,
    };
    let text = text.or_else(|| {
        input
            .as_object()?
            .values()
            .find_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
    });
    text.map(|t| format::one_line(&t, SUMMARY_CHARS))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    fn started(offset: u64, id: &str, name: &str, input: Value, parent: Option<&str>) -> Envelope {
        let mut data = json!({"tool_use_id": id, "name": name, "input": input});
        if let Some(parent) = parent {
            data["parent_tool_use_id"] = parent.into();
        }
        env(offset, "tool.started", data)
    }

    fn completed(offset: u64, id: &str, is_error: bool, ms: u64) -> Envelope {
        env(
            offset,
            "tool.completed",
            json!({"tool_use_id": id, "is_error": is_error, "output_preview": "out", "output_bytes": 3, "duration_ms": ms}),
        )
    }

    fn rows(events: &[Envelope]) -> ToolRows {
        let mut rows = ToolRows::default();
        events.iter().for_each(|e| rows.apply(e));
        rows
    }

    #[test]
    fn a_started_row_runs_until_completed() {
        let mut tools = rows(&[started(
            1,
            "t1",
            "Bash",
            json!({"command": "cargo test\n-q"}),
            None,
        )]);
        let row = &tools.rows()[0];
        assert_eq!(
            (row.status, row.summary.as_str()),
            (ToolStatus::Running, "cargo test…")
        );
        assert_eq!(tools.running(), 1);
        tools.apply(&completed(2, "t1", false, 1200));
        let row = &tools.rows()[0];
        assert_eq!(row.status, ToolStatus::Succeeded);
        assert_eq!(row.duration_ms, Some(1200));
        assert_eq!(row.output_preview.as_deref(), Some("out"));
        assert_eq!(tools.running(), 0);
    }

    #[test]
    fn an_error_completion_fails_the_row() {
        let tools = rows(&[
            started(1, "t1", "Read", json!({"file_path": "/x"}), None),
            completed(2, "t1", true, 5),
        ]);
        assert_eq!(tools.rows()[0].status, ToolStatus::Failed);
        assert_eq!(tools.failed(), 1);
    }

    #[test]
    fn a_completion_without_start_still_makes_a_row() {
        let tools = rows(&[env(
            9,
            "tool.completed",
            json!({"tool_use_id": "t9", "name": "Grep", "output_preview": "", "output_bytes": 0}),
        )]);
        assert_eq!(tools.rows()[0].name, "Grep");
        assert_eq!(tools.rows()[0].status, ToolStatus::Succeeded);
    }

    #[test]
    fn sub_agent_calls_nest_under_their_task() {
        let tools = rows(&[
            started(
                1,
                "task",
                "Task",
                json!({"description": "explore", "prompt": "..."}),
                None,
            ),
            started(2, "other", "Bash", json!({"command": "ls"}), None),
            started(
                3,
                "sub1",
                "Grep",
                json!({"pattern": "fn main", "path": "src"}),
                Some("task"),
            ),
            started(
                4,
                "sub2",
                "Read",
                json!({"file_path": "a.rs"}),
                Some("task"),
            ),
            started(
                5,
                "deep",
                "Read",
                json!({"file_path": "b.rs"}),
                Some("sub1"),
            ),
            started(
                6,
                "orphan",
                "Read",
                json!({"file_path": "c.rs"}),
                Some("gone"),
            ),
            env(
                7,
                "agent.delegation",
                json!({"tool_use_id": "task", "agent": "explorer", "status": "completed", "duration_ms": 40}),
            ),
        ]);
        let shown: Vec<_> = tools
            .tree()
            .iter()
            .map(|s| (s.depth, s.row.tool_use_id.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                (0, "task".to_string()),
                (1, "sub1".into()),
                (2, "deep".into()),
                (1, "sub2".into()),
                (0, "other".into()),
                (0, "orphan".into()),
            ]
        );
        let task = &tools.rows()[0];
        assert_eq!(task.agent.as_deref(), Some("explorer"));
        assert_eq!(
            (task.status, task.duration_ms),
            (ToolStatus::Succeeded, Some(40))
        );
        assert_eq!(tools.rows()[2].summary, "fn main in src");
    }

    #[test]
    fn summaries_pick_the_telling_field() {
        assert_eq!(summary("Glob", &json!({"pattern": "**/*.rs"})), "**/*.rs");
        assert_eq!(summary("TodoWrite", &json!({"todos": [{}, {}]})), "2 todos");
        assert_eq!(summary("mcp__x__y", &json!({"n": 1, "q": "find"})), "find");
        assert_eq!(summary("Bash", &json!(null)), "");
    }
}
