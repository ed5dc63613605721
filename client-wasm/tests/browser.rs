//! agentcast-client in headless Chromium against a running `agentcast serve`, whose URL is
//! baked in at build time from `AGENTCAST_TEST_URL` (a browser test cannot start processes).
//! `client-wasm/tests/run-browser-tests.sh` starts the server with a low message rate (so a
//! flood gets the socket disconnected by the server) and runs this file:
//!
//! ```text
//! client-wasm/tests/run-browser-tests.sh
//! ```

#![cfg(target_arch = "wasm32")]

use std::future::Future;
use std::time::Duration;

use agentcast_client::shared::{Event, TOOL_STARTED, ToolStarted};
use agentcast_client::{Client, ClientConfig, ReconnectConfig, Session, SocketStatus};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use serde_json::json;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const URL: Option<&str> = option_env!("AGENTCAST_TEST_URL");

/// `future`, or a panic naming `what` after `secs` seconds.
async fn within<T>(secs: u32, what: &str, future: impl Future<Output = T>) -> T {
    let timer = gloo_timers::future::TimeoutFuture::new(secs * 1000);
    match select(Box::pin(future), timer).await {
        Either::Left((value, _)) => value,
        Either::Right(_) => panic!("timed out after {secs} s waiting for {what}"),
    }
}

fn config() -> ClientConfig {
    let url = URL.expect(
        "AGENTCAST_TEST_URL was not set at build time: run client-wasm/tests/run-browser-tests.sh",
    );
    ClientConfig {
        reconnect: ReconnectConfig {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..Default::default()
        },
        ..ClientConfig::new(url)
    }
}

fn events(tag: &str) -> Vec<Event> {
    [
        json!({"type": "output.text", "data": {"text": format!("{tag} hello")}}),
        json!({"type": "tool.started", "data": {"tool_use_id": tag, "name": "Bash", "input": {"command": "ls"}}}),
        json!({"type": "tool.completed", "data": {"tool_use_id": tag, "name": "Bash", "is_error": false, "output_preview": "ok", "output_bytes": 2}}),
    ]
    .into_iter()
    .map(|value| serde_json::from_value(value).expect("a valid event"))
    .collect()
}

async fn publish(writer: &Session, tag: &str) -> u64 {
    within(10, "publish", writer.publish(events(tag)))
        .await
        .expect("publish acked")
        .head_offset
}

#[wasm_bindgen_test]
async fn connects_receives_typed_events_gets_acks_and_survives_a_server_disconnect() {
    // A fresh session per run: the server may serve several runs.
    let id = format!("browser-{}", js_sys::Date::now() as u64);
    let producer = Client::connect(config());
    let (writer, _) = producer.session(&id, None);
    let client = Client::connect(config());
    let (session, mut all) = client.session(&id, Some(0));
    let mut tools = session.on::<ToolStarted>();
    within(10, "connect", session.connected())
        .await
        .expect("connected");

    // An ack: the publish answers with the head offset.
    assert_eq!(publish(&writer, "a").await, 3);
    let tool = within(10, "a typed tool.started", tools.next())
        .await
        .unwrap();
    assert_eq!((tool.offset, tool.kind.as_str()), (2, TOOL_STARTED));
    assert_eq!(tool.data.tool_use_id, "a");
    assert!(
        !within(10, "pong", session.ping())
            .await
            .expect("pong")
            .ts
            .is_empty()
    );

    // Flood the server: it disconnects this socket (over --messages-per-socket-per-s).
    let mut status = session.status();
    for _ in 0..200 {
        let _ = session.emit("ping", &json!({})).await;
    }
    within(20, "the server-side disconnect", async {
        while let Some(s) = status.next().await {
            if s == SocketStatus::Pending {
                return;
            }
        }
    })
    .await;
    assert_eq!(publish(&writer, "b").await, 6);
    within(20, "the reconnect", session.connected())
        .await
        .expect("back");

    // Every event exactly once, in order, across the disconnect.
    let mut offsets = Vec::new();
    while offsets.last() != Some(&6) {
        let envelope = within(20, "events", all.next()).await.expect("stream open");
        if envelope.offset > 0 {
            offsets.push(envelope.offset);
        }
    }
    assert_eq!(offsets, [1, 2, 3, 4, 5, 6]);
}
