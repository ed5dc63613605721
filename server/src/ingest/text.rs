//! Bounded pieces of text: previews and excerpts that never cut a character in two.

/// How many bytes of a rejected line an `agent.error` quotes.
pub(crate) const EXCERPT_BYTES: usize = 200;

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    // A UTF-8 character is at most 4 bytes, so this loop runs at most 3 times.
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The start of a line that may not be UTF-8, for an error message: at most `max` bytes,
/// invalid sequences replaced, and no character cut at the end.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let head = &bytes[..bytes.len().min(max)];
    match std::str::from_utf8(head) {
        Ok(text) => text.to_owned(),
        // Cut inside the last character: drop its first bytes rather than show a U+FFFD.
        Err(err) if err.error_len().is_none() => {
            String::from_utf8_lossy(&head[..err.valid_up_to()]).into_owned()
        }
        Err(_) => {
            let lossy = String::from_utf8_lossy(head);
            // A cut character at the very end shows as one trailing U+FFFD; keep it, it is
            // honest about the bytes and still short.
            lossy.into_owned()
        }
    }
}

/// The longest session label taken from a title or a first prompt, in bytes.
const LABEL_BYTES: usize = 200;

/// A session label from a title or a prompt: its first non-blank line, bounded; `None`
/// when there is none.
pub(crate) fn label_of(text: &str) -> Option<String> {
    let line = text.trim().lines().next().unwrap_or("").trim();
    (!line.is_empty()).then(|| truncate(line, LABEL_BYTES).to_owned())
}

/// `text` bounded to `max` bytes, or `None` when it is empty.
pub(crate) fn preview(text: &str, max: usize) -> Option<String> {
    (!text.is_empty()).then(|| truncate(text, max).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("héllo", 100), "héllo");
        assert_eq!(truncate("日本", 5), "日");
        assert_eq!(truncate("", 0), "");
        assert_eq!(truncate("a", 0), "");
    }

    #[test]
    fn excerpt_is_bounded_and_valid() {
        assert_eq!(excerpt(b"hello world", 5), "hello");
        // "é" is two bytes; cutting after its first byte drops it.
        assert_eq!(excerpt("aé".as_bytes(), 2), "a");
        assert_eq!(excerpt(b"a\xffb", 10), "a\u{fffd}b");
        assert_eq!(excerpt(b"", 10), "");
    }

    #[test]
    fn preview_of_empty_is_none() {
        assert_eq!(preview("", 10), None);
        assert_eq!(preview("abc", 2).as_deref(), Some("ab"));
    }
}
