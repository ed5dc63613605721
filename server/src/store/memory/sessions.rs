//! The session catalog in memory: records with their deletion mark, and checkpoints.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use async_trait::async_trait;

use super::{Inner, MemoryStore, SessionRow, insert_new};
use crate::clock::now_ts;
use crate::store::session_catalog::{ACTIVE_STATUSES, COLLECTED_SOURCES};
use crate::store::{SessionCatalog, SessionKey, StoreError};

#[async_trait]
impl SessionCatalog for MemoryStore {
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

    async fn find_by_agent_session_id(
        &self,
        agent_session_id: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let inner = self.lock();
        // As the SQL: the oldest such session, should there be several.
        let found = inner
            .live_sessions()
            .filter(|s| s.agent_session_id.as_deref() == Some(agent_session_id))
            .min_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        Ok(found.map(|record| inner.with_head(record)))
    }

    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
        after: Option<&SessionKey>,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let inner = self.lock();
        let mut sessions: Vec<&SessionRecord> = inner
            .live_sessions()
            .filter(|s| filter.admits(s.status))
            .filter(|s| after.is_none_or(|key| key.precedes(s)))
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
            if COLLECTED_SOURCES.contains(&row.record.source) {
                // Their collector tells whether the agent still runs once it reads on.
                row.record.status = SessionState::Idle;
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
}
