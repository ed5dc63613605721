//! The wall clock, in the two forms the server uses: Unix milliseconds (durations, retention
//! cut-offs, hook timestamps) and the wire's RFC 3339 timestamp (`ts` of envelopes, records,
//! the audit log).

/// Milliseconds since the Unix epoch, now (0 if the clock is set before 1970).
pub fn now_unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Now, in the wire's timestamp format: `2026-11-24T10:00:00.123Z`.
pub fn now_ts() -> String {
    agentcast_shared::format_ts_millis(now_unix_millis())
}
