//! Two clients that connect to the same new dynamic namespace at the same moment end up in
//! one namespace, both reachable.
//!
//! socketioxide 0.18.9 (stock) creates a dynamic namespace on its first connect: it looks the
//! path up, builds a namespace when it is missing, and then inserts it. Two connects that both
//! look before either inserts build two namespaces, and the second insert replaces the first.
//! The socket of the replaced one stays "connected" but nothing reaches it (broadcasts go to
//! the registered namespace) and its first message closes its whole connection ("cannot find
//! socketio socket"); its close never reaches it either, so a send to it fails with
//! `SocketError::Closed`. In agentcast this is a producer and a consumer opening a session
//! together (client_agentcast.rs, `pattern_subscriptions_...`, failed that way now and then).
//! The vendored socketioxide (server/vendor/socketioxide, see server/vendor/README.md) inserts only when the
//! path is still free and otherwise uses the namespace already there.
//!
//! The race is forced, not waited for: the test adapter holds back the registration of each
//! new namespace until two connects have built theirs.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use agentcast_tests::raw::Client;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::adapter::{Emitter, LocalAdapter};
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide_core::adapter::{
    BroadcastOptions, CoreAdapter, CoreLocalAdapter, DefinedAdapter, Spawnable,
};
use socketioxide_core::packet::Packet;
use tokio::sync::Barrier;

/// How long a new namespace waits for a second connect to build one too (a socketioxide that
/// no longer builds it twice then registers it anyway, after this delay).
const GATE: Duration = Duration::from_secs(5);

/// socketioxide's in-memory adapter, except that a new namespace is registered only once
/// `gate` has seen two of them built.
struct GatedAdapter {
    inner: LocalAdapter,
    gate: Arc<Barrier>,
}

/// The delayed registration of a namespace, spawned by socketioxide.
struct Registration(Pin<Box<dyn Future<Output = ()> + Send>>);

impl Spawnable for Registration {
    fn spawn(self) {
        tokio::spawn(self.0);
    }
}

impl CoreAdapter<Emitter> for GatedAdapter {
    type Error = <LocalAdapter as CoreAdapter<Emitter>>::Error;
    type State = Arc<Barrier>;
    type AckStream = <LocalAdapter as CoreAdapter<Emitter>>::AckStream;
    type InitRes = Registration;

    fn new(gate: &Self::State, local: CoreLocalAdapter<Emitter>) -> Self {
        Self {
            inner: LocalAdapter::new(&(), local),
            gate: gate.clone(),
        }
    }

    fn init(self: Arc<Self>, on_success: impl FnOnce() + Send + 'static) -> Registration {
        Registration(Box::pin(async move {
            let _ = tokio::time::timeout(GATE, self.gate.wait()).await;
            on_success();
        }))
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Self::AckStream, Self::Error>> + Send {
        self.inner.broadcast_with_ack(packet, opts, timeout)
    }

    fn get_local(&self) -> &CoreLocalAdapter<Emitter> {
        self.inner.get_local()
    }
}

impl DefinedAdapter for GatedAdapter {}

/// A Socket.IO server with one dynamic namespace, `/rooms/{id}`, whose sockets answer `echo`.
async fn serve() -> (std::net::SocketAddr, SocketIo<GatedAdapter>) {
    let (layer, io) = SocketIo::builder()
        .with_adapter::<GatedAdapter>(Arc::new(Barrier::new(2)))
        .build_layer();
    io.dyn_ns("/rooms/{id}", async |socket: SocketRef<GatedAdapter>| {
        socket.on(
            "echo",
            async |Data(value): Data<Value>, ack: AckSender<GatedAdapter>| {
                let _ = ack.send(&value);
            },
        );
    })
    .expect("a valid namespace pattern");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().layer(layer);
    tokio::spawn(axum::serve(listener, app).into_future());
    (addr, io)
}

#[tokio::test]
async fn two_first_connects_to_a_dynamic_namespace_share_it() {
    let (addr, io) = serve().await;
    let (first, second) = tokio::join!(
        Client::connect(addr, "/rooms/a", None),
        Client::connect(addr, "/rooms/a", None),
    );
    let (mut first, mut second) = (first.expect("connected"), second.expect("connected"));

    // Both sockets are in the namespace the server broadcasts to...
    let registered = io.of("/rooms/a").expect("the namespace exists");
    assert_eq!(registered.sockets().len(), 2, "both sockets are reachable");
    // ...and both are answered (a socket in a replaced namespace loses its connection here).
    assert_eq!(first.emit_with_ack("echo", json!("one")).await, "one");
    assert_eq!(second.emit_with_ack("echo", json!("two")).await, "two");
}
