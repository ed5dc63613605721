//! Envelopes and their broadcast: one serialization per event, one emit per room.

use std::sync::Arc;

use agentcast_shared::{Event, format_ts_millis};
use serde_json::value::RawValue;

use super::{Hub, slow_consumer};
use crate::socket::Io;
use crate::store::StoredEvent;

/// Serializes an envelope once, to be emitted to any number of rooms and namespaces. The same
/// code as the stored form's, so live, replayed and ephemeral envelopes share one format.
pub(crate) fn envelope_json(offset: u64, session_id: &str, event: &Event) -> Box<RawValue> {
    let ts = format_ts_millis(now_unix_millis());
    StoredEvent::from_event(Arc::from(session_id), offset, ts, event)
        .envelope_json()
        // Our own serialization parsed back: cannot fail.
        .expect("an event's data serializes to valid JSON")
}

pub(crate) fn now_unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Emits `payload` as event `kind` to the room `kind` of namespace `ns`: the sockets
/// subscribed to that type. Sockets whose buffer was full are then disconnected.
pub(crate) async fn broadcast(hub: &Hub, ns: &str, kind: &'static str, payload: &RawValue) {
    let io: &Io = hub.io();
    let Some(operators) = io.of(ns) else {
        return; // nobody has connected to this namespace yet
    };
    if let Err(err) = operators.to(kind).emit(kind, payload).await {
        tracing::debug!(ns, kind, %err, "broadcast did not reach every socket");
    }
    slow_consumer::disconnect_found(hub);
}

/// Emits an event that is not part of a session stream (offset 0) on the hub namespace.
pub(crate) async fn emit_ephemeral_to_hub(hub: &Hub, event: &Event) {
    let payload = envelope_json(0, "", event);
    broadcast(hub, "/", event.kind(), &payload).await;
}
