//! What the driver keeps per namespace: its status, listeners, pending acks, session cursor
//! and subscription, and the backoff of its own connect retries.

use std::collections::HashMap;
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use serde_json::Value;

use crate::backoff::Backoff;
use crate::error::Error;
use crate::events::{Listener, RawAck, RawEvent};
use crate::recovery::session::{SessionCursor, Verdict};
use crate::rt::Instant;
use crate::state::SocketStatus;

/// An ack the driver waits for.
pub(crate) struct PendingAck {
    pub tx: oneshot::Sender<Result<RawAck, Error>>,
    pub sent_at: Instant,
    /// False while its packet waits in the outgoing queue.
    pub sent: bool,
}

pub(crate) struct Namespace {
    pub status: SocketStatus,
    /// True when the client should (re)connect it whenever the engine is open.
    pub wanted: bool,
    pub cursor: Option<SessionCursor>,
    /// The event types of the last `subscribe`/`unsubscribe` answer: re-applied after a
    /// reconnect (a new socket starts subscribed to `*`) and used to filter the replay.
    pub types: Option<Vec<String>>,
    pub listeners: Vec<Listener>,
    pub status_watchers: Vec<mpsc::UnboundedSender<SocketStatus>>,
    pub next_ack_id: u64,
    pub pending: HashMap<u64, PendingAck>,
    pub connect_sent_at: Option<Instant>,
    pub backoff: Backoff,
    /// Bumped on every connect attempt, so a stale retry timer does nothing.
    pub epoch: u64,
}

impl Namespace {
    pub(crate) fn new(cursor: Option<SessionCursor>, backoff: Backoff) -> Self {
        Namespace {
            status: SocketStatus::Pending,
            wanted: true,
            cursor,
            types: None,
            listeners: Vec::new(),
            status_watchers: Vec::new(),
            next_ack_id: 0,
            pending: HashMap::new(),
            connect_sent_at: None,
            backoff,
            epoch: 0,
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        matches!(self.status, SocketStatus::Connected { .. })
    }

    pub(crate) fn set_status(&mut self, status: SocketStatus) {
        if self.status == status {
            return;
        }
        self.status = status.clone();
        self.status_watchers
            .retain(|watcher| watcher.unbounded_send(status.clone()).is_ok());
    }

    /// The handshake auth: the token, and the offset to resume after on a session namespace.
    pub(crate) fn auth(&self, token: Option<&str>) -> Option<Value> {
        let mut auth = serde_json::Map::new();
        if let Some(token) = token {
            auth.insert("token".into(), Value::String(token.to_owned()));
        }
        if let Some(offset) = self.cursor.as_ref().and_then(SessionCursor::auth_offset) {
            auth.insert("offset".into(), Value::from(offset));
        }
        (!auth.is_empty()).then_some(Value::Object(auth))
    }

    /// Hands an event to the listeners that want it, unless it is a duplicate of an applied
    /// offset or of a type the application unsubscribed from.
    pub(crate) fn deliver(&mut self, event: RawEvent) {
        let envelope = event.args.first();
        let offset = envelope
            .and_then(|e| e.get("offset"))
            .and_then(Value::as_u64);
        if let Some(cursor) = &mut self.cursor
            && cursor.judge(offset) == Verdict::Duplicate
        {
            return;
        }
        // The server replays before the re-sent subscription applies: filter here too. Only
        // envelopes of a stream (offset > 0) are filtered; control events always pass.
        if let (Some(types), Some(1..)) = (&self.types, offset)
            && !types.contains(&event.name)
        {
            return;
        }
        self.listeners.retain(|listener| {
            if !listener.wants(&event.name) {
                return !listener.tx.is_closed();
            }
            listener.tx.unbounded_send(event.clone()).is_ok()
        });
    }

    /// Fails every pending ack: their answers can no longer come on this connection.
    pub(crate) fn fail_pending(&mut self, error: &Error) {
        for (_, ack) in self.pending.drain() {
            let _ = ack.tx.send(Err(error.clone()));
        }
    }

    /// Fails the acks of packets already sent: a lost connection will not answer them.
    pub(crate) fn fail_sent(&mut self, error: &Error) {
        let sent: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, ack)| ack.sent)
            .map(|(id, _)| *id)
            .collect();
        for id in sent {
            if let Some(ack) = self.pending.remove(&id) {
                let _ = ack.tx.send(Err(error.clone()));
            }
        }
    }

    /// The next delay of this namespace's own retries (after a refusal or a kick).
    pub(crate) fn retry_delay(&mut self) -> Option<Duration> {
        self.backoff.next().map(|(_, delay)| delay)
    }
}
