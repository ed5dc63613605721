//! [`SessionCatalog`]: the sessions' records (summary and totals, one row of `sessions`) and
//! their checkpoints, and how statuses and sources are stored.

use agentcast_shared::rest::{Checkpoint, SessionFilter, SessionRecord};
use agentcast_shared::{AgentKind, SessionSource, SessionState};
use async_trait::async_trait;

use super::StoreError;

/// Where a session sits in the list order (`started_at` descending, then `id`): the key a
/// page of sessions continues after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    pub started_at: String,
    pub id: String,
}

impl SessionKey {
    pub fn of(record: &SessionRecord) -> Self {
        SessionKey {
            started_at: record.started_at.clone(),
            id: record.id.clone(),
        }
    }

    /// Whether `record` comes after this key in the list order.
    pub fn precedes(&self, record: &SessionRecord) -> bool {
        record.started_at < self.started_at
            || (record.started_at == self.started_at && record.id > self.id)
    }
}

/// What is known of each session besides its events. The hub folds lifecycle and usage
/// events into a [`SessionRecord`] and upserts the whole record; keeping the totals here is
/// what lets the [`Analytics`](super::Analytics) run without scanning events.
#[async_trait]
pub trait SessionCatalog: Send + Sync + 'static {
    /// Inserts or replaces a session's record (called on lifecycle and usage events).
    /// `head_offset` only moves forward; a deleted session stays deleted.
    async fn upsert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// A session's record, its head the greater of the record's and its last stored event's;
    /// `None` if unknown or deleted.
    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Sessions, newest `started_at` first (then by id), at most `limit`, starting after
    /// `after` (the last of the previous page) when given; deleted ones are left out.
    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
        after: Option<&SessionKey>,
    ) -> Result<Vec<SessionRecord>, StoreError>;

    /// The session (not deleted) the agent knows as `agent_session_id`, if any: a transcript
    /// of a session agentcast runs joins that session instead of making a second one.
    async fn find_by_agent_session_id(
        &self,
        agent_session_id: &str,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// After a crash or restart: every session still starting, running or idle becomes
    /// `interrupted` (collected ones, [`COLLECTED_SOURCES`], become `idle` instead), with `ended_at` set to its last stored event's `ts` (when it has none).
    /// Returns the ids of those not deleted, sorted, so the hub can announce them.
    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError>;

    /// Soft delete: the record stays, marked deleted (the analytics keep its totals and its
    /// head offset stays, so a reused id never restarts at 1), while its events and
    /// checkpoints are removed (a deleted transcript is not kept around). `false` if the
    /// session was unknown or already deleted.
    async fn delete_session(&self, id: &str) -> Result<bool, StoreError>;

    /// Stores a checkpoint; [`StoreError::Conflict`] if its id exists.
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// A checkpoint by id.
    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError>;
    /// A session's checkpoints, by offset.
    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError>;
    /// Removes a checkpoint; `false` if unknown.
    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError>;
}

/// The statuses that may still produce events, as stored: what
/// [`mark_interrupted_on_startup`](SessionCatalog::mark_interrupted_on_startup) ends.
pub(crate) const ACTIVE_STATUSES: [SessionState; 4] = [
    SessionState::Starting,
    SessionState::Running,
    SessionState::Idle,
    SessionState::Waiting,
];

/// Sources whose sessions no process of this server runs: a restart does not end them, it
/// leaves them idle until their collector reads on and says more.
pub(crate) const COLLECTED_SOURCES: [SessionSource; 2] =
    [SessionSource::Transcript, SessionSource::Tmux];

/// A stored source name back; the wire's serde names are the one definition.
pub(crate) fn parse_source(stored: &str) -> Result<SessionSource, StoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| StoreError::corrupt("session source")(format!("{stored:?}: {e}")))
}

/// A stored agent kind back (a kind this build does not know reads as `other`).
pub(crate) fn parse_agent(stored: &str) -> Result<AgentKind, StoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| StoreError::corrupt("session agent")(format!("{stored:?}: {e}")))
}

/// A stored status name back.
pub(crate) fn parse_status(stored: &str) -> Result<SessionState, StoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| StoreError::corrupt("session status")(format!("{stored:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_wire_names() {
        for source in SessionSource::ALL {
            let wire = serde_json::to_value(source).unwrap();
            assert_eq!(wire, source.as_str());
            assert_eq!(parse_source(source.as_str()).unwrap(), source);
        }
        for status in SessionState::ALL {
            assert_eq!(parse_status(status.as_str()).unwrap(), status);
        }
        assert!(matches!(
            parse_status("exploded"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn active_statuses_are_the_active_states() {
        let active: Vec<_> = SessionState::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        assert_eq!(active, ACTIVE_STATUSES);
    }
}
