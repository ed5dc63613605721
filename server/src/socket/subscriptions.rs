//! Subscriptions are rooms: a socket subscribed to `tool.*` is in the rooms `tool.started` and
//! `tool.completed`, so a broadcast is one emit to one room. A socket subscribed to (at least)
//! its namespace's default types, as every socket is until it subscribes, is in one room
//! instead, [`DEFAULT_ROOM`], plus the rooms of any types beyond the default: one membership
//! where there were twenty, about 3 KB less per idle socket in the adapter's maps.
//! [`SocketDelivery`](super::delivery) emits to a type's room and to the default room except
//! the sockets in the type's room. A socket moving between the two joins before it leaves,
//! under the write side of [`RoomMoves`], the broadcasts' two emits under its read side: no
//! broadcast sees a socket half moved, so each event reaches it once.
//!
//! A new socket is subscribed to `*` (every type its namespace carries). Its first `subscribe`
//! replaces that default (a client asking for `tool.*` wants tool events, not everything plus
//! tool events); later ones add. `unsubscribe` removes the types its patterns match.
//!
//! A socket joins its rooms in the connect middleware, before the client hears `connect`
//! (`namespaces`), or, if it asked for a recovery, once caught up (see `hub::recovery`):
//! subscription changes made before are recorded and applied when it joins ([`go_live`]), so
//! no live event can overtake the replay.

use std::sync::{Arc, LazyLock, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use agentcast_shared::{ALL_EVENT_TYPES, HUB_EVENT_TYPES, Pattern, SESSION_PRESENCE};

use super::Sock;
use crate::hub::{SESSION_NS_PREFIX, SendFailure, TypeSet};

/// The room of the sockets subscribed to (at least) their namespace's default types.
pub(crate) const DEFAULT_ROOM: &str = "*";

/// The default subscription of the hub namespace: the hub's types.
static HUB_DEFAULT: LazyLock<TypeSet> =
    LazyLock::new(|| TypeSet::of(HUB_EVENT_TYPES.iter().copied()));

/// The default subscription of a session namespace: every type but `session.presence`.
static SESSION_DEFAULT: LazyLock<TypeSet> = LazyLock::new(|| {
    TypeSet::of(
        ALL_EVENT_TYPES
            .iter()
            .copied()
            .filter(|kind| *kind != SESSION_PRESENCE),
    )
});

/// What a new socket of namespace `ns` (`/` or `/sessions/{id}`) is subscribed to.
pub(crate) fn default_types(ns: &str) -> TypeSet {
    if ns.starts_with(SESSION_NS_PREFIX) {
        *SESSION_DEFAULT
    } else {
        *HUB_DEFAULT
    }
}

/// Orders sockets moving between rooms against broadcasts: a broadcast is two emits (the
/// type's room, then the default room except the type's room), and a socket moving from one
/// to the other between them would get the event twice or not at all. Moves are rare (a
/// `subscribe` or `unsubscribe`), so one lock for the whole server costs the broadcasts an
/// uncontended read.
#[derive(Debug, Default)]
pub(crate) struct RoomMoves(RwLock<()>);

impl RoomMoves {
    /// Held across a broadcast's emits.
    pub fn broadcasting(&self) -> RwLockReadGuard<'_, ()> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Held while a socket joins and leaves rooms.
    fn moving(&self) -> RwLockWriteGuard<'_, ()> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// The rooms of a socket subscribed to `types` in a namespace whose default is `default`.
fn rooms(types: TypeSet, default: TypeSet) -> Vec<&'static str> {
    if default.minus(types) == TypeSet::default() {
        let mut rooms = vec![DEFAULT_ROOM];
        rooms.extend(types.minus(default).types());
        rooms
    } else {
        types.types()
    }
}

#[derive(Debug)]
struct State {
    types: TypeSet,
    /// Its namespace's default types.
    default: TypeSet,
    moves: Arc<RoomMoves>,
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

/// Gives a new socket its namespace's default subscription, to be joined by `join_rooms` or
/// `go_live`.
pub(crate) fn init(socket: &Sock, moves: &Arc<RoomMoves>) {
    let default = default_types(socket.ns());
    let state = State {
        types: default,
        default,
        moves: moves.clone(),
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
        let (old, new) = (
            rooms(before, state.default),
            rooms(state.types, state.default),
        );
        let _moving = state.moves.moving();
        socket.join(difference(&new, &old));
        socket.leave(difference(&old, &new));
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
    socket.join(rooms(state.types, state.default));
    Ok(())
}

/// The rooms of `a` not in `b`.
fn difference(a: &[&'static str], b: &[&'static str]) -> Vec<&'static str> {
    a.iter().copied().filter(|room| !b.contains(room)).collect()
}

/// The types a socket wants now (a catch-up in progress filters its replay with them).
pub(crate) fn wanted(socket: &Sock) -> TypeSet {
    Subscriptions::of(socket).lock().types
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(types: &[&str]) -> TypeSet {
        TypeSet::of(types.iter().copied())
    }

    #[test]
    fn the_default_is_one_room_and_more_types_add_theirs() {
        let session = default_types("/sessions/a");
        assert!(!session.contains(SESSION_PRESENCE));
        assert_eq!(rooms(session, session), [DEFAULT_ROOM]);
        let everything = session.union(set(&[SESSION_PRESENCE]));
        assert_eq!(rooms(everything, session), [DEFAULT_ROOM, SESSION_PRESENCE]);
        assert_eq!(
            rooms(default_types("/"), default_types("/")),
            [DEFAULT_ROOM]
        );
    }

    #[test]
    fn less_than_the_default_is_a_room_per_type() {
        let session = default_types("/sessions/a");
        let tools = set(&["tool.started", "tool.completed"]);
        assert_eq!(rooms(tools, session), tools.types());
        assert!(rooms(TypeSet::default(), session).is_empty());
    }

    #[test]
    fn a_move_between_the_default_and_types_joins_and_leaves_only_what_changed() {
        let session = default_types("/sessions/a");
        let tools = rooms(set(&["tool.started"]), session);
        let all = rooms(session, session);
        assert_eq!(difference(&tools, &all), ["tool.started"]);
        assert_eq!(difference(&all, &tools), [DEFAULT_ROOM]);
        assert!(difference(&all, &all).is_empty());
    }
}
