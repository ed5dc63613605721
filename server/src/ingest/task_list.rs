//! The todo list of Claude Code 2.1.x: its task tools, kept as one list per session.
//!
//! Newer CLIs have no `TodoWrite` (whose input is the whole list); the model keeps its list
//! with `TaskCreate` (`subject`, `description`, `activeForm`; the CLI assigns the id and says
//! it only in the result: `Task #1 created successfully: <subject>`, or a hook's
//! `{"task": {"id": "1", ...}}`) and `TaskUpdate` (`taskId` and the fields that change;
//! `status` is `pending`, `in_progress`, `completed` or `deleted`). `TaskList` and `TaskGet`
//! only read. [`TaskList`] replays those calls, as the CLI itself rebuilds its list from a
//! transcript, so that `ToolTracker` can publish the whole list as `todo.updated` after each
//! change. A task created before the session was seen (a resumed session, a list shared by
//! sessions) is unknown here, and updates to it are ignored.

use agentcast_shared::{TodoItem, TodoStatus};
use serde_json::Value;

/// The tool that adds a task.
pub(crate) const CREATE_TOOL: &str = "TaskCreate";
/// The tool that changes or deletes a task.
pub(crate) const UPDATE_TOOL: &str = "TaskUpdate";

/// Tasks kept per session, at most. A list that grows past this drops its oldest task (and
/// says so in the log): the model never keeps thousands, a runaway loop might.
const MAX_TASKS: usize = 1000;

/// One session's task list, in creation order.
#[derive(Debug, Default)]
pub(crate) struct TaskList {
    tasks: Vec<TodoItem>,
}

impl TaskList {
    /// The list as `todo.updated` carries it.
    pub(crate) fn todos(&self) -> Vec<TodoItem> {
        self.tasks.clone()
    }

    /// A `TaskCreate` call with `input` was answered with `output` (the result's text): adds
    /// the task, pending. False (nothing changed) when the result names no task id, or names
    /// one already on the list (a replayed result).
    pub(crate) fn create(&mut self, input: &Value, output: &str) -> bool {
        let Some(id) = created_id(output) else {
            tracing::debug!(output = %output, "TaskCreate result without a task id; not listed");
            return false;
        };
        if self.position(&id).is_some() {
            return false;
        }
        if self.tasks.len() >= MAX_TASKS {
            tracing::warn!(
                limit = MAX_TASKS,
                "task list full; its oldest task is dropped"
            );
            self.tasks.remove(0);
        }
        self.tasks.push(TodoItem {
            content: text(input, "subject").unwrap_or_default().to_owned(),
            status: TodoStatus::Pending,
            priority: None,
            active_form: text(input, "activeForm").map(str::to_owned),
            id: Some(id),
        });
        true
    }

    /// A successful `TaskUpdate` call with `input`: changes the task's subject, active form
    /// and status, or removes it (`"status": "deleted"`). False when nothing changed: an
    /// unknown task, an unknown status, the same values again.
    pub(crate) fn update(&mut self, input: &Value) -> bool {
        let Some(index) = input
            .get("taskId")
            .and_then(task_id)
            .and_then(|id| self.position(&id))
        else {
            return false;
        };
        let status = text(input, "status");
        if status == Some("deleted") {
            self.tasks.remove(index);
            return true;
        }
        let task = &mut self.tasks[index];
        let before = task.clone();
        if let Some(subject) = text(input, "subject") {
            subject.clone_into(&mut task.content);
        }
        if let Some(active_form) = text(input, "activeForm") {
            task.active_form = Some(active_form.to_owned());
        }
        if let Some(status) = status.and_then(todo_status) {
            task.status = status;
        }
        *task != before
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id.as_deref() == Some(id))
    }
}

/// A string field of a tool input.
fn text<'a>(input: &'a Value, name: &str) -> Option<&'a str> {
    input.get(name).and_then(Value::as_str)
}

/// A task id as the model writes it: a string, or a number.
fn task_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn todo_status(status: &str) -> Option<TodoStatus> {
    match status {
        "pending" => Some(TodoStatus::Pending),
        "in_progress" => Some(TodoStatus::InProgress),
        "completed" => Some(TodoStatus::Completed),
        _ => None,
    }
}

/// The id a `TaskCreate` result names: the CLI's text (`Task #12 created successfully: ...`,
/// in stream-json and transcripts) or a hook's structured response (`{"task": {"id": "12",
/// ...}}`, as its JSON text; a response cut by the preview bound names none).
fn created_id(output: &str) -> Option<String> {
    if let Some(rest) = output.strip_prefix("Task #") {
        let (id, tail) = rest.split_once(' ')?;
        return (tail.starts_with("created") && !id.is_empty()).then(|| id.to_owned());
    }
    let value: Value = serde_json::from_str(output).ok()?;
    value.get("task")?.get("id").and_then(task_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn statuses(list: &TaskList) -> Vec<(String, String, TodoStatus)> {
        list.tasks
            .iter()
            .map(|t| (t.id.clone().unwrap(), t.content.clone(), t.status))
            .collect()
    }

    #[test]
    fn the_id_comes_from_the_text_or_a_hook_s_response() {
        assert_eq!(
            created_id("Task #12 created successfully: Ship it").as_deref(),
            Some("12")
        );
        assert_eq!(
            created_id(r#"{"task":{"description":"d","id":"3","subject":"s"}}"#).as_deref(),
            Some("3")
        );
        assert_eq!(created_id(r#"{"task":{"id":4}}"#).as_deref(), Some("4"));
        for none in [
            "Task # created",
            "Task #1",
            "Task #2: Ship it\nStatus: pending",
            r#"{"task":{"description":"cut sho"#,
            "",
        ] {
            assert_eq!(created_id(none), None, "{none:?}");
        }
    }

    #[test]
    fn creates_updates_and_deletes_by_id() {
        let mut list = TaskList::default();
        let create = |subject: &str| json!({"subject": subject, "description": "d", "activeForm": format!("{subject}-ing")});
        assert!(list.create(&create("a"), "Task #1 created successfully: a"));
        assert!(list.create(&create("b"), "Task #2 created successfully: b"));
        assert!(list.create(&create("c"), "Task #3 created successfully: c"));
        assert!(
            !list.create(&create("c"), "Task #3 created successfully: c"),
            "a replay"
        );
        assert!(!list.create(&create("x"), "Error: no"), "no id");
        assert_eq!(list.todos()[0].active_form.as_deref(), Some("a-ing"));

        assert!(list.update(&json!({"taskId": "1", "status": "in_progress"})));
        assert!(
            !list.update(&json!({"taskId": "1", "status": "in_progress"})),
            "no change"
        );
        assert!(
            list.update(&json!({"taskId": 1, "status": "completed"})),
            "a number id"
        );
        assert!(
            !list.update(&json!({"taskId": "9", "status": "completed"})),
            "unknown"
        );
        assert!(!list.update(&json!({"taskId": "2", "status": "exploded"})));
        assert!(!list.update(&json!({"status": "completed"})));
        assert!(list.update(&json!({"taskId": "2", "subject": "B", "activeForm": "B-ing"})));
        assert!(list.update(&json!({"taskId": "3", "status": "deleted"})));
        assert!(!list.update(&json!({"taskId": "3", "status": "deleted"})));
        assert_eq!(
            statuses(&list),
            [
                ("1".into(), "a".into(), TodoStatus::Completed),
                ("2".into(), "B".into(), TodoStatus::Pending)
            ]
        );
        assert_eq!(list.todos()[1].active_form.as_deref(), Some("B-ing"));
    }

    #[test]
    fn the_list_is_bounded() {
        let mut list = TaskList::default();
        for i in 0..=MAX_TASKS {
            assert!(list.create(
                &json!({"subject": "t"}),
                &format!("Task #{i} created successfully: t")
            ));
        }
        assert_eq!(list.tasks.len(), MAX_TASKS);
        assert_eq!(list.tasks[0].id.as_deref(), Some("1"), "the oldest went");
    }
}
