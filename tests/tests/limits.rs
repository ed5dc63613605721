//! Limits against the real server (in-process, port 0): a connection flood from one address
//! is refused while a client from another address and the clients already connected go on;
//! a socket flooding messages is limited and then disconnected while the others on its
//! session receive every event; an HTTP flood gets 429s with Retry-After.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::LimitsArgs;
use agentcast_tests::http::Api;
use agentcast_tests::raw::{RECV_TIMEOUT, TestServer, sample_events};
use serde_json::json;
use tokio::net::TcpSocket;
use tokio_tungstenite::client_async;

/// A server whose limits are the defaults changed by `set` (a limit or two).
async fn limited(set: impl FnOnce(&mut LimitsArgs)) -> TestServer {
    let mut limits = LimitsArgs::default();
    set(&mut limits);
    TestServer::start(ServeArgs {
        limits,
        ..ServeArgs::default()
    })
    .await
}

/// Publishes `count` sample events into `session` over REST.
async fn publish(server: &TestServer, session: &str, count: usize) {
    let answer = Api::for_addr(server.addr)
        .post(
            &format!("/api/sessions/{session}/publish"),
            json!({"events": sample_events(count, 5)}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

/// The status of an Engine.IO websocket handshake from `local_ip` (the loopback network
/// has every 127.x address, so a test can be "another address").
async fn handshake_from(local_ip: &str, server: std::net::SocketAddr) -> Result<(), u16> {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(format!("{local_ip}:0").parse().unwrap())
        .unwrap();
    let stream = tokio::time::timeout(RECV_TIMEOUT, socket.connect(server))
        .await
        .expect("TCP connect in time")
        .unwrap();
    let url = format!("ws://{server}/socket.io/?EIO=4&transport=websocket");
    match tokio::time::timeout(RECV_TIMEOUT, client_async(url, stream)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
            Err(response.status().as_u16())
        }
        other => panic!("unexpected handshake outcome: {other:?}"),
    }
}

#[tokio::test]
async fn a_connection_flood_is_refused_and_others_go_on() {
    let server = limited(|s| s.connections_per_ip_per_s = Some(2)).await;
    // Connected before the flood (the burst is twice the rate: 4).
    let mut watcher = server.connect("/sessions/f").await;
    let mut refused = 0;
    // At most 4 + 2 per second elapsed get through: however slow the machine, most are
    // refused.
    for _ in 0..40 {
        if let Err(status) = handshake_from("127.0.0.1", server.addr).await {
            assert_eq!(status, 429);
            refused += 1;
        }
    }
    assert!(refused >= 20, "only {refused} of 40 refused");
    // Another address is not limited by this one's flood.
    handshake_from("127.0.0.2", server.addr)
        .await
        .expect("a client from another address connects");
    // The client connected before keeps receiving.
    publish(&server, "f", 1).await;
    let (_, envelope) = watcher
        .next_event()
        .await
        .expect("an event after the flood");
    assert_eq!(envelope["offset"], 1);
}

#[tokio::test]
async fn the_connection_total_is_enforced_at_the_handshake() {
    let server = limited(|s| s.max_connections = Some(2)).await;
    let _a = server.connect("/").await;
    let _b = server.connect("/").await;
    assert_eq!(handshake_from("127.0.0.1", server.addr).await, Err(503));
}

#[tokio::test]
async fn a_message_flood_is_limited_then_disconnected_and_the_session_goes_on() {
    let server = limited(|s| s.messages_per_socket_per_s = Some(5)).await;
    let mut calm = server.connect("/sessions/m").await;
    let mut flooder = server.connect("/sessions/m").await;
    // The burst (10) passes, then `rate_limited` (30 pings outrun 5 per second unless they
    // take 4 s).
    let mut allowed = 0;
    let limited = loop {
        let ack = flooder.emit_with_ack("ping", json!({})).await;
        if ack["error"]["code"] == "rate_limited" {
            break ack;
        }
        allowed += 1;
        assert!(allowed < 30, "30 pings and none limited");
    };
    assert!(allowed >= 10, "the burst is twice the rate: {allowed}");
    let message = limited["error"]["message"].as_str().unwrap();
    assert!(message.contains("5 per second"), "{message}");
    // Keeping on: told why, then disconnected. (Sent without waiting for acks.)
    for _ in 0..20 {
        flooder.emit("ping", json!({})).await;
    }
    let reason = loop {
        match flooder.next_event().await {
            Some((name, envelope)) if name == "agent.error" => break envelope,
            Some(_) => continue,
            None => panic!("disconnected without the reason"),
        }
    };
    assert_eq!(reason["data"]["code"], "rate_limited");
    assert!(
        flooder.next_event().await.is_none(),
        "disconnected after the reason"
    );

    // The calm client on the same session receives every event.
    for _ in 0..3 {
        publish(&server, "m", 10).await;
    }
    for expected in 1..=30u64 {
        let (_, envelope) = calm.next_event().await.expect("every event");
        assert_eq!(envelope["offset"], expected);
    }
    let lines = server.audit_log().await;
    assert!(
        lines.contains("\"limit\":\"messages_per_socket_per_s\""),
        "{lines}"
    );
    assert!(
        lines.contains("\"limit\":\"message_flood_disconnect\""),
        "{lines}"
    );
    // And counted where operators look: the hub's statistics.
    let mut hub = server.connect("/").await;
    let status = hub.emit_with_ack("get_status", json!({})).await;
    let hit = &status["ok"]["stats"]["limits_hit"];
    assert!(hit["messages"].as_u64().unwrap() >= 1, "{status}");
    assert_eq!(hit["flood_disconnects"], 1, "{status}");
    assert_eq!(hit["connections_per_ip"], 0, "{status}");
}

#[tokio::test]
async fn an_http_flood_gets_429_with_retry_after() {
    let server = limited(|s| s.http_requests_per_ip_per_s = Some(5)).await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/api/sessions", server.addr);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    let mut body = serde_json::Value::Null;
    for _ in 0..60 {
        let response = client.get(&url).send().await.unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            body = response.json().await.unwrap();
        }
        statuses.push(status);
    }
    assert_eq!(statuses[0], 200);
    // At most 10 + 5 per second elapsed pass.
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 30,
        "{statuses:?}"
    );
    let seconds: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!(seconds >= 1);
    assert_eq!(body["error"]["code"], "rate_limited");
    // Health checks are not counted.
    let health = client
        .get(format!("http://{}/health", server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
