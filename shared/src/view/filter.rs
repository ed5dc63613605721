//! The raw event table's filter: type patterns (the same syntax as `subscribe`, parsed by
//! `agentcast_shared::Pattern`) and a case-insensitive text search over the type and data,
//! plus the index of matching rows, kept up to date as events arrive instead of recomputed.

use crate::{Envelope, Pattern, PatternError};

/// The type patterns and search text the event table is filtered by; an empty filter admits
/// every event.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct EventFilter {
    /// Empty: every type.
    patterns: Vec<Pattern>,
    /// Lower case; empty: no text condition.
    search: String,
}

impl EventFilter {
    /// From what the user typed: patterns separated by commas or spaces (`tool.*, output.text`)
    /// and a search text. A bad pattern is an error naming it, shown under the input.
    pub fn new(patterns: &str, search: &str) -> Result<EventFilter, PatternError> {
        let patterns = patterns
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Pattern::parse)
            .collect::<Result<_, _>>()?;
        Ok(EventFilter {
            patterns,
            search: search.trim().to_lowercase(),
        })
    }

    /// True when the filter admits every event.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.search.is_empty()
    }

    /// True when `envelope`'s type matches a pattern (or there is none) and the search text is
    /// found in its type, offset or data (or there is none).
    pub fn matches(&self, envelope: &Envelope) -> bool {
        let type_ok =
            self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(&envelope.kind));
        type_ok && (self.search.is_empty() || self.text_matches(envelope))
    }

    fn text_matches(&self, envelope: &Envelope) -> bool {
        envelope.kind.contains(&self.search)
            || envelope.offset.to_string() == self.search
            // The data as JSON text: the search finds any field, key or value.
            || envelope.data.to_string().to_lowercase().contains(&self.search)
    }
}

/// Positions (in the event log) of the events the filter admits.
#[derive(Debug, Default, Clone)]
pub struct FilteredIndex {
    filter: EventFilter,
    matching: Vec<usize>,
    /// How many log entries have been looked at: new ones are checked on [`Self::extend`].
    seen: usize,
}

impl FilteredIndex {
    /// Rechecks every event: after the filter changed or events were inserted before the end.
    pub fn rebuild(&mut self, filter: EventFilter, events: &[Envelope]) {
        self.filter = filter;
        self.matching.clear();
        self.seen = 0;
        self.extend(events);
    }

    /// Checks the events appended since the last call.
    pub fn extend(&mut self, events: &[Envelope]) {
        if events.len() < self.seen {
            let filter = std::mem::take(&mut self.filter);
            return self.rebuild(filter, events);
        }
        let filter = &self.filter;
        self.matching.extend(
            events[self.seen..]
                .iter()
                .enumerate()
                .filter(|(_, e)| filter.matches(e))
                .map(|(i, _)| self.seen + i),
        );
        self.seen = events.len();
    }

    /// The filter the index is built with.
    pub fn filter(&self) -> &EventFilter {
        &self.filter
    }

    /// How many events match.
    pub fn len(&self) -> usize {
        self.matching.len()
    }

    /// True when no event matches.
    pub fn is_empty(&self) -> bool {
        self.matching.is_empty()
    }

    /// Log positions of the matching rows `range` (clamped).
    pub fn slice(&self, range: std::ops::Range<usize>) -> &[usize] {
        let end = range.end.min(self.matching.len());
        &self.matching[range.start.min(end)..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    fn events() -> Vec<Envelope> {
        vec![
            env(
                1,
                "tool.started",
                json!({"tool_use_id": "t1", "name": "Bash", "input": {"command": "cargo TEST"}}),
            ),
            env(2, "output.text", json!({"text": "All tests pass"})),
            env(
                3,
                "tool.completed",
                json!({"tool_use_id": "t1", "output_preview": "ok", "output_bytes": 2}),
            ),
            env(
                4,
                "usage.updated",
                json!({"input_tokens": 1, "output_tokens": 1, "total_cost_usd": 0}),
            ),
        ]
    }

    fn offsets(filter: &EventFilter) -> Vec<u64> {
        events()
            .into_iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.offset)
            .collect()
    }

    #[test]
    fn patterns_are_the_subscribe_patterns() {
        assert_eq!(offsets(&EventFilter::new("", "").unwrap()), [1, 2, 3, 4]);
        assert_eq!(offsets(&EventFilter::new("tool.*", "").unwrap()), [1, 3]);
        assert_eq!(
            offsets(&EventFilter::new("tool.completed, output.text", "").unwrap()),
            [2, 3]
        );
        assert_eq!(offsets(&EventFilter::new("*", "").unwrap()), [1, 2, 3, 4]);
        let err = EventFilter::new("tool.*, tol.started", "").unwrap_err();
        assert!(err.to_string().contains("tol.started"), "{err}");
    }

    #[test]
    fn search_is_case_insensitive_over_type_and_data() {
        assert_eq!(offsets(&EventFilter::new("", "test").unwrap()), [1, 2]);
        assert_eq!(offsets(&EventFilter::new("output.*", "TEST").unwrap()), [2]);
        assert_eq!(offsets(&EventFilter::new("", "usage").unwrap()), [4]);
        assert_eq!(offsets(&EventFilter::new("", "3").unwrap()), [3]);
        assert!(EventFilter::new(" ", " ").unwrap().is_empty());
    }

    #[test]
    fn the_index_follows_appends_and_rebuilds() {
        let all = events();
        let mut index = FilteredIndex::default();
        index.rebuild(EventFilter::new("tool.*", "").unwrap(), &all[..2]);
        assert_eq!(index.slice(0..10), [0]);
        index.extend(&all);
        assert_eq!(index.slice(0..10), [0, 2]);
        assert_eq!(index.slice(1..10), [2]);
        assert_eq!(index.slice(5..10), [] as [usize; 0]);
        // The log shrank (cleared): everything is looked at again.
        index.extend(&all[..1]);
        assert_eq!(index.len(), 1);
        index.rebuild(EventFilter::default(), &all);
        assert_eq!(index.len(), 4);
    }
}
