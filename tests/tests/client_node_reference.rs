//! agentcast-client against the official Node socket.io server (npm socket.io 4.8,
//! tests/js/reference/server.mjs): connect, events, acks, binary both ways, namespaces over
//! one connection, a refused connect, the heartbeat and reconnects after server-side
//! disconnects. Needs `node` and tests/js/node_modules (`cargo xtask test --only install`).

#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use agentcast_client::{
    Client, ClientConfig, ConnectionState, Error, RawEvent, ReconnectConfig, SocketStatus,
};
use agentcast_tests::server::within;
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The reference server process; killed when dropped.
struct NodeServer {
    _child: Child,
    url: String,
}

impl NodeServer {
    async fn start() -> NodeServer {
        let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/js");
        assert!(
            js.join("node_modules/socket.io").is_dir(),
            "tests/js/node_modules/socket.io is missing: run `cargo xtask test --only install` \
             (or `npm ci` in tests/js)"
        );
        let mut child = Command::new("node")
            .arg(js.join("reference/server.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node is installed (Node 20)");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port = within(20, "the node server to listen", async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(port) = line.strip_prefix("listening on ") {
                    return port.trim().to_owned();
                }
            }
            panic!("the node server exited before listening");
        })
        .await;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        NodeServer {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn config(&self) -> ClientConfig {
        ClientConfig {
            reconnect: ReconnectConfig {
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_millis(500),
                ..Default::default()
            },
            ack_timeout: Duration::from_secs(10),
            ..ClientConfig::new(&self.url)
        }
    }
}

async fn next(events: &mut agentcast_client::RawEvents, what: &str) -> RawEvent {
    within(10, what, events.next()).await.expect("stream open")
}

#[tokio::test]
async fn events_acks_and_namespaces_over_one_connection() {
    let server = NodeServer::start().await;
    let client = Client::connect(server.config());
    let root = client.socket("/");
    let custom = client.socket("/custom");
    let mut welcome = custom.on_event("welcome");
    let mut echoed = root.on_event("echoed");
    within(10, "/ connects", root.connected()).await.unwrap();
    within(10, "/custom connects", custom.connected())
        .await
        .unwrap();

    let welcome = next(&mut welcome, "welcome").await;
    assert_eq!(welcome.args, [json!({"nsp": "/custom"})]);

    // Acks with several arguments, on both namespaces.
    let ack = root
        .emit_raw_with_ack(
            "echo",
            vec![json!(1), json!("two"), json!({"three": [3]})],
            vec![],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(ack.args, [json!(1), json!("two"), json!({"three": [3]})]);
    assert_eq!(
        custom.emit_with_ack("nsp", &json!(null)).await,
        Ok(vec![json!("/custom")])
    );
    // `nsp` takes only the ack: send it with no arguments.
    let ack = root
        .emit_raw_with_ack("nsp", vec![], vec![], Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(ack.args, [json!("/")]);

    // A plain emit, answered by an event.
    root.emit("emit-back", &json!({"hello": "world"}))
        .await
        .unwrap();
    assert_eq!(
        next(&mut echoed, "echoed").await.args,
        [json!({"hello": "world"})]
    );

    // Heartbeat: the server pings every 300 ms; a few seconds later the client is still
    // connected on the same connection (no state change at all).
    let mut states = client.state();
    assert!(matches!(
        within(5, "state", states.next()).await,
        Some(ConnectionState::Connected { .. })
    ));
    let quiet = tokio::time::timeout(Duration::from_secs(2), states.next()).await;
    assert!(quiet.is_err(), "the connection stays up: {quiet:?}");
}

#[tokio::test]
async fn binary_events_and_acks_both_ways() {
    let server = NodeServer::start().await;
    let client = Client::connect(server.config());
    let root = client.socket("/");
    let mut back = root.on_event("binary-back");
    within(10, "/ connects", root.connected()).await.unwrap();

    let placeholder = json!({"_placeholder": true, "num": 0});
    let ack = root
        .emit_raw_with_ack(
            "binary",
            vec![placeholder.clone()],
            vec![vec![1, 2, 3, 255]],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(ack.args, [placeholder.clone(), json!("raw")]);
    assert_eq!(ack.attachments, [vec![1, 2, 3, 255]]);

    let event = next(&mut back, "binary-back").await;
    assert_eq!(
        event.args,
        [json!({"label": "reversed", "data": placeholder})]
    );
    assert_eq!(event.attachments, [vec![255, 3, 2, 1]]);
}

#[tokio::test]
async fn a_refused_namespace_reports_the_reason_and_others_go_on() {
    let server = NodeServer::start().await;
    let bad = Client::connect(server.config().with_token("wrong"));
    let root = bad.socket("/");
    let admin = bad.socket("/admin");
    assert_eq!(
        within(10, "refusal", admin.connected()).await,
        Err(Error::Refused("unauthorized: bad token".into()))
    );
    // The other namespace on the same connection is unaffected.
    within(10, "/ connects", root.connected()).await.unwrap();
    assert_eq!(root.emit_with_ack("echo", &1).await, Ok(vec![json!(1)]));

    let good = Client::connect(server.config().with_token("secret"));
    let admin = good.socket("/admin");
    let mut welcome = admin.on_event("welcome");
    within(10, "/admin connects", admin.connected())
        .await
        .unwrap();
    assert_eq!(
        next(&mut welcome, "welcome").await.args,
        [json!({"nsp": "/admin", "auth": {"token": "secret"}})]
    );
}

#[tokio::test]
async fn the_client_comes_back_after_the_server_disconnects_it() {
    let server = NodeServer::start().await;
    let client = Client::connect(server.config());
    let root = client.socket("/");
    within(10, "/ connects", root.connected()).await.unwrap();
    // Created once connected: its first item is `Connected`, not the initial `Pending`.
    let mut status = root.status();

    // The server leaves the namespace: the client joins it again.
    root.emit("disconnect-me", &json!(null)).await.unwrap();
    within(10, "the namespace disconnect", async {
        while let Some(s) = status.next().await {
            if s == SocketStatus::Pending {
                return;
            }
        }
    })
    .await;
    within(10, "/ again", root.connected()).await.unwrap();
    assert_eq!(
        root.emit_with_ack("echo", &"again").await,
        Ok(vec![json!("again")])
    );

    // The server closes the whole connection: the client reconnects with backoff.
    let mut states = client.state();
    root.emit("close-engine", &json!(null)).await.unwrap();
    within(10, "reconnecting then connected", async {
        let mut reconnecting = false;
        while let Some(state) = states.next().await {
            match state {
                ConnectionState::Reconnecting { .. } => reconnecting = true,
                ConnectionState::Connected { .. } if reconnecting => return,
                _ => {}
            }
        }
    })
    .await;
    within(10, "/ after the reconnect", root.connected())
        .await
        .unwrap();
    assert_eq!(
        root.emit_with_ack("echo", &"back").await,
        Ok(vec![json!("back")])
    );
}
