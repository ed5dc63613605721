//! The namespaces: `/` (the hub) and `/sessions/{id}` (one per session, dynamic). Any other
//! namespace gets socketioxide's standard `Invalid namespace` connect error.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use agentcast_shared::ConnectAuth;
use serde_json::Value;
use socketioxide::extract::TryData;
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;

use super::auth;
use super::commands::{self, Scope};
use super::flood;
use super::recipient::CatchingUp;
use super::subscriptions;
use super::{Shared, Sock};
use crate::hub::SESSION_NS_PREFIX;
use agentcast_shared::is_valid_session_id;

/// Registers both namespaces.
pub(crate) fn register(shared: Shared) {
    let io = shared.io.clone();
    io.ns("/", connected(shared.clone()).with(prepare(shared.clone())));
    io.dyn_ns(
        format!("{SESSION_NS_PREFIX}{{id}}"),
        connected(shared.clone()).with(prepare(shared)),
    )
    .expect("the session namespace pattern is valid"); // a constant pattern
}

/// What a namespace path is: the hub, a session, or (an error message) neither.
fn scope_of(socket: &Sock) -> Result<Scope, String> {
    let Some(id) = socket.ns().strip_prefix(SESSION_NS_PREFIX) else {
        return Ok(Scope::Hub);
    };
    if is_valid_session_id(id) {
        Ok(Scope::Session(id.to_owned()))
    } else {
        Err(format!(
            "invalid session id {id:?}: use 1 to 128 characters among letters, digits, '-', '_' and '.'"
        ))
    }
}

/// Connect middleware: checks the namespace and the token, and sets the socket up (commands,
/// subscriptions) BEFORE the client is told it is connected. socketioxide runs the connect
/// handler afterwards in another task, and a client may send its first command as soon as it
/// hears `connect`: a command whose handler did not exist yet would be dropped. An error here
/// is the `connect_error` message the client gets.
fn prepare(
    shared: Shared,
) -> impl Fn(Sock, TryData<Value>) -> std::future::Ready<Result<(), String>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |socket: Sock, TryData(auth): TryData<Value>| {
        let auth = match connect_auth(auth) {
            Ok(auth) => auth,
            Err(message) => return std::future::ready(Err(message)),
        };
        let (token, offset) = (auth.token, auth.offset);
        let prepared = scope_of(&socket).and_then(|scope| {
            auth::admit(&socket, &shared.security, &scope, token.as_deref())?;
            // A new socket is subscribed to every type its namespace carries, but for the
            // opt-in `session.presence` (offset 0, between the stream's events: a client
            // that checks offsets asks for it).
            subscriptions::init(&socket, &shared.moves);
            commands::register(&socket, &shared, &scope);
            flood::admit(&socket, &shared.security.limiters);
            // It joins its rooms now, before the client hears `connect`, unless it asked for
            // a recovery (then once caught up): an event the client causes as soon as it
            // hears it (a `publish`) must reach it, and the connect handler runs later, in
            // another task. Nothing can arrive ahead of `connect`: socketioxide queues it
            // before a broadcast can find the socket (server/vendor/README.md).
            if !recovers(&scope, offset) {
                subscriptions::join_rooms(&socket);
            }
            Ok(())
        });
        std::future::ready(prepared)
    }
}

/// A socket of `scope` connecting with `offset` is caught up before it joins its rooms.
fn recovers(scope: &Scope, offset: Option<u64>) -> bool {
    matches!(scope, Scope::Session(_)) && offset.is_some()
}

/// The handshake auth: absent or null is `{}`; anything else must be a valid `ConnectAuth`
/// (an `offset` that is not a non-negative integer would otherwise silently mean no replay).
fn connect_auth<E>(auth: Result<Value, E>) -> Result<ConnectAuth, String> {
    match auth {
        Err(_) | Ok(Value::Null) => Ok(ConnectAuth::default()),
        Ok(value) => crate::parse::from_value(value)
            .map_err(|err| format!("invalid auth: {}", err.message.replace("arguments: ", ""))),
    }
}

/// The connect handler: catches the socket up when its handshake auth carries `{offset}`
/// (it joins its rooms at the end), counts it, and tells the session's watchers.
fn connected(
    shared: Shared,
) -> impl Fn(Sock, TryData<ConnectAuth>) -> std::future::Ready<()> + Clone + Send + Sync + 'static {
    move |socket: Sock, TryData(auth): TryData<ConnectAuth>| {
        auth::watch_expiry(&socket, &shared.security);
        let offset = auth.ok().and_then(|auth| auth.offset);
        // Other sockets joined their rooms in `prepare`.
        if let (Ok(Scope::Session(id)), Some(offset)) = (scope_of(&socket), offset) {
            let recipient = Arc::new(CatchingUp::new(socket.clone(), shared.slow.clone()));
            if let Err(err) = shared.hub.recover(recipient, &id, offset) {
                tracing::debug!(%err, "no recovery");
            }
        }
        let stats = shared.hub.stats().clone();
        stats.connections.fetch_add(1, Ordering::Relaxed);
        shared.presence.changed(&shared.io, socket.ns());
        let (presence, io) = (shared.presence.clone(), shared.io.clone());
        socket.on_disconnect(move |socket: Sock, reason: DisconnectReason| {
            stats.connections.fetch_sub(1, Ordering::Relaxed);
            auth::forget(&socket);
            presence.changed(&io, socket.ns());
            tracing::debug!(socket.id = %socket.id, ns = socket.ns(), ?reason, "disconnected");
            std::future::ready(())
        });
        tracing::debug!(socket.id = %socket.id, ns = socket.ns(), ?offset, "connected");
        std::future::ready(())
    }
}
