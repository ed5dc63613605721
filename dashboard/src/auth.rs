//! Where the token lives in the browser: taken from the address fragment at start (and removed
//! from the address bar), kept in sessionStorage for reloads of this tab only, or typed into
//! the token prompt.

use crate::model::token::take_token;

const KEY: &str = "agentcast.token";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The token to start with: the fragment's (stored, then removed from the address) or the
/// stored one.
pub fn initial_token() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let hash = location.hash().unwrap_or_default();
    let (from_fragment, rest) = take_token(&hash);
    if let Some(token) = from_fragment {
        store(Some(&token));
        // Replace, not push: the address with the token must not stay in the history either.
        let url = format!(
            "{}{}{rest}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
        return Some(token);
    }
    storage()?.get_item(KEY).ok()?
}

/// Keeps (or with `None` forgets) the token for this tab.
pub fn store(token: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match token {
            Some(token) => storage.set_item(KEY, token),
            None => storage.remove_item(KEY),
        };
    }
}
