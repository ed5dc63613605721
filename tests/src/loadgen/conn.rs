//! One raw Socket.IO connection: opening it (TCP, websocket upgrade, Engine.IO open,
//! namespace CONNECT), and [`next_text`], how a subscriber reads it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::packet::{Codec, Packet};

pub(crate) type Ws = WebSocketStream<TcpStream>;

/// What a subscriber's read gives: see [`next_text`].
pub(crate) enum Incoming {
    /// A text message: a packet.
    Text(Utf8Bytes),
    /// The stop signal came first.
    Stopped,
    /// The connection ended, for this reason.
    Ended(String),
}

/// The next text message of `ws`, skipping other frames; [`Incoming::Stopped`] as soon as
/// `stopped` completes, even while the server is silent.
pub(crate) async fn next_text(ws: &mut Ws, mut stopped: Pin<&mut impl Future>) -> Incoming {
    loop {
        let msg = tokio::select! {
            biased;
            msg = ws.next() => msg,
            _ = stopped.as_mut() => return Incoming::Stopped,
        };
        return match msg {
            Some(Ok(Message::Text(text))) => Incoming::Text(text),
            Some(Ok(Message::Close(_))) | None => Incoming::Ended("closed by the server".into()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => Incoming::Ended(format!("websocket error: {e}")),
        };
    }
}

/// Where and how every connection of the fleet connects.
pub(crate) struct Target {
    pub(crate) addr: SocketAddr,
    /// `ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket`.
    pub(crate) ws_url: String,
    /// The CONNECT payload (`{"token":"..."}`), if the server wants one.
    pub(crate) auth_json: Option<String>,
    pub(crate) codec: Arc<Codec>,
}

impl Target {
    /// `base_url` is what the server prints: `http://127.0.0.1:PORT` (a trailing `/` is fine).
    pub(crate) fn new(
        base_url: &str,
        namespace: &str,
        auth_json: Option<String>,
    ) -> anyhow::Result<Self> {
        let authority = base_url
            .strip_prefix("http://")
            .or_else(|| base_url.strip_prefix("ws://"))
            .with_context(|| format!("{base_url}: expected http://HOST:PORT"))?
            .trim_end_matches('/');
        let addr: SocketAddr = authority
            .parse()
            .with_context(|| format!("{authority}: expected an IP address and port"))?;
        if !addr.ip().is_loopback() {
            bail!("{addr}: the load generator only targets loopback addresses");
        }
        Ok(Self {
            addr,
            ws_url: format!("ws://{addr}/socket.io/?EIO=4&transport=websocket"),
            auth_json,
            codec: Arc::new(Codec::new(namespace)),
        })
    }

    /// Connects and joins the namespace; answers pings met on the way.
    pub(crate) async fn connect(&self, timeout: Duration) -> anyhow::Result<Ws> {
        self.connect_with(self.auth_json.as_deref(), timeout).await
    }

    /// [`Target::connect`] with another CONNECT payload: a client resuming by offset sends
    /// a new one each time.
    pub(crate) async fn connect_with(
        &self,
        auth_json: Option<&str>,
        timeout: Duration,
    ) -> anyhow::Result<Ws> {
        tokio::time::timeout(timeout, self.connect_inner(auth_json))
            .await
            .context("connect timed out")?
    }

    async fn connect_inner(&self, auth_json: Option<&str>) -> anyhow::Result<Ws> {
        let tcp = TcpStream::connect(self.addr).await.context("tcp connect")?;
        tcp.set_nodelay(true)?;
        // Thousands of connections in one process: keep the per-connection buffers small
        // (the default read buffer is 128 KiB); a fan-out message is well under 1 KiB.
        let config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(1 << 20));
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(self.ws_url.as_str(), tcp, Some(config))
                .await
                .context("websocket upgrade")?;
        let mut sent_connect = false;
        while let Some(msg) = ws.next().await {
            let msg = msg.context("reading the handshake")?;
            let Message::Text(text) = msg else { continue };
            match self.codec.parse(text.as_str()) {
                Packet::Open if !sent_connect => {
                    ws.send(Message::text(self.codec.connect(auth_json)))
                        .await?;
                    sent_connect = true;
                }
                Packet::Ping => ws.send(Message::text("3")).await?,
                Packet::Connected if sent_connect => return Ok(ws),
                Packet::ConnectError(why) => bail!("connect refused: {why}"),
                Packet::Close | Packet::Disconnected => bail!("closed during the handshake"),
                _ => {}
            }
        }
        bail!("closed during the handshake")
    }
}
