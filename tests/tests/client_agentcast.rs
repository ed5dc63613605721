//! agentcast-client against the real `agentcast serve` (target/debug/agentcast; build it with
//! `cargo build -p agentcast-server --bin agentcast`): typed events, acks and commands,
//! pattern subscriptions, refused connects, and exactly-once session streams across a
//! server-side disconnect and a server restart.

#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use agentcast_client::shared::{
    ErrorCode, Event, GetHistoryArgs, SESSION_RECOVERED, TOOL_COMPLETED, TOOL_STARTED, ToolStarted,
};
use agentcast_client::{
    Client, ClientConfig, ConnectionState, EnvelopeStream, Error, ReconnectConfig, Session,
    SocketStatus,
};
use agentcast_tests::server::{ServerProcess as Server, within};
use futures_util::StreamExt;
use serde_json::json;

/// `count` events cycling output.text, tool.started, tool.completed; `tag` marks the batch.
fn events(count: usize, tag: &str) -> Vec<Event> {
    (0..count)
        .map(|i| {
            let value = match i % 3 {
                0 => json!({"type": "output.text", "data": {"text": format!("{tag} {i}")}}),
                1 => json!({"type": "tool.started", "data": {"tool_use_id": format!("{tag}{i}"), "name": "Bash", "input": {"command": "ls"}}}),
                _ => json!({"type": "tool.completed", "data": {"tool_use_id": format!("{tag}{}", i - 1), "name": "Bash", "is_error": false, "output_preview": "ok", "output_bytes": 2}}),
            };
            serde_json::from_value(value).expect("a valid event")
        })
        .collect()
}

/// Fast reconnects, so the tests do not wait for the default backoff.
fn config(server: &Server) -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..Default::default()
        },
        ack_timeout: Duration::from_secs(30),
        ..ClientConfig::new(&server.url)
    }
}

/// Reads the stream until offset `until`; returns the offsets of the stream (ephemeral events
/// left out) and fails on any duplicate or reordering.
async fn offsets_until(events: &mut EnvelopeStream, until: u64) -> Vec<u64> {
    let mut offsets: Vec<u64> = Vec::new();
    while offsets.last() != Some(&until) {
        let envelope = within(30, &format!("offset {until}"), events.next())
            .await
            .expect("the stream stays open");
        if envelope.offset == 0 {
            continue; // session.recovered, agent.error notices
        }
        if let Some(last) = offsets.last() {
            assert!(
                envelope.offset > *last,
                "offset {} after {last}",
                envelope.offset
            );
        }
        offsets.push(envelope.offset);
    }
    offsets
}

async fn publish(session: &Session, count: usize, tag: &str) -> u64 {
    let result = within(30, "publish", session.publish(events(count, tag)))
        .await
        .expect("publish accepted");
    result.head_offset
}

#[tokio::test]
async fn typed_events_commands_and_acks() {
    let server = Server::start(&[]).await.expect("agentcast starts");
    let client = Client::connect(config(&server));
    let (session, mut all) = client.session("typed", Some(0));
    let mut tools = session.on::<ToolStarted>();
    within(10, "connect", session.connected())
        .await
        .expect("connected");

    let head = publish(&session, 9, "a").await;
    assert_eq!(head, 9);
    assert_eq!(
        offsets_until(&mut all, 9).await,
        (1..=9).collect::<Vec<_>>()
    );
    let first_tool = within(10, "a typed tool.started", tools.next())
        .await
        .unwrap();
    assert_eq!(first_tool.kind, TOOL_STARTED);
    assert_eq!(first_tool.offset, 2);
    assert_eq!(first_tool.data.name, "Bash");
    assert_eq!(first_tool.data.tool_use_id, "a1");

    let page = session
        .get_history(&GetHistoryArgs {
            types: Some(vec!["tool.*".into()]),
            limit: Some(4),
            ..Default::default()
        })
        .await
        .expect("history");
    assert_eq!(page.head_offset, 9);
    assert_eq!(
        page.events.iter().map(|e| e.offset).collect::<Vec<_>>(),
        [2, 3, 5, 6]
    );
    assert!(page.has_more);

    let status = session.get_status().await.expect("status");
    assert_eq!(
        (status.session_id.as_str(), status.head_offset),
        ("typed", 9)
    );
    assert!(!session.ping().await.expect("pong").ts.is_empty());

    // The hub: the session is listed, and a bad command gets the server's error back.
    let hub = client.hub();
    let report = within(10, "hub status", hub.get_status())
        .await
        .expect("hub status");
    assert!(report.sessions.iter().any(|s| s.session_id == "typed"));
    let Err(Error::Command(body)) = session.subscribe(&["nope.*.x"]).await else {
        panic!("a bad pattern is refused");
    };
    assert_eq!(body.code, ErrorCode::BadRequest);

    // Raw emit with ack to a name the server does not handle: no answer, a timeout.
    let unanswered = session
        .emit_raw_with_ack(
            "no.such.command",
            vec![json!({})],
            vec![],
            Duration::from_millis(300),
        )
        .await;
    assert_eq!(
        unanswered,
        Err(Error::AckTimeout(Duration::from_millis(300)))
    );

    // The state stream shows a connection with a measured latency.
    let mut states = client.state();
    let state = within(5, "state", states.next()).await.unwrap();
    assert!(
        matches!(state, ConnectionState::Connected { latency: Some(_) }),
        "{state:?}"
    );
}

#[tokio::test]
async fn pattern_subscriptions_filter_live_events_and_survive_a_reconnect() {
    let server = Server::start(&["--messages-per-socket-per-s", "20"])
        .await
        .expect("agentcast starts");
    let producer = Client::connect(config(&server));
    let (writer, _) = producer.session("patterns", None);
    let consumer = Client::connect(config(&server));
    let (session, mut all) = consumer.session("patterns", Some(0));
    within(10, "connect", session.connected()).await.unwrap();
    let subscription = session.subscribe(&["tool.*"]).await.expect("subscribed");
    assert_eq!(subscription.types, [TOOL_STARTED, TOOL_COMPLETED]);

    publish(&writer, 6, "a").await;
    let mut kinds = Vec::new();
    while kinds.len() < 4 {
        let envelope = within(10, "tool events", all.next()).await.unwrap();
        if envelope.offset > 0 {
            kinds.push((envelope.offset, envelope.kind));
        }
    }
    assert_eq!(
        kinds.iter().map(|k| k.0).collect::<Vec<_>>(),
        [2, 3, 5, 6],
        "only tool events: {kinds:?}"
    );

    // The server disconnects the consumer for flooding; it comes back with its offset and its
    // subscription.
    let mut status = session.status();
    for _ in 0..200 {
        let _ = session.emit("ping", &json!({})).await;
    }
    within(20, "the flood disconnect", async {
        while let Some(s) = status.next().await {
            if s == SocketStatus::Pending {
                return;
            }
        }
    })
    .await;
    within(20, "reconnected", session.connected())
        .await
        .unwrap();
    publish(&writer, 6, "b").await; // offsets 7..=12
    let mut after = Vec::new();
    while after.last() != Some(&12) {
        let envelope = within(20, "tool events after the reconnect", all.next())
            .await
            .unwrap();
        if envelope.offset > 0 {
            assert!(envelope.kind.starts_with("tool."), "{}", envelope.kind);
            after.push(envelope.offset);
        }
    }
    assert_eq!(after, [8, 9, 11, 12]);
}

#[tokio::test]
async fn refused_connects_report_the_reason_and_stop() {
    let server = Server::start(&["--auth", "jwt"])
        .await
        .expect("agentcast starts");
    let read_one = server
        .token(&["--scope", "read", "--session", "allowed"])
        .await
        .expect("a token");

    // A valid token for this session connects.
    let good = Client::connect(config(&server).with_token(&read_one));
    let (allowed, _) = good.session("allowed", Some(0));
    assert!(within(10, "connect", allowed.connected()).await.is_ok());
    // The same token on another session is refused, for good.
    let (other, mut other_events) = good.session("other", Some(0));
    let Err(Error::Refused(reason)) = within(10, "refusal", other.connected()).await else {
        panic!("another session is refused");
    };
    assert!(reason.contains("not allowed"), "{reason}");
    assert!(
        within(5, "the stream ends", other_events.next())
            .await
            .is_none()
    );
    // The allowed one is still fine.
    assert!(allowed.get_status().await.is_ok());

    // A bad token: refused with the server's reason; the client stops instead of retrying.
    let bad = Client::connect(config(&server).with_token("not-a-jwt"));
    let mut states = bad.state();
    let (session, _) = bad.session("allowed", Some(0));
    let Err(Error::Refused(reason)) = within(10, "refusal", session.connected()).await else {
        panic!("a bad token is refused");
    };
    assert!(reason.starts_with("invalid token"), "{reason}");
    let reason = within(10, "disconnected", async {
        while let Some(state) = states.next().await {
            if let ConnectionState::Disconnected { reason } = state {
                return reason;
            }
        }
        panic!("state stream ended");
    })
    .await;
    assert!(reason.starts_with("invalid token"), "{reason}");
    // No retry: the state stays as it is.
    let quiet = tokio::time::timeout(Duration::from_secs(2), states.next()).await;
    assert!(
        quiet.is_err(),
        "no reconnect after an auth refusal: {quiet:?}"
    );
    assert_eq!(
        session.emit("ping", &json!({})).await,
        Err(Error::Refused(reason))
    );

    // An unknown namespace: the standard error.
    let socket = good.socket("/nope");
    let Err(Error::Refused(reason)) = within(10, "refusal", socket.connected()).await else {
        panic!("an unknown namespace is refused");
    };
    assert_eq!(reason, "Invalid namespace");
}

#[tokio::test]
async fn a_session_stream_is_exactly_once_across_a_server_restart() {
    let mut server = Server::start(&[]).await.expect("agentcast starts");
    let producer = Client::connect(config(&server));
    let (writer, _) = producer.session("restart", None);
    let consumer = Client::connect(config(&server));
    let mut states = consumer.state();
    let (session, mut all) = consumer.session("restart", Some(0));
    within(10, "connect", session.connected()).await.unwrap();

    assert_eq!(publish(&writer, 300, "a").await, 300);
    // Read only part of it: the rest is in flight or stored when the server dies.
    let before = offsets_until(&mut all, 50).await;
    server
        .restart_after(Duration::from_millis(700))
        .await
        .expect("agentcast restarts");

    // The producer's publish waits in its queue until it is reconnected.
    assert_eq!(publish(&writer, 200, "b").await, 500);
    let after = offsets_until(&mut all, 500).await;
    let mut seen = before;
    seen.extend(after);
    assert_eq!(
        seen,
        (1..=500).collect::<Vec<_>>(),
        "nothing missing, nothing doubled"
    );

    let mut saw_reconnecting = false;
    while let Ok(Some(state)) =
        tokio::time::timeout(Duration::from_millis(100), states.next()).await
    {
        saw_reconnecting |= matches!(state, ConnectionState::Reconnecting { .. });
    }
    assert!(saw_reconnecting, "the consumer went through Reconnecting");

    // A third client, started after everything, replays the whole session.
    let late = Client::connect(config(&server));
    let (_late, mut replay) = late.session("restart", Some(0));
    assert_eq!(
        offsets_until(&mut replay, 500).await,
        (1..=500).collect::<Vec<_>>()
    );
    let recovered = within(10, "session.recovered", async {
        loop {
            let envelope = replay.next().await.expect("open");
            if envelope.kind == SESSION_RECOVERED {
                return envelope;
            }
        }
    })
    .await;
    assert_eq!(recovered.data["recovered"], json!(true));
}

#[tokio::test]
async fn leaving_a_session_frees_its_server_socket_and_keeps_the_connection() {
    let server = Server::start(&[]).await.expect("agentcast starts");
    let client = Client::connect(config(&server));
    let hub = client.hub();
    let (session, _events) = client.session("left", Some(0));
    within(10, "connect", session.connected()).await.unwrap();
    let watcher = Client::connect(config(&server));
    let (observer, _) = watcher.session("left", Some(0));
    within(10, "connect", observer.connected()).await.unwrap();
    let clients = || async { observer.get_status().await.expect("get_status").clients };
    assert_eq!(within(10, "status", clients()).await, 2);

    session.leave();
    within(10, "the server to drop the left socket", async {
        while clients().await != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    // The same connection is still up and serves the hub.
    within(10, "hub status", hub.get_status()).await.unwrap();
    let mut states = client.state();
    let state = within(5, "state", states.next()).await.unwrap();
    assert!(
        matches!(state, ConnectionState::Connected { .. }),
        "{state:?}"
    );
}
