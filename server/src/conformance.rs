//! Conformance mode: the reference server of the official Socket.IO v5 protocol test suite
//! (socket.io-protocol `test-suite`), so that suite, or our own raw-frame tests of it, can
//! check that agentcast's Socket.IO layer speaks the protocol.
//!
//! Namespaces `/` and `/custom`; on connect, emit `auth` with the handshake auth; echo
//! `message` as `message-back`; acknowledge `message-with-ack` with its arguments. Binary
//! attachments survive the round trip because arguments are kept as MessagePack values, which
//! have a binary variant (serde_json's Value would turn them into arrays of numbers).
//!
//! [`serve`] runs it on a runtime of its own with one thread, so that requests are handled in
//! the order they arrive, as by the reference server's event loop (the suite relies on it).
//! Its heartbeat is engineioxide's, patched so the first ping comes one ping interval after
//! the handshake (vendor/README.md).

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use rmpv::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use tower_http::cors::CorsLayer;

use crate::listener::Listener;

/// The settings the protocol test suite expects.
pub const PING_INTERVAL: Duration = Duration::from_millis(300);
pub const PING_TIMEOUT: Duration = Duration::from_millis(200);
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
pub const MAX_PAYLOAD: u64 = 1_000_000;

/// Serves the conformance server on `listener` until `shutdown` resolves, on a runtime of its
/// own with one thread.
///
/// Why one thread: the suite sends requests on two connections at once and expects them
/// handled in the order it sent them. "should forcefully close the session" sends a
/// long-polling GET and then a POST of the close packet: the GET must be pending when the
/// close arrives, to be answered `6`. The reference server, one Node.js event loop, handles
/// connections in the order they became ready. tokio's multi-threaded scheduler does not: it
/// runs the task a batch of I/O events woke last first (its LIFO slot), and runs tasks on
/// several threads at once. With a client that wrote the GET before the POST, the close came
/// first 19 times in 200 (the GET found no session: 400); on one thread, never. The
/// current-thread scheduler runs woken tasks in the order they were woken, as the event loop
/// does.
pub(crate) async fn serve(
    listener: Listener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (done, finished) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("conformance".into())
        .spawn(move || {
            let served = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .and_then(|runtime| runtime.block_on(serve_on_this_runtime(listener, shutdown)));
            // Nobody is left to tell if `serve` was dropped.
            let _ = done.send(served);
        })?;
    finished
        .await
        .unwrap_or_else(|_| Err(io::Error::other("the conformance server thread panicked")))
}

async fn serve_on_this_runtime(
    listener: Listener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = listener.into_current_runtime()?;
    let (router, io) = router();
    listener
        .serve(router, async move {
            shutdown.await;
            io.close().await;
        })
        .await
}

/// The router of the conformance server and its Socket.IO handle (to close it on shutdown).
pub fn router() -> (Router, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .ping_interval(PING_INTERVAL)
        .ping_timeout(PING_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .max_payload(MAX_PAYLOAD)
        .build_layer();
    io.ns("/", on_connect);
    io.ns("/custom", on_connect);
    let router = Router::new()
        .layer(layer)
        .layer(CorsLayer::very_permissive());
    (router, io)
}

async fn on_connect(socket: SocketRef, TryData(auth): TryData<Value>) {
    // Without an auth payload the reference server sends its empty handshake auth, `{}`.
    let auth = auth.unwrap_or(Value::Map(Vec::new()));
    if let Err(err) = socket.emit("auth", &auth) {
        tracing::debug!(%err, "conformance: could not emit auth");
    }
    socket.on(
        "message",
        async |socket: SocketRef, Data(args): Data<Args>| {
            if let Err(err) = socket.emit("message-back", &args) {
                tracing::debug!(%err, "conformance: could not echo");
            }
        },
    );
    socket.on(
        "message-with-ack",
        async |Data(args): Data<Args>, ack: AckSender| {
            if let Err(err) = ack.send(&args) {
                tracing::debug!(%err, "conformance: could not ack");
            }
        },
    );
}

/// Every argument of an event, however many. socketioxide expands a tuple-like type into
/// several arguments (and collects several arguments into one), so `Args` presents itself to
/// serde as a tuple of its values.
struct Args(Vec<Value>);

impl serde::Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in &self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

impl<'de> serde::Deserialize<'de> for Args {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Args;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("event arguments")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Args, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element()? {
                    values.push(value);
                }
                Ok(Args(values))
            }
        }
        deserializer.deserialize_tuple(usize::MAX, Visitor)
    }
}
