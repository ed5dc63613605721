//! The `cursor` of `GET /api/sessions`: the list key of a page's last session, opaque to
//! clients (URL-safe base64 of `started_at` and `id`), so a page boundary between sessions
//! that started at the same time neither repeats nor skips one.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::store::SessionKey;

/// The most bytes a decoded cursor may have (a timestamp and an id of at most 128).
const MAX_CURSOR_BYTES: usize = 256;

pub(crate) fn encode(key: &SessionKey) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}", key.started_at, key.id))
}

/// `None` for anything [`encode`] did not make.
pub(crate) fn decode(cursor: &str) -> Option<SessionKey> {
    if cursor.len() > MAX_CURSOR_BYTES * 4 / 3 + 4 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (started_at, id) = text.split_once('\n')?;
    (!started_at.is_empty() && !id.is_empty() && !id.contains('\n')).then(|| SessionKey {
        started_at: started_at.to_owned(),
        id: id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_its_key() {
        let key = SessionKey {
            started_at: "2026-12-07T01:02:03.456Z".into(),
            id: "a-b_c.d".into(),
        };
        let cursor = encode(&key);
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "URL-safe as it is: {cursor}"
        );
        assert_eq!(decode(&cursor), Some(key));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "!!!", "bm8gbmV3bGluZQ", &"A".repeat(2000)] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
