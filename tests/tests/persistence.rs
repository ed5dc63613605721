//! The SQLite history through restarts: offsets continue, the history replays, and a server
//! killed with SIGKILL loses nothing any client had received.

use std::time::Duration;

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::ServerArgs;
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, TestServer, sample_events};
use agentcast_tests::server::{ServerProcess, fresh_data_dir};
use serde_json::json;

fn addr(server: &ServerProcess) -> std::net::SocketAddr {
    server.url.trim_start_matches("http://").parse().unwrap()
}

/// Every envelope offset of a session replayed from 0, up to `head`.
async fn replay(client: &mut Client, head: u64) -> Vec<u64> {
    let mut offsets = Vec::new();
    while offsets.last() != Some(&head) {
        let (_, envelope) = client.next_event().await.expect("the replay");
        match envelope["offset"].as_u64().unwrap() {
            0 => {} // session.recovered
            offset => offsets.push(offset),
        }
    }
    offsets
}

#[tokio::test]
async fn offsets_and_history_survive_a_graceful_restart() {
    let dir = fresh_data_dir();
    let args = || ServeArgs {
        server: ServerArgs {
            data_dir: Some(dir.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let server = TestServer::start(args()).await;
    let mut producer = server.connect("/sessions/kept").await;
    let ack = producer
        .emit_with_ack("publish", json!({"events": sample_events(120, 20)}))
        .await;
    assert_eq!(ack["ok"]["head_offset"], 120);
    drop(producer);
    let mut costly = server.connect("/sessions/costly").await;
    let ack = costly
        .emit_with_ack("publish", json!({"events": [
            {"type": "session.started", "data": {"session_id": "costly", "source": "publish", "model": "m", "started_at": "2026-11-20T10:00:00.000Z"}},
            {"type": "usage.updated", "data": {"model": "m", "input_tokens": 700, "output_tokens": 70, "cache_read_tokens": 0, "cache_creation_tokens": 0, "total_cost_usd": 0.7}},
            {"type": "session.ended", "data": {"status": "completed", "duration_ms": 900, "total_cost_usd": 0.7}},
        ]}))
        .await;
    assert_eq!(ack["ok"]["head_offset"], 3);
    drop(costly);
    server.stop().await.unwrap();

    let server = TestServer::start(args()).await;
    // The hub lists the session from the store before anything touches it again.
    let mut hub = server.connect("/").await;
    let status = hub.emit_with_ack("get_status", json!({})).await;
    let listed = &status["ok"]["sessions"][0];
    assert_eq!(
        (
            listed["session_id"].as_str(),
            listed["head_offset"].as_u64()
        ),
        (Some("kept"), Some(120))
    );
    // The REST API reads the same: the session, its events, the analytics.
    let api = Api::for_addr(server.addr);
    let costly = api.get("/api/sessions/costly").await;
    assert_eq!(
        (
            costly.body["status"].as_str(),
            costly.body["input_tokens"].as_u64()
        ),
        (Some("completed"), Some(700))
    );
    let export = api.get("/api/sessions/kept/export.jsonl").await;
    assert_eq!(export.text.lines().count(), 120);
    let usage = api.get("/api/analytics/usage?group_by=model").await;
    assert_eq!(usage.body["rows"][0]["key"], "m");
    assert_eq!(usage.body["rows"][0]["input_tokens"], 700);
    let costs = api.get("/api/analytics/sessions?group_by=model").await;
    assert_eq!(costs.body["rows"][0]["completed"], 1);

    // The first thing to touch the session after the restart asks its status: the head is the
    // store's, not the 0 of a sequencer that has not read it yet.
    let mut watcher = server.connect("/sessions/kept").await;
    let status = watcher.emit_with_ack("get_status", json!({})).await;
    assert_eq!(status["ok"]["head_offset"], 120, "{status}");
    drop(watcher);
    let mut producer = server.connect("/sessions/kept").await;
    let ack = producer
        .emit_with_ack("publish", json!({"events": sample_events(5, 20)}))
        .await;
    assert_eq!(
        ack["ok"]["head_offset"], 125,
        "offsets continue after a restart"
    );
    let auth = Some(json!({"offset": 0}));
    let mut client = Client::connect(server.addr, "/sessions/kept", auth)
        .await
        .unwrap();
    assert_eq!(
        replay(&mut client, 125).await,
        (1..=125).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_server_keeps_every_event_a_client_received() {
    let dir = fresh_data_dir();
    let server = ServerProcess::start_in(&dir, &[]).await.unwrap();
    let mut producer = Client::connect(addr(&server), "/sessions/crash", None)
        .await
        .unwrap();
    let mut watcher = Client::connect(addr(&server), "/sessions/crash", None)
        .await
        .unwrap();
    // The producer reads nothing from now on: it must not be subscribed to its own events.
    producer
        .emit_with_ack("unsubscribe", json!({"patterns": ["*"]}))
        .await;
    let running = json!({"events": [{"type": "session.status", "data": {"status": "running"}}]});
    producer.emit_with_ack("publish", running).await;

    // Publish in the background while the watcher receives; kill the server mid-stream.
    let publishing = tokio::spawn(async move {
        for chunk in sample_events(100_000, 200).chunks(50) {
            let frame = format!(
                "42/sessions/crash,{}",
                json!(["publish", {"events": chunk}])
            );
            if producer.try_send_text(frame).await.is_err() {
                return; // the server was killed
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let mut received = 0;
    while received < 2000 {
        let (_, envelope) = watcher.next_event().await.expect("live events");
        received = envelope["offset"].as_u64().unwrap();
    }
    let mut server = server;
    let pid = server.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .unwrap()
            .success()
    );
    server.child.wait().await.unwrap();
    publishing.abort();
    // Drain what the watcher had been sent before the kill.
    while let Some((_, envelope)) = watcher.next_event().await {
        received = received.max(envelope["offset"].as_u64().unwrap_or(0));
    }

    let server = ServerProcess::start_in(&dir, &[]).await.unwrap();
    let mut status_client = Client::connect(addr(&server), "/sessions/crash", None)
        .await
        .unwrap();
    let status = status_client.emit_with_ack("get_status", json!({})).await;
    let head = status["ok"]["head_offset"].as_u64().unwrap();
    assert!(
        head >= received,
        "every received event was stored: head {head} < received {received}"
    );
    assert_eq!(
        status["ok"]["status"], "interrupted",
        "the running session was interrupted"
    );
    let auth = Some(json!({"offset": 0}));
    let mut client = Client::connect(addr(&server), "/sessions/crash", auth)
        .await
        .unwrap();
    assert_eq!(
        replay(&mut client, head).await,
        (1..=head).collect::<Vec<_>>(),
        "no hole"
    );
    let more = json!({"events": sample_events(1, 10)});
    let ack = status_client.emit_with_ack("publish", more).await;
    assert_eq!(
        ack["ok"]["head_offset"],
        head + 1,
        "offsets continue without reuse"
    );
}
