//! The real server in this process on port 0 (through the library seam), and a small raw
//! Socket.IO v5 websocket client that shows every packet as it is on the wire.
//!
//! Every receive waits at most [`RECV_TIMEOUT`].

use std::collections::VecDeque;
use std::time::Duration;

use agentcast_server::app;
use agentcast_server::audit::Audit;
use agentcast_server::cli::ServeArgs;
use agentcast_server::config::{AuthMode, Config, FileConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// Every receive in these tests waits at most this long.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(20);

/// A server running in this process; stopped (gracefully) by `stop` or on drop.
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    /// Its configuration (the data directory, the security settings).
    pub config: Config,
    /// Its audit log (see [`audit_log`](Self::audit_log)).
    pub audit: Audit,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(mut args: ServeArgs) -> Self {
        // Logs at RUST_LOG's level (default info) on stderr, which the test harness captures.
        agentcast_server::logging::init(Default::default());
        // A fresh data directory (and so a fresh database) unless the test names one.
        args.server
            .data_dir
            .get_or_insert_with(crate::server::fresh_data_dir);
        test_security(&mut args);
        // Never the real ~/.claude or ~/.codex: a test of the collector names its roots.
        let collects = !args
            .collect
            .claude_projects_dirs
            .as_ref()
            .is_none_or(Vec::is_empty)
            || !args
                .collect
                .codex_sessions_dirs
                .as_ref()
                .is_none_or(Vec::is_empty);
        args.collect.no_collect |= !collects;
        if collects {
            args.collect
                .claude_projects_dirs
                .get_or_insert_with(Vec::new);
            args.collect
                .codex_sessions_dirs
                .get_or_insert_with(Vec::new);
        }
        let config = Config::resolve(args, FileConfig::default()).expect("valid test config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        // Built here, not inside the task, so a store that cannot open fails the test loudly.
        let built = app::build(&config).await.unwrap_or_else(|err| {
            panic!(
                "the server builds in {}: {err}",
                config.server.data_dir.display()
            )
        });
        let audit = built.audit.clone();
        let served_config = config.clone();
        let task = tokio::spawn(async move {
            app::serve_built(listener, built, &served_config, async {
                let _ = stopped.await;
            })
            .await
        });
        Self {
            addr,
            config,
            audit,
            stop: Some(stop),
            task,
        }
    }

    /// The audit log's text once every line recorded so far is written (empty if none).
    pub async fn audit_log(&self) -> String {
        tokio::time::timeout(RECV_TIMEOUT, self.audit.flush())
            .await
            .expect("the audit log is flushed in time")
            .expect("the audit log writer runs");
        let path = self.config.server.data_dir.join("audit.jsonl");
        std::fs::read_to_string(path).unwrap_or_default()
    }

    pub async fn connect(&self, ns: &str) -> Client {
        Client::connect(self.addr, ns, None).await.expect("connect")
    }

    /// Asks for a graceful shutdown and waits for `serve` to return.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(RECV_TIMEOUT, &mut self.task)
            .await
            .expect("shutdown in time")
            .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `crate::server::TEST_DEFAULTS` for the in-process server: no authentication and no rate
/// limits unless the test sets them.
fn test_security(args: &mut ServeArgs) {
    args.auth.mode.get_or_insert(AuthMode::None);
    args.limits.connections_per_ip_per_s.get_or_insert(0);
    args.limits.messages_per_socket_per_s.get_or_insert(0);
    args.limits.http_requests_per_ip_per_s.get_or_insert(0);
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw Socket.IO client on one namespace over websocket.
pub struct Client {
    ws: Ws,
    pub ns: String,
    next_ack_id: u64,
    /// Events that arrived while waiting for an ack.
    pending: VecDeque<(String, Value)>,
}

/// A Socket.IO packet as received, split into its type digit and the rest.
#[derive(Debug)]
pub enum Received {
    Packet(String),
    Closed,
}

impl Client {
    /// Opens an Engine.IO websocket and connects to `ns` with `auth`. `Err` carries the
    /// server's connect_error message.
    pub async fn connect(
        addr: std::net::SocketAddr,
        ns: &str,
        auth: Option<Value>,
    ) -> Result<Self, String> {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let (ws, _) = connect_async(url).await.expect("websocket handshake");
        let mut client = Self {
            ws,
            ns: ns.to_string(),
            next_ack_id: 0,
            pending: VecDeque::new(),
        };
        let open = client.recv_text().await.expect("engine.io open packet");
        assert!(
            open.starts_with("0{"),
            "expected the Engine.IO open packet, got {open}"
        );
        let auth = auth.map(|a| a.to_string()).unwrap_or_default();
        client
            .send_text(format!("40{}{auth}", client.ns_prefix()))
            .await;
        let reply = client.recv_socketio().await.expect("connect reply");
        let prefix = client.ns_prefix();
        if let Some(rest) = reply.strip_prefix(&format!("0{prefix}")) {
            assert!(
                rest.contains("\"sid\""),
                "connect reply without sid: {reply}"
            );
            Ok(client)
        } else if let Some(rest) = reply.strip_prefix(&format!("4{prefix}")) {
            let body: Value = serde_json::from_str(rest).expect("connect_error body is JSON");
            Err(body["message"].as_str().unwrap_or_default().to_string())
        } else {
            panic!("unexpected connect reply {reply}");
        }
    }

    /// `/sessions/x,` for a custom namespace, nothing for `/`.
    fn ns_prefix(&self) -> String {
        if self.ns == "/" {
            String::new()
        } else {
            format!("{},", self.ns)
        }
    }

    pub async fn send_text(&mut self, text: String) {
        self.try_send_text(text).await.expect("websocket send");
    }

    /// Sends a frame; `Err` when the connection is gone (a test that kills the server).
    pub async fn try_send_text(
        &mut self,
        text: String,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(Message::text(text)).await
    }

    /// The next Engine.IO text frame; answers pings on the way. `None` when closed.
    pub async fn recv_text(&mut self) -> Option<String> {
        loop {
            let frame = tokio::time::timeout(RECV_TIMEOUT, self.ws.next())
                .await
                .expect("a frame within the receive timeout");
            match frame {
                Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                    self.send_text("3".into()).await
                }
                Some(Ok(Message::Text(text))) => return Some(text.to_string()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next Socket.IO packet (an Engine.IO message, the leading `4` removed).
    pub async fn recv_socketio(&mut self) -> Option<String> {
        loop {
            let text = self.recv_text().await?;
            if let Some(packet) = text.strip_prefix('4') {
                return Some(packet.to_string());
            }
            if text == "1" {
                return None; // Engine.IO close
            }
        }
    }

    /// Sends `event` with one argument and returns the ack's first argument.
    pub async fn emit_with_ack(&mut self, event: &str, arg: Value) -> Value {
        let id = self.next_ack_id;
        self.next_ack_id += 1;
        let payload = serde_json::json!([event, arg]);
        self.send_text(format!("42{}{id}{payload}", self.ns_prefix()))
            .await;
        let ack_prefix = format!("3{}{id}", self.ns_prefix());
        loop {
            let packet = self.recv_socketio().await.expect("ack before close");
            if let Some(rest) = packet.strip_prefix(&ack_prefix) {
                let args: Value = serde_json::from_str(rest).expect("ack args are JSON");
                return args[0].clone();
            }
            if let Some(event) = self.parse_event(&packet) {
                self.pending.push_back(event);
            }
        }
    }

    /// Sends an event without an ack.
    pub async fn emit(&mut self, event: &str, arg: Value) {
        let payload = serde_json::json!([event, arg]);
        self.send_text(format!("42{}{payload}", self.ns_prefix()))
            .await;
    }

    fn parse_event(&self, packet: &str) -> Option<(String, Value)> {
        let rest = packet.strip_prefix(&format!("2{}", self.ns_prefix()))?;
        let mut args: Vec<Value> = serde_json::from_str(rest).ok()?;
        let name = args.remove(0).as_str()?.to_string();
        Some((name, args.into_iter().next().unwrap_or(Value::Null)))
    }

    /// What a client that stopped reading was sent before it was disconnected as a slow
    /// consumer: a gapless run of offsets from 1, then the `agent.error` that says why. Checks
    /// both, and returns the last offset of the run.
    pub async fn read_until_dropped_as_slow(&mut self) -> u64 {
        let mut last = 0;
        let (name, reason) = loop {
            match self.next_event().await {
                Some((name, envelope)) if envelope["offset"] == 0 => break (name, envelope),
                Some((_, envelope)) => {
                    let offset = envelope["offset"].as_u64().unwrap();
                    assert_eq!(offset, last + 1, "no gap before the disconnect");
                    last = offset;
                }
                None => panic!("disconnected without a reason after offset {last}"),
            }
        };
        assert_eq!(name, "agent.error");
        assert_eq!(reason["data"]["code"], "slow_consumer");
        last
    }

    /// The next event `(name, first argument)`; `None` if the namespace or connection closed.
    pub async fn next_event(&mut self) -> Option<(String, Value)> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        loop {
            let packet = self.recv_socketio().await?;
            if packet.starts_with(&format!("1{}", self.ns_prefix())) {
                return None; // disconnected from the namespace
            }
            if let Some(event) = self.parse_event(&packet) {
                return Some(event);
            }
        }
    }
}

/// `count` publishable events of mixed types, each with about `pad` bytes of text.
pub fn sample_events(count: usize, pad: usize) -> Vec<Value> {
    (0..count)
        .map(|i| match i % 3 {
            0 => serde_json::json!({"type": "output.text", "data": {"text": format!("{i} {}", "x".repeat(pad))}}),
            1 => serde_json::json!({"type": "tool.started", "data": {"tool_use_id": format!("t{i}"), "name": "Bash", "input": {"command": "ls"}}}),
            _ => serde_json::json!({"type": "tool.completed", "data": {"tool_use_id": format!("t{}", i - 1), "name": "Bash", "is_error": false, "output_preview": "ok", "output_bytes": 2}}),
        })
        .collect()
}
