//! TLS (`--tls-cert`, `--tls-key`): the real binary serving https and wss on one port with a
//! self-signed certificate made here, reached by rustls clients that trust only it.
//!
//! Every connect and receive waits at most [`TIMEOUT`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agentcast_tests::certificate::{TestCert, https_get, tls_connect};
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir};
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Every connect, handshake and receive waits at most this long.
const TIMEOUT: Duration = Duration::from_secs(10);

async fn start(cert: &TestCert) -> ServerProcess {
    let server = ServerProcess::start(&cert.serve_args())
        .await
        .expect("agentcast starts with TLS");
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "the listening line says https: {}",
        server.url
    );
    server
}

type Wss = WebSocketStream<TlsStream<TcpStream>>;

/// A Socket.IO websocket over wss (verifying the certificate for the IP address), through
/// the Engine.IO open packet and the connect to the namespace `/`.
async fn wss_connect(client: &TlsConnector, addr: SocketAddr) -> anyhow::Result<(Wss, String)> {
    let tls = tls_connect(client, addr, &addr.ip().to_string()).await?;
    let url = format!("wss://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio::time::timeout(TIMEOUT, tokio_tungstenite::client_async(url, tls))
        .await
        .context("websocket handshake timed out")??;
    let open = next_text(&mut ws).await?;
    let Some(open) = open.strip_prefix('0') else {
        bail!("expected the Engine.IO open packet, got {open}");
    };
    let open: serde_json::Value = serde_json::from_str(open)?;
    assert!(open["sid"].is_string(), "open packet: {open}");
    ws.send(Message::text("40")).await?;
    let connect = next_text(&mut ws).await?;
    let Some(connect) = connect.strip_prefix("40") else {
        bail!("expected the Socket.IO connect packet, got {connect}");
    };
    let connect: serde_json::Value = serde_json::from_str(connect)?;
    let sid = connect["sid"]
        .as_str()
        .with_context(|| format!("connect packet without sid: {connect}"))?;
    Ok((ws, sid.to_string()))
}

/// The next text frame (Engine.IO pings answered on the way).
async fn next_text(ws: &mut Wss) -> anyhow::Result<String> {
    loop {
        let message = tokio::time::timeout(TIMEOUT, ws.next())
            .await
            .context("no websocket message in time")?
            .context("websocket closed")??;
        match message {
            Message::Text(text) if text.as_str() == "2" => ws.send(Message::text("3")).await?,
            Message::Text(text) => return Ok(text.as_str().to_string()),
            Message::Ping(_) | Message::Pong(_) => {}
            other => bail!("unexpected websocket message {other:?}"),
        }
    }
}

#[tokio::test]
async fn https_and_wss_share_the_port() {
    let cert = TestCert::generate(&fresh_data_dir());
    let server = start(&cert).await;
    let client = cert.tls_connector();

    let (status, body) = https_get(&client, server.addr(), "/health")
        .await
        .expect("https GET /health");
    assert_eq!(status, 200, "{body}");

    let (mut ws, sid) = wss_connect(&client, server.addr())
        .await
        .expect("a Socket.IO connection over wss");
    assert!(!sid.is_empty());
    // The socket is live: an acked command gets its answer over the same wss connection.
    ws.send(Message::text(r#"421["ping",{}]"#)).await.unwrap();
    let ack = next_text(&mut ws).await.unwrap();
    assert!(ack.starts_with("431"), "ack of ping: {ack}");
}

#[tokio::test]
async fn plain_http_on_the_tls_port_gets_no_answer() {
    let cert = TestCert::generate(&fresh_data_dir());
    let server = start(&cert).await;
    let plain = reqwest::Client::builder().timeout(TIMEOUT).build().unwrap();
    let url = format!("http://{}/health", server.addr());
    let result = plain.get(&url).send().await;
    assert!(
        result.is_err(),
        "plain http must not be served on the TLS port (no downgrade): {result:?}"
    );
    // The server is still fine for TLS clients.
    let (status, _) = https_get(&cert.tls_connector(), server.addr(), "/health")
        .await
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_untrusting_client_fails_while_trusted_ones_keep_working() {
    let dir = fresh_data_dir();
    let cert = TestCert::generate(&dir);
    let server = start(&cert).await;
    let trusted = cert.tls_connector();
    let (mut ws, _) = wss_connect(&trusted, server.addr()).await.unwrap();

    // A connection that never starts its handshake must not hold up the accept loop.
    let stalled = TcpStream::connect(server.addr()).await.unwrap();

    // A client trusting another certificate refuses this server's.
    let other = TestCert::generate(&subdir(&dir, "other"));
    let err = tls_connect(&other.tls_connector(), server.addr(), "localhost")
        .await
        .expect_err("a client that does not trust the certificate fails the handshake");
    let err = format!("{err:#}");
    assert!(
        err.contains("certificate") || err.contains("UnknownIssuer"),
        "the handshake fails on the certificate: {err}"
    );

    // Meanwhile: a new trusted request is answered well before the stalled handshake's
    // timeout, and the open socket still answers.
    let started = std::time::Instant::now();
    let (status, _) = https_get(&trusted, server.addr(), "/health").await.unwrap();
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a stalled handshake delayed another client by {:?}",
        started.elapsed()
    );
    wss_connect(&trusted, server.addr())
        .await
        .expect("a second wss client connects");
    ws.send(Message::text(r#"421["ping",{}]"#)).await.unwrap();
    let ack = next_text(&mut ws).await.unwrap();
    assert!(ack.starts_with("431"), "ack of ping: {ack}");
    drop(stalled);
}

/// Runs `agentcast serve` with these TLS files and returns its exit status and stderr; it
/// must exit on its own.
async fn serve_fails(cert: &Path, key: &Path) -> (std::process::ExitStatus, String) {
    let output = tokio::time::timeout(
        TIMEOUT,
        tokio::process::Command::new(agentcast_bin())
            .arg("serve")
            .args(["--bind", "127.0.0.1:0", "--auth", "none", "--no-collect"])
            .arg("--data-dir")
            .arg(fresh_data_dir())
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("agentcast exits by itself on a bad certificate or key")
    .expect("agentcast runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("agentcast listening on"),
        "it must not listen: {stdout}"
    );
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_bad_key_stops_the_start_with_the_file_named() {
    let dir = fresh_data_dir();
    let cert = TestCert::generate(&dir);

    let not_a_key = dir.join("not-a-key.pem");
    std::fs::write(&not_a_key, "this is not a key\n").unwrap();
    let (status, stderr) = serve_fails(&cert.cert, &not_a_key).await;
    assert!(!status.success(), "{status}");
    assert!(stderr.contains("no private key"), "{stderr}");
    assert!(stderr.contains(not_a_key.to_str().unwrap()), "{stderr}");

    let other = TestCert::generate(&subdir(&dir, "other"));
    let (status, stderr) = serve_fails(&cert.cert, &other.key).await;
    assert!(!status.success(), "{status}");
    assert!(stderr.contains("does not match"), "{stderr}");
    assert!(stderr.contains(other.key.to_str().unwrap()), "{stderr}");

    let missing = dir.join("missing.pem");
    let (status, stderr) = serve_fails(&missing, &cert.key).await;
    assert!(!status.success(), "{status}");
    assert!(stderr.contains(missing.to_str().unwrap()), "{stderr}");
}

/// `dir/name`, created.
fn subdir(dir: &Path, name: &str) -> PathBuf {
    let sub = dir.join(name);
    std::fs::create_dir_all(&sub).unwrap();
    sub
}
