//! [`StoredEvent`], one event as the store keeps it, and the queries that read events back:
//! [`EventQuery`] in, [`EventPage`] out.

use std::sync::Arc;

use agentcast_shared::Event;
use serde::Serialize;
use serde_json::value::RawValue;

use super::StoreError;

/// One sequenced event: the columns of the `events` table.
///
/// The envelope is not stored whole: its `offset`, `session_id`, `ts` and `type` are columns
/// already, and `data_json` is the envelope's `data` exactly as serialized once by the
/// sequencer. [`envelope_json`](Self::envelope_json) puts them back together, byte for byte
/// the envelope live clients got, as long as the live emit builds its payload the same way
/// (it can simply call `envelope_json` too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The session; shared by the events of a batch or a page rather than copied.
    pub session_id: Arc<str>,
    /// Position in the session stream: 1, 2, 3, ...
    pub offset: u64,
    /// The event type, e.g. `tool.started`.
    pub kind: String,
    /// RFC 3339 UTC with milliseconds, as in the envelope.
    pub ts: String,
    /// The envelope's `data`, serialized JSON.
    pub data_json: String,
}

/// The envelope's field order, as `shared::Envelope` and the hub's emit serialize it.
#[derive(Serialize)]
struct EnvelopeRef<'a> {
    offset: u64,
    session_id: &'a str,
    ts: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    data: &'a RawValue,
}

impl StoredEvent {
    /// The stored form of a typed event: its data serialized in its struct's field order.
    pub fn from_event(session_id: Arc<str>, offset: u64, ts: String, event: &Event) -> Self {
        StoredEvent {
            session_id,
            offset,
            kind: event.kind().to_owned(),
            ts,
            data_json: data_json(event),
        }
    }

    /// The envelope, `{"offset":..,"session_id":..,"ts":..,"type":..,"data":..}`, ready to
    /// emit. [`StoreError::Corrupt`] if `data_json` is not JSON (a damaged database).
    pub fn envelope_json(&self) -> Result<Box<RawValue>, StoreError> {
        // Validates the data once; `to_raw_value` then does not parse the result again.
        let data: &RawValue =
            serde_json::from_str(&self.data_json).map_err(|e| StoreError::Corrupt {
                what: "event data",
                detail: format!("{} offset {}: {e}", self.session_id, self.offset),
            })?;
        let envelope = EnvelopeRef {
            offset: self.offset,
            session_id: &self.session_id,
            ts: &self.ts,
            kind: &self.kind,
            data,
        };
        // Cannot fail: strings, an integer and valid raw JSON.
        Ok(serde_json::value::to_raw_value(&envelope).expect("an envelope serializes"))
    }
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

/// Which end of the range a page is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// The oldest matching events after `after`: paging forward, and replay.
    #[default]
    Forward,
    /// The newest matching events before `before` (or the head): paging back into history.
    Backward,
}

/// Which events [`EventLog::read_events`](super::EventLog::read_events) returns: those
/// with `after < offset < before` whose type is in `types`, at most `limit` of them, taken
/// from the end `direction` says. The page is in offset order either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventQuery<'a> {
    /// Only offsets greater than this (0: from the start).
    pub after: u64,
    /// Only offsets less than this (`None`: up to the head).
    pub before: Option<u64>,
    /// Only these event types (already expanded from patterns); `None`: every type. An empty
    /// slice matches nothing.
    pub types: Option<&'a [&'a str]>,
    /// The most events returned; `get_history` caps it at `MAX_HISTORY_LIMIT`.
    pub limit: u32,
    pub direction: Direction,
}

impl EventQuery<'_> {
    /// The default page size of [`EventQuery::after`].
    pub const DEFAULT_LIMIT: u32 = 1000;

    /// Every type, forward from `after`, [`DEFAULT_LIMIT`](Self::DEFAULT_LIMIT) events.
    pub fn after(after: u64) -> Self {
        EventQuery {
            after,
            before: None,
            types: None,
            limit: Self::DEFAULT_LIMIT,
            direction: Direction::Forward,
        }
    }

    /// True when the event passes the offset range and the type filter.
    pub(crate) fn matches(&self, offset: u64, kind: &str) -> bool {
        offset > self.after
            && self.before.is_none_or(|before| offset < before)
            && self.types.is_none_or(|types| types.contains(&kind))
    }
}

/// One page of events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventPage {
    /// In offset order.
    pub events: Vec<StoredEvent>,
    /// More events match beyond the page, in the query's direction.
    pub has_more: bool,
}
