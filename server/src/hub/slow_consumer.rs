//! Slow consumers: a socket whose send buffer was full when an event was broadcast has missed
//! that event. It is taken out of every room at once (so it can never receive a later event
//! after the missing one), told why, and disconnected; it recovers by offset when it returns.
//! Only a full buffer makes a slow consumer: a send that fails because the socket is already
//! closed (it left during a catch-up) is logged as such and changes nothing.

use std::sync::atomic::Ordering;
use std::time::Duration;

use agentcast_shared::{AGENT_ERROR, AgentError, Event};
use socketioxide::SendError;
use socketioxide_core::adapter::errors::SocketError;

use super::{Hub, emit};
use crate::socket::Sock;

/// How often to retry queueing the reason and the disconnect packet into a full buffer. The
/// Engine.IO heartbeat closes the connection meanwhile if its ping cannot be queued either.
const DRAIN_PAUSE: Duration = Duration::from_millis(25);

/// Disconnects the sockets the last broadcasts found full.
pub(crate) fn disconnect_found(hub: &Hub) {
    for (ns, sid) in hub.stats().ledger.take() {
        let Some(socket) = hub.io().of(&ns).and_then(|ops| ops.get_socket(sid)) else {
            continue; // already gone
        };
        if socket.rooms().is_empty() {
            continue; // already handled after an earlier broadcast
        }
        disconnect(hub, socket);
    }
}

/// Deals with a catch-up emit that failed: a full buffer makes `socket` a slow consumer; any
/// other error (the socket closed meanwhile) is not its reading's fault and leaves nothing to
/// disconnect.
pub(crate) fn send_failed(hub: &Hub, socket: Sock, err: &SendError) {
    if is_full(err) {
        disconnect(hub, socket);
    } else {
        tracing::debug!(socket.id = %socket.id, ns = socket.ns(), %err, "catch-up stopped: a send failed, not for a full buffer");
    }
}

/// True when the send failed because the socket's buffer was full.
fn is_full(err: &SendError) -> bool {
    matches!(err, SendError::Socket(SocketError::InternalChannelFull))
}

/// Takes a socket that missed an event out of every room, counts it, and disconnects it with
/// the reason as soon as its buffer takes the packets.
pub(crate) fn disconnect(hub: &Hub, socket: Sock) {
    socket.leave_all();
    let stats = hub.stats();
    stats
        .slow_consumer_disconnects
        .fetch_add(1, Ordering::Relaxed);
    let buffer = hub.io().config().engine_config.max_buffer_size;
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
    tokio::spawn(tell_and_disconnect(socket, reason, patience(hub)));
}

/// How long a full buffer may take to drain: the heartbeat closes the connection within one
/// ping period anyway, since its ping cannot be queued either.
pub(crate) fn patience(hub: &Hub) -> Duration {
    let config = &hub.io().config().engine_config;
    config.ping_interval + config.ping_timeout
}

/// Sends `reason` as an `agent.error` (offset 0) and then the disconnect, retrying while the
/// socket's buffer is full, for at most `patience`. Slow consumers, expired tokens and
/// message floods end this way: the client learns why before it is disconnected.
pub(crate) async fn tell_and_disconnect(socket: Sock, reason: AgentError, patience: Duration) {
    let reason = Event::AgentError(reason);
    let payload = emit::envelope_json(0, session_of(socket.ns()), &reason);
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

fn session_of(ns: &str) -> &str {
    ns.strip_prefix(super::SESSION_NS_PREFIX).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_buffer_makes_a_slow_consumer() {
        assert!(is_full(&SendError::Socket(
            SocketError::InternalChannelFull
        )));
        assert!(!is_full(&SendError::Socket(SocketError::Closed)));
    }
}
