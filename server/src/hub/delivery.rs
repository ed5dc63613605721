//! What the hub needs of the layer that delivers envelopes to clients, and nothing more: the
//! Socket.IO layer implements these two traits, the hub calls them and never names a socket.
//! Data flows one way, hub -> delivery; the delivery answers with return values, never by
//! calling back into the hub.
//!
//! - [`Delivery`]: broadcasting one envelope to the clients of a namespace subscribed to its
//!   type (the sequencer's live events, `system.stats`).
//! - [`Recipient`]: one client being caught up after it reconnected with its last offset
//!   (see `recovery`), which is in no room until the catch-up ends.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::value::RawValue;

use super::TypeSet;

/// Broadcasts to the subscribers of a namespace.
#[async_trait]
pub trait Delivery: Send + Sync + 'static {
    /// Emits `envelope` as event `kind` to every client of namespace `ns` subscribed to
    /// `kind`. A client that cannot take it (its send buffer is full) has missed an event: the
    /// delivery must make sure it receives no later one before it recovers (take it out of
    /// every room at once, tell it why, disconnect it); it then reconnects with its offset.
    async fn broadcast(&self, ns: &str, kind: &'static str, envelope: &RawValue);

    /// How long a replay waits for a full send buffer to drain before the client counts as a
    /// slow consumer.
    fn patience(&self) -> Duration;
}

/// Why an envelope could not be handed to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Its send buffer is full: it is too slow, and missed the envelope.
    #[error("the send buffer is full")]
    Full,
    /// It is gone (disconnected, or its connection is closing): nothing to remedy.
    #[error("the client is disconnected")]
    Closed,
}

/// A client being caught up: connected to a session's namespace with its last offset, in no
/// room yet, so that no live event can overtake its replay.
pub trait Recipient: Send + Sync + 'static {
    /// An id for the logs.
    fn id(&self) -> String;

    fn is_connected(&self) -> bool;

    /// The event types it is subscribed to now (its replay skips the others).
    fn wanted(&self) -> TypeSet;

    /// Hands it one envelope.
    fn send(&self, kind: &'static str, envelope: &RawValue) -> Result<(), SendFailure>;

    /// Ends the catch-up: runs `last` with the wanted types while its subscriptions cannot
    /// change, then, if `last` succeeded, joins it to the rooms of those types, after which
    /// live broadcasts reach it. Called by the session's sequencer between two of its
    /// broadcasts, so nothing is emitted in between.
    fn go_live(
        &self,
        last: &mut dyn FnMut(TypeSet) -> Result<(), SendFailure>,
    ) -> Result<(), SendFailure>;

    /// The slow-consumer remedy for a client that missed an envelope during its catch-up:
    /// told why and disconnected (it reconnects with its offset).
    fn drop_slow(&self);
}
