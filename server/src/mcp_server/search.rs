//! `search_events`: text across sessions, newest first, bounded by the events it may read
//! (`--mcp-search-max-events`) and the matches it may return; the answer says where it stopped.

use agentcast_shared::{Envelope, GetHistoryArgs, MAX_HISTORY_LIMIT};
use serde::Serialize;
use serde_json::Value;

use super::reading;
use super::reply::ToolError;
use crate::hub::Hub;

/// Characters of context shown on each side of a match.
const CONTEXT_CHARS: usize = 60;

/// One event that contains the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SearchHit {
    pub session_id: String,
    pub offset: u64,
    pub ts: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The matching text with some context, on one line.
    pub snippet: String,
}

/// What a search found and how far it read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SearchResult {
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub sessions_searched: usize,
    pub events_scanned: u64,
    /// False when it stopped at the match limit or the scan bound before reading everything.
    pub complete: bool,
}

/// What bounds one search.
pub(crate) struct SearchBounds {
    pub max_hits: usize,
    pub max_events: u64,
}

/// Searches `sessions` (newest first, each with its head offset) for `query`.
pub(crate) async fn search(
    hub: &Hub,
    query: &str,
    types: Option<Vec<String>>,
    sessions: &[(String, u64)],
    bounds: SearchBounds,
) -> Result<SearchResult, ToolError> {
    let needle = query.to_lowercase();
    let mut result = SearchResult {
        query: query.to_owned(),
        hits: Vec::new(),
        sessions_searched: 0,
        events_scanned: 0,
        complete: true,
    };
    'sessions: for (session_id, head) in sessions {
        result.sessions_searched += 1;
        let mut before = head.saturating_add(1);
        while before > 1 {
            if result.events_scanned >= bounds.max_events || result.hits.len() >= bounds.max_hits {
                result.complete = false;
                break 'sessions;
            }
            let room =
                (bounds.max_events - result.events_scanned).min(u64::from(MAX_HISTORY_LIMIT));
            let args = GetHistoryArgs {
                types: types.clone(),
                after: None,
                before: Some(before),
                limit: Some(room as u32),
            };
            let (events, _, has_more) = reading::page(hub, session_id, &args).await?;
            let Some(first) = events.first() else {
                break;
            };
            before = first.offset;
            result.events_scanned += events.len() as u64;
            for envelope in events.iter().rev() {
                if result.hits.len() >= bounds.max_hits {
                    result.complete = false;
                    break 'sessions;
                }
                if let Some(snippet) = find(&envelope.data, &needle) {
                    result.hits.push(hit(envelope, snippet));
                }
            }
            if !has_more {
                break;
            }
        }
    }
    Ok(result)
}

fn hit(envelope: &Envelope, snippet: String) -> SearchHit {
    SearchHit {
        session_id: envelope.session_id.clone(),
        offset: envelope.offset,
        ts: envelope.ts.clone(),
        kind: envelope.kind.clone(),
        snippet,
    }
}

/// The first string in `value` (depth first) that contains `needle` (already lowercase), as
/// a snippet around the match. Keys are not searched: they are the same in every event.
fn find(value: &Value, needle: &str) -> Option<String> {
    match value {
        Value::String(text) => snippet(text, needle),
        Value::Array(items) => items.iter().find_map(|item| find(item, needle)),
        Value::Object(map) => map.values().find_map(|item| find(item, needle)),
        _ => None,
    }
}

/// `text` around the first place it contains `needle`, on one line.
fn snippet(text: &str, needle: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let at = lower.find(needle)?;
    // Counted in the lowercase text; lowercasing rarely changes a character count, and a
    // snippet a character off is harmless.
    let start_char = lower[..at].chars().count();
    let needle_chars = needle.chars().count();
    let skip = start_char.saturating_sub(CONTEXT_CHARS);
    let take = (start_char - skip) + needle_chars + CONTEXT_CHARS;
    let total = text.chars().count();
    let body: String = text
        .chars()
        .skip(skip)
        .take(take)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let before = if skip > 0 { "…" } else { "" };
    let after = if skip + take < total { "…" } else { "" };
    Some(format!("{before}{body}{after}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_text_in_nested_strings_not_keys() {
        let data = json!({"name": "Bash", "input": {"command": "cargo test --workspace"}});
        assert_eq!(
            find(&data, "test").as_deref(),
            Some("cargo test --workspace")
        );
        assert_eq!(find(&data, "command"), None);
        assert_eq!(
            find(&json!({"todos": [{"content": "Fix IT"}]}), "fix it").as_deref(),
            Some("Fix IT")
        );
    }

    #[test]
    fn snippets_are_cut_around_the_match_on_one_line() {
        let long = format!("{}needle\nhere{}", "a".repeat(100), "b".repeat(100));
        let cut = snippet(&long, "needle").unwrap();
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("needle here"), "{cut}");
        assert_eq!(cut.chars().count(), 2 + 60 + 6 + 60);
        // Multi-byte text never splits a character.
        assert_eq!(
            snippet("ÉÉÉ needle ÉÉÉ", "needle").as_deref(),
            Some("ÉÉÉ needle ÉÉÉ")
        );
        assert_eq!(snippet("nothing", "needle"), None);
    }
}
