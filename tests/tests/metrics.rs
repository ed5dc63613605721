//! agentcast-client against the real `agentcast serve`: what an operator's client sees of the
//! server's own health on the hub namespace and at `/health` (build the binary with `cargo
//! build -p agentcast-server --bin agentcast`). `/metrics` itself is read by the Prometheus
//! client's parser in tests/python/test_metrics.py.

#![cfg(not(target_arch = "wasm32"))]

use agentcast_client::shared::rest::{CollectorState, DatabaseStatus, Health, HealthStatus};
use agentcast_client::shared::{Severity, SystemError, SystemStats};
use agentcast_client::{Client, ClientConfig};
use agentcast_tests::server::{ServerProcess as Server, within};
use futures_util::StreamExt;

async fn health(server: &Server) -> Health {
    let response = within(
        10,
        "/health",
        reqwest::get(format!("{}/health", server.url)),
    )
    .await
    .expect("/health answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("a Health body")
}

#[tokio::test]
async fn system_stats_carry_cpu_percent_and_health_counts_the_clients() {
    let server = Server::start(&["--stats-interval-ms", "200"])
        .await
        .expect("agentcast starts");
    let client = Client::connect(ClientConfig::new(&server.url));
    let hub = client.hub();
    let mut stats = hub.on::<SystemStats>();
    within(10, "connect", hub.connected())
        .await
        .expect("connected");

    let first = within(10, "system.stats", stats.next()).await.unwrap();
    let stats = first.data;
    assert!(
        stats.cpu_percent.is_finite() && stats.cpu_percent >= 0.0,
        "{}",
        stats.cpu_percent
    );
    assert!(stats.memory_bytes > 0);
    assert_eq!(stats.connections, 1);

    let report = health(&server).await;
    assert_eq!(report.status, HealthStatus::Ok);
    assert_eq!(report.database, DatabaseStatus::Ok);
    assert_eq!(report.connections, 1, "the hub socket: {report:?}");
    // The hub socket's default subscription is at least one room.
    assert!(report.rooms >= 1, "{report:?}");
    // Collecting is on by default (its roots are in the data directory here).
    assert!(
        matches!(
            report.collector,
            CollectorState::Importing | CollectorState::Following
        ),
        "{report:?}"
    );
}

#[tokio::test]
async fn the_connection_limit_of_the_server_is_a_system_error_on_the_hub() {
    let server = Server::start(&["--max-connections", "1", "--system-error-interval-ms", "0"])
        .await
        .expect("agentcast starts");
    let watcher = Client::connect(ClientConfig::new(&server.url));
    let hub = watcher.hub();
    let mut errors = hub.on::<SystemError>();
    within(10, "connect", hub.connected())
        .await
        .expect("connected");

    // A second connection (an Engine.IO handshake) is over the limit of the whole server.
    let handshake = format!("{}/socket.io/?EIO=4&transport=polling", server.url);
    let refused = within(10, "a refused handshake", reqwest::get(handshake))
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 503);

    let error = within(10, "system.error", errors.next()).await.unwrap();
    assert_eq!(error.offset, 0, "ephemeral, as system.stats");
    let error = error.data;
    assert_eq!(
        (error.component.as_str(), error.severity),
        ("limits", Severity::Warning)
    );
    assert!(
        error.message.contains("max_connections"),
        "{}",
        error.message
    );
    // A warning: the server stays `ok`.
    assert_eq!(health(&server).await.status, HealthStatus::Ok);
}
