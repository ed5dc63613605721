//! The Socket.IO surface against the real server on port 0: namespaces, commands, acks,
//! subscriptions and bad input.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::{EngineArgs, HubArgs};
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, TestServer, sample_events};
use serde_json::{Value, json};

#[tokio::test]
async fn unknown_namespace_gets_the_standard_error() {
    let server = TestServer::start(ServeArgs::default()).await;
    let err = Client::connect(server.addr, "/random", None).await.err();
    assert_eq!(err.as_deref(), Some("Invalid namespace"));
    let err = Client::connect(server.addr, "/sessions/a b", None)
        .await
        .err()
        .unwrap();
    assert!(err.contains("invalid session id"), "{err}");
}

#[tokio::test]
async fn publish_reaches_subscribers_in_offset_order_and_lifecycle_reaches_the_hub() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut everything = server.connect("/sessions/s1").await;
    let mut tools = server.connect("/sessions/s1").await;
    let mut hub = server.connect("/").await;
    let mut producer = server.connect("/sessions/s1").await;

    let ack = tools
        .emit_with_ack("subscribe", json!({"patterns": ["tool.*"]}))
        .await;
    assert_eq!(
        ack,
        json!({"ok": {"types": ["tool.started", "tool.completed"]}})
    );

    let mut events = vec![json!({"type": "session.status", "data": {"status": "running"}})];
    events.extend(sample_events(6, 10));
    let ack = producer
        .emit_with_ack("publish", json!({"events": events}))
        .await;
    assert_eq!(ack, json!({"ok": {"head_offset": 7}}));

    for offset in 1..=7 {
        let (name, envelope) = everything.next_event().await.expect("event");
        assert_eq!(envelope["offset"], offset);
        assert_eq!(envelope["session_id"], "s1");
        assert_eq!(envelope["type"], name);
        let published = &events[offset as usize - 1]["data"];
        for (field, value) in published.as_object().unwrap() {
            assert_eq!(&envelope["data"][field], value, "data.{field} as published");
        }
    }
    let mut tool_offsets = vec![];
    for _ in 0..4 {
        let (name, envelope) = tools.next_event().await.expect("tool event");
        assert!(name.starts_with("tool."), "{name}");
        tool_offsets.push(envelope["offset"].as_u64().unwrap());
    }
    assert_eq!(tool_offsets, [3, 4, 6, 7]);

    let (name, envelope) = hub.next_event().await.expect("hub event");
    assert_eq!(
        (name.as_str(), envelope["offset"].as_u64()),
        ("session.status", Some(1))
    );

    let status = producer.emit_with_ack("get_status", json!({})).await;
    assert_eq!(status["ok"]["head_offset"], 7);
    assert_eq!(status["ok"]["status"], "running");
    assert_eq!(status["ok"]["clients"], 3);
    let status = hub.emit_with_ack("get_status", Value::Null).await;
    assert_eq!(status["ok"]["sessions"][0]["session_id"], "s1");
}

#[tokio::test]
async fn unsubscribe_and_resubscribe() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut client = server.connect("/sessions/s2").await;
    let ack = client
        .emit_with_ack("unsubscribe", json!({"patterns": ["*"]}))
        .await;
    assert_eq!(ack, json!({"ok": {"types": []}}));
    let ack = client
        .emit_with_ack("subscribe", json!({"patterns": ["output.text", "usage.*"]}))
        .await;
    assert_eq!(
        ack,
        json!({"ok": {"types": ["output.text", "usage.updated"]}})
    );
    let ack = client
        .emit_with_ack("subscribe", json!({"patterns": ["tool.completed"]}))
        .await;
    assert_eq!(
        ack["ok"]["types"],
        json!(["output.text", "tool.completed", "usage.updated"])
    );
}

/// A socket on its namespace's default subscription is in one room, `*`; one subscribed to
/// fewer types is in a room per type. Moving between the two while events stream must
/// deliver each event of a type kept throughout exactly once, in order. A broadcast is two
/// emits (the type's room, then the default room); without the lock that orders moves against
/// them (`RoomMoves`) this failed on its first run on a loaded machine with a duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_between_the_default_and_some_types_while_events_stream_delivers_each_once() {
    const EVENTS: u64 = 600;
    let server = TestServer::start(ServeArgs::default()).await;
    let mut watcher = server.connect("/sessions/moving").await;
    let mut producer = server.connect("/sessions/moving").await;
    let publishing = tokio::spawn(async move {
        // Only output.text and tool.* events: types the watcher keeps in both states.
        for batch in sample_events(EVENTS as usize, 10).chunks(3) {
            let ack = producer
                .emit_with_ack("publish", json!({"events": batch}))
                .await;
            assert!(ack.get("ok").is_some(), "{ack}");
        }
    });
    for _ in 0..20 {
        // Fewer than the default: a room per type.
        let ack = watcher
            .emit_with_ack("unsubscribe", json!({"patterns": ["agent.*"]}))
            .await;
        assert!(!ack["ok"]["types"].as_array().unwrap().is_empty(), "{ack}");
        // The default again: the one room.
        watcher
            .emit_with_ack("subscribe", json!({"patterns": ["agent.*"]}))
            .await;
    }
    publishing.await.unwrap();
    let mut last = 0;
    while last < EVENTS {
        let (name, envelope) = watcher.next_event().await.expect("every event");
        let offset = envelope["offset"].as_u64().unwrap();
        assert_eq!(offset, last + 1, "{name} out of turn after offset {last}");
        last = offset;
    }
}

#[tokio::test]
async fn bad_arguments_get_bad_request_naming_the_field() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut client = server.connect("/sessions/s3").await;
    let cases = [
        ("subscribe", json!({}), "patterns"),
        ("subscribe", json!({"patterns": "tool.*"}), "patterns"),
        (
            "subscribe",
            json!({"patterns": ["tool.*", "to*ol"]}),
            "patterns[1]",
        ),
        ("publish", json!({}), "events"),
        (
            "publish",
            json!({"events": [{"type": "nope", "data": {}}]}),
            "events[0]",
        ),
        (
            "publish",
            json!({"events": [{"type": "tool.started", "data": {}}]}),
            "tool_use_id",
        ),
        (
            "publish",
            json!({"events": [{"type": "system.stats", "data": {"connections": 1, "sessions_active": 0, "events_in_per_s": 0.0, "events_out_per_s": 0.0, "memory_bytes": 0, "uptime_s": 0, "slow_consumer_disconnects": 0}}]}),
            "system.stats",
        ),
    ];
    for (command, args, needle) in cases {
        let ack = client.emit_with_ack(command, args.clone()).await;
        assert_eq!(
            ack["error"]["code"], "bad_request",
            "{command} {args}: {ack}"
        );
        let message = ack["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(needle),
            "{command} {args}: {message:?} should name {needle}"
        );
    }
    // Nothing was published by the rejected commands.
    let status = client.emit_with_ack("get_status", json!({})).await;
    assert_eq!(status["ok"]["head_offset"], 0);
}

#[tokio::test]
async fn publish_on_the_hub_is_refused_and_unknown_events_are_ignored() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut hub = server.connect("/").await;
    let ack = hub.emit_with_ack("publish", json!({"events": []})).await;
    assert_eq!(ack["error"]["code"], "bad_request");
    hub.emit("no_such_command", json!({"x": 1})).await;
    // Still connected and answering.
    let pong = hub.emit_with_ack("ping", json!({})).await;
    assert!(pong["ok"]["ts"].as_str().unwrap().ends_with('Z'));
    // Counted as unknown (the socket's one handler tells commands from other events).
    let metrics = Api::for_addr(server.addr).get("/metrics").await.text;
    assert!(
        metrics.contains("agentcast_unknown_client_events_total 1\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn too_many_events_in_one_publish_is_refused() {
    let args = ServeArgs {
        hub: HubArgs {
            max_events_per_publish: Some(5),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = TestServer::start(args).await;
    let mut client = server.connect("/sessions/s4").await;
    let ack = client
        .emit_with_ack("publish", json!({"events": sample_events(6, 1)}))
        .await;
    let message = ack["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("6 events") && message.contains("limit is 5"),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_packets_close_only_that_connection() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut good = server.connect("/sessions/s5").await;
    let mut bad = server.connect("/sessions/s5").await;
    bad.send_text("42/sessions/s5,[\"publish\",{oops".into())
        .await;
    assert!(
        bad.recv_socketio().await.is_none(),
        "the malformed connection is closed"
    );
    let pong = good.emit_with_ack("ping", json!({})).await;
    assert!(pong.get("ok").is_some());
}

#[tokio::test]
async fn oversize_payload_is_refused() {
    let args = ServeArgs {
        engine: EngineArgs {
            max_payload: Some(10_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = TestServer::start(args).await;
    let mut good = server.connect("/sessions/s6").await;
    let mut big = server.connect("/sessions/s6").await;
    let text = "y".repeat(20_000);
    big.emit(
        "publish",
        json!({"events": [{"type": "output.text", "data": {"text": text}}]}),
    )
    .await;
    assert!(
        big.recv_socketio().await.is_none(),
        "the oversize sender is disconnected"
    );
    let status = good.emit_with_ack("get_status", json!({})).await;
    assert_eq!(
        status["ok"]["head_offset"], 0,
        "nothing of the oversize publish got in"
    );
}

#[tokio::test]
async fn graceful_shutdown_disconnects_sockets_and_returns() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut client = server.connect("/sessions/s7").await;
    let stop = tokio::spawn(server.stop());
    // The client is told: a namespace disconnect or the connection closing.
    assert!(client.next_event().await.is_none());
    stop.await
        .unwrap()
        .expect("serve returns Ok after a graceful shutdown");
}

#[tokio::test]
async fn get_history_pages_a_sessions_events_like_the_rest_api() {
    let server = TestServer::start(ServeArgs::default()).await;
    let mut client = server.connect("/sessions/h1").await;
    let ack = client
        .emit_with_ack("publish", json!({"events": sample_events(12, 5)}))
        .await;
    assert_eq!(ack["ok"]["head_offset"], 12);

    let offsets = |page: &Value| -> Vec<u64> {
        let events = page["ok"]["events"].as_array().expect("events");
        events
            .iter()
            .map(|e| e["offset"].as_u64().unwrap())
            .collect()
    };
    let page = client
        .emit_with_ack("get_history", json!({"after": 2, "limit": 3}))
        .await;
    assert_eq!(offsets(&page), [3, 4, 5]);
    assert_eq!(page["ok"]["has_more"], true);
    assert_eq!(page["ok"]["head_offset"], 12);
    let envelope = &page["ok"]["events"][0];
    assert_eq!(envelope["session_id"], "h1");
    assert_eq!(envelope["type"], "tool.completed");
    assert!(envelope["data"]["tool_use_id"].is_string());

    let back = client
        .emit_with_ack("get_history", json!({"before": 4}))
        .await;
    assert_eq!(offsets(&back), [1, 2, 3]);
    assert_eq!(back["ok"]["has_more"], false);
    let tools = client
        .emit_with_ack("get_history", json!({"types": ["tool.started"]}))
        .await;
    assert_eq!(offsets(&tools), [2, 5, 8, 11]);
    // No argument at all: everything, from the start.
    let all = client.emit_with_ack("get_history", Value::Null).await;
    assert_eq!(offsets(&all), (1..=12).collect::<Vec<_>>());

    for (args, needle) in [
        (json!({"types": ["tool.nope"]}), "types[0]"),
        (json!({"limit": 0}), "limit"),
        (json!({"after": "ten"}), "after"),
    ] {
        let ack = client.emit_with_ack("get_history", args.clone()).await;
        assert_eq!(ack["error"]["code"], "bad_request", "{args}: {ack}");
        let message = ack["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(needle), "{args}: {message}");
    }
    let mut hub = server.connect("/").await;
    let ack = hub.emit_with_ack("get_history", json!({})).await;
    assert_eq!(ack["error"]["code"], "bad_request");
}

/// With `--commit-linger-ms`, a publish waits for others to join its group commit: it is
/// acked and delivered once the linger is over, not before and not never.
#[tokio::test]
async fn a_publish_is_acked_and_delivered_once_the_commit_linger_is_over() {
    const LINGER: std::time::Duration = std::time::Duration::from_millis(300);
    let server = TestServer::start(ServeArgs {
        hub: HubArgs {
            commit_linger_ms: Some(LINGER.as_millis() as u64),
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let mut watcher = server.connect("/sessions/lingering").await;
    let mut producer = server.connect("/sessions/lingering").await;
    for expected_head in 1..=2 {
        let sent = std::time::Instant::now();
        let ack = producer
            .emit_with_ack("publish", json!({"events": sample_events(1, 10)}))
            .await;
        assert!(sent.elapsed() >= LINGER, "acked after {:?}", sent.elapsed());
        assert_eq!(ack["ok"]["head_offset"], expected_head, "{ack}");
        let (_, envelope) = watcher.next_event().await.expect("the event");
        assert_eq!(envelope["offset"], expected_head);
    }
}
