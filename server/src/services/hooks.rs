//! [`HookService`]: Claude Code hook payloads (`POST /api/hooks`) into the session they
//! belong to. A payload names Claude's own session id; a session agentcast runs itself
//! (`agentcast run`, `POST /api/sessions`) has an id of its own and records Claude's as its
//! `agent_session_id`, so the payload goes there; otherwise to the session of that id (a
//! collected transcript's id is Claude's, so hooks and transcript meet there).

use serde_json::Value;

use super::ServiceError;
use crate::hub::Hub;
use crate::hub::session::IngestHookError;
use crate::ingest::HookError;

/// Hook payloads into sessions. Cheap to clone.
#[derive(Clone)]
pub(crate) struct HookService {
    hub: Hub,
}

/// Why a payload was not taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HookIngestError {
    /// The payload itself (400, the message names the field).
    #[error(transparent)]
    Payload(#[from] HookError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl HookService {
    pub(crate) fn new(hub: Hub) -> Self {
        HookService { hub }
    }

    /// The session a payload of Claude's session `agent_session_id` goes to.
    pub(crate) async fn target(&self, agent_session_id: &str) -> Result<String, ServiceError> {
        let found = self
            .hub
            .store()
            .sessions()
            .find_by_agent_session_id(agent_session_id)
            .await?;
        Ok(found.map_or_else(|| agent_session_id.to_owned(), |record| record.id))
    }

    /// Maps `payload` into session `target` (from [`target`](Self::target)); returns its head
    /// offset after the payload's events.
    pub(crate) async fn ingest(
        &self,
        target: &str,
        payload: &Value,
        now_ms: u64,
    ) -> Result<u64, HookIngestError> {
        let session = self.hub.session(target).map_err(ServiceError::from)?;
        let collecting = self
            .hub
            .stats()
            .collector
            .enabled
            .load(std::sync::atomic::Ordering::Relaxed);
        session
            .ingest_hook(payload, now_ms, collecting)
            .await
            .map_err(|err| match err {
                IngestHookError::Payload(err) => HookIngestError::Payload(err),
                IngestHookError::Hub(err) => HookIngestError::Service(err.into()),
            })
    }
}
