//! Transports: a way to open one websocket-like link to the server. Each is thin: it moves
//! whole frames and knows nothing of Engine.IO or Socket.IO.
//!
//! - `native`: tokio-tungstenite (not in wasm), with `tls`: rustls (ring) for `wss://`.
//! - `browser`: the browser's `WebSocket` (wasm32 only); the browser does TLS.
//!
//! Long-polling is not implemented: agentcast and every socket.io server accept a direct
//! websocket connection (`transport=websocket`), and both targets have websockets. The codec
//! already frames polling payloads, should a polling transport be added.

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
mod tls;

#[cfg(target_arch = "wasm32")]
pub use browser::BrowserTransport as DefaultTransport;
#[cfg(not(target_arch = "wasm32"))]
pub use native::NativeTransport as DefaultTransport;

use futures_channel::mpsc;

use crate::rt::BoxFuture;

/// One websocket message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A text message: one Engine.IO packet.
    Text(String),
    /// A binary message: a Socket.IO attachment.
    Binary(Vec<u8>),
}

/// An open link. Dropping `outgoing` closes it; `incoming` ends when the peer closes it or
/// the connection fails.
#[derive(Debug)]
pub struct Link {
    /// Frames to send, in order.
    pub outgoing: mpsc::UnboundedSender<Frame>,
    /// Frames received, in order.
    pub incoming: mpsc::UnboundedReceiver<Frame>,
}

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Opens links. Implemented by [`DefaultTransport`] for the current target; tests plug in an
/// in-memory one.
pub trait Transport: Send + Sync + 'static {
    /// Opens a websocket to `url` (`ws://` or `wss://`, path and query included).
    fn connect(&self, url: &str) -> BoxFuture<Result<Link, TransportError>>;
}
