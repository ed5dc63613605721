//! The agent's todo list: `todo.updated`.

use serde::{Deserialize, Serialize};

/// `todo.updated`: the whole todo list, after every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TodoUpdated {
    /// Every item, in the agent's order.
    pub todos: Vec<TodoItem>,
    /// Counts by status, so a list view needs no pass over the items.
    pub stats: TodoStats,
}

impl TodoUpdated {
    /// The event for a list, with its stats computed.
    pub fn new(todos: Vec<TodoItem>) -> Self {
        let stats = TodoStats::of(&todos);
        TodoUpdated { todos, stats }
    }
}

/// One todo item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TodoItem {
    /// What is to be done.
    pub content: String,
    /// Where it stands.
    pub status: TodoStatus,
    /// The agent's priority (`high`, `medium`, `low`), when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The present-continuous form shown while the item is in progress ("Running tests").
    /// Also read as Claude Code's `activeForm`, so a TodoWrite input can be published as it is.
    #[serde(default, alias = "activeForm", skip_serializing_if = "Option::is_none")]
    pub active_form: Option<String>,
    /// The agent's id for the item, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Where a todo item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TodoStatus {
    /// Not started.
    Pending,
    /// Being worked on.
    InProgress,
    /// Done.
    Completed,
}

/// Counts of todo items by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct TodoStats {
    /// All items.
    pub total: u32,
    /// Items not started.
    pub pending: u32,
    /// Items being worked on.
    pub in_progress: u32,
    /// Items done.
    pub completed: u32,
}

impl TodoStats {
    /// Counts the items of a list.
    pub fn of(todos: &[TodoItem]) -> TodoStats {
        todos.iter().fold(TodoStats::default(), |mut stats, item| {
            stats.total += 1;
            match item.status {
                TodoStatus::Pending => stats.pending += 1,
                TodoStatus::InProgress => stats.in_progress += 1,
                TodoStatus::Completed => stats.completed += 1,
            }
            stats
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(status: TodoStatus) -> TodoItem {
        TodoItem {
            content: "x".into(),
            status,
            priority: None,
            active_form: None,
            id: None,
        }
    }

    #[test]
    fn stats_count_by_status() {
        let todos = [
            item(TodoStatus::Pending),
            item(TodoStatus::InProgress),
            item(TodoStatus::Completed),
            item(TodoStatus::Completed),
        ];
        let expected = TodoStats {
            total: 4,
            pending: 1,
            in_progress: 1,
            completed: 2,
        };
        assert_eq!(TodoStats::of(&todos), expected);
        assert_eq!(TodoStats::of(&[]), TodoStats::default());
    }

    #[test]
    fn claude_active_form_is_accepted() {
        let item: TodoItem = serde_json::from_str(
            r#"{"content":"Run tests","status":"in_progress","activeForm":"Running tests"}"#,
        )
        .unwrap();
        assert_eq!(item.active_form.as_deref(), Some("Running tests"));
    }
}
