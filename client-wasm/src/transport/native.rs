//! The native transport: tokio-tungstenite, with one task reading and one writing.

use std::sync::Arc;

use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message;

use super::{Frame, Link, Transport, TransportError, tls};
use crate::config::ClientConfig;
use crate::rt::BoxFuture;

/// Websockets over tokio: `ws://`, and `wss://` with rustls (ring), trusting Mozilla's roots
/// plus the configuration's [`tls_roots`](ClientConfig::tls_roots).
#[derive(Debug, Clone)]
pub struct NativeTransport {
    /// The TLS configuration, built once; or why it could not be, which every connect then
    /// reports (`Client::connect` cannot fail, so the error surfaces in the client state).
    tls: Result<Arc<rustls::ClientConfig>, String>,
}

impl NativeTransport {
    /// The transport for `config` (its extra TLS roots).
    pub fn new(config: &ClientConfig) -> Self {
        let tls = tls::client_config(&config.tls_roots);
        if let Err(reason) = &tls {
            tracing::warn!(%reason, "TLS configuration refused");
        }
        NativeTransport { tls }
    }
}

impl Default for NativeTransport {
    /// Mozilla's roots only.
    fn default() -> Self {
        NativeTransport {
            tls: tls::client_config(&[]),
        }
    }
}

impl Transport for NativeTransport {
    fn connect(&self, url: &str) -> BoxFuture<Result<Link, TransportError>> {
        let url = url.to_owned();
        let tls = self.tls.clone();
        Box::pin(async move {
            // The connector only applies to `wss://`: `ws://` stays plain, and does not
            // depend on the TLS configuration being valid.
            let connector = match tls {
                Ok(config) => Some(Connector::Rustls(config)),
                Err(reason) if url.starts_with("wss://") => return Err(TransportError(reason)),
                Err(_) => None,
            };
            let (socket, _response) = tokio_tungstenite::connect_async_tls_with_config(
                url.as_str(),
                None,
                true, // no Nagle: Engine.IO packets are small and latency matters
                connector,
            )
            .await
            .map_err(|err| {
                TransportError(format!("websocket to {url}: {}", tls::describe(&err)))
            })?;
            let (mut sink, mut stream) = socket.split();
            let (out_tx, mut out_rx) = mpsc::unbounded::<Frame>();
            let (in_tx, in_rx) = mpsc::unbounded::<Frame>();

            tokio::spawn(async move {
                while let Some(frame) = out_rx.next().await {
                    let message = match frame {
                        Frame::Text(text) => Message::text(text),
                        Frame::Binary(bytes) => Message::binary(bytes),
                    };
                    if sink.send(message).await.is_err() {
                        return;
                    }
                }
                // The client dropped the link: say goodbye properly.
                let _ = sink.close().await;
            });
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    let frame = match message {
                        Message::Text(text) => Frame::Text(text.as_str().to_owned()),
                        Message::Binary(bytes) => Frame::Binary(bytes.to_vec()),
                        Message::Close(_) => break,
                        // Websocket-level pings are answered by tungstenite itself.
                        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    };
                    if in_tx.unbounded_send(frame).is_err() {
                        break; // the client dropped the link
                    }
                }
            });
            Ok(Link {
                outgoing: out_tx,
                incoming: in_rx,
            })
        })
    }
}
