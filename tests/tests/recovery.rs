//! Recovery by offset from the in-memory tail: a client that reconnects with its last offset
//! receives every event after it, in order, then live events, with no gap, no duplicate and no
//! interleaving; `session.recovered` says whether the history covered the gap.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::HubArgs;
use agentcast_tests::raw::{Client, TestServer, sample_events};
use serde_json::{Value, json};

async fn publish(producer: &mut Client, count: usize) -> u64 {
    let mut head = 0;
    for chunk in sample_events(count, 50).chunks(100) {
        let ack = producer
            .emit_with_ack("publish", json!({"events": chunk}))
            .await;
        head = ack["ok"]["head_offset"].as_u64().expect("publish acked");
    }
    head
}

/// Reads until `until` (an offset) and returns the stream offsets and the recovered event.
async fn read_until(client: &mut Client, until: u64) -> (Vec<u64>, Option<Value>) {
    let (mut offsets, mut recovered) = (Vec::new(), None);
    while offsets.last() != Some(&until) {
        let (name, envelope) = client.next_event().await.expect("events up to the head");
        match envelope["offset"].as_u64() {
            Some(0) => {
                assert_eq!(name, "session.recovered");
                assert!(recovered.is_none(), "one session.recovered per connect");
                recovered = Some(envelope["data"].clone());
            }
            Some(offset) => offsets.push(offset),
            None => panic!("envelope without offset: {envelope}"),
        }
    }
    (offsets, recovered)
}

/// `session.recovered` follows the replay: the one `read_until` saw, or the next event.
async fn recovered_after(client: &mut Client, seen: Option<Value>) -> Value {
    if let Some(data) = seen {
        return data;
    }
    let (name, envelope) = client.next_event().await.expect("session.recovered");
    assert_eq!(
        (name.as_str(), envelope["offset"].as_u64()),
        ("session.recovered", Some(0))
    );
    envelope["data"].clone()
}

#[tokio::test]
async fn a_cut_connection_resumes_with_exactly_the_missing_events() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut producer = server.connect("/sessions/cut").await;
    let mut client = server.connect("/sessions/cut").await;
    publish(&mut producer, 100).await;
    let (first, _) = read_until(&mut client, 100).await;
    drop(client); // the connection is cut

    let head = publish(&mut producer, 500).await;
    assert_eq!(head, 600);
    let auth = json!({"offset": 100});
    let mut client = Client::connect(server.addr, "/sessions/cut", Some(auth))
        .await
        .unwrap();
    let (replayed, seen) = read_until(&mut client, 600).await;
    let recovered = recovered_after(&mut client, seen).await;
    assert_eq!(
        recovered,
        json!({"recovered": true, "from": 101, "to": 600})
    );
    publish(&mut producer, 10).await;
    let (live, _) = read_until(&mut client, 610).await;

    let all: Vec<u64> = first.into_iter().chain(replayed).chain(live).collect();
    assert_eq!(
        all,
        (1..=610).collect::<Vec<_>>(),
        "the full sequence, once each, in order"
    );
}

#[tokio::test]
async fn an_offset_older_than_the_history_is_not_recovered() {
    // The store keeps 100 events per session (trimmed a few events at a time as it commits).
    let args = ServeArgs {
        hub: HubArgs {
            tail_events: Some(50),
            retention_max_events: Some(100),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = TestServer::start(args).await;
    let mut producer = server.connect("/sessions/old").await;
    publish(&mut producer, 300).await;
    let auth = Some(json!({"offset": 10}));
    let mut client = Client::connect(server.addr, "/sessions/old", auth)
        .await
        .unwrap();
    let (offsets, seen) = read_until(&mut client, 300).await;
    let recovered = recovered_after(&mut client, seen).await;
    assert_eq!(recovered["recovered"], false);
    assert_eq!(recovered["to"], 300);
    let from = recovered["from"].as_u64().unwrap();
    assert!(
        (200..=202).contains(&from),
        "about the last 100 events are kept: {from}"
    );
    assert_eq!(
        offsets,
        (from..=300).collect::<Vec<_>>(),
        "all the history still holds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_from_zero_during_a_continuous_stream_misses_nothing() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut producer = server.connect("/sessions/live").await;
    publish(&mut producer, 500).await;
    // Keep publishing while the client joins and is caught up.
    let publishing = tokio::spawn(async move {
        for _ in 0..30 {
            publish(&mut producer, 50).await;
        }
        producer
    });
    let mut client = Client::connect(server.addr, "/sessions/live", Some(json!({"offset": 0})))
        .await
        .unwrap();
    let (offsets, seen) = read_until(&mut client, 2000).await;
    publishing.await.unwrap();
    assert_eq!(
        offsets,
        (1..=2000).collect::<Vec<_>>(),
        "1..N with no break"
    );
    let recovered = recovered_after(&mut client, seen).await;
    assert_eq!(recovered["recovered"], true);
    assert_eq!(recovered["from"], 1);
}

#[tokio::test]
async fn a_recovering_socket_keeps_its_subscription_choice() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut producer = server.connect("/sessions/filtered").await;
    publish(&mut producer, 30).await; // output.text, tool.started, tool.completed in turn
    let mut client = Client::connect(
        server.addr,
        "/sessions/filtered",
        Some(json!({"offset": 0})),
    )
    .await
    .unwrap();
    let ack = client
        .emit_with_ack("subscribe", json!({"patterns": ["tool.completed"]}))
        .await;
    assert_eq!(ack["ok"]["types"], json!(["tool.completed"]));
    publish(&mut producer, 30).await;
    // Whatever the replay had sent before the subscribe arrived, after it only tool.completed
    // arrives, and offsets only grow.
    let mut last = 0;
    let mut after_subscribe = Vec::new();
    while last < 60 {
        let (name, envelope) = client.next_event().await.expect("events");
        let offset = envelope["offset"].as_u64().unwrap();
        if offset == 0 {
            continue;
        }
        assert!(offset > last, "offsets only grow");
        last = offset;
        if offset > 30 {
            after_subscribe.push(name);
        }
    }
    assert!(
        after_subscribe.iter().all(|n| n == "tool.completed"),
        "{after_subscribe:?}"
    );
}

/// Publishers that do not wait for each other keep the sequencer's next commit under way
/// while it broadcasts the one before (the overlap of `hub::sequencer`): offsets stay
/// gapless and in order for a client catching up meanwhile, and every ack follows its events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishers_keep_offsets_gapless_for_a_client_catching_up() {
    const PRODUCERS: usize = 4;
    const EACH: usize = 150;
    let server = TestServer::start(ServeArgs::default()).await;
    let mut first = server.connect("/sessions/busy").await;
    publish(&mut first, 100).await;
    let mut producers = Vec::new();
    for _ in 0..PRODUCERS {
        let mut producer = server.connect("/sessions/busy").await;
        producers.push(tokio::spawn(async move {
            let mut heads = Vec::new();
            // One event a publish: many small groups, each committed while the last goes out.
            for event in sample_events(EACH, 50) {
                let ack = producer
                    .emit_with_ack("publish", json!({"events": [event]}))
                    .await;
                heads.push(ack["ok"]["head_offset"].as_u64().expect("publish acked"));
            }
            heads
        }));
    }
    let mut client = Client::connect(server.addr, "/sessions/busy", Some(json!({"offset": 0})))
        .await
        .unwrap();
    let total = (100 + PRODUCERS * EACH) as u64;
    let (offsets, seen) = read_until(&mut client, total).await;
    assert_eq!(
        offsets,
        (1..=total).collect::<Vec<_>>(),
        "1..N with no break"
    );
    assert_eq!(recovered_after(&mut client, seen).await["recovered"], true);
    for producer in producers {
        let heads = producer.await.unwrap();
        assert!(
            heads.windows(2).all(|pair| pair[0] < pair[1]),
            "each ack's head is past the one before: {heads:?}"
        );
        assert!(heads.iter().all(|&head| (101..=total).contains(&head)));
    }
}
