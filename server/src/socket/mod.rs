//! The Socket.IO surface of the hub: namespaces, connect checks and command handlers.
//!
//! - `adapter`: the broadcast adapter that finds slow consumers.
//! - `auth`: tokens on connect, scopes of commands, expiry and `auth.refresh`.
//! - `namespaces`: `/` and `/sessions/{id}`: what happens on connect.
//! - `flood`: the message budget of each socket.
//! - `commands`: the acknowledged commands (subscribe, get_status, publish, ...).
//! - `subscriptions`: patterns to rooms, one room per event type.

pub(crate) mod adapter;
pub(crate) mod auth;
mod commands;
mod flood;
mod namespaces;
pub(crate) mod subscriptions;

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;

pub use auth::SocketSecurity;
pub use namespaces::register;

/// The Socket.IO server type of agentcast (with its tracking adapter).
pub type Io = SocketIo<adapter::TrackingAdapter>;
/// A connected socket of agentcast.
pub type Sock = SocketRef<adapter::TrackingAdapter>;
