//! agentcast-client over TLS against the real `agentcast serve --tls-cert/--tls-key`
//! (target/debug/agentcast) with a self-signed certificate made here: a client that trusts
//! it (`with_root_certificates_pem`) works over `https://`; one that does not, or that
//! reaches the server under a name the certificate lacks, is told why in its state and never
//! connects.
//!
//! Every receive waits at most a few seconds (`within`).

#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use agentcast_client::shared::Event;
use agentcast_client::{Client, ClientConfig, ConnectionState, Error, ReconnectConfig};
use agentcast_tests::certificate::TestCert;
use agentcast_tests::server::{ServerProcess as Server, fresh_data_dir, within};
use futures_util::StreamExt;
use serde_json::json;

/// The real server on https with `cert`.
async fn start(cert: &TestCert) -> Server {
    let server = Server::start(&cert.serve_args())
        .await
        .expect("agentcast starts with TLS");
    assert!(server.url.starts_with("https://"), "{}", server.url);
    server
}

/// Fast retries, given up after `attempts`, so a failing client ends in `Disconnected`.
fn config(url: &str, attempts: Option<u32>) -> ClientConfig {
    ClientConfig {
        reconnect: ReconnectConfig {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(200),
            max_attempts: attempts,
            ..Default::default()
        },
        ..ClientConfig::new(url)
    }
}

/// The same, trusting `cert` as a user would: its PEM text.
fn config_with_pem(url: &str, attempts: Option<u32>, cert: &TestCert) -> ClientConfig {
    config(url, attempts)
        .with_root_certificates_pem(&cert.pem)
        .expect("rcgen's PEM holds a certificate")
}

fn text(text: &str) -> Event {
    serde_json::from_value(json!({"type": "output.text", "data": {"text": text}}))
        .expect("a valid event")
}

/// The states of `client` until it is `Disconnected` (its reason returned), within 20 s;
/// fails if it ever connects.
async fn refused_reason(client: &Client) -> String {
    let mut states = client.state();
    within(20, "Disconnected", async {
        loop {
            let state = states.next().await.expect("the state stream stays open");
            match state {
                ConnectionState::Connected { .. } => panic!("connected despite the certificate"),
                ConnectionState::Disconnected { reason } => return reason,
                ConnectionState::Connecting | ConnectionState::Reconnecting { .. } => {}
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_client_trusting_the_certificate_publishes_and_receives_over_https() {
    let cert = TestCert::generate(&fresh_data_dir());
    let server = start(&cert).await;
    let client = Client::connect(config_with_pem(&server.url, None, &cert));
    let (session, mut events) = client.session("over-tls", Some(0));
    within(10, "the session connects over wss", session.connected())
        .await
        .expect("connected");

    let published = within(10, "publish", session.publish(vec![text("a"), text("b")]))
        .await
        .expect("publish accepted");
    assert_eq!(published.head_offset, 2);
    let mut received = Vec::new();
    while received.len() < 2 {
        let envelope = within(10, "the published events", events.next())
            .await
            .expect("the stream stays open");
        if envelope.offset > 0 {
            received.push((envelope.offset, envelope.data["text"].clone()));
        }
    }
    assert_eq!(received, [(1, json!("a")), (2, json!("b"))]);

    // The certificate names `localhost` too: the DNS name is verified as well as the address.
    let by_name = format!("https://localhost:{}", server.addr().port());
    let other = Client::connect(config_with_pem(&by_name, None, &cert));
    let sessions = within(
        10,
        "the hub over https://localhost",
        other.hub().get_status(),
    )
    .await
    .expect("hub status")
    .sessions;
    assert!(sessions.iter().any(|s| s.session_id == "over-tls"));
}

#[tokio::test]
async fn a_client_without_the_certificate_is_told_why_and_does_not_connect() {
    let cert = TestCert::generate(&fresh_data_dir());
    let server = start(&cert).await;

    // Mozilla's roots only: the self-signed certificate is not trusted.
    let client = Client::connect(config(&server.url, Some(1)));
    let (session, _events) = client.session("untrusted", Some(0));
    // Queued while connecting; it fails when the client gives up, it is not lost silently.
    let publish = tokio::spawn(async move { session.publish(vec![text("x")]).await });
    let reason = refused_reason(&client).await;
    assert!(
        reason.contains("TLS: invalid peer certificate") && reason.contains("UnknownIssuer"),
        "the reason names the certificate: {reason}"
    );
    assert!(
        reason.contains("with_root_certificates_pem"),
        "and says what to do: {reason}"
    );
    let publish = within(10, "the queued publish fails", publish)
        .await
        .expect("the publish task ends");
    assert_eq!(publish.unwrap_err(), Error::Disconnected);

    // Trusting some other certificate is no better (rcgen gives both the same issuer name,
    // so rustls sees a bad signature rather than an unknown issuer).
    let other = TestCert::generate(&fresh_data_dir());
    let client = Client::connect(config_with_pem(&server.url, Some(1), &other));
    let _session = client.session("untrusted", Some(0));
    let reason = refused_reason(&client).await;
    assert!(
        reason.contains("TLS: invalid peer certificate"),
        "the reason names the certificate: {reason}"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let cert = TestCert::generate_for(&fresh_data_dir(), &["agentcast.invalid"]);
    let server = start(&cert).await;
    let client = Client::connect(config_with_pem(&server.url, Some(1), &cert));
    let _session = client.session("wrong-name", Some(0));
    let reason = refused_reason(&client).await;
    assert!(
        reason.contains("TLS: invalid peer certificate") && reason.contains("not valid for name"),
        "the reason names the mismatch: {reason}"
    );
}
