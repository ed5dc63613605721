//! The envelope every server-to-client event travels in, and its timestamp format.

use serde::{Deserialize, Serialize};

use crate::events::{Event, EventData};

/// One event as the server emits it: the Socket.IO event name is its `type`, and the envelope
/// is the event's single argument.
///
/// ```json
/// {"offset":42,"session_id":"s1","ts":"2026-11-24T10:00:00.123Z","type":"tool.started","data":{}}
/// ```
///
/// `offset` is per session: it starts at 1, grows by 1 with no gaps and is assigned once, at
/// ingest, by the session's sequencer. A client applies an envelope only if its offset is
/// greater than the last one it applied, which makes replay followed by live events free of
/// duplicates.
///
/// Offset 0 marks an ephemeral control event (`session.recovered`, `system.stats`) that is not
/// part of the session stream: it is never stored or replayed, and a client must not take it
/// as its last applied offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Envelope<D = serde_json::Value> {
    /// Position in the session stream (1, 2, 3, ...); 0 for an ephemeral control event.
    pub offset: u64,
    /// The session this event belongs to; the hub repeats it so one handler serves all sessions.
    pub session_id: String,
    /// When the event was ingested: RFC 3339 UTC with milliseconds, `2026-11-24T10:00:00.123Z`.
    pub ts: String,
    /// The event type, also the Socket.IO event name, e.g. `tool.started`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's data: the struct of its type (`ToolStarted` for `tool.started`, ...).
    pub data: D,
}

impl<D> Envelope<D> {
    /// True for an ephemeral control event (offset 0) that is not part of the session stream.
    pub fn is_ephemeral(&self) -> bool {
        self.offset == 0
    }
}

impl<D: EventData> Envelope<D> {
    /// A typed envelope whose `type` is taken from the data, so the two cannot disagree.
    pub fn new(offset: u64, session_id: impl Into<String>, ts: impl Into<String>, data: D) -> Self {
        Envelope {
            offset,
            session_id: session_id.into(),
            ts: ts.into(),
            kind: D::TYPE.to_owned(),
            data,
        }
    }
}

impl Envelope {
    /// The untyped envelope of an [`Event`], as the store keeps it and the hub emits it.
    pub fn from_event(
        offset: u64,
        session_id: impl Into<String>,
        ts: impl Into<String>,
        event: &Event,
    ) -> Self {
        Envelope {
            offset,
            session_id: session_id.into(),
            ts: ts.into(),
            kind: event.kind().to_owned(),
            data: event.data_json(),
        }
    }

    /// The typed event inside; an error for an unknown type or data that does not fit it.
    pub fn event(&self) -> Result<Event, serde_json::Error> {
        Event::from_parts(&self.kind, &self.data)
    }
}

/// Formats milliseconds since the Unix epoch as RFC 3339 UTC with milliseconds,
/// `2026-11-24T10:00:00.123Z`: the format of [`Envelope::ts`].
///
/// Written out by hand so that the crate needs no date library and builds for wasm32.
///
/// ```
/// assert_eq!(agentcast_shared::format_ts_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
/// ```
pub fn format_ts_millis(unix_millis: u64) -> String {
    let millis = unix_millis % 1000;
    let secs = unix_millis / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let secs_of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60,
    )
}

/// (year, month, day) of the proleptic Gregorian calendar for a count of days since
/// 1970-01-01: Howard Hinnant's `civil_from_days`, restricted to dates on or after the epoch.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March = 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1; // [1, 31]
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (94_694_399_000, "1972-12-31T23:59:59.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (1_795_514_400_123, "2026-11-24T10:00:00.123Z"),
            (2_147_483_648_000, "2038-01-19T03:14:08.000Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (millis, expected) in cases {
            assert_eq!(format_ts_millis(millis), expected, "{millis}");
        }
    }

    #[test]
    fn century_years_are_leap_only_every_400_years() {
        // 2100 is not a leap year: the day after 02-28 is 03-01.
        assert_eq!(
            format_ts_millis(4_107_542_400_000 - 86_400_000),
            "2100-02-28T00:00:00.000Z"
        );
        // 2000 is: 02-29 exists and is followed by 03-01.
        assert_eq!(
            format_ts_millis(951_782_400_000 + 86_400_000),
            "2000-03-01T00:00:00.000Z"
        );
    }

    #[test]
    fn every_day_boundary_for_four_centuries_is_consistent() {
        // Walk day by day from 1970 to 2370 and check the calendar never skips or repeats.
        let mut previous = civil_from_days(0);
        assert_eq!(previous, (1970, 1, 1));
        for days in 1..146_097 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = (y, m, d) == (py, pm + 1, 1);
            let next_year = (y, m, d) == (py + 1, 1, 1) && (pm, pd) == (12, 31);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {:?}",
                (y, m, d)
            );
            if next_month {
                let leap = (py % 4 == 0 && py % 100 != 0) || py % 400 == 0;
                let days_in = [
                    31,
                    if leap { 29 } else { 28 },
                    31,
                    30,
                    31,
                    30,
                    31,
                    31,
                    30,
                    31,
                    30,
                    31,
                ];
                assert_eq!(pd, days_in[pm as usize - 1], "{previous:?}");
            }
            previous = (y, m, d);
        }
    }

    #[test]
    fn ephemeral_is_offset_zero() {
        let envelope = Envelope::new(
            0,
            "s1",
            "t",
            crate::SessionRecovered {
                recovered: true,
                from: 1,
                to: 2,
            },
        );
        assert!(envelope.is_ephemeral());
        assert_eq!(envelope.kind, "session.recovered");
    }
}
