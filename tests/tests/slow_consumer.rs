//! A client that stops reading fills its send buffer: it is disconnected with a reason, it
//! never sees a gap, and the other clients of the session keep receiving everything.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::EngineArgs;
use agentcast_tests::raw::{TestServer, sample_events};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_buffer_disconnects_that_socket_only() {
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
    let mut stalled = server.connect("/sessions/slow").await;
    let mut healthy = server.connect("/sessions/slow").await;
    let mut producer = server.connect("/sessions/slow").await;
    producer
        .emit_with_ack("unsubscribe", json!({"patterns": ["*"]}))
        .await;

    const EVENTS: u64 = 6000;
    const BATCH: usize = 100;
    let reader = tokio::spawn(async move {
        for expected in 1..=EVENTS {
            let (_, envelope) = healthy
                .next_event()
                .await
                .expect("healthy client keeps going");
            assert_eq!(envelope["offset"].as_u64(), Some(expected));
        }
    });
    // About 12 MB in total, while `stalled` reads nothing.
    for chunk in sample_events(EVENTS as usize, 2000).chunks(BATCH) {
        let ack = producer
            .emit_with_ack("publish", json!({"events": chunk}))
            .await;
        assert!(ack.get("ok").is_some(), "{ack}");
    }
    reader
        .await
        .expect("the healthy client received every event in order");

    // Now the stalled client reads what it was sent: a gapless prefix, then the reason.
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
