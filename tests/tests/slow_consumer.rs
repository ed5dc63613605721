//! A client that stops reading fills its send buffer: it is disconnected with a reason, it
//! never sees a gap, and the other clients of the session keep receiving everything. A
//! broadcast queues the same encoded packet for every socket and learns which ones were full
//! (server/src/socket/delivery.rs): exactly those are disconnected and counted.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::EngineArgs;
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, TestServer, sample_events};
use serde_json::json;

/// Events published per test, in publishes of [`BATCH`]; about 2 KB each.
const EVENTS: u64 = 6000;
const BATCH: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_buffer_disconnects_that_socket_only() {
    let (_server, stalled) = publish_while_some_stall(1, 1).await;
    for client in stalled {
        expect_dropped_as_slow(client).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_full_socket_is_disconnected_and_counted_once() {
    let (server, stalled) = publish_while_some_stall(2, 3).await;
    for client in stalled {
        expect_dropped_as_slow(client).await;
    }
    let metrics = Api::for_addr(server.addr).get("/metrics").await.text;
    assert!(
        metrics
            .lines()
            .any(|l| l == "agentcast_slow_consumer_disconnects_total 2"),
        "{metrics}"
    );
}

/// Connects `stalled` clients that read nothing and `healthy` ones that read every event in
/// order, then publishes about 12 MB into the session; returns once every healthy client has
/// had every event, with the stalled clients, unread.
async fn publish_while_some_stall(stalled: usize, healthy: usize) -> (TestServer, Vec<Client>) {
    // A small buffer so that the kernel's socket buffers (megabytes on loopback) plus the
    // server's queue fill up quickly; still twice a publish batch, so a client that reads
    // while the producer waits for its acks never falls behind. The stalled client answers no
    // ping while it does not read, and a ping that finds its buffer full closes the connection
    // at once: the heartbeat must not come before the client reads again, however long the
    // publishing takes on a loaded machine (it took 25 s here once, the default interval).
    let args = ServeArgs {
        engine: EngineArgs {
            max_buffer_size: Some(256),
            ping_interval_ms: Some(600_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = TestServer::start(args).await;
    let mut stalled_clients = Vec::new();
    for _ in 0..stalled {
        stalled_clients.push(server.connect("/sessions/slow").await);
    }
    let mut readers = Vec::new();
    for _ in 0..healthy {
        let mut client = server.connect("/sessions/slow").await;
        readers.push(tokio::spawn(async move {
            for expected in 1..=EVENTS {
                let (_, envelope) = client
                    .next_event()
                    .await
                    .expect("healthy client keeps going");
                assert_eq!(envelope["offset"].as_u64(), Some(expected));
            }
        }));
    }
    let mut producer = server.connect("/sessions/slow").await;
    producer
        .emit_with_ack("unsubscribe", json!({"patterns": ["*"]}))
        .await;

    // About 12 MB in total, while the stalled clients read nothing.
    for chunk in sample_events(EVENTS as usize, 2000).chunks(BATCH) {
        let ack = producer
            .emit_with_ack("publish", json!({"events": chunk}))
            .await;
        assert!(ack.get("ok").is_some(), "{ack}");
    }
    for reader in readers {
        reader
            .await
            .expect("a healthy client received every event in order");
    }
    (server, stalled_clients)
}

/// The stalled client now reads what it was sent: a gapless prefix, then the reason, then
/// the disconnect.
async fn expect_dropped_as_slow(mut stalled: Client) {
    let last = stalled.read_until_dropped_as_slow().await;
    assert!(
        last < EVENTS,
        "the stalled client cannot have received everything"
    );
    assert!(
        stalled.next_event().await.is_none(),
        "then it is disconnected"
    );
}
