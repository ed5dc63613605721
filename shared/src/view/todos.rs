//! The agent's todo list: the latest `todo.updated` wins (each carries the whole list).

use crate::{Envelope, Event, TodoItem, TodoStats, TodoStatus};

/// The todo list as the latest `todo.updated` gave it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Todos {
    /// The items, in the agent's order.
    pub items: Vec<TodoItem>,
    /// How many are pending, in progress and done, counted from the items.
    pub stats: TodoStats,
}

impl Todos {
    /// Folds one event in: a `todo.updated` replaces the list.
    pub fn apply(&mut self, envelope: &Envelope) {
        if let Ok(Event::TodoUpdated(update)) = envelope.event() {
            // Recounted rather than trusted: the stats are what the bar shows.
            self.stats = TodoStats::of(&update.todos);
            self.items = update.todos;
        }
    }

    /// Completed share, 0 to 100 (0 for an empty list).
    pub fn percent(&self) -> u32 {
        (self.stats.completed * 100)
            .checked_div(self.stats.total)
            .unwrap_or(0)
    }

    /// `2 of 4 done, 1 in progress`.
    pub fn label(&self) -> String {
        let s = self.stats;
        let mut text = format!("{} of {} done", s.completed, s.total);
        if s.in_progress > 0 {
            text += &format!(", {} in progress", s.in_progress);
        }
        text
    }

    /// What an item shows: Claude's present-tense `activeForm` while it is in progress.
    pub fn item_text(item: &TodoItem) -> &str {
        match (&item.status, &item.active_form) {
            (TodoStatus::InProgress, Some(active)) => active,
            _ => &item.content,
        }
    }
}

/// The wire name of a todo's status (`in_progress`), for `data-status`.
pub fn status_str(status: TodoStatus) -> &'static str {
    match status {
        TodoStatus::Pending => "pending",
        TodoStatus::InProgress => "in_progress",
        TodoStatus::Completed => "completed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    #[test]
    fn the_latest_list_wins_and_is_counted() {
        let mut todos = Todos::default();
        assert_eq!(
            (todos.percent(), todos.label()),
            (0, "0 of 0 done".to_string())
        );
        todos.apply(&env(
            1,
            "todo.updated",
            json!({
                "todos": [
                    {"content": "a", "status": "completed"},
                    {"content": "b", "status": "in_progress", "activeForm": "Doing b"},
                    {"content": "c", "status": "pending"},
                    {"content": "d", "status": "pending"}
                ],
                "stats": {"total": 0, "pending": 0, "in_progress": 0, "completed": 0}
            }),
        ));
        assert_eq!(todos.percent(), 25);
        assert_eq!(todos.label(), "1 of 4 done, 1 in progress");
        assert_eq!(Todos::item_text(&todos.items[1]), "Doing b");
        assert_eq!(Todos::item_text(&todos.items[2]), "c");
        todos.apply(&env(
            2,
            "todo.updated",
            json!({
                "todos": [{"content": "a", "status": "completed"}],
                "stats": {"total": 1, "pending": 0, "in_progress": 0, "completed": 1}
            }),
        ));
        assert_eq!((todos.percent(), todos.items.len()), (100, 1));
    }
}
