//! [`HookService`]: Claude Code hook payloads (`POST /api/hooks`) into the session they
//! belong to. A payload names Claude's own session id; a session agentcast runs itself
//! (`agentcast run`, `POST /api/sessions`) has an id of its own and records Claude's as its
//! `agent_session_id`, so the payload goes there; otherwise to the session of that id (a
//! collected transcript's id is Claude's, so hooks and transcript meet there).
//!
//! A payload names its transcript (`transcript_path`): when the collector reads that file,
//! the hook adds only status to a new session (the transcript shows prompts and tools once);
//! otherwise the hook is all there is of the session and maps in full.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ServiceError;
use crate::hub::Hub;
use crate::hub::session::IngestHookError;
use crate::ingest::HookError;

/// Hook payloads into sessions. Cheap to clone.
#[derive(Clone)]
pub(crate) struct HookService {
    hub: Hub,
    /// The Claude Code transcript roots the collector reads.
    collected: Vec<PathBuf>,
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
    pub(crate) fn new(hub: Hub, collected: Vec<PathBuf>) -> Self {
        HookService { hub, collected }
    }

    /// Whether the collector reads the transcript `payload` names.
    fn transcript_collected(&self, payload: &Value) -> bool {
        let Some(transcript) = payload.get("transcript_path").and_then(Value::as_str) else {
            return false;
        };
        let transcript = Path::new(transcript);
        self.collected
            .iter()
            .any(|root| transcript.starts_with(root))
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
        session
            .ingest_hook(payload, now_ms, self.transcript_collected(payload))
            .await
            .map_err(|err| match err {
                IngestHookError::Payload(err) => HookIngestError::Payload(err),
                IngestHookError::Hub(err) => HookIngestError::Service(err.into()),
            })
    }
}
