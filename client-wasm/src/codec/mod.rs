//! The pure protocol codec: text and binary frames in, packets out, and back. No I/O, no
//! clocks, so every packet kind and every malformed input is tested natively.
//!
//! - [`engineio`]: Engine.IO v4 packets (open, close, ping, pong, message, upgrade, noop) and
//!   the long-polling payload framing.
//! - [`socketio`]: Socket.IO v5 packets (connect, disconnect, event, ack, connect_error,
//!   binary event, binary ack), with the decoder that joins a binary packet to its attachments.

pub mod engineio;
pub mod socketio;

/// Why a frame is not a valid packet. Decoding never panics: bad input is one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The frame was empty.
    #[error("empty packet")]
    Empty,
    /// The first character is not a known packet type.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// The payload is not the JSON the packet type needs.
    #[error("bad payload: {0}")]
    BadPayload(String),
    /// A number (attachment count, ack id) is malformed or out of range.
    #[error("bad number: {0}")]
    BadNumber(String),
    /// A binary frame arrived while no binary packet was waiting for attachments.
    #[error("unexpected binary attachment")]
    UnexpectedAttachment,
    /// A binary packet announced more attachments than the decoder accepts.
    #[error("too many attachments: {0}")]
    TooManyAttachments(u64),
}
