//! Slow consumers: a socket whose send buffer was full when an event was broadcast has missed
//! that event. It is taken out of every room at once (so it can never receive a later event
//! after the missing one), told why, and disconnected; it recovers by offset when it returns.
//!
//! Only a full buffer makes a slow consumer. A socket that is already closed missed nothing it
//! could still receive, and is left to its disconnect.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use agentcast_shared::{AGENT_ERROR, AgentError, Event};

use super::{Io, Sock};
use crate::hub::{SESSION_NS_PREFIX, Stats, envelope};

/// How often to retry queueing the reason and the disconnect packet into a full buffer. The
/// Engine.IO heartbeat closes the connection meanwhile if its ping cannot be queued either.
const DRAIN_PAUSE: Duration = Duration::from_millis(25);

/// Disconnects slow consumers. Shared by the delivery and the catch-ups.
pub(crate) struct SlowConsumers {
    stats: Arc<Stats>,
    /// The send buffer's size in packets, for the reason the client is given.
    max_buffer: usize,
    /// How long a full buffer may take to drain: the heartbeat closes the connection within
    /// one ping period anyway, since its ping cannot be queued either.
    patience: Duration,
}

impl SlowConsumers {
    pub fn new(io: &Io, stats: Arc<Stats>) -> Self {
        let config = &io.config().engine_config;
        Self {
            stats,
            max_buffer: config.max_buffer_size,
            patience: config.ping_interval + config.ping_timeout,
        }
    }

    pub fn patience(&self) -> Duration {
        self.patience
    }

    /// Takes a socket that missed an event out of every room, counts it, and disconnects it
    /// with the reason as soon as its buffer takes the packets.
    pub fn disconnect(&self, socket: Sock) {
        socket.leave_all();
        self.stats
            .slow_consumer_disconnects
            .fetch_add(1, Ordering::Relaxed);
        let buffer = self.max_buffer;
        tracing::warn!(socket.id = %socket.id, ns = socket.ns(), buffer, "slow consumer: send buffer full, disconnecting");
        let reason = AgentError {
            code: "slow_consumer".into(),
            message: format!(
                "your send buffer ({buffer} packets) was full, so you missed an event; \
                 reconnect with your last offset to recover"
            ),
            line: None,
            excerpt: None,
        };
        tokio::spawn(tell_and_disconnect(socket, reason, self.patience));
    }
}

/// Sends `reason` as an `agent.error` (offset 0) and then the disconnect, retrying while the
/// socket's buffer is full, for at most `patience`. Slow consumers, expired tokens and
/// message floods end this way: the client learns why before it is disconnected.
pub(crate) async fn tell_and_disconnect(socket: Sock, reason: AgentError, patience: Duration) {
    let reason = Event::AgentError(reason);
    let session_id = socket.ns().strip_prefix(SESSION_NS_PREFIX).unwrap_or("");
    let payload = envelope::ephemeral(session_id, &reason);
    let mut told = false;
    let deadline = tokio::time::Instant::now() + patience + DRAIN_PAUSE;
    while tokio::time::Instant::now() < deadline {
        if !socket.connected() {
            return;
        }
        told = told || socket.emit(AGENT_ERROR, &payload).is_ok();
        if told && socket.clone().disconnect().is_ok() {
            return;
        }
        tokio::time::sleep(DRAIN_PAUSE).await;
    }
    tracing::warn!(socket.id = %socket.id, "the socket never drained; the heartbeat will close it");
}
