//! Subscriptions are rooms, one per event type: a socket subscribed to `tool.*` is in the rooms
//! `tool.started` and `tool.completed`, so a broadcast is one emit to one room.
//!
//! A new socket is subscribed to `*` (every type its namespace carries). Its first `subscribe`
//! replaces that default (a client asking for `tool.*` wants tool events, not everything plus
//! tool events); later ones add. `unsubscribe` removes the types its patterns match.
//!
//! A socket is in no room until it is connected and, if it asked for a recovery, caught up
//! (see `hub::recovery`): subscription changes made before are recorded and applied when it
//! joins, so no live event can overtake the replay.

use std::sync::{Arc, Mutex};

use agentcast_shared::{ALL_EVENT_TYPES, Pattern, expand};

use super::Sock;

/// A set of event types as bits, by position in `ALL_EVENT_TYPES` (fewer than 64 types).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TypeSet(u64);

impl TypeSet {
    pub fn of<'a>(types: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Self::default();
        for kind in types {
            if let Some(i) = ALL_EVENT_TYPES.iter().position(|t| *t == kind) {
                set.0 |= 1 << i;
            }
        }
        set
    }

    pub fn contains(self, kind: &str) -> bool {
        ALL_EVENT_TYPES
            .iter()
            .position(|t| *t == kind)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// The types, in canonical order.
    pub fn types(self) -> Vec<&'static str> {
        ALL_EVENT_TYPES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, t)| *t)
            .collect()
    }

    fn minus(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

#[derive(Debug)]
struct State {
    types: TypeSet,
    /// The socket has subscribed explicitly: the default `*` no longer applies.
    explicit: bool,
    /// The socket has not joined its rooms yet (connecting, or being caught up).
    waiting: bool,
}

/// A socket's subscriptions, kept in its extensions. The std mutex orders a subscription
/// change against the end of a catch-up; it is never held across an await.
#[derive(Clone)]
pub(crate) struct Subscriptions(Arc<Mutex<State>>);

impl Subscriptions {
    fn of(socket: &Sock) -> Self {
        // `init` runs in the connect handler, before any command can arrive.
        socket
            .extensions
            .get::<Subscriptions>()
            .expect("subscriptions are initialised on connect")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Parses every pattern; the error names the first bad one.
pub(crate) fn parse_patterns(patterns: &[String]) -> Result<Vec<Pattern>, String> {
    patterns
        .iter()
        .enumerate()
        .map(|(i, p)| Pattern::parse(p).map_err(|e| format!("patterns[{i}]: {e}")))
        .collect()
}

/// Gives a new socket its default subscription (`types`), to be joined by `join_rooms` or
/// `finish_recovery`.
pub(crate) fn init(socket: &Sock, types: &[&'static str]) {
    let types = TypeSet::of(types.iter().copied());
    let state = State {
        types,
        explicit: false,
        waiting: true,
    };
    socket
        .extensions
        .insert(Subscriptions(Arc::new(Mutex::new(state))));
}

/// Joins a connected socket to the rooms of the types it wants (no catch-up needed).
pub(crate) fn join_rooms(socket: &Sock) {
    finish_recovery(socket, |_| {});
}

/// Applies a change to the wanted types, and to the rooms once the socket has joined them.
fn change(socket: &Sock, update: impl FnOnce(&mut State)) -> Vec<String> {
    let subscriptions = Subscriptions::of(socket);
    let mut state = subscriptions.lock();
    let before = state.types;
    update(&mut state);
    state.explicit = true;
    if !state.waiting {
        // Join before leaving, and only what changed: a type kept is never left, even briefly.
        socket.join(state.types.minus(before).types());
        socket.leave(before.minus(state.types).types());
    }
    state.types.types().into_iter().map(String::from).collect()
}

/// Returns the types now subscribed.
pub(crate) fn subscribe(socket: &Sock, patterns: &[Pattern]) -> Vec<String> {
    let added = TypeSet::of(expand(patterns));
    change(socket, |state| {
        let base = if state.explicit {
            state.types
        } else {
            TypeSet::default()
        };
        state.types = base.union(added);
    })
}

/// Returns the types now subscribed.
pub(crate) fn unsubscribe(socket: &Sock, patterns: &[Pattern]) -> Vec<String> {
    let removed = TypeSet::of(expand(patterns));
    change(socket, |state| state.types = state.types.minus(removed))
}

/// Ends a catch-up: `send` runs with the wanted types while no subscription can change, then
/// the socket joins its rooms. Called by the session's sequencer, between two of its emits.
pub(crate) fn finish_recovery(socket: &Sock, send: impl FnOnce(TypeSet)) {
    let subscriptions = Subscriptions::of(socket);
    let mut state = subscriptions.lock();
    send(state.types);
    state.waiting = false;
    socket.join(state.types.types());
}

/// The types a socket wants now (a catch-up in progress filters its replay with them).
pub(crate) fn wanted(socket: &Sock) -> TypeSet {
    Subscriptions::of(socket).lock().types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_sets_keep_canonical_order() {
        let set = TypeSet::of(["tool.completed", "output.text", "nope"]);
        assert_eq!(set.types(), ["output.text", "tool.completed"]);
        assert!(set.contains("output.text") && !set.contains("tool.started"));
        let all = TypeSet::of(ALL_EVENT_TYPES.iter().copied());
        assert_eq!(all.minus(set).types().len(), ALL_EVENT_TYPES.len() - 2);
        assert!(ALL_EVENT_TYPES.len() < 64, "TypeSet holds at most 64 types");
    }
}
