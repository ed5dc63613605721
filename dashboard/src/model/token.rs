//! The access token in the page address: `#token=...` (what `agentcast serve` prints) is taken
//! out of the fragment so it does not stay in the address bar, history or a shared screenshot.

/// Splits a location hash (`#token=abc&session=s1`, with or without `#`) into the token and
/// the hash to leave in the address bar (empty when nothing else was there).
pub fn take_token(hash: &str) -> (Option<String>, String) {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    let mut token = None;
    let mut rest = Vec::new();
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        match part.strip_prefix("token=") {
            Some(value) if !value.is_empty() => token = Some(value.to_owned()),
            Some(_) => {}
            None => rest.push(part),
        }
    }
    let rest = if rest.is_empty() {
        String::new()
    } else {
        format!("#{}", rest.join("&"))
    };
    (token, rest)
}

/// Why a refused token was refused, in the user's words, from the server's error code and
/// message (REST `{"error": {code, message}}` or a Socket.IO `connect_error` message).
pub fn refusal_text(code: Option<&str>, message: &str) -> String {
    let message = message.trim();
    match code {
        Some("unauthorized") if message.is_empty() => "The token was refused.".into(),
        Some("forbidden") if message.is_empty() => "The token does not allow this.".into(),
        _ if message.is_empty() => "The server refused the connection.".into(),
        _ => format!("The token was refused: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_taken_and_the_rest_kept() {
        assert_eq!(
            take_token("#token=abc"),
            (Some("abc".into()), String::new())
        );
        assert_eq!(
            take_token("token=abc&s=1"),
            (Some("abc".into()), "#s=1".into())
        );
        assert_eq!(
            take_token("#s=1&token=a.b.c"),
            (Some("a.b.c".into()), "#s=1".into())
        );
        assert_eq!(take_token(""), (None, String::new()));
        assert_eq!(take_token("#token="), (None, String::new()));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            refusal_text(Some("unauthorized"), "token expired"),
            "The token was refused: token expired"
        );
        assert_eq!(
            refusal_text(Some("unauthorized"), ""),
            "The token was refused."
        );
        assert_eq!(
            refusal_text(None, " "),
            "The server refused the connection."
        );
    }
}
