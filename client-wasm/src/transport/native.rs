//! The native transport: tokio-tungstenite, with one task reading and one writing.

use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{Frame, Link, Transport, TransportError};
use crate::rt::BoxFuture;

/// Websockets over tokio (plain `ws://`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeTransport;

impl Transport for NativeTransport {
    fn connect(&self, url: &str) -> BoxFuture<Result<Link, TransportError>> {
        let url = url.to_owned();
        Box::pin(async move {
            let (socket, _response) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(|err| TransportError(format!("websocket to {url}: {err}")))?;
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
