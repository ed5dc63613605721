//! Which sessions need a person: those `waiting` (a permission request is open) and those with
//! open requests counted from the hub's `permission.requested` / `permission.resolved` (the
//! hub sends no history, so requests older than the page are known through the status only).
//! The sessions list shows a badge per session, the header and the page title the total, and
//! a browser notification goes out for a session that starts needing one.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::{Envelope, Event, SessionState};

use super::sessions::Sessions;

/// Open permission requests per session, from the hub's events.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OpenRequests {
    by_session: HashMap<String, HashSet<String>>,
}

impl OpenRequests {
    /// Applies a batch of hub events; true when a count changed.
    pub fn apply_all(&mut self, batch: &[Envelope]) -> bool {
        let mut changed = false;
        for envelope in batch {
            changed |= self.apply(envelope);
        }
        changed
    }

    /// Applies a hub event; true when a count changed.
    pub fn apply(&mut self, envelope: &Envelope) -> bool {
        if !matches!(
            envelope.kind.as_str(),
            "permission.requested" | "permission.resolved" | "session.ended"
        ) {
            return false;
        }
        let session = envelope.session_id.as_str();
        match envelope.event() {
            Ok(Event::PermissionRequested(r)) => self
                .by_session
                .entry(session.to_owned())
                .or_default()
                .insert(r.request_id),
            Ok(Event::PermissionResolved(r)) => self
                .by_session
                .get_mut(session)
                .is_some_and(|open| open.remove(&r.request_id)),
            Ok(Event::SessionEnded(_)) => self.by_session.remove(session).is_some(),
            _ => false,
        }
    }

    /// The requests of `session` known to be open.
    pub fn count(&self, session: &str) -> usize {
        self.by_session.get(session).map_or(0, HashSet::len)
    }
}

/// Every session that needs a person, with its open requests (at least 1: a `waiting`
/// session whose requests came before the page has one at least).
pub fn needing(sessions: &Sessions, open: &OpenRequests) -> BTreeMap<String, usize> {
    // Inserted one by one: collecting into a BTreeMap sorts, and a sort routine costs the
    // wasm more than this loop.
    let mut needing = BTreeMap::new();
    for entry in sessions.entries() {
        let record = &entry.record;
        let count = open.count(&record.id);
        let waiting = record.status == SessionState::Waiting;
        if !record.status.is_final() && (waiting || count > 0) {
            needing.insert(record.id.clone(), count.max(1));
        }
    }
    needing
}

/// The page title: `agentcast`, or `(2) agentcast` while two sessions need a person.
pub fn page_title(needing: usize) -> String {
    if needing == 0 {
        "agentcast".to_owned()
    } else {
        format!("({needing}) agentcast")
    }
}

/// The sessions in `now` that were not in `before` (the ids `now` had then, in order): the
/// ones that just started needing a person, to notify about.
pub fn newly_needing(before: &[String], now: &BTreeMap<String, usize>) -> Vec<String> {
    now.keys()
        .filter(|id| before.binary_search(id).is_err())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::sessions::tests::{hub, listed};
    use serde_json::json;

    fn requested(session: &str, id: &str) -> Envelope {
        hub(
            session,
            "permission.requested",
            json!({"request_id": id, "tool_name": "Bash", "input": {},
                   "expires_at": "2026-11-24T10:10:00.000Z"}),
        )
    }

    fn resolved(session: &str, id: &str) -> Envelope {
        hub(
            session,
            "permission.resolved",
            json!({"request_id": id, "decision": "deny", "by": "agentcast", "reason": "timeout"}),
        )
    }

    #[test]
    fn waiting_sessions_and_open_requests_need_you() {
        let mut sessions = listed();
        let mut open = OpenRequests::default();
        assert!(needing(&sessions, &open).is_empty());
        assert_eq!(page_title(0), "agentcast");

        // "new" starts waiting: one at least, before any request reached the page.
        sessions.apply(&hub("new", "session.status", json!({"status": "waiting"})));
        assert_eq!(
            needing(&sessions, &open),
            BTreeMap::from([("new".into(), 1)])
        );

        assert!(open.apply_all(&[requested("new", "a"), requested("new", "b")]));
        assert!(!open.apply(&requested("new", "b")), "counted once");
        assert_eq!(needing(&sessions, &open)["new"], 2);
        assert!(open.apply(&resolved("new", "a")));
        assert!(!open.apply(&resolved("new", "zz")), "unknown request");
        assert_eq!(needing(&sessions, &open)["new"], 1);
        assert_eq!(page_title(needing(&sessions, &open).len()), "(1) agentcast");

        // Running again with nothing open: it no longer needs you.
        open.apply(&resolved("new", "b"));
        sessions.apply(&hub("new", "session.status", json!({"status": "running"})));
        assert!(needing(&sessions, &open).is_empty());

        // An ended session never needs you, whatever was left open.
        open.apply(&requested("new", "c"));
        assert_eq!(needing(&sessions, &open).len(), 1);
        sessions.apply(&hub("new", "session.ended", json!({"status": "completed"})));
        assert!(needing(&sessions, &open).is_empty());
        assert!(open.apply(&hub("new", "session.ended", json!({"status": "completed"}))));
        assert_eq!(open.count("new"), 0);
    }

    #[test]
    fn only_sessions_that_start_needing_you_are_new() {
        let before = ["a".to_owned(), "c".to_owned()];
        let now = BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]);
        assert_eq!(newly_needing(&before, &now), ["b"]);
        let same: Vec<String> = now.keys().cloned().collect();
        assert!(newly_needing(&same, &now).is_empty());
    }
}
