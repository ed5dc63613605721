//! The repository's nginx example (`server/deploy/nginx/agentcast.conf`) in front of the real
//! server, as a user deploys it: TLS at nginx (a certificate made here), plain HTTP to
//! agentcast. Through it: the Rust client over wss (the websocket upgrade passes), Engine.IO
//! long-polling, the REST API, and the port-80 redirect. Every wait is bounded.

use agentcast_client::shared::Event;
use agentcast_client::{Client, ClientConfig};
use agentcast_tests::agents::system_tool;
use agentcast_tests::certificate::{TestCert, https_get};
use agentcast_tests::nginx::Nginx;
use agentcast_tests::server::{ServerProcess, fresh_data_dir, within};
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn the_nginx_example_proxies_websockets_polling_and_rest_over_tls() {
    if system_tool("nginx", "-v").is_none() {
        return;
    }
    let dir = fresh_data_dir();
    let cert = TestCert::generate(&dir);
    let server = ServerProcess::start(&[]).await.expect("agentcast starts");
    let nginx = Nginx::start(server.addr(), &cert, &dir)
        .await
        .expect("nginx starts with the example");
    let url = format!("https://localhost:{}", nginx.https.port());

    // Socket.IO over wss through nginx: publish and receive live.
    let config = ClientConfig::new(&url)
        .with_root_certificates_pem(&cert.pem)
        .expect("rcgen's PEM holds a certificate");
    let client = Client::connect(config);
    let (session, mut events) = client.session("through-nginx", Some(0));
    within(
        10,
        "the session connects through nginx",
        session.connected(),
    )
    .await
    .unwrap_or_else(|err| panic!("{err}\n{}", nginx.error_log()));
    let event: Event =
        serde_json::from_value(json!({"type": "output.text", "data": {"text": "hi"}}))
            .expect("a valid event");
    let published = within(10, "publish", session.publish(vec![event]))
        .await
        .expect("publish accepted");
    assert_eq!(published.head_offset, 1);
    let envelope = loop {
        let envelope = within(10, "the event", events.next())
            .await
            .expect("the stream stays open");
        if envelope.offset > 0 {
            break envelope;
        }
    };
    assert_eq!(
        (envelope.offset, envelope.data["text"].as_str()),
        (1, Some("hi"))
    );

    // Engine.IO long-polling and the REST API through the same proxy.
    let connector = cert.tls_connector();
    let (status, open) = https_get(
        &connector,
        nginx.https,
        "/socket.io/?EIO=4&transport=polling",
    )
    .await
    .expect("a polling handshake");
    assert_eq!(status, 200, "{open}");
    assert!(open.starts_with("0{") && open.contains("\"sid\""), "{open}");
    let (status, body) = https_get(&connector, nginx.https, "/api/sessions/through-nginx")
        .await
        .expect("GET a session");
    assert_eq!(status, 200, "{body}");
    let detail: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(detail["head_offset"], 1, "{detail}");

    // Plain http is redirected to https.
    let mut tcp = within(
        10,
        "connect to :80's stand-in",
        tokio::net::TcpStream::connect(nginx.http),
    )
    .await
    .expect("nginx listens for http");
    tcp.write_all(
        b"GET /health HTTP/1.1\r\nHost: agentcast.example.com\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("request sent");
    let mut answer = String::new();
    within(10, "the redirect", tcp.read_to_string(&mut answer))
        .await
        .expect("answer read");
    assert!(answer.starts_with("HTTP/1.1 301"), "{answer}");
    assert!(
        answer.contains("Location: https://agentcast.example.com/health"),
        "{answer}"
    );
}
