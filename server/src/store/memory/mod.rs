//! [`MemoryStore`]: the store without a database (`durability = "memory"`), for benchmarks and
//! tests. It behaves as [`SqliteStore`](super::SqliteStore) does (one test-suite runs against
//! both), except that nothing survives the process.
//!
//! Files: this one holds the data (everything under one lock); `events`, `sessions`,
//! `projects` and `analytics` implement one trait of the store each over it.

mod analytics;
mod events;
mod projects;
mod sessions;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use agentcast_shared::rest::{Checkpoint, McpServer, Project, SessionRecord};
use async_trait::async_trait;

use super::{Backend, FileCursor, StoreError, StoredEvent};

/// Everything in one mutex: a std mutex because every operation is a short, synchronous
/// critical section with no `.await` inside, and one lock makes each call atomic the way a
/// transaction is.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Each session's events, oldest first, contiguous offsets.
    events: HashMap<String, VecDeque<StoredEvent>>,
    sessions: HashMap<String, SessionRow>,
    checkpoints: BTreeMap<String, Checkpoint>,
    projects: BTreeMap<String, Project>,
    mcp_servers: BTreeMap<String, McpServer>,
    /// Transcript read positions, by path.
    cursors: BTreeMap<String, FileCursor>,
}

struct SessionRow {
    record: SessionRecord,
    deleted_at: Option<String>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every mutation below is
        // checked before it starts), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn last_offset(&self, session_id: &str) -> u64 {
        self.events
            .get(session_id)
            .and_then(|events| events.back())
            .map_or(0, |e| e.offset)
    }

    fn contains(&self, session_id: &str, offset: u64) -> bool {
        self.events
            .get(session_id)
            .is_some_and(|events| events.binary_search_by_key(&offset, |e| e.offset).is_ok())
    }

    /// Raises the summary's head to `offset` (as the SQL `UPDATE ... WHERE head_offset < ?`).
    fn raise_head(&mut self, session_id: &str, offset: u64) {
        if let Some(row) = self.sessions.get_mut(session_id) {
            row.record.head_offset = row.record.head_offset.max(offset);
        }
    }

    /// Removes a session's events with offsets up to `cutoff`; how many went.
    fn remove_through(&mut self, session_id: &str, cutoff: u64) -> u64 {
        let last = self.last_offset(session_id);
        self.raise_head(session_id, last);
        let Some(events) = self.events.get_mut(session_id) else {
            return 0;
        };
        let count = events.partition_point(|e| e.offset <= cutoff);
        events.drain(..count);
        if events.is_empty() {
            self.events.remove(session_id);
        }
        count as u64
    }

    /// A summary as read: its head is the greater of the summary's and the last event's (as
    /// the SQL computes it; appends do not touch summaries).
    fn with_head(&self, record: &SessionRecord) -> SessionRecord {
        let mut record = record.clone();
        record.head_offset = record.head_offset.max(self.last_offset(&record.id));
        record
    }

    fn live_sessions(&self) -> impl Iterator<Item = &SessionRecord> {
        self.sessions
            .values()
            .filter(|row| row.deleted_at.is_none())
            .map(|row| &row.record)
    }
}

#[async_trait]
impl Backend for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn close(&self) {}
}

/// Inserts `value` under a new `key`; [`StoreError::Conflict`] if the key is taken.
fn insert_new<T: Clone>(
    map: &mut BTreeMap<String, T>,
    key: &str,
    value: &T,
    what: &'static str,
) -> Result<(), StoreError> {
    if map.contains_key(key) {
        return Err(StoreError::Conflict {
            what,
            key: key.to_owned(),
        });
    }
    map.insert(key.to_owned(), value.clone());
    Ok(())
}
