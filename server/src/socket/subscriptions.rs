//! Subscriptions are rooms, one per event type: a socket subscribed to `tool.*` is in the rooms
//! `tool.started` and `tool.completed`, so a broadcast is one emit to one room.
//!
//! A new socket is subscribed to `*` (every type its namespace carries). Its first `subscribe`
//! replaces that default (a client asking for `tool.*` wants tool events, not everything plus
//! tool events); later ones add. `unsubscribe` removes the types its patterns match.
//!
//! A socket is in no room until it is connected and, if it asked for a recovery, caught up
//! (see `hub::recovery`): subscription changes made before are recorded and applied when it
//! joins ([`go_live`]), so no live event can overtake the replay.

use std::sync::{Arc, Mutex};

use agentcast_shared::Pattern;

use super::Sock;
use crate::hub::{SendFailure, TypeSet};

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
/// `go_live`.
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
    // Nothing to send first: cannot fail.
    let _ = go_live(socket, &mut |_| Ok(()));
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
    let added = TypeSet::matching(patterns);
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
    let removed = TypeSet::matching(patterns);
    change(socket, |state| state.types = state.types.minus(removed))
}

/// Ends a catch-up: `last` runs with the wanted types while no subscription can change, then,
/// if it succeeded, the socket joins its rooms. Called by the session's sequencer, between two
/// of its broadcasts.
pub(crate) fn go_live(
    socket: &Sock,
    last: &mut dyn FnMut(TypeSet) -> Result<(), SendFailure>,
) -> Result<(), SendFailure> {
    let subscriptions = Subscriptions::of(socket);
    let mut state = subscriptions.lock();
    last(state.types)?;
    state.waiting = false;
    socket.join(state.types.types());
    Ok(())
}

/// The types a socket wants now (a catch-up in progress filters its replay with them).
pub(crate) fn wanted(socket: &Sock) -> TypeSet {
    Subscriptions::of(socket).lock().types
}
