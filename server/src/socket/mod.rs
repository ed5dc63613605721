//! The Socket.IO surface of the hub: namespaces, connect checks, command handlers, and the
//! hub's [`Delivery`](crate::hub::Delivery) to sockets. This layer calls the hub; the hub
//! reaches it only through that interface.
//!
//! - `delivery`: broadcasts to the rooms of a namespace, encoded once, full sockets found.
//! - `recipient`: a socket being caught up, as the hub's `Recipient`.
//! - `slow_consumer`: disconnecting sockets whose send buffer overflowed.
//! - `auth`: tokens on connect, scopes of commands, expiry and `auth.refresh`.
//! - `namespaces`: `/` and `/sessions/{id}`: what happens on connect.
//! - `flood`: the message budget of each socket.
//! - `commands`: the acknowledged commands (subscribe, get_status, publish, ...).
//! - `control`: the commands that answer the agent (prompt, interrupt, permission.respond,
//!   end).
//! - `presence`: who watches a session (`session.presence`, `get_status`).
//! - `subscriptions`: patterns to rooms, one room per event type.
//! - `census`: sockets and rooms per namespace, on demand.
//! - `detach`: a Socket.IO request's `OriginalUri` copied off hyper's read buffer.

pub(crate) mod auth;
mod census;
mod commands;
mod control;
mod delivery;
mod detach;
mod flood;
mod namespaces;
mod presence;
mod recipient;
mod slow_consumer;
mod subscriptions;

use std::sync::Arc;

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::layer::SocketIoLayer;

pub use auth::SocketSecurity;
pub use census::NamespaceCensus;
pub(crate) use detach::detach_original_uri;

use crate::config::EngineSettings;
use crate::control::Controls;
use crate::hub::{Delivery, Hub, Stats};
use delivery::SocketDelivery;
use slow_consumer::SlowConsumers;

/// The Socket.IO server type of agentcast.
pub type Io = SocketIo;
/// A connected socket of agentcast.
pub type Sock = SocketRef;

/// The Socket.IO server, before and after the hub exists: [`SocketLayer::new`] gives the
/// tower layer and the [`Delivery`] the hub is built with, [`SocketLayer::register`] then
/// opens the namespaces on that hub.
#[derive(Clone)]
pub struct SocketLayer {
    io: Io,
    slow: Arc<SlowConsumers>,
    delivery: Arc<SocketDelivery>,
}

impl SocketLayer {
    /// The Socket.IO server on `engine`'s settings, counting into `stats`.
    pub fn new(engine: &EngineSettings, stats: Arc<Stats>) -> (SocketIoLayer, Self) {
        let (layer, io) = SocketIo::builder()
            .max_buffer_size(engine.max_buffer_size)
            .max_payload(engine.max_payload)
            // max_payload bounds polling bodies; websocket messages have their own limit.
            .ws_max_message_size(engine.max_payload as usize)
            .ws_max_frame_size(engine.max_payload as usize)
            .ws_read_buffer_size(engine.ws_read_buffer_size)
            .ping_interval(engine.ping_interval)
            .ping_timeout(engine.ping_timeout)
            .connect_timeout(engine.connect_timeout)
            .build_layer();
        let slow = Arc::new(SlowConsumers::new(&io, stats.clone()));
        let delivery = Arc::new(SocketDelivery::new(io.clone(), slow.clone(), stats));
        (layer, Self { io, slow, delivery })
    }

    /// What the hub broadcasts through.
    pub fn delivery(&self) -> Arc<dyn Delivery> {
        self.delivery.clone()
    }

    /// Opens the namespaces `/` and `/sessions/{id}` on `hub`.
    pub fn register(&self, hub: &Hub, security: &SocketSecurity, controls: &Controls) {
        namespaces::register(Shared {
            hub: hub.clone(),
            controls: controls.clone(),
            presence: presence::Presence::new(self.delivery.clone()),
            io: self.io.clone(),
            security: security.clone(),
            slow: self.slow.clone(),
            moves: self.delivery.moves().clone(),
        });
    }

    /// Disconnects every socket (they receive a disconnect packet): the start of a shutdown.
    pub async fn close(&self) {
        self.io.close().await;
    }
}

/// What every socket handler is given.
#[derive(Clone)]
pub(crate) struct Shared {
    pub hub: Hub,
    pub controls: Controls,
    pub presence: presence::Presence,
    pub io: Io,
    pub security: SocketSecurity,
    pub slow: Arc<SlowConsumers>,
    /// Ordering of room moves against broadcasts (see `subscriptions`).
    pub moves: Arc<subscriptions::RoomMoves>,
}
