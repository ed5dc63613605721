//! Subscriptions are rooms, one per event type: a socket subscribed to `tool.*` is in the rooms
//! `tool.started` and `tool.completed`, so a broadcast is one emit to one room.
//!
//! A new socket is subscribed to `*`. Its first `subscribe` replaces that default (a client
//! asking for `tool.*` wants tool events, not everything plus tool events); later ones add.
//! `unsubscribe` removes the types its patterns match.

use agentcast_shared::{ALL_EVENT_TYPES, Pattern, expand};

use super::Sock;

/// Marks a socket that has chosen its subscriptions (kept in the socket's extensions).
#[derive(Clone, Copy)]
struct ExplicitSubscriptions;

/// Parses every pattern; the error names the first bad one.
pub(crate) fn parse_patterns(patterns: &[String]) -> Result<Vec<Pattern>, String> {
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| Pattern::parse(p).map_err(|e| format!("patterns[{i}]: {e}")))
        .collect()
}

/// Joins the default rooms of a new socket: every type in `types` (`*` for its namespace).
pub(crate) fn subscribe_default(socket: &Sock, types: Vec<&'static str>) {
    socket.join(types);
}

pub(crate) fn subscribe(socket: &Sock, patterns: &[Pattern]) {
    if socket.extensions.get::<ExplicitSubscriptions>().is_none() {
        socket.extensions.insert(ExplicitSubscriptions);
        socket.leave_all();
    }
    socket.join(expand(patterns));
}

pub(crate) fn unsubscribe(socket: &Sock, patterns: &[Pattern]) {
    socket.extensions.insert(ExplicitSubscriptions);
    socket.leave(expand(patterns));
}

/// The event types the socket is subscribed to, in canonical order.
pub(crate) fn subscribed_types(socket: &Sock) -> Vec<String> {
    let rooms = socket.rooms();
    ALL_EVENT_TYPES
        .iter()
        .filter(|t| rooms.iter().any(|r| r == *t))
        .map(|t| t.to_string())
        .collect()
}
