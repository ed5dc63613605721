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
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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

/// Milliseconds since the Unix epoch of an RFC 3339 UTC time, the inverse of
/// [`format_ts_millis`]: `2026-11-24T10:00:00.123Z`, with 0 to 9 fraction digits and `Z` or
/// `+00:00` (what the server writes, and the `timestamp`s of agents' transcripts, which are
/// JavaScript's `toISOString()`). `None` for anything else, or a time before 1970.
///
/// ```
/// use agentcast_shared::{format_ts_millis, parse_ts_millis};
/// assert_eq!(parse_ts_millis(&format_ts_millis(1_795_514_400_123)), Some(1_795_514_400_123));
/// assert_eq!(parse_ts_millis("2026-11-24T12:00:00+02:00"), None);
/// ```
pub fn parse_ts_millis(ts: &str) -> Option<u64> {
    let bytes = ts.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    if at(4) != Some(b'-') || at(7) != Some(b'-') || at(10) != Some(b'T') {
        return None;
    }
    if at(13) != Some(b':') || at(16) != Some(b':') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u64, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // 60: a leap second, which RFC 3339 allows; it reads as the next second.
    if second > 60 {
        return None;
    }
    let mut rest = &bytes[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (digit, weight) in fraction.iter().zip([100, 10, 1]) {
            if digit.is_ascii_digit() {
                millis += u64::from(digit - b'0') * weight;
            }
        }
        rest = &fraction[digits..];
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
/// the inverse of [`civil_from_days`]); `None` before the epoch.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let year = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = year / 400;
    let year_of_era = year % 400;
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).checked_sub(719_468)
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
    fn parses_what_it_formats_and_nothing_else() {
        for millis in [0, 951_782_400_000, 1_795_514_400_123, 253_402_300_799_999] {
            assert_eq!(parse_ts_millis(&format_ts_millis(millis)), Some(millis));
        }
        let cases = [
            ("2026-12-06T15:36:12.875Z", 1_796_571_372_875),
            ("2025-06-14T11:00:00Z", 1_749_898_800_000),
            ("2026-11-24T10:00:00.1+00:00", 1_795_514_400_100),
            ("2025-06-14T11:00:00.123456789Z", 1_749_898_800_123),
            ("2016-12-31T23:59:60Z", 1_483_228_800_000),
        ];
        for (text, millis) in cases {
            assert_eq!(parse_ts_millis(text), Some(millis), "{text}");
        }
        for bad in [
            "",
            "yesterday",
            "2025-06-14",
            "2025-06-14T11:00:00",
            "2026-11-24 10:00:00Z",
            "2026-13-24T10:00:00Z",
            "2026-11-24T10:00:00.Z",
            "2026-11-24T10:00:00+02:00",
            "1969-12-31T23:59:59Z",
            "２０２５-06-14T11:00:00Z",
            "2025-06-14T11:00:00Zjunk",
            "2025-06-14T11:00:61Z",
        ] {
            assert_eq!(parse_ts_millis(bad), None, "{bad}");
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
