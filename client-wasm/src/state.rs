//! What a UI renders about the connection.

use std::time::Duration;

/// The life of the client's connection, as a stream from [`Client::state`](crate::Client::state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// The first connection is being made.
    Connecting,
    /// Connected; `latency` is the last measured round trip (a namespace connect or an ack),
    /// `None` until one was measured.
    Connected {
        /// The last round trip to the server.
        latency: Option<Duration>,
    },
    /// The connection was lost; attempt `attempt` starts in `next_in`.
    Reconnecting {
        /// 1 for the first retry after a loss.
        attempt: u32,
        /// The delay before this attempt, from when this state was entered.
        next_in: Duration,
        /// Why the connection (or the last attempt) failed, in words for a person: `the
        /// server closed the connection`, a refused TCP connect, a TLS certificate error.
        reason: String,
    },
    /// Not connected and not retrying: closed by the application, attempts exhausted, or
    /// refused. [`Client::reconnect`](crate::Client::reconnect) starts again.
    Disconnected {
        /// Why, in words for a person.
        reason: String,
    },
}

/// The state of one namespace on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketStatus {
    /// Waiting for the connection or for the server's answer.
    Pending,
    /// The server accepted the connect; `sid` is the socket id.
    Connected {
        /// The Socket.IO socket id.
        sid: String,
    },
    /// The server refused with `connect_error`. `retrying` is false for a refusal that
    /// cannot get better by itself (authentication, an unknown namespace).
    Refused {
        /// The server's message, e.g. `token expired`.
        reason: String,
        /// True when the client will try this namespace again.
        retrying: bool,
    },
    /// The application left the namespace ([`Socket::leave`](crate::Socket::leave)); its
    /// streams have ended.
    Left,
}
