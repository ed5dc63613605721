//! [`StoredEvent`], one event as the store keeps it, and the queries that read events back:
//! [`EventQuery`] in, [`EventPage`] out.

use std::sync::Arc;

/// One sequenced event: the columns of the `events` table.
///
/// The envelope is not stored whole: its `offset`, `session_id`, `ts` and `type` are columns
/// already, and `data_json` is the envelope's `data` exactly as serialized once by the
/// sequencer. The hub builds these rows and puts them back together into the envelope live
/// clients got, byte for byte (`hub::envelope`); the store only keeps the columns.
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
