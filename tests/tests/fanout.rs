//! A burst of 1000 events to a session with 200 connected clients: every client receives all
//! 1000, in offset order.

use agentcast_server::cli::ServeArgs;
use agentcast_tests::raw::{TestServer, sample_events};
use serde_json::json;

const CLIENTS: usize = 200;
const EVENTS: usize = 1000;
const BATCH: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_of_1000_events_reaches_200_clients_in_order() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut receivers = Vec::new();
    for _ in 0..CLIENTS {
        receivers.push(server.connect("/sessions/burst").await);
    }
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                for expected in 1..=EVENTS as u64 {
                    let (_, envelope) = client.next_event().await.expect("all events before close");
                    assert_eq!(
                        envelope["offset"].as_u64(),
                        Some(expected),
                        "in order, no gap"
                    );
                }
            })
        })
        .collect();

    let mut producer = server.connect("/sessions/burst").await;
    let events = sample_events(EVENTS, 400);
    for chunk in events.chunks(BATCH) {
        let ack = producer
            .emit_with_ack("publish", json!({"events": chunk}))
            .await;
        assert!(ack.get("ok").is_some(), "{ack}");
    }
    for task in tasks {
        task.await
            .expect("every client received every event in order");
    }
}
