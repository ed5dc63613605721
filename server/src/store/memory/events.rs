//! The event log in memory: each session's events in a `VecDeque`, oldest first.

use std::collections::HashMap;

use async_trait::async_trait;

use super::MemoryStore;
use crate::clock::now_unix_millis;
use crate::store::{
    Direction, EventLog, EventPage, EventQuery, FileCursor, Retention, StoreError, StoredEvent,
    TrimReport, TrimScope,
};

#[async_trait]
impl EventLog for MemoryStore {
    fn commits_at_once(&self) -> bool {
        true
    }

    async fn commit(
        &self,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        // Check every event first so that a conflict leaves nothing half-applied. The common
        // case (each session's offsets rising past its last stored one) costs one lookup per
        // event; an out-of-order offset is checked against the store and the batch.
        let mut highest: HashMap<&str, u64> = HashMap::new();
        for (i, event) in batch.iter().enumerate() {
            let high = highest
                .entry(&*event.session_id)
                .or_insert_with(|| inner.last_offset(&event.session_id));
            if event.offset > *high {
                *high = event.offset;
                continue;
            }
            let repeated = batch[..i]
                .iter()
                .any(|e| e.session_id == event.session_id && e.offset == event.offset);
            if repeated || inner.contains(&event.session_id, event.offset) {
                return Err(StoreError::Conflict {
                    what: "event",
                    key: format!("{} offset {}", event.session_id, event.offset),
                });
            }
        }
        for event in batch {
            let events = inner
                .events
                .entry(event.session_id.to_string())
                .or_default();
            match events.back() {
                Some(last) if last.offset > event.offset => {
                    let at = events.partition_point(|e| e.offset < event.offset);
                    events.insert(at, event.clone());
                }
                _ => events.push_back(event.clone()),
            }
        }
        for cursor in cursors {
            inner.cursors.insert(cursor.path.clone(), cursor.clone());
        }
        Ok(())
    }

    async fn file_cursors(&self) -> Result<Vec<FileCursor>, StoreError> {
        // A BTreeMap: by path, as the SQL orders them.
        Ok(self.lock().cursors.values().cloned().collect())
    }

    async fn read_events(
        &self,
        session_id: &str,
        query: &EventQuery<'_>,
    ) -> Result<EventPage, StoreError> {
        let inner = self.lock();
        let Some(events) = inner.events.get(session_id) else {
            return Ok(EventPage::default());
        };
        let start = events.partition_point(|e| e.offset <= query.after);
        let end = query
            .before
            .map_or(events.len(), |before| {
                events.partition_point(|e| e.offset < before)
            })
            .max(start);
        let in_range = events.range(start..end);
        let wanted = query.limit as usize + 1;
        let mut page: Vec<StoredEvent> = match query.direction {
            Direction::Forward => in_range
                .filter(|e| query.matches(e.offset, &e.kind))
                .take(wanted)
                .cloned()
                .collect(),
            Direction::Backward => in_range
                .rev()
                .filter(|e| query.matches(e.offset, &e.kind))
                .take(wanted)
                .cloned()
                .collect(),
        };
        let has_more = page.len() > query.limit as usize;
        page.truncate(query.limit as usize);
        if query.direction == Direction::Backward {
            page.reverse();
        }
        Ok(EventPage {
            events: page,
            has_more,
        })
    }

    async fn head_offset(&self, session_id: &str) -> Result<u64, StoreError> {
        let inner = self.lock();
        let summary = inner
            .sessions
            .get(session_id)
            .map_or(0, |row| row.record.head_offset);
        Ok(summary.max(inner.last_offset(session_id)))
    }

    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .events
            .get(session_id)
            .and_then(|events| events.front())
            .map(|e| e.offset))
    }

    async fn trim(
        &self,
        scope: TrimScope<'_>,
        retention: &Retention,
    ) -> Result<TrimReport, StoreError> {
        let age_cutoff = retention.age_cutoff(now_unix_millis());
        let mut inner = self.lock();
        let ids: Vec<String> = match scope {
            TrimScope::Session(id) => vec![id.to_owned()],
            TrimScope::All => inner.events.keys().cloned().collect(),
        };
        let mut report = TrimReport::default();
        for id in ids {
            let Some(events) = inner.events.get(&id) else {
                continue;
            };
            let last = events.back().map_or(0, |e| e.offset);
            // The first event, from the oldest on, that is young enough.
            let first_young = age_cutoff.as_ref().map(|age_cutoff| {
                events
                    .iter()
                    .find(|e| e.ts.as_str() >= age_cutoff.as_str())
                    .map(|e| e.offset)
            });
            let cutoff = retention.cutoff(last, first_young);
            let removed = inner.remove_through(&id, cutoff);
            if removed > 0 {
                report.sessions += 1;
                report.events_removed += removed;
            }
        }
        Ok(report)
    }
}
