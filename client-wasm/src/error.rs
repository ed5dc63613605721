//! The errors of the client's operations.

use std::time::Duration;

use agentcast_shared::{ErrorBody, ErrorCode};

/// Why an emit, an ack or a command failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Disconnected and the outgoing queue is full: the emit was refused, not dropped.
    #[error("not connected and the outgoing queue is full ({capacity} packets)")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// No ack within the timeout. The event may still have reached the server.
    #[error("no acknowledgement within {0:?}")]
    AckTimeout(Duration),
    /// The server refused to connect the namespace.
    #[error("connect refused: {0}")]
    Refused(String),
    /// The connection was lost after the event was sent: its answer cannot come.
    #[error("disconnected before the answer came")]
    Disconnected,
    /// The client was closed (or dropped) before the operation finished.
    #[error("the client is closed")]
    Closed,
    /// Arguments that do not serialize, or an answer that does not have the expected shape.
    #[error("bad data: {0}")]
    Data(String),
    /// The server answered the command with an error.
    #[error("command failed: {0}")]
    Command(ErrorBody),
}

impl Error {
    /// The server's error code when it answered the command with an error, e.g.
    /// [`ErrorCode::AlreadyResolved`] for a permission someone answered first or
    /// [`ErrorCode::Forbidden`] for a token without the scope; `None` when the failure was
    /// the client's or the connection's.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Command(body) => Some(body.code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_the_servers_and_only_for_its_answers() {
        let refused = |code| Error::Command(ErrorBody::new(code, "no"));
        assert_eq!(
            refused(ErrorCode::AlreadyResolved).code(),
            Some(ErrorCode::AlreadyResolved)
        );
        assert_eq!(
            refused(ErrorCode::Forbidden).code(),
            Some(ErrorCode::Forbidden)
        );
        assert_eq!(Error::Disconnected.code(), None);
        assert_eq!(Error::Refused("forbidden".into()).code(), None);
    }
}
