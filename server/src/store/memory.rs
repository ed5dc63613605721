//! [`MemoryStore`]: the store without a database (`durability = "memory"`), for benchmarks and
//! tests. It behaves as [`SqliteStore`](super::SqliteStore) does (one test-suite runs against
//! both), except that nothing survives the process.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::analytics::{self, CostRow, GroupBy, SessionStatsRow, TimeRange, UsageRow};
use super::session::ACTIVE_STATUSES;
use super::{
    Checkpoint, Direction, EventPage, EventQuery, EventStore, McpServer, Project, Retention,
    SessionFilter, SessionRecord, StoreError, StoredEvent, TrimReport, TrimScope, now_ts,
    now_unix_millis,
};
use agentcast_shared::SessionState;

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
impl EventStore for MemoryStore {
    async fn append_batch(&self, batch: &[StoredEvent]) -> Result<(), StoreError> {
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
        Ok(())
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

    async fn upsert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let mut inner = self.lock();
        match inner.sessions.get_mut(&session.id) {
            Some(row) => {
                let head = row.record.head_offset.max(session.head_offset);
                row.record = session.clone();
                row.record.head_offset = head;
            }
            None => {
                let row = SessionRow {
                    record: session.clone(),
                    deleted_at: None,
                };
                inner.sessions.insert(session.id.clone(), row);
            }
        }
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .sessions
            .get(id)
            .filter(|row| row.deleted_at.is_none())
            .map(|row| inner.with_head(&row.record)))
    }

    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let inner = self.lock();
        let mut sessions: Vec<&SessionRecord> = inner
            .live_sessions()
            .filter(|s| filter.admits(s.status))
            .collect();
        // As the SQL: started_at descending, then id.
        sessions.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(a.id.cmp(&b.id)));
        Ok(sessions.into_iter().take(limit as usize).cloned().collect())
    }

    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError> {
        let mut inner = self.lock();
        let Inner {
            events, sessions, ..
        } = &mut *inner;
        let mut ids = Vec::new();
        for row in sessions.values_mut() {
            if !ACTIVE_STATUSES.contains(&row.record.status) {
                continue;
            }
            row.record.status = SessionState::Interrupted;
            if row.record.ended_at.is_none() {
                row.record.ended_at = events
                    .get(&row.record.id)
                    .and_then(|events| events.back())
                    .map(|e| e.ts.clone());
            }
            if row.deleted_at.is_none() {
                ids.push(row.record.id.clone());
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        inner.remove_through(id, u64::MAX);
        inner.checkpoints.retain(|_, c| c.session_id != id);
        Ok(match inner.sessions.get_mut(id) {
            Some(row) if row.deleted_at.is_none() => {
                row.deleted_at = Some(now_ts());
                true
            }
            _ => false,
        })
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
            let mut cutoff = retention.count_cutoff(last);
            if let Some(age_cutoff) = &age_cutoff {
                // The first event, from the oldest on, that is young enough; none: all go.
                let young = events
                    .iter()
                    .find(|e| e.ts.as_str() >= age_cutoff.as_str())
                    .map_or(last, |e| e.offset - 1);
                cutoff = cutoff.max(young);
            }
            let removed = inner.remove_through(&id, cutoff);
            if removed > 0 {
                report.sessions += 1;
                report.events_removed += removed;
            }
        }
        Ok(report)
    }

    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        insert_new(
            &mut self.lock().checkpoints,
            &checkpoint.id,
            checkpoint,
            "checkpoint",
        )
    }

    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.lock().checkpoints.get(id).cloned())
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        let mut found: Vec<Checkpoint> = self
            .lock()
            .checkpoints
            .values()
            .filter(|c| c.session_id == session_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.offset.cmp(&b.offset).then(a.id.cmp(&b.id)));
        Ok(found)
    }

    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.lock().checkpoints.remove(id).is_some())
    }

    async fn create_project(&self, project: &Project) -> Result<(), StoreError> {
        insert_new(&mut self.lock().projects, &project.id, project, "project")
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        Ok(self.lock().projects.get(id).cloned())
    }

    async fn list_projects(&self) -> Result<Vec<Project>, StoreError> {
        Ok(self.lock().projects.values().cloned().collect())
    }

    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        Ok(match self.lock().projects.get_mut(id) {
            Some(project) => {
                project.settings = settings.clone();
                true
            }
            None => false,
        })
    }

    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError> {
        insert_new(
            &mut self.lock().mcp_servers,
            &server.name,
            server,
            "mcp server",
        )
    }

    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError> {
        Ok(self.lock().mcp_servers.get(name).cloned())
    }

    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError> {
        Ok(self.lock().mcp_servers.values().cloned().collect())
    }

    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.lock().mcp_servers.remove(name).is_some())
    }

    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let inner = self.lock();
        Ok(analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            |key| UsageRow {
                key,
                sessions: 0,
                input_tokens: 0,
                output_tokens: 0,
                cache_read_tokens: 0,
                cache_creation_tokens: 0,
            },
            |row, s| {
                row.sessions += 1;
                row.input_tokens += s.input_tokens;
                row.output_tokens += s.output_tokens;
                row.cache_read_tokens += s.cache_read_tokens;
                row.cache_creation_tokens += s.cache_creation_tokens;
            },
        ))
    }

    async fn costs_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<CostRow>, StoreError> {
        let inner = self.lock();
        Ok(analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            |key| CostRow {
                key,
                sessions: 0,
                total_cost_usd: 0.0,
            },
            |row, s| {
                row.sessions += 1;
                row.total_cost_usd += s.total_cost_usd.unwrap_or(0.0);
            },
        ))
    }

    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError> {
        let inner = self.lock();
        Ok(analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            SessionStatsRow::empty,
            analytics::add_outcome,
        ))
    }

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
