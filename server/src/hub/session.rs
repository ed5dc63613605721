//! [`SessionHandle`]: a session as the rest of the server sees it: its id, the queue into its
//! sequencer and the little state `get_status` and the sessions list need.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use agentcast_shared::{Event, SessionState, SessionStatusReport, SessionSummary};
use tokio::sync::{mpsc, oneshot};

use super::HubError;

/// A batch handed to the sequencer; the reply carries the head offset after it.
pub(crate) struct PublishBatch {
    pub events: Vec<Event>,
    pub reply: oneshot::Sender<u64>,
}

/// What is known of a session besides its events, kept up to date by its sequencer.
#[derive(Debug, Default, Clone)]
pub(crate) struct SessionMeta {
    pub status: Option<SessionState>,
    pub label: Option<String>,
    pub project_id: Option<String>,
    pub started_at: Option<String>,
    pub model: Option<String>,
    pub total_cost_usd: Option<f64>,
}

impl SessionMeta {
    /// Folds one event into the summary (lifecycle and usage events only).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::SessionStarted(started) => {
                self.label = started.label.clone();
                self.project_id = started.project_id.clone();
                self.started_at = Some(started.started_at.clone());
                if started.model.is_some() {
                    self.model = started.model.clone();
                }
            }
            Event::SessionStatus(status) => self.status = Some(status.status),
            Event::SessionEnded(ended) => {
                self.status = Some(ended.status);
                if ended.total_cost_usd.is_some() {
                    self.total_cost_usd = ended.total_cost_usd;
                }
            }
            Event::UsageUpdated(usage) => {
                self.total_cost_usd = Some(usage.total_cost_usd);
                if usage.model.is_some() {
                    self.model = usage.model.clone();
                }
            }
            _ => {}
        }
    }
}

/// Shared between the handle and the sequencer.
#[derive(Debug, Default)]
pub(crate) struct SessionShared {
    pub head_offset: AtomicU64,
    /// A std mutex: short reads and writes, never held across an await.
    pub meta: Mutex<SessionMeta>,
}

/// A session of the hub. Cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    pub(crate) id: Arc<str>,
    pub(crate) tx: mpsc::Sender<PublishBatch>,
    pub(crate) shared: Arc<SessionShared>,
}

impl SessionHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn id_arc(&self) -> Arc<str> {
        self.id.clone()
    }

    pub fn head_offset(&self) -> u64 {
        self.shared.head_offset.load(Ordering::Acquire)
    }

    fn meta(&self) -> SessionMeta {
        self.shared
            .meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn is_active(&self) -> bool {
        self.meta().status.is_some_and(|s| s.is_active())
    }

    /// Queues the events behind the ones already queued. Waits while the queue is full: this
    /// is the backpressure that slows a producer down when broadcasting falls behind.
    pub async fn publish(&self, events: Vec<Event>) -> Result<u64, HubError> {
        if events.is_empty() {
            return Ok(self.head_offset());
        }
        let (reply, head) = oneshot::channel();
        self.tx
            .send(PublishBatch { events, reply })
            .await
            .map_err(|_| HubError::ShuttingDown)?;
        head.await.map_err(|_| HubError::ShuttingDown)
    }

    pub fn summary(&self) -> SessionSummary {
        let meta = self.meta();
        SessionSummary {
            session_id: self.id.to_string(),
            label: meta.label,
            project_id: meta.project_id,
            status: meta.status.unwrap_or(SessionState::Starting),
            head_offset: self.head_offset(),
            started_at: meta.started_at,
            model: meta.model,
            total_cost_usd: meta.total_cost_usd,
        }
    }

    pub fn status_report(&self, clients: u64) -> SessionStatusReport {
        SessionStatusReport {
            session_id: self.id.to_string(),
            status: self.meta().status,
            head_offset: self.head_offset(),
            clients,
        }
    }
}
