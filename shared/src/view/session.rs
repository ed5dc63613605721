//! One session as the session view shows it: the event log and every view folded from it.
//! Events at the head are folded in as they come; an older page or a filled gap makes the
//! folds start over from the log (a few milliseconds for 20,000 events), which keeps them
//! equal to folding the full event list in order.

use crate::Envelope;

use super::event_log::{EventLog, Pushed};
use super::filter::{EventFilter, FilteredIndex};
use super::permissions::Permissions;
use super::todos::Todos;
use super::tools::ToolRows;
use super::transcript::Transcript;
use super::usage::{Activity, Usage};

/// One session as its view shows it: the log and every view folded from it, kept current
/// as events arrive.
#[derive(Debug, Default, Clone)]
pub struct SessionModel {
    /// The events held, by offset.
    pub log: EventLog,
    /// What was said: prompts, the assistant's text, permissions, errors.
    pub transcript: Transcript,
    /// The tool calls, nested under their Task.
    pub tools: ToolRows,
    /// The latest todo list.
    pub todos: Todos,
    /// Tokens, cost and model.
    pub usage: Usage,
    /// Events over time, for the activity chart.
    pub activity: Activity,
    /// The rows of the event table that its filter admits.
    pub table: FilteredIndex,
    /// The permission requests open now.
    pub permissions: Permissions,
}

impl SessionModel {
    /// Applies envelopes (live, replayed or paged) and keeps every view current.
    pub fn extend(&mut self, envelopes: impl IntoIterator<Item = Envelope>) {
        let mut refold = false;
        let mut appended_from = self.log.len();
        for envelope in envelopes {
            let before = self.log.len();
            match self.log.push(envelope) {
                Pushed::Appended | Pushed::AppendedAfterGap { .. } if !refold => {
                    // `before` is the index of the new event.
                    appended_from = appended_from.min(before);
                }
                Pushed::Inserted => refold = true,
                _ => {}
            }
        }
        if refold {
            self.refold();
        } else {
            self.fold(appended_from);
        }
    }

    /// Inserts a history page (older events or a gap) with one merge.
    pub fn merge_page(&mut self, page: Vec<Envelope>) -> usize {
        let added = self.log.merge(page);
        if added > 0 {
            self.refold();
        }
        added
    }

    /// Filters the event table with `filter` (every event held is checked again).
    pub fn set_filter(&mut self, filter: EventFilter) {
        self.table.rebuild(filter, self.log.events());
    }

    /// Starts over (the server's offsets no longer match ours).
    pub fn clear(&mut self) {
        let filter = self.table.filter().clone();
        *self = SessionModel::default();
        self.set_filter(filter);
    }

    fn fold(&mut self, from: usize) {
        for envelope in &self.log.events()[from.min(self.log.len())..] {
            self.transcript.apply(envelope);
            self.tools.apply(envelope);
            self.todos.apply(envelope);
            self.usage.apply(envelope);
            self.activity.apply(envelope);
            self.permissions.apply(envelope);
        }
        self.table.extend(self.log.events());
    }

    fn refold(&mut self) {
        self.transcript = Transcript::default();
        self.tools = ToolRows::default();
        self.todos = Todos::default();
        self.usage = Usage::default();
        self.activity = Activity::default();
        self.permissions.reset_log();
        let filter = self.table.filter().clone();
        self.table = FilteredIndex::default();
        self.table.rebuild(filter, &[]);
        self.fold(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    fn stream() -> Vec<Envelope> {
        let mut events = vec![env(1, "user.prompt", json!({"text": "go"}))];
        for i in 0..50u64 {
            events.push(env(
                2 + i,
                "output.text",
                json!({"message_id": "m1", "text": format!("{i} "), "delta": true}),
            ));
        }
        events.push(env(
            52,
            "tool.started",
            json!({"tool_use_id": "t", "name": "Bash", "input": {"command": "ls"}}),
        ));
        events.push(env(
            53,
            "tool.completed",
            json!({"tool_use_id": "t", "output_preview": "", "output_bytes": 0, "is_error": true}),
        ));
        events
    }

    fn texts(model: &SessionModel) -> Vec<String> {
        model
            .transcript
            .entries()
            .iter()
            .map(|e| e.text.clone())
            .collect()
    }

    #[test]
    fn any_arrival_order_folds_like_the_full_list() {
        let all = stream();
        let mut expected = SessionModel::default();
        expected.extend(all.clone());

        // Live from offset 20, then the older part paged in, with a duplicate replay.
        let mut paged = SessionModel::default();
        paged.extend(all[19..].to_vec());
        assert!(paged.log.has_older());
        assert_eq!(paged.merge_page(all[..25].to_vec()), 19);
        paged.extend(all[50..].to_vec());
        assert_eq!(texts(&paged), texts(&expected));
        assert_eq!(paged.tools.rows(), expected.tools.rows());
        assert_eq!(paged.table.len(), all.len());

        // A gap filled by a page.
        let mut gappy = SessionModel::default();
        gappy.extend(all[..10].to_vec());
        gappy.extend(all[30..].to_vec());
        assert_eq!(gappy.log.gaps(), [(11, 30)]);
        gappy.merge_page(all[10..30].to_vec());
        assert!(gappy.log.gaps().is_empty());
        assert_eq!(texts(&gappy), texts(&expected));
    }

    #[test]
    fn the_filter_survives_new_events_and_clear() {
        let all = stream();
        let mut model = SessionModel::default();
        model.set_filter(EventFilter::new("tool.*", "").unwrap());
        model.extend(all[..52].to_vec());
        assert_eq!(model.table.len(), 1);
        model.extend(all[52..].to_vec());
        assert_eq!(model.table.len(), 2);
        model.clear();
        assert_eq!(model.table.len(), 0);
        model.extend(all);
        assert_eq!(model.table.len(), 2);
        assert_eq!(model.tools.failed(), 1);
    }
}
