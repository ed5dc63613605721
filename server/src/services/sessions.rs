//! [`SessionService`]: sessions as the REST API sees them, the live ones of this run (whose
//! handles know the latest head and totals) and the stored ones together, with whether this
//! server runs a process for each.

use agentcast_shared::rest::{
    Checkpoint, ListSessionsParams, SessionDetail, SessionList, SessionRecord, SessionView,
};
use agentcast_shared::{Event, SessionCheckpoint};
use bytes::Bytes;
use futures_util::{Stream, stream};

use super::{ServiceError, session_cursor};
use crate::clock::now_ts;
use crate::hub::{Hub, envelope};
use crate::sources::Supervisor;
use crate::store::{EventLog, EventQuery, SessionKey};

/// The sessions a list returns when the caller does not say.
const DEFAULT_LIST_LIMIT: u32 = 100;
/// The most sessions one list returns.
const MAX_LIST_LIMIT: u32 = 1000;
/// Events read per store query while exporting.
const EXPORT_PAGE: u32 = 1000;

/// What `DELETE /api/sessions/{id}` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    /// A process this server started runs for the session: it is being stopped, and the
    /// transcript stays.
    Stopping,
    /// The session is deleted.
    Deleted,
}

/// The sessions of this server's hub and store. Cheap to clone.
#[derive(Clone)]
pub(crate) struct SessionService {
    hub: Hub,
    supervisor: Supervisor,
}

impl SessionService {
    pub(crate) fn new(hub: Hub, supervisor: Supervisor) -> Self {
        SessionService { hub, supervisor }
    }

    /// A page of sessions, newest first, deleted ones left out; a live session's record
    /// wins over the stored one when it is as far or further.
    pub(crate) async fn list(
        &self,
        params: &ListSessionsParams,
    ) -> Result<SessionList, ServiceError> {
        let filter = params.status.unwrap_or_default();
        let limit = match params.limit {
            Some(0) => return Err(ServiceError::invalid("limit", "must be at least 1")),
            Some(limit) => limit.min(MAX_LIST_LIMIT),
            None => DEFAULT_LIST_LIMIT,
        };
        let after = match &params.cursor {
            Some(cursor) => Some(session_cursor::decode(cursor).ok_or_else(|| {
                ServiceError::invalid("cursor", "not a next_cursor this server gave")
            })?),
            None => None,
        };
        let stored = self
            .hub
            .store()
            .sessions()
            .list_sessions(filter, limit, after.as_ref())
            .await?;
        // A full page may have a next one; the key is the stored order's, whatever the
        // filtering below leaves.
        let next_cursor = match stored.last() {
            Some(last) if stored.len() == limit as usize => {
                Some(session_cursor::encode(&SessionKey::of(last)))
            }
            _ => None,
        };
        let sessions = stored
            .into_iter()
            .map(|stored| {
                // The live handle knows the latest head and totals.
                let record = match self.hub.find(&stored.id) {
                    Some(live) if live.head_offset() >= stored.head_offset => live.record(),
                    _ => stored,
                };
                self.view(record)
            })
            .filter(|view| filter.admits(view.record.status))
            .collect();
        Ok(SessionList {
            sessions,
            next_cursor,
        })
    }

    /// One session and its checkpoints.
    pub(crate) async fn detail(&self, session_id: &str) -> Result<SessionDetail, ServiceError> {
        let record = self.find(session_id).await?;
        let checkpoints = self
            .hub
            .store()
            .sessions()
            .list_checkpoints(session_id)
            .await?;
        Ok(SessionDetail {
            session: self.view(record),
            checkpoints,
        })
    }

    /// A session's record, or [`ServiceError::NotFound`] for an unknown or deleted one.
    pub(crate) async fn find(&self, session_id: &str) -> Result<SessionRecord, ServiceError> {
        self.hub
            .record(session_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("session", session_id))
    }

    /// Stops the session's process if this server runs one; otherwise deletes the session
    /// (its events and checkpoints go, its totals stay in the analytics, its id continues at
    /// the next offset if reused).
    pub(crate) async fn remove(&self, session_id: &str) -> Result<Removal, ServiceError> {
        if self.supervisor.stop(session_id) {
            return Ok(Removal::Stopping);
        }
        if !self
            .hub
            .store()
            .sessions()
            .delete_session(session_id)
            .await?
        {
            return Err(ServiceError::not_found("session", session_id));
        }
        self.hub.forget(session_id);
        Ok(Removal::Deleted)
    }

    /// Marks the session's current head: stored, and announced to its watchers as a
    /// `session.checkpoint` event.
    pub(crate) async fn checkpoint(
        &self,
        session_id: &str,
        label: Option<String>,
    ) -> Result<Checkpoint, ServiceError> {
        let store = self.hub.store();
        let Some(record) = self.hub.record(session_id).await? else {
            // A deleted session keeps its head offset in the store; an unknown one has none.
            return Err(if store.events().head_offset(session_id).await? > 0 {
                ServiceError::Deleted(session_id.to_owned())
            } else {
                ServiceError::not_found("session", session_id)
            });
        };
        let checkpoint = Checkpoint {
            id: uuid::Uuid::new_v4().to_string(),
            session_id: session_id.to_owned(),
            label,
            offset: record.head_offset,
            created_at: now_ts(),
        };
        store.sessions().add_checkpoint(&checkpoint).await?;
        let event = Event::SessionCheckpoint(SessionCheckpoint {
            checkpoint_id: checkpoint.id.clone(),
            label: checkpoint.label.clone(),
            offset: checkpoint.offset,
        });
        self.hub.publish(session_id, vec![event]).await?;
        Ok(checkpoint)
    }

    /// Every stored event of the session up to its head now (so a live session's export
    /// ends), as JSON lines, read a page at a time as the stream is polled. A store error
    /// ends the stream early with an error: the client sees a truncated body, the log says
    /// why.
    pub(crate) async fn export(
        &self,
        session_id: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, ServiceError>
    {
        let last = self.find(session_id).await?.head_offset;
        let log = self.hub.store().events().clone();
        let session_id = session_id.to_owned();
        Ok(stream::try_unfold(Some(0u64), move |after| {
            let (log, session_id) = (log.clone(), session_id.clone());
            async move {
                let Some(after) = after.filter(|after| *after < last) else {
                    return Ok(None);
                };
                let (chunk, next) = export_page(&*log, &session_id, after, last).await?;
                Ok(Some((chunk, next)))
            }
        }))
    }

    fn view(&self, record: SessionRecord) -> SessionView {
        SessionView {
            process_running: self.supervisor.is_running(&record.id),
            controllable: self.supervisor.is_controllable(&record.id),
            record,
        }
    }
}

/// One page of the export as JSON lines, and where the next starts (`None`: done).
async fn export_page(
    log: &dyn EventLog,
    session_id: &str,
    after: u64,
    last: u64,
) -> Result<(Bytes, Option<u64>), std::io::Error> {
    let query = EventQuery {
        before: Some(last + 1),
        limit: EXPORT_PAGE,
        ..EventQuery::after(after)
    };
    let page = log.read_events(session_id, &query).await.map_err(|err| {
        tracing::error!(session_id, %err, "export failed");
        std::io::Error::other("export failed")
    })?;
    let mut chunk = Vec::with_capacity(page.events.len() * 256);
    for event in &page.events {
        let envelope =
            envelope::of_stored(event).map_err(|err| std::io::Error::other(err.to_string()))?;
        chunk.extend_from_slice(envelope.get().as_bytes());
        chunk.push(b'\n');
    }
    let next = page
        .has_more
        .then(|| page.events.last().map(|e| e.offset))
        .flatten();
    Ok((Bytes::from(chunk), next))
}
