//! The sequencer: one task per session, the only emitter for its namespace. It assigns each
//! event the next offset and broadcasts it, so offsets are gapless and every socket receives
//! them in order.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use agentcast_shared::Event;
use tokio::sync::mpsc;

use super::session::{PublishBatch, SessionHandle, SessionShared};
use super::{Hub, SESSION_NS_PREFIX, emit};

pub(crate) struct Sequencer {
    id: Arc<str>,
    ns: String,
    hub: Hub,
    rx: mpsc::Receiver<PublishBatch>,
    shared: Arc<SessionShared>,
    head: u64,
}

/// The handle the hub keeps and the sequencer to spawn.
pub(crate) fn spawn_parts(id: Arc<str>, hub: Hub, queue: usize) -> (SessionHandle, Sequencer) {
    let (tx, rx) = mpsc::channel(queue);
    let shared = Arc::new(SessionShared::default());
    let handle = SessionHandle {
        id: id.clone(),
        tx,
        shared: shared.clone(),
    };
    let ns = format!("{SESSION_NS_PREFIX}{id}");
    (
        handle,
        Sequencer {
            id,
            ns,
            hub,
            rx,
            shared,
            head: 0,
        },
    )
}

impl Sequencer {
    #[tracing::instrument(name = "sequencer", skip_all, fields(session.id = %self.id))]
    pub async fn run(mut self) {
        while let Some(PublishBatch { events, reply }) = self.rx.recv().await {
            for event in events {
                self.sequence(event).await;
            }
            // The publisher may have given up waiting; the events are out regardless.
            let _ = reply.send(self.head);
        }
        tracing::debug!(head = self.head, "sequencer finished");
    }

    async fn sequence(&mut self, event: Event) {
        self.head += 1;
        let payload = emit::envelope_json(self.head, &self.id, &event);
        self.shared.head_offset.store(self.head, Ordering::Release);
        if event.on_hub() {
            self.shared
                .meta
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .apply(&event);
        }
        self.hub.stats().events_in.fetch_add(1, Ordering::Relaxed);
        let kind = event.kind();
        emit::broadcast(&self.hub, &self.ns, kind, &payload).await;
        if event.on_hub() {
            emit::broadcast(&self.hub, "/", kind, &payload).await;
        }
    }
}
