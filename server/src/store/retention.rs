//! Retention: which events trimming removes, and the report it gives.

use std::time::Duration;

/// How much history each session keeps (both limits configurable; `None` is no limit).
///
/// Trimming removes the oldest events only, a prefix of the session's offsets, so what stays
/// is contiguous and [`first_offset`](super::EventLog::first_offset) moves up. For the age
/// limit, the prefix is the run of events older than the cutoff from the oldest on: should
/// the clock have stepped back, an old event after a newer one waits until the newer one goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Keep at most this many of a session's newest events.
    pub max_events_per_session: Option<u64>,
    /// Remove events older than this (by their `ts`).
    pub max_age: Option<Duration>,
}

/// Which sessions [`trim`](super::EventLog::trim) looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimScope<'a> {
    /// One session, e.g. after it ended.
    Session(&'a str),
    /// Every session with stored events (the periodic sweep).
    All,
}

/// What a trim removed, for the log and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrimReport {
    /// Sessions that lost at least one event.
    pub sessions: u64,
    pub events_removed: u64,
}

impl Retention {
    /// Keeps everything.
    pub fn is_unlimited(&self) -> bool {
        self.max_events_per_session.is_none() && self.max_age.is_none()
    }

    /// The `ts` below which events are too old, at `now_unix_millis`.
    pub(crate) fn age_cutoff(&self, now_unix_millis: u64) -> Option<String> {
        let max_age = self.max_age?;
        let max_age_ms = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        Some(agentcast_shared::format_ts_millis(
            now_unix_millis.saturating_sub(max_age_ms),
        ))
    }

    /// The highest offset the count limit removes, for a session whose newest event is `last`.
    fn count_cutoff(&self, last: u64) -> u64 {
        self.max_events_per_session
            .map_or(0, |max| last.saturating_sub(max))
    }

    /// The highest offset trimming removes (0: none), for a session whose newest event is
    /// `last`. `first_young` is what the age limit found: `None` when there is no age limit,
    /// `Some(None)` when every event is older than [`age_cutoff`](Self::age_cutoff), else the
    /// offset of the first event, from the oldest on, that is not.
    pub(crate) fn cutoff(&self, last: u64, first_young: Option<Option<u64>>) -> u64 {
        let by_age = match first_young {
            None => 0,
            Some(None) => last,
            Some(Some(young)) => young.saturating_sub(1),
        };
        self.count_cutoff(last).max(by_age)
    }
}
