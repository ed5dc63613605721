//! Times written by agents in their transcripts (`"timestamp": "2026-12-06T15:36:43.494Z"`)
//! as Unix milliseconds: a transcript read long after it was written must be timed by what
//! it says, not by when it is read (tool durations, a session's start). Every transcript
//! mapper uses [`parse_rfc3339_millis`]; written out by hand like `format_ts_millis`, so no
//! date library is needed.

/// Unix milliseconds of an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`,
/// `t` and a space also accepted as the separator), or `None` when it is not one or lies
/// before 1970. Fractions beyond milliseconds are cut, not rounded.
///
/// ```ignore
/// assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:01.5Z"), Some(1_500));
/// ```
pub(crate) fn parse_rfc3339_millis(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = bytes.get(range)?;
        part.iter().try_fold(0u64, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
        })
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        // 60: a leap second.
        || second > 60
    {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0;
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 3 {
                millis = millis * 10 + u64::from(bytes[pos] - b'0');
            }
            pos += 1;
        }
        if pos == start {
            return None;
        }
        for _ in (pos - start)..3 {
            millis *= 10;
        }
    }
    // The offset east of UTC, in minutes.
    let offset: i64 = match bytes.get(pos) {
        Some(b'Z' | b'z') if pos + 1 == bytes.len() => 0,
        Some(sign @ (b'+' | b'-')) if pos + 6 == bytes.len() && bytes[pos + 3] == b':' => {
            let minutes = (digits(pos + 1..pos + 3)? * 60 + digits(pos + 4..pos + 6)?) as i64;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    let local = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
    let utc = local - offset * 60;
    u64::try_from(utc).ok().map(|secs| secs * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date: Howard Hinnant's
/// `days_from_civil`, the inverse of the `civil_from_days` behind `format_ts_millis`.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<i64> {
    let year = year as i64 - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // [0, 399]
    let shifted_month = (month as i64 + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day as i64 - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::format_ts_millis;

    #[test]
    fn parses_what_format_ts_millis_writes() {
        for millis in [0, 951_782_400_000, 1_796_571_403_494, 4_102_444_799_999] {
            assert_eq!(
                parse_rfc3339_millis(&format_ts_millis(millis)),
                Some(millis)
            );
        }
    }

    #[test]
    fn fractions_and_offsets() {
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:01Z"), Some(1_000));
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:01.5Z"), Some(1_500));
        assert_eq!(
            parse_rfc3339_millis("1970-01-01T00:00:01.123456789Z"),
            Some(1_123)
        );
        assert_eq!(
            parse_rfc3339_millis("1970-01-01T02:00:00+02:00"),
            Some(0),
            "two hours east of UTC"
        );
        assert_eq!(
            parse_rfc3339_millis("1970-01-01 00:00:00-00:30"),
            Some(1_800_000)
        );
    }

    #[test]
    fn rejects_what_is_not_a_date_time() {
        for text in [
            "",
            "2026-12-06",
            "2026-12-06T15:36:43",
            "2026-13-06T15:36:43Z",
            "2026-12-06T25:36:43Z",
            "2026-12-06T15:36:43.Z",
            "2026-12-06T15:36:43Zjunk",
            "1969-12-31T23:59:59Z",
            "２０２６-12-06T15:36:43Z",
            "2026-12-06T15:36:43+0200",
        ] {
            assert_eq!(parse_rfc3339_millis(text), None, "{text}");
        }
    }
}
