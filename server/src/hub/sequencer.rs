//! The sequencer: one task per session, the only emitter for its namespace. It assigns each
//! event the next offset, broadcasts it and keeps it in the session's tail, so offsets are
//! gapless and every socket receives them in order. It also ends the catch-up of reconnecting
//! sockets, between two of its own emits (see `recovery`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use agentcast_shared::Event;
use tokio::sync::mpsc;

use super::recovery::{self, CatchUp};
use super::session::{PublishBatch, SequencerMsg, SessionHandle, SessionShared};
use super::tail::TailEntry;
use super::{Hub, HubLimits, SESSION_NS_PREFIX, emit, slow_consumer};
use crate::socket::subscriptions;

pub(crate) struct Sequencer {
    id: Arc<str>,
    ns: String,
    hub: Hub,
    rx: mpsc::Receiver<SequencerMsg>,
    shared: Arc<SessionShared>,
    head: u64,
}

/// The handle the hub keeps and the sequencer to spawn.
pub(crate) fn spawn_parts(
    id: Arc<str>,
    hub: Hub,
    limits: &HubLimits,
) -> (SessionHandle, Sequencer) {
    let (tx, rx) = mpsc::channel(limits.session_queue);
    let shared = Arc::new(SessionShared::new(limits.tail_events));
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
        while let Some(message) = self.rx.recv().await {
            match message {
                SequencerMsg::Publish(PublishBatch { events, reply }) => {
                    for event in events {
                        self.sequence(event).await;
                    }
                    // The publisher may have given up waiting; the events are out regardless.
                    let _ = reply.send(self.head);
                }
                SequencerMsg::CatchUp(catch_up) => self.catch_up(catch_up),
            }
        }
        tracing::debug!(head = self.head, "sequencer finished");
    }

    async fn sequence(&mut self, event: Event) {
        self.head += 1;
        let kind = event.kind();
        let payload: Arc<_> = Arc::from(emit::envelope_json(self.head, &self.id, &event));
        self.shared.head_offset.store(self.head, Ordering::Release);
        if event.on_hub() {
            self.shared
                .meta
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .apply(&event);
        }
        self.hub.stats().events_in.fetch_add(1, Ordering::Relaxed);
        emit::broadcast(&self.hub, &self.ns, kind, &payload).await;
        if event.on_hub() {
            emit::broadcast(&self.hub, "/", kind, &payload).await;
        }
        let entry = TailEntry {
            offset: self.head,
            kind,
            payload,
        };
        self.shared
            .tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
    }

    /// Sends a reconnecting socket what was published since its replay's head, tells it how the
    /// recovery went and joins it to its rooms: nothing can be emitted in between, since this
    /// task is the only emitter of the session.
    fn catch_up(
        &self,
        CatchUp {
            socket,
            mut progress,
        }: CatchUp,
    ) {
        if !socket.connected() {
            return;
        }
        let missed = self
            .shared
            .tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .after(progress.through, usize::MAX);
        let mut delivered = true;
        subscriptions::finish_recovery(&socket, |wanted| {
            if let Some(first) = missed.first() {
                progress.resume_at(first.offset);
            }
            for entry in &missed {
                if wanted.contains(entry.kind) && socket.emit(entry.kind, &*entry.payload).is_err()
                {
                    delivered = false;
                    return;
                }
                progress.through = entry.offset;
            }
            let payload = recovery::recovered_payload(&self.id, &progress, self.head);
            delivered = socket.emit(recovery::RECOVERED, &payload).is_ok();
        });
        if !delivered {
            // Joined but missing events: the same remedy as for a live broadcast.
            slow_consumer::disconnect(&self.hub, socket);
        }
    }
}
