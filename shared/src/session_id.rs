//! What a session id may be: the rule the server enforces on every path that names a
//! session, and that clients can check before they ask.

/// 1 to 128 characters of `[A-Za-z0-9._-]`: safe in a namespace path, a room, a file name.
pub fn is_valid_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids() {
        assert!(is_valid_session_id("9b1c-4f.x_2"));
        assert!(!is_valid_session_id(""));
        assert!(!is_valid_session_id("a/b"));
        assert!(!is_valid_session_id("é"));
        assert!(!is_valid_session_id(&"a".repeat(129)));
    }
}
