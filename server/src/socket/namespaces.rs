//! The namespaces: `/` (the hub) and `/sessions/{id}` (one per session, dynamic). Any other
//! namespace gets socketioxide's standard `Invalid namespace` connect error.

use std::sync::atomic::Ordering;

use agentcast_shared::ConnectAuth;
use agentcast_shared::{ALL_EVENT_TYPES, HUB_EVENT_TYPES};
use socketioxide::extract::TryData;
use socketioxide::handler::ConnectHandler;

use super::commands::{self, Scope};
use super::subscriptions;
use super::{Io, Sock};
use crate::hub::{Hub, SESSION_NS_PREFIX, is_valid_session_id};

/// Registers both namespaces on `io`.
pub fn register(io: &Io, hub: &Hub) {
    let on_hub = {
        let hub = hub.clone();
        // Set up before returning the future: socketioxide spawns that future, and a client may
        // send its first command as soon as it is told it is connected.
        move |socket: Sock| {
            on_connect(socket, hub.clone(), Scope::Hub, None);
            std::future::ready(())
        }
    };
    io.ns("/", on_hub);

    let on_session = {
        let hub = hub.clone();
        move |socket: Sock, TryData(auth): TryData<ConnectAuth>| {
            let id = session_id_of(&socket).to_owned();
            // With `{offset}` in the handshake auth, the socket is caught up from there first.
            let offset = auth.ok().and_then(|auth| auth.offset);
            on_connect(socket, hub.clone(), Scope::Session(id), offset);
            std::future::ready(())
        }
    };
    io.dyn_ns(
        format!("{SESSION_NS_PREFIX}{{id}}"),
        on_session.with(check_session_id),
    )
    .expect("the session namespace pattern is valid"); // a constant pattern
}

fn session_id_of(socket: &Sock) -> &str {
    socket
        .ns()
        .strip_prefix(SESSION_NS_PREFIX)
        .unwrap_or_default()
}

/// Connect middleware: a session namespace must name a valid session id.
async fn check_session_id(socket: Sock) -> Result<(), String> {
    let id = session_id_of(&socket);
    if is_valid_session_id(id) {
        Ok(())
    } else {
        Err(format!(
            "invalid session id {id:?}: use 1 to 128 characters among letters, digits, '-', '_' and '.'"
        ))
    }
}

fn on_connect(socket: Sock, hub: Hub, scope: Scope, offset: Option<u64>) {
    // A new socket is subscribed to `*`: every type its namespace carries.
    let default_types = match scope {
        Scope::Hub => HUB_EVENT_TYPES,
        Scope::Session(_) => ALL_EVENT_TYPES,
    };
    subscriptions::init(&socket, default_types, offset.is_some());
    commands::register(&socket, &hub, &scope);
    if let (Scope::Session(id), Some(offset)) = (&scope, offset) {
        // The id was checked by the connect middleware, so this cannot fail but on shutdown.
        if let Err(err) = hub.recover(socket.clone(), id, offset) {
            tracing::debug!(%err, "no recovery");
        }
    }

    let stats = hub.stats().clone();
    socket.on_fallback(move || {
        stats.unknown_events.fetch_add(1, Ordering::Relaxed);
        std::future::ready(())
    });
    hub.stats().connections.fetch_add(1, Ordering::Relaxed);
    let stats = hub.stats().clone();
    socket.on_disconnect(
        move |socket: Sock, reason: socketioxide::socket::DisconnectReason| {
            stats.connections.fetch_sub(1, Ordering::Relaxed);
            tracing::debug!(socket.id = %socket.id, ns = socket.ns(), ?reason, "disconnected");
            std::future::ready(())
        },
    );
    tracing::debug!(socket.id = %socket.id, ns = socket.ns(), "connected");
}
