//! What `get_status` reports: a session's state, whether this run has it live or only the
//! store knows it (a previous run's session), and the sessions list of the hub namespace.

use agentcast_shared::rest::SessionFilter;
use agentcast_shared::{SessionStatusReport, SessionSummary};

use super::Hub;
use crate::store::StoreError;

/// Most sessions the hub's list takes from the store (newest first).
const SESSION_LIST_LIMIT: u32 = 200;

impl Hub {
    /// A session's status, with `clients` watching it.
    pub async fn session_status(
        &self,
        id: &str,
        clients: u64,
    ) -> Result<SessionStatusReport, StoreError> {
        if let Some(session) = self.find(id) {
            // Right after the session came alive (a reconnect to a restarted server), its
            // sequencer may not have read the head from the store yet: a report of head 0 then
            // would tell a client its session is empty.
            session.resumed().await;
            return Ok(session.status_report(clients));
        }
        let record = self.store().sessions().get_session(id).await?;
        Ok(SessionStatusReport {
            session_id: id.to_owned(),
            status: record.as_ref().map(|r| r.status),
            head_offset: record.map_or(0, |r| r.head_offset),
            clients,
            watchers: Vec::new(),
            controllable: false,
            open_permissions: Vec::new(),
        })
    }

    /// The sessions of this run (live), then those the store knows from earlier runs. A store
    /// failure is logged and leaves the stored ones out.
    pub async fn session_list(&self) -> Vec<SessionSummary> {
        let mut sessions = self.summaries();
        match self
            .store()
            .sessions()
            .list_sessions(SessionFilter::All, SESSION_LIST_LIMIT, None)
            .await
        {
            Ok(stored) => {
                for record in stored {
                    if !sessions.iter().any(|s| s.session_id == record.id) {
                        sessions.push(record.summary());
                    }
                }
            }
            Err(err) => tracing::error!(%err, "listing the stored sessions failed"),
        }
        sessions
    }
}
