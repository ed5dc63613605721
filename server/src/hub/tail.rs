//! The in-memory tail of a session: its last events as they were sent, so a reconnecting
//! client catches up without touching the disk (DESIGN.md section 4).

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::value::RawValue;

/// One sent event: its offset, type and envelope exactly as live clients received it.
#[derive(Clone)]
pub(crate) struct TailEntry {
    pub offset: u64,
    pub kind: &'static str,
    pub payload: Arc<RawValue>,
}

/// The last `capacity` events of a session, oldest first.
pub(crate) struct Tail {
    entries: VecDeque<TailEntry>,
    capacity: usize,
}

impl Tail {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
        }
    }

    pub fn push(&mut self, entry: TailEntry) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The oldest offset held, if any.
    pub fn first_offset(&self) -> Option<u64> {
        self.entries.front().map(|e| e.offset)
    }

    /// Up to `limit` entries with `offset > after`, in order.
    pub fn after(&self, after: u64, limit: usize) -> Vec<TailEntry> {
        let Some(first) = self.first_offset() else {
            return Vec::new();
        };
        // Offsets are consecutive, so the position of `after + 1` is arithmetic.
        let skip = after.saturating_add(1).saturating_sub(first) as usize;
        self.entries
            .iter()
            .skip(skip)
            .take(limit)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(offset: u64) -> TailEntry {
        let payload: Arc<RawValue> = Arc::from(RawValue::from_string(offset.to_string()).unwrap());
        TailEntry {
            offset,
            kind: "output.text",
            payload,
        }
    }

    fn offsets(entries: &[TailEntry]) -> Vec<u64> {
        entries.iter().map(|e| e.offset).collect()
    }

    #[test]
    fn keeps_the_last_events_and_answers_ranges() {
        let mut tail = Tail::new(3);
        assert_eq!(tail.first_offset(), None);
        assert!(tail.after(0, 10).is_empty());
        for offset in 1..=5 {
            tail.push(entry(offset));
        }
        assert_eq!(tail.first_offset(), Some(3));
        assert_eq!(offsets(&tail.after(0, 10)), [3, 4, 5]);
        assert_eq!(offsets(&tail.after(3, 10)), [4, 5]);
        assert_eq!(offsets(&tail.after(3, 1)), [4]);
        assert!(tail.after(5, 10).is_empty());
        assert!(tail.after(9, 10).is_empty());
    }

    #[test]
    fn a_zero_capacity_tail_holds_nothing() {
        let mut tail = Tail::new(0);
        tail.push(entry(1));
        assert_eq!(tail.first_offset(), None);
    }
}
