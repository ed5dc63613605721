//! The envelope bytes every client receives, `{"offset", "session_id", "ts", "type", "data"}`:
//! serialized once per event by the session's sequencer, kept in its tail, and rebuilt byte
//! for byte from the stored columns for replays, history pages and exports. Nothing else in
//! the server builds an envelope, so live, replayed and ephemeral envelopes cannot differ.

use std::sync::Arc;

use agentcast_shared::{Event, format_ts_millis};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::clock::now_unix_millis;
use crate::store::{StoreError, StoredEvent};

/// The envelope's field order, as `shared::Envelope` serializes it.
#[derive(Serialize)]
struct EnvelopeRef<'a> {
    offset: u64,
    session_id: &'a str,
    ts: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    data: &'a RawValue,
}

/// The stored form of a typed event: its data serialized once, in its struct's field order.
pub fn stored_event(session_id: Arc<str>, offset: u64, ts: String, event: &Event) -> StoredEvent {
    StoredEvent {
        session_id,
        offset,
        kind: event.kind().to_owned(),
        ts,
        data_json: data_json(event),
    }
}

/// The envelope of a stored event, ready to emit. [`StoreError::Corrupt`] if its `data_json`
/// is not JSON (a damaged database).
pub fn of_stored(event: &StoredEvent) -> Result<Box<RawValue>, StoreError> {
    // Validates the data once; `to_raw_value` then does not parse the result again.
    let data: &RawValue =
        serde_json::from_str(&event.data_json).map_err(|e| StoreError::Corrupt {
            what: "event data",
            detail: format!("{} offset {}: {e}", event.session_id, event.offset),
        })?;
    Ok(build(
        event.offset,
        &event.session_id,
        &event.ts,
        &event.kind,
        data,
    ))
}

/// The envelope of an event that is not part of a session's stream (offset 0, stamped now):
/// `session.recovered`, `system.stats`, the reason a socket is about to be disconnected.
pub fn ephemeral(session_id: &str, event: &Event) -> Box<RawValue> {
    let data = RawValue::from_string(data_json(event))
        // Our own serialization: valid JSON.
        .expect("an event's data serializes to valid JSON");
    build(
        0,
        session_id,
        &format_ts_millis(now_unix_millis()),
        event.kind(),
        &data,
    )
}

fn build(offset: u64, session_id: &str, ts: &str, kind: &str, data: &RawValue) -> Box<RawValue> {
    let envelope = EnvelopeRef {
        offset,
        session_id,
        ts,
        kind,
        data,
    };
    // Cannot fail: strings, an integer and valid raw JSON.
    serde_json::value::to_raw_value(&envelope).expect("an envelope serializes")
}

/// The `data` of an event, serialized straight from its struct.
///
/// `Event` is adjacently tagged, so serde_json writes it as `{"type":"<kind>","data":<data>}`;
/// cutting that frame off keeps the struct's field order without a `Value` in between (which
/// would sort the keys). Should serde ever write it otherwise, the `Value` route still gives
/// the same data.
fn data_json(event: &Event) -> String {
    // Cannot fail: every event data struct serializes (see `Event::data_json`).
    let tagged = serde_json::to_string(event).expect("events serialize");
    let prefix = format!(r#"{{"type":"{}","data":"#, event.kind());
    match tagged
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('}'))
    {
        Some(data) => data.to_owned(),
        None => event.data_json().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use agentcast_shared::{OutputText, SessionState, SessionStatus};

    use super::*;

    #[test]
    fn stored_events_keep_the_field_order_of_the_live_envelope() {
        // The wire contract's envelope, with the event's data in struct field order.
        let events = [
            Event::OutputText(OutputText {
                message_id: Some("m".into()),
                text: "a \u{2028} \"b\"".into(),
                delta: false,
                parent_tool_use_id: Some("t1".into()),
            }),
            Event::SessionStatus(SessionStatus {
                status: SessionState::Running,
                pid: Some(42),
                message: None,
            }),
        ];
        for event in &events {
            let live = serde_json::to_string(&agentcast_shared::Envelope {
                offset: 7,
                session_id: "s/1".to_string(),
                ts: "2026-11-24T10:00:00.123Z".to_string(),
                kind: event.kind().to_string(),
                data: event.data_json(),
            })
            .unwrap();
            let stored = stored_event("s/1".into(), 7, "2026-11-24T10:00:00.123Z".into(), event);
            assert_eq!(of_stored(&stored).unwrap().get(), live);
        }
    }

    #[test]
    fn corrupt_data_is_an_error_not_a_panic() {
        let bad = StoredEvent {
            session_id: "s".into(),
            offset: 1,
            kind: "output.text".into(),
            ts: "2026-11-24T10:00:00.123Z".into(),
            data_json: "{not json".into(),
        };
        assert!(matches!(of_stored(&bad), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn ephemeral_envelopes_have_offset_zero_and_the_same_shape() {
        let event = Event::SessionStatus(SessionStatus {
            status: SessionState::Idle,
            pid: None,
            message: None,
        });
        let envelope: agentcast_shared::Envelope =
            serde_json::from_str(ephemeral("s1", &event).get()).unwrap();
        assert_eq!((envelope.offset, envelope.session_id.as_str()), (0, "s1"));
        assert_eq!(envelope.event().unwrap(), event);
    }
}
