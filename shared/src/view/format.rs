//! Numbers, times and durations as the dashboard shows them, and the RFC 3339 timestamps of
//! envelopes read back into milliseconds (the inverse of `agentcast_shared::format_ts_millis`).

pub use crate::parse_ts_millis;

/// `950 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`: short enough for a table cell.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} m {:02} s", ms / 60_000, ms % 60_000 / 1000)
    } else {
        format!("{} h {:02} m", ms / 3_600_000, ms % 3_600_000 / 60_000)
    }
}

/// `842`, `12.4k`, `3.1M`.
pub fn tokens(count: u64) -> String {
    if count < 1000 {
        count.to_string()
    } else if count < 1_000_000 {
        format!("{:.1}k", count as f64 / 1000.0)
    } else {
        format!("{:.1}M", count as f64 / 1_000_000.0)
    }
}

/// `512 B`, `12.4 KB`, `3.1 MB`, `1.2 GB` (powers of 1000, like the token counts).
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if count < 1000 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `$0.0042`, `$0.12`, `$12.40`: four decimals below a cent, where agent costs often are.
pub fn cost(usd: f64) -> String {
    if !usd.is_finite() || usd <= 0.0 {
        "$0.00".to_owned()
    } else if usd < 0.01 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// The `HH:MM:SS.mmm` (UTC) part of an envelope timestamp, for the event table.
pub fn clock(ts: &str) -> &str {
    ts.get(11..23).unwrap_or(ts)
}

/// `2026-11-24 10:00` (UTC) for the sessions list.
pub fn date_time(ts: &str) -> String {
    match (ts.get(0..10), ts.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time}"),
        _ => ts.to_owned(),
    }
}

/// Time left until `deadline` (RFC 3339) at `now_ms` (Unix milliseconds): `9:58`, `1:02:03`;
/// `None` once it passed or when the deadline is unreadable.
pub fn countdown(deadline: &str, now_ms: u64) -> Option<String> {
    let left_s = parse_ts_millis(deadline)?
        .checked_sub(now_ms)?
        .div_ceil(1000);
    Some(if left_s >= 3600 {
        format!(
            "{}:{:02}:{:02}",
            left_s / 3600,
            left_s % 3600 / 60,
            left_s % 60
        )
    } else {
        format!("{}:{:02}", left_s / 60, left_s % 60)
    })
}

/// The first line of `text`, at most `max` characters, with `…` when something was cut.
pub fn one_line(text: &str, max: usize) -> String {
    let line = text.trim().lines().next().unwrap_or("");
    let cut = text.trim().lines().nth(1).is_some();
    let mut out: String = line.chars().take(max).collect();
    if cut || line.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(950), "950 ms");
        assert_eq!(duration(12_345), "12.3 s");
        assert_eq!(duration(245_000), "4 m 05 s");
        assert_eq!(duration(7_380_000), "2 h 03 m");
    }

    #[test]
    fn tokens_and_cost_are_compact() {
        assert_eq!(tokens(842), "842");
        assert_eq!(tokens(12_400), "12.4k");
        assert_eq!(tokens(3_100_000), "3.1M");
        assert_eq!(cost(0.0), "$0.00");
        assert_eq!(cost(0.0042), "$0.0042");
        assert_eq!(cost(12.4), "$12.40");
        assert_eq!(cost(f64::NAN), "$0.00");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(12_400), "12.4 KB");
        assert_eq!(bytes(3_100_000), "3.1 MB");
        assert_eq!(bytes(1_240_000_000), "1.2 GB");
        assert_eq!(bytes(u64::MAX), "18446744.1 TB");
    }

    #[test]
    fn countdowns_round_up_and_stop() {
        let deadline = "2026-11-24T10:10:00.000Z";
        let at = parse_ts_millis(deadline).unwrap();
        assert_eq!(countdown(deadline, at - 598_200).as_deref(), Some("9:59"));
        assert_eq!(
            countdown(deadline, at - 3_723_000).as_deref(),
            Some("1:02:03")
        );
        assert_eq!(countdown(deadline, at).as_deref(), Some("0:00"));
        assert_eq!(countdown(deadline, at + 1), None);
        assert_eq!(countdown("soon", 0), None);
    }

    #[test]
    fn clock_and_one_line() {
        assert_eq!(clock("2026-11-24T10:00:00.123Z"), "10:00:00.123");
        assert_eq!(date_time("2026-11-24T10:00:00.123Z"), "2026-11-24 10:00");
        assert_eq!(one_line("  cargo test\n--all", 80), "cargo test…");
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("abc", 3), "abc");
    }
}
