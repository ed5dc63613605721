//! The permission requests of one session that are open now, as the session view's cards show
//! them. Two sources, either of which may be incomplete: the event log (a `permission.requested`
//! with no later `permission.resolved`; the log may start after an old request) and the
//! snapshot `get_status` gives (`open_permissions`, taken at one moment). Open is the union of
//! both, minus every request the log says was resolved, and nothing once the session ended:
//! the order in which the two arrive does not matter.

use std::collections::HashSet;

use crate::{Envelope, Event, PermissionRequested};

/// The permission requests open now: the log and the latest snapshot together.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Permissions {
    /// Requests seen in the log, in log order.
    requested: Vec<PermissionRequested>,
    /// Request ids the log resolved.
    resolved: HashSet<String>,
    /// The latest `get_status` snapshot, oldest first; kept when the log is folded again.
    snapshot: Vec<PermissionRequested>,
    /// The log holds `session.ended`: the server resolved whatever was open.
    ended: bool,
}

impl Permissions {
    /// Folds one event of the log in.
    pub fn apply(&mut self, envelope: &Envelope) {
        // Only three types matter: skip decoding every other event's data.
        if !matches!(
            envelope.kind.as_str(),
            "permission.requested" | "permission.resolved" | "session.ended"
        ) {
            return;
        }
        match envelope.event() {
            Ok(Event::PermissionRequested(request))
                if !self
                    .requested
                    .iter()
                    .any(|r| r.request_id == request.request_id) =>
            {
                self.requested.push(request);
            }
            Ok(Event::PermissionResolved(resolved)) => {
                self.resolved.insert(resolved.request_id);
            }
            Ok(Event::SessionEnded(_)) => self.ended = true,
            _ => {}
        }
    }

    /// Replaces the `get_status` snapshot.
    pub fn set_snapshot(&mut self, open: Vec<PermissionRequested>) {
        self.snapshot = open;
    }

    /// Forgets what the log said (it is about to be folded again); keeps the snapshot.
    pub fn reset_log(&mut self) {
        let snapshot = std::mem::take(&mut self.snapshot);
        *self = Permissions {
            snapshot,
            ..Permissions::default()
        };
    }

    /// The open requests: the snapshot's first (oldest first), then those only the log has.
    pub fn open(&self) -> Vec<&PermissionRequested> {
        if self.ended {
            return Vec::new();
        }
        let mut seen = HashSet::new();
        self.snapshot
            .iter()
            .chain(&self.requested)
            .filter(|r| !self.resolved.contains(&r.request_id))
            .filter(|r| seen.insert(r.request_id.as_str()))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    pub(crate) fn requested(offset: u64, id: &str) -> Envelope {
        env(
            offset,
            "permission.requested",
            json!({"request_id": id, "tool_name": "Bash", "input": {"command": "touch x"},
                   "expires_at": "2026-11-24T10:10:00.000Z"}),
        )
    }

    pub(crate) fn resolved(offset: u64, id: &str) -> Envelope {
        env(
            offset,
            "permission.resolved",
            json!({"request_id": id, "decision": "allow", "by": "alice", "reason": "answered"}),
        )
    }

    fn snapshot_of(id: &str) -> PermissionRequested {
        match requested(0, id).event().unwrap() {
            Event::PermissionRequested(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn open_ids(p: &Permissions) -> Vec<&str> {
        p.open().iter().map(|r| r.request_id.as_str()).collect()
    }

    #[test]
    fn a_request_is_open_until_its_resolution() {
        let mut p = Permissions::default();
        for e in [requested(1, "a"), requested(2, "b"), requested(2, "b")] {
            p.apply(&e);
        }
        assert_eq!(open_ids(&p), ["a", "b"], "in log order, once");
        p.apply(&resolved(3, "a"));
        assert_eq!(open_ids(&p), ["b"]);
        p.apply(&env(4, "session.ended", json!({"status": "completed"})));
        assert!(p.open().is_empty(), "an ended session asks nothing");
    }

    #[test]
    fn the_snapshot_and_the_log_agree_in_any_order() {
        // The log starts after request "old" (not paged in); get_status knows it.
        let mut p = Permissions::default();
        p.apply(&requested(10, "new"));
        p.set_snapshot(vec![snapshot_of("old"), snapshot_of("new")]);
        assert_eq!(open_ids(&p), ["old", "new"]);
        // Answered elsewhere after the snapshot: the log's resolution wins.
        p.apply(&resolved(11, "old"));
        assert_eq!(open_ids(&p), ["new"]);
        // Folding the log again keeps the snapshot and finds the resolution again.
        p.reset_log();
        assert_eq!(open_ids(&p), ["old", "new"]);
        for e in [requested(10, "new"), resolved(11, "old")] {
            p.apply(&e);
        }
        assert_eq!(open_ids(&p), ["new"]);
        // A snapshot taken before a resolution the log already holds changes nothing.
        let mut late = Permissions::default();
        late.apply(&resolved(5, "x"));
        late.set_snapshot(vec![snapshot_of("x")]);
        assert!(late.open().is_empty());
    }

    #[test]
    fn malformed_events_are_ignored() {
        let mut p = Permissions::default();
        p.apply(&env(1, "permission.requested", json!({"request_id": 7})));
        p.apply(&env(2, "permission.resolved", json!("nonsense")));
        assert!(p.open().is_empty());
    }
}
