//! [`SocketDelivery`]: the hub's [`Delivery`] on Socket.IO, and every broadcast of the socket
//! layer. A broadcast of an event type is an emit to the type's room and, for a type of the
//! namespace's default subscription, one to the default room except the type's room
//! (subscriptions are rooms, see `subscriptions`), each packet encoded once for all its
//! sockets; the sockets that could not take it because their send buffer was full are
//! disconnected as slow consumers at once.
//!
//! socketioxide's own broadcast reports a full buffer without saying whose, and a socket that
//! misses one event but takes the next would see a gap. So broadcasts go through
//! `emit_reporting_each`, a method our vendored socketioxide adds (server/vendor/README.md):
//! the same encoded bytes queued for each socket, and the ids of those that refused them.
//! Broadcasts and the packets they delivered are counted in the hub's `broadcasts` and
//! `events_out`, by namespace kind.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::value::RawValue;
use socketioxide::SocketError;
use socketioxide::operators::BroadcastOperators as Operators;

use super::Io;
use super::slow_consumer::SlowConsumers;
use super::subscriptions::{self, DEFAULT_ROOM, RoomMoves};
use crate::hub::{Delivery, Stats};

pub(crate) struct SocketDelivery {
    io: Io,
    slow: Arc<SlowConsumers>,
    stats: Arc<Stats>,
    moves: Arc<RoomMoves>,
}

/// What one emit did: how many sockets took the packet, and those that refused it and why.
type Report = (usize, Vec<(socketioxide::socket::Sid, SocketError)>);

impl SocketDelivery {
    pub fn new(io: Io, slow: Arc<SlowConsumers>, stats: Arc<Stats>) -> Self {
        let moves = Arc::default();
        Self {
            io,
            slow,
            stats,
            moves,
        }
    }

    /// What sockets moving between rooms hold (see `subscriptions`).
    pub fn moves(&self) -> &Arc<RoomMoves> {
        &self.moves
    }

    /// Emits `envelope` as event `kind` to the sockets of namespace `ns` subscribed to it,
    /// and disconnects those whose send buffer was full.
    pub fn broadcast_to(&self, ns: &str, kind: &'static str, envelope: &RawValue) {
        let Some(operators) = self.io.of(ns) else {
            return; // nobody has connected to this namespace yet
        };
        let (sent, refused) = {
            let _broadcasting = self.moves.broadcasting();
            let (mut sent, mut refused) = emit(operators.clone().to(kind), kind, envelope);
            if subscriptions::default_types(ns).contains(kind) {
                let rest = operators.clone().to(DEFAULT_ROOM).except(kind);
                let (more, more_refused) = emit(rest, kind, envelope);
                sent += more;
                refused.extend(more_refused);
            }
            (sent, refused)
        };
        self.stats.broadcasts.of(ns).fetch_add(1, Ordering::Relaxed);
        self.stats
            .events_out
            .of(ns)
            .fetch_add(sent as u64, Ordering::Relaxed);
        // After the lock: a disconnect may broadcast (presence) in turn.
        for (sid, err) in refused {
            match err {
                SocketError::InternalChannelFull => {
                    if let Some(socket) = operators.get_socket(sid) {
                        self.slow.disconnect(socket);
                    }
                }
                // Closing: it missed nothing it could still receive.
                SocketError::Closed => {}
            }
        }
    }
}

/// Emits to the sockets `to` selects.
fn emit(to: Operators, kind: &str, envelope: &RawValue) -> Report {
    to.emit_reporting_each(kind, envelope)
        .unwrap_or_else(|err| {
            // A `RawValue` always serializes: only a serde bug gets here.
            tracing::error!(kind, %err, "an envelope did not encode");
            (0, Vec::new())
        })
}

#[async_trait]
impl Delivery for SocketDelivery {
    async fn broadcast(&self, ns: &str, kind: &'static str, envelope: &RawValue) {
        self.broadcast_to(ns, kind, envelope);
    }

    fn patience(&self) -> Duration {
        self.slow.patience()
    }
}
