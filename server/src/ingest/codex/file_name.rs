//! [`rollout_session_id`]: a session's id from its rollout's file name, so a collector can
//! name the session before it reads the `session_meta` line.

/// The session id at the end of a rollout's file name, `rollout-<timestamp>-<uuid>.jsonl`:
/// `rollout-2026-12-06T15-36-43-01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl` gives
/// `01a24c00-149d-77a2-860f-2f9d3f83193b`. `None` for any other name (the id must be a
/// hyphenated uuid: 8-4-4-4-12 hex digits, either case; the timestamp ASCII letters, digits,
/// `-`, `:` or `.`).
pub fn rollout_session_id(file_name: &str) -> Option<&str> {
    const UUID_LEN: usize = 36;
    let stem = file_name.strip_prefix("rollout-")?.strip_suffix(".jsonl")?;
    // The timestamp and the hyphen before the uuid.
    let split = stem.len().checked_sub(UUID_LEN + 1)?;
    let (timestamp, id) = (stem.as_bytes().get(..split)?, stem.get(split + 1..)?);
    if timestamp.is_empty()
        || stem.as_bytes()[split] != b'-'
        || !timestamp
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'.'))
    {
        return None;
    }
    let well_formed = id.bytes().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    well_formed.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uuid_at_the_end_of_a_rollout_name() {
        assert_eq!(
            rollout_session_id(
                "rollout-2026-12-06T15-36-43-01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl"
            ),
            Some("01a24c00-149d-77a2-860f-2f9d3f83193b")
        );
        assert_eq!(
            rollout_session_id("rollout-x-5973B6C0-94B8-487B-A530-2AEB6098AE0E.jsonl"),
            Some("5973B6C0-94B8-487B-A530-2AEB6098AE0E")
        );
    }

    #[test]
    fn other_names_have_none() {
        for name in [
            "",
            "rollout-.jsonl",
            "01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl",
            "rollout-01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl",
            "rollout-2026-12-06T15-36-43-01a24c00-149d-77a2-860f-2f9d3f83193b.json",
            "rollout-2026-12-06T15-36-43-01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl.bak",
            "rollout-2026-12-06T15-36-43_01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl",
            "rollout-2026-12-06T15-36-43-01a24c00x149d-77a2-860f-2f9d3f83193b.jsonl",
            "rollout-2026-12-06T15-36-43-01a24c00-149d-77a2-860f-2f9d3f83193g.jsonl",
            "rollout-é-01a24c00-149d-77a2-860f-2f9d3f83193b.jsonl",
            "rollout-ééééééééééééééééééééé.jsonl",
        ] {
            assert_eq!(rollout_session_id(name), None, "{name}");
        }
    }
}
