//! The serde shape of a transcript entry, as far as the mapper reads it, and the wall-clock
//! time each entry carries.
//!
//! Like the stream-json shapes (`claude::messages`, whose API message and blocks it reuses),
//! every field is optional, unknown fields are ignored and strings borrow from the line. The
//! transcript writes its own fields in camelCase (`sessionId`, `toolUseResult`), the API
//! message inside in snake_case.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::ingest::claude::messages::{ApiMessage, borrowed};

/// One line of a transcript; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry<'a> {
    /// `user`, `assistant`, `system`, `attachment`, `queue-operation`, `cost-state`,
    /// `summary`, `custom-title`, ... (the table in the module docs).
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub subtype: Option<Cow<'a, str>>,
    /// The entry's own id: an entry written twice (a resumed or replayed file) is shown once.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub uuid: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub session_id: Option<Cow<'a, str>>,
    /// The wall clock when the entry was written, RFC 3339.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub cwd: Option<Cow<'a, str>>,
    /// The Claude Code version that wrote the entry.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub version: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub git_branch: Option<Cow<'a, str>>,
    /// A sub-agent's entry (older CLIs wrote them into the main transcript).
    #[serde(default)]
    pub is_sidechain: Option<bool>,
    /// Text the CLI injected (caveats, skill bodies): not the user's prompt.
    #[serde(default)]
    pub is_meta: Option<bool>,
    /// The summary that replaces the conversation after a compaction.
    #[serde(default)]
    pub is_compact_summary: Option<bool>,
    /// Who produced a `user` entry: `task-notification` for a background task's news.
    #[serde(default, borrow)]
    pub origin: Option<Origin<'a>>,

    /// `user`, `assistant`: the API message.
    #[serde(default, borrow)]
    pub message: Option<ApiMessage<'a>>,
    /// `user`: the tool's own structured result beside the `tool_result` block.
    #[serde(default, borrow)]
    pub tool_use_result: Option<&'a RawValue>,

    /// `queue-operation`: `enqueue`, `dequeue`, `remove`, `popAll`.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub operation: Option<Cow<'a, str>>,
    /// `queue-operation` (the queued prompt: a string or blocks), `system` (its text).
    #[serde(default, borrow)]
    pub content: Option<&'a RawValue>,

    /// `summary`: a title of the conversation (older CLIs).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub summary: Option<Cow<'a, str>>,
    /// `custom-title`: the name the user gave (`/rename`).
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub custom_title: Option<Cow<'a, str>>,
    /// `ai-title`: the title the CLI generated.
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub ai_title: Option<Cow<'a, str>>,

    /// `cost-state`: the session's cost so far, sub-agents included.
    #[serde(default, rename = "totalCostUSD")]
    pub total_cost_usd: Option<f64>,
    /// `cost-state`: tokens per model.
    #[serde(default, borrow)]
    pub model_usage: Option<std::collections::HashMap<Cow<'a, str>, ModelUsage>>,

    /// `attachment`: what the CLI attached to the conversation.
    #[serde(default, borrow)]
    pub attachment: Option<Attachment<'a>>,

    /// `system/compact_boundary`.
    #[serde(default, borrow)]
    pub compact_metadata: Option<&'a RawValue>,
}

/// `origin` of a `user` entry.
#[derive(Debug, Deserialize)]
pub(crate) struct Origin<'a> {
    #[serde(default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
}

/// One model's tokens in a `cost-state`.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModelUsage {
    #[serde(default)]
    pub input_tokens: Option<f64>,
    #[serde(default)]
    pub output_tokens: Option<f64>,
    #[serde(default)]
    pub cache_read_input_tokens: Option<f64>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<f64>,
}

/// The `attachment` of an `attachment` entry; which fields are set depends on `type`.
#[derive(Debug, Deserialize)]
pub(crate) struct Attachment<'a> {
    /// `model`, `queued_command`, `environment`, `date`, `skill_listing`, ...
    #[serde(rename = "type", default, borrow, deserialize_with = "borrowed")]
    pub kind: Option<Cow<'a, str>>,
    /// `model`: which model the session runs.
    #[serde(default, borrow)]
    pub identity: Option<Identity<'a>>,
    /// `queued_command`: a prompt typed while the agent worked, delivered mid-turn.
    #[serde(default, borrow)]
    pub prompt: Option<&'a RawValue>,
}

/// The model of a `model` attachment.
#[derive(Debug, Deserialize)]
pub(crate) struct Identity<'a> {
    #[serde(default, borrow, rename = "modelId", deserialize_with = "borrowed")]
    pub model_id: Option<Cow<'a, str>>,
}

impl Entry<'_> {
    /// The entry's wall-clock time in Unix milliseconds, when it has a readable one.
    pub(crate) fn time_ms(&self) -> Option<u64> {
        self.timestamp.as_deref().and_then(parse_rfc3339_ms)
    }
}

/// Unix milliseconds of an RFC 3339 time (`2026-12-06T15:36:12.875Z`, any fraction, `Z` or
/// an offset); `None` for anything else or a time before 1970.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0i64, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    };
    let sep = |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|b| allowed.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // A leap second (60) is allowed by RFC 3339; it counts as the next second.
    if second > 60 {
        return None;
    }
    let mut rest = &bytes[19..];
    let mut millis = 0i64;
    if let Some((b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, digit) in fraction[..len].iter().take(3).enumerate() {
            millis += i64::from(digit - b'0') * [100, 10, 1][i];
        }
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value = |a: u8, b: u8| i64::from(a - b'0') * 10 + i64::from(b - b'0');
            let minutes = value(*h1, *h2) * 60 + value(*m1, *m2);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    u64::try_from(seconds * 1000 + millis).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`,
/// the inverse of the `civil_from_days` that `format_ts_millis` uses).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // [0, 399]
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::format_ts_millis;

    #[test]
    fn times_parse_and_round_trip() {
        for ms in [0, 951_782_400_000, 1_796_571_372_875, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&format_ts_millis(ms)), Some(ms));
        }
        assert_eq!(
            parse_rfc3339_ms("2026-12-06T15:36:12.875Z"),
            Some(1_796_571_372_875)
        );
        assert_eq!(
            parse_rfc3339_ms("2025-06-14T11:00:00Z"),
            Some(1_749_898_800_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2025-06-14T13:00:00.5+02:00"),
            Some(1_749_898_800_500)
        );
        assert_eq!(
            parse_rfc3339_ms("2025-06-14T11:00:00.123456789Z"),
            Some(1_749_898_800_123)
        );
    }

    #[test]
    fn anything_else_is_none() {
        for text in [
            "",
            "2025-06-14",
            "2025-06-14T11:00:00",
            "2025-13-14T11:00:00Z",
            "2025-06-14T11:00:00.Z",
            "1969-12-31T23:59:59Z",
            "2025-06-14T11:00:00+2:00",
            "２０２５-06-14T11:00:00Z",
            "2025-06-14T11:00:00Zjunk",
        ] {
            assert_eq!(parse_rfc3339_ms(text), None, "{text:?}");
        }
    }
}
