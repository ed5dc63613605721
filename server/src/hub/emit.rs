//! Envelopes and their broadcast: one serialization per event, one emit per room.

use agentcast_shared::{Event, format_ts_millis};
use serde::Serialize;
use serde_json::value::RawValue;

use super::{Hub, slow_consumer};
use crate::socket::Io;

/// The wire envelope, serialized straight from the typed event (no intermediate Value).
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    offset: u64,
    session_id: &'a str,
    ts: &'a str,
    /// Adjacently tagged: contributes the `type` and `data` fields.
    #[serde(flatten)]
    event: &'a Event,
}

/// Serializes an envelope once, to be emitted to any number of rooms and namespaces.
pub(crate) fn envelope_json(offset: u64, session_id: &str, event: &Event) -> Box<RawValue> {
    let ts = format_ts_millis(now_unix_millis());
    let envelope = EnvelopeOut {
        offset,
        session_id,
        ts: &ts,
        event,
    };
    // Serializing our own types to a string cannot fail: no maps with non-string keys, no
    // failing Serialize impls.
    let json = serde_json::to_string(&envelope).expect("envelopes serialize");
    RawValue::from_string(json).expect("serde_json output is valid JSON")
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
