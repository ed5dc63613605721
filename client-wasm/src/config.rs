//! How to reach the server and how to behave when it is away.

use std::time::Duration;

use crate::backoff::ReconnectConfig;

/// Everything [`Client::connect`](crate::Client::connect) needs. `ClientConfig::new(url)`
/// gives the defaults of DESIGN.md section 7.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server: `http://host:port`, `https://...`, `ws://...` or `wss://...`; any path,
    /// query or fragment is ignored (the dashboard may pass its own location).
    pub url: String,
    /// The Socket.IO path (default `/socket.io/`).
    pub path: String,
    /// The JWT sent as handshake auth `{token}` on every namespace.
    pub token: Option<String>,
    /// Reconnect backoff (initial 500 ms, factor 2, max 10 s, jitter, unlimited attempts).
    pub reconnect: ReconnectConfig,
    /// Packets kept while disconnected (default 100); the next emit fails with
    /// [`Error::QueueFull`](crate::Error::QueueFull) rather than dropping anything.
    pub queue_capacity: usize,
    /// How long `emit_with_ack` and the typed commands wait for an answer (default 10 s).
    pub ack_timeout: Duration,
    /// How long connecting plus the Engine.IO handshake may take before the attempt is given
    /// up and retried (default 20 s).
    pub handshake_timeout: Duration,
}

impl ClientConfig {
    /// The defaults for a server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            path: "/socket.io/".into(),
            token: None,
            reconnect: ReconnectConfig::default(),
            queue_capacity: 100,
            ack_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(20),
        }
    }

    /// The same with a token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The websocket URL of the Engine.IO endpoint.
    pub(crate) fn engine_url(&self) -> String {
        let url = self.url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some(("https" | "wss", rest)) => ("wss", rest),
            Some((_, rest)) => ("ws", rest),
            None => ("ws", url),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let path = self.path.trim_matches('/');
        format!("{scheme}://{authority}/{path}/?EIO=4&transport=websocket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_urls() {
        let cases = [
            (
                "http://127.0.0.1:8080",
                "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "https://example.org/",
                "wss://example.org/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "ws://h:1/#token=abc",
                "ws://h:1/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "wss://h?x=1",
                "wss://h/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "localhost:3000",
                "ws://localhost:3000/socket.io/?EIO=4&transport=websocket",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(ClientConfig::new(url).engine_url(), expected, "{url}");
        }
        let custom = ClientConfig {
            path: "/io".into(),
            ..ClientConfig::new("http://h")
        };
        assert_eq!(custom.engine_url(), "ws://h/io/?EIO=4&transport=websocket");
    }
}
