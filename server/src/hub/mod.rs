//! The hub: the sessions of this server and the in-process API that publishes into them.
//!
//! - `session`: [`SessionHandle`], what the rest of the server holds of one session.
//! - `sequencer`: the single task per session that assigns offsets, commits and broadcasts.
//! - `envelope`: the envelope bytes clients receive, built once per event.
//! - `delivery`: [`Delivery`] and [`Recipient`], the small interface through which the hub
//!   reaches clients; the Socket.IO layer implements it.
//! - `tail`, `recovery`: the in-memory tail of each session and the catch-up of a client that
//!   reconnects with its last offset.
//! - `type_set`: [`TypeSet`], the event types a client is subscribed to.
//! - `stats`: counters and the periodic `system.stats` event.
//! - `process`: this process's CPU time and memory, from /proc.
//! - `system_error`: failures of the server itself, counted and emitted as `system.error`.
//! - `history`: pages of a session's stored events (`get_history`, `GET .../events`).
//! - `status`: what `get_status` reports of a session and of the hub.
//! - `retention`: trimming sessions to the event cap and the age limit.
//! - `follow`: broadcasting what the other servers of a shared store (PostgreSQL) store.
//!
//! Data flows one way: sources publish into the hub; the hub sequences, stores and hands
//! envelopes to its [`Delivery`]; the socket layer calls the hub, never the reverse. Every
//! session has exactly one sequencer, the only emitter for its namespace, so each client
//! receives that session's offsets in order.

pub mod delivery;
pub mod envelope;
pub mod follow;
mod group_commit;
pub mod history;
pub(crate) mod process;
mod recovery;
pub mod retention;
mod sequencer;
pub(crate) mod session;
pub(crate) mod stats;
mod status;
pub(crate) mod system_error;
mod tail;
mod type_set;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::rest::SessionRecord;
use agentcast_shared::{
    ErrorCode, Event, SESSION_RECOVERED, SYSTEM_ERROR, SYSTEM_STATS, SessionSummary,
    is_valid_session_id,
};
use tokio::task::JoinSet;

pub use delivery::{Delivery, Recipient, SendFailure};
pub use follow::BrokerCounters;
pub use session::SessionHandle;
pub use stats::{CollectorCounters, Hits, PerNamespace, Stats};
pub use system_error::Component;
pub use type_set::TypeSet;

use crate::config::HubSettings;
use crate::ingest::IngestLimits;
use crate::project::ProjectLinker;
use crate::store::{Store, StoreError};

/// Prefix of the per-session namespaces.
pub const SESSION_NS_PREFIX: &str = "/sessions/";

/// Event types only the server emits (per socket or per server), never a producer.
const SERVER_ONLY_TYPES: [&str; 3] = [SESSION_RECOVERED, SYSTEM_STATS, SYSTEM_ERROR];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HubError {
    #[error(
        "invalid session id {0:?}: use 1 to 128 characters among letters, digits, '-', '_' and '.'"
    )]
    InvalidSessionId(String),
    #[error("events: {count} events in one publish, the limit is {max}")]
    TooManyEvents { count: usize, max: usize },
    #[error("events[{index}]: {kind} is emitted by the server and cannot be published")]
    NotPublishable { index: usize, kind: &'static str },
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The store failed; the detail is in the server log, not in the answer.
    #[error("the events could not be stored; see the server log")]
    Store,
}

impl HubError {
    /// The wire error code of this error (acks and REST answers alike).
    pub fn code(&self) -> ErrorCode {
        match self {
            HubError::ShuttingDown => ErrorCode::Unavailable,
            HubError::Store => ErrorCode::Internal,
            HubError::InvalidSessionId(_)
            | HubError::TooManyEvents { .. }
            | HubError::NotPublishable { .. } => ErrorCode::BadRequest,
        }
    }
}

/// The sessions of this server. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    store: Store,
    /// Where envelopes go: the Socket.IO layer.
    delivery: Arc<dyn Delivery>,
    settings: HubSettings,
    /// Limits of the line sources that feed sessions through the hub (socket `ingest`).
    ingest: IngestLimits,
    stats: Arc<Stats>,
    /// Session id -> handle. A std mutex: lookups and inserts only, never held across an await.
    sessions: Mutex<HashMap<Arc<str>, SessionHandle>>,
    /// The sequencer tasks, awaited on shutdown so queued work is finished.
    tasks: Mutex<JoinSet<()>>,
    /// Gives sessions their project as their `session.started` is sequenced.
    projects: ProjectLinker,
}

impl Hub {
    pub fn new(
        store: Store,
        delivery: Arc<dyn Delivery>,
        settings: HubSettings,
        ingest: IngestLimits,
        stats: Arc<Stats>,
    ) -> Self {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let projects = ProjectLinker::new(store.projects().clone(), home);
        Self {
            inner: Arc::new(HubInner {
                projects,
                store,
                delivery,
                settings,
                ingest,
                stats,
                sessions: Mutex::default(),
                tasks: Mutex::new(JoinSet::new()),
            }),
        }
    }

    pub(crate) fn delivery(&self) -> &dyn Delivery {
        &*self.inner.delivery
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn projects(&self) -> &ProjectLinker {
        &self.inner.projects
    }

    pub fn settings(&self) -> &HubSettings {
        &self.inner.settings
    }

    pub fn ingest_limits(&self) -> &IngestLimits {
        &self.inner.ingest
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.inner.stats
    }

    /// The session with this id, created (with its sequencer) on first use.
    pub fn session(&self, id: &str) -> Result<SessionHandle, HubError> {
        self.session_from(id, None)
    }

    /// [`session`](Self::session); one that is created here starts before offset
    /// `resume_below` when given (see `follow`).
    fn session_from(&self, id: &str, resume_below: Option<u64>) -> Result<SessionHandle, HubError> {
        if !is_valid_session_id(id) {
            return Err(HubError::InvalidSessionId(id.to_owned()));
        }
        let mut sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = sessions.get(id) {
            return Ok(handle.clone());
        }
        let (handle, sequencer) = sequencer::spawn_parts(
            Arc::from(id),
            self.clone(),
            &self.inner.settings,
            resume_below,
        );
        self.inner
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .spawn(sequencer.run());
        sessions.insert(handle.id_arc(), handle.clone());
        Ok(handle)
    }

    /// An existing session, without creating it.
    pub fn find(&self, id: &str) -> Option<SessionHandle> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Every session this server has a handle of.
    fn handles(&self) -> Vec<SessionHandle> {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        sessions.values().cloned().collect()
    }

    /// A session's record: the stored summary, brought up to date from this server's handle
    /// of the session when it has one (`None` if unknown or deleted).
    pub async fn record(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let stored = self.inner.store.sessions().get_session(id).await?;
        let live = self.find(id).filter(|s| s.head_offset() > 0);
        Ok(match (stored, live) {
            (Some(stored), Some(live)) => Some(SessionRecord {
                head_offset: stored.head_offset.max(live.head_offset()),
                ..live.record()
            }),
            // Not stored yet (its first batch is being committed) or deleted: only a live
            // handle that has sent events since is worth showing.
            (None, Some(live)) if live.is_active() => Some(live.record()),
            (stored, _) => stored,
        })
    }

    /// Drops this server's handle of a deleted session, so its tail is not replayed to a
    /// reconnecting client. A later use starts it afresh at the stored head offset.
    pub fn forget(&self, id: &str) {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Publishes typed events into a session: the sequencer assigns their offsets, emits them
    /// to the session namespace (and lifecycle and usage events to `/`) and returns the new
    /// head offset. This is the in-process API every source uses.
    pub async fn publish(&self, session_id: &str, events: Vec<Event>) -> Result<u64, HubError> {
        self.check_publishable(&events)?;
        self.session(session_id)?.publish(events).await
    }

    fn check_publishable(&self, events: &[Event]) -> Result<(), HubError> {
        let max = self.inner.settings.max_events_per_publish;
        if events.len() > max {
            return Err(HubError::TooManyEvents {
                count: events.len(),
                max,
            });
        }
        let server_only = |e: &Event| SERVER_ONLY_TYPES.contains(&e.kind());
        if let Some((index, event)) = events.iter().enumerate().find(|(_, e)| server_only(e)) {
            return Err(HubError::NotPublishable {
                index,
                kind: event.kind(),
            });
        }
        Ok(())
    }

    /// A summary of every session, for `get_status` on `/`.
    pub fn summaries(&self) -> Vec<SessionSummary> {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // A session only watched so far (connected to, nothing published) is not listed.
        let mut list: Vec<_> = sessions
            .values()
            .filter(|s| s.head_offset() > 0)
            .map(SessionHandle::summary)
            .collect();
        list.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        list
    }

    pub fn active_sessions(&self) -> u64 {
        let sessions = self
            .inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let active = sessions
            .values()
            .filter(|s| s.head_offset() > 0 && s.is_active());
        active.count() as u64
    }

    /// Catches up a client that connected with its last offset (it is in no room yet): every
    /// event after `offset`, then `session.recovered`, then it goes live (see `recovery`).
    pub fn recover(
        &self,
        recipient: Arc<dyn Recipient>,
        session_id: &str,
        offset: u64,
    ) -> Result<(), HubError> {
        let session = self.session(session_id)?;
        tokio::spawn(recovery::replay(self.clone(), recipient, session, offset));
        Ok(())
    }

    /// Stops taking work and lets every sequencer finish what it has queued, for at most
    /// `grace`; what is left after that is aborted and logged.
    pub async fn shutdown(&self, grace: Duration) {
        // Dropping the handles closes the sequencers' channels once in-flight publishers finish.
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let mut tasks =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(
                left = tasks.len(),
                "sequencers still busy after the shutdown grace; aborting them"
            );
            tasks.shutdown().await;
        }
    }
}
