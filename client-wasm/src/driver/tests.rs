//! The driver against an in-memory server, with paused tokio time: heartbeat, backoff
//! schedule, outgoing queue, recovery by offset, refusals and ack timeouts, all without
//! sleeping for real.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::time::{Instant, timeout};

use crate::backoff::ReconnectConfig;
use crate::codec::{engineio, socketio};
use crate::rt::BoxFuture;
use crate::transport::{Frame, Link, Transport, TransportError};
use crate::{Client, ClientConfig, ConnectionState, Error, SocketStatus};

/// The server side of one fake link.
struct Conn {
    from_client: mpsc::UnboundedReceiver<Frame>,
    to_client: mpsc::UnboundedSender<Frame>,
    decoder: socketio::Decoder,
}

impl Conn {
    fn send_engine(&self, packet: engineio::Packet) {
        let _ = self
            .to_client
            .unbounded_send(Frame::Text(engineio::encode(&packet)));
    }

    fn open(&self, ping_interval: u64, ping_timeout: u64) {
        self.send_engine(engineio::Packet::Open(engineio::OpenInfo {
            sid: "fake".into(),
            upgrades: vec![],
            ping_interval,
            ping_timeout,
            max_payload: 1_000_000,
        }));
    }

    fn send(&self, packet: socketio::Packet) {
        let (text, attachments) = packet.encode();
        self.send_engine(engineio::Packet::Message(text));
        for attachment in attachments {
            let _ = self
                .to_client
                .unbounded_send(Frame::Binary(attachment.clone()));
        }
    }

    /// The next Socket.IO packet from the client (engine pongs are skipped).
    async fn next_packet(&mut self) -> socketio::Packet {
        loop {
            let frame = timeout(Duration::from_secs(60), self.from_client.next())
                .await
                .expect("a frame within 60 s")
                .expect("the link is open");
            let decoded = match frame {
                Frame::Binary(bytes) => self.decoder.binary(bytes),
                Frame::Text(text) => match engineio::decode(&text).unwrap() {
                    engineio::Packet::Message(message) => self.decoder.text(&message),
                    _ => continue,
                },
            };
            if let Some(packet) = decoded.unwrap() {
                return packet;
            }
        }
    }

    /// Accepts the next namespace connect and returns its auth.
    async fn accept_connect(&mut self) -> (String, Option<Value>) {
        let packet = self.next_packet().await;
        assert_eq!(packet.kind, socketio::PacketKind::Connect, "{packet:?}");
        self.send(socketio::Packet::connect(
            &packet.nsp,
            Some(json!({"sid": "s"})),
        ));
        (packet.nsp, packet.data)
    }

    fn event(&self, nsp: &str, name: &str, offset: u64) {
        let envelope =
            json!({"offset": offset, "session_id": "s1", "ts": "t", "type": name, "data": {}});
        self.send(socketio::Packet::event(
            nsp,
            name,
            vec![envelope],
            vec![],
            None,
        ));
    }
}

/// A transport whose links end up in the test, or that refuses while `refuse` is set.
#[derive(Clone)]
struct FakeTransport {
    conns: mpsc::UnboundedSender<Conn>,
    refuse: Arc<AtomicBool>,
    attempts: Arc<AtomicU32>,
}

impl Transport for FakeTransport {
    fn connect(&self, _url: &str) -> BoxFuture<Result<Link, TransportError>> {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.refuse.load(Ordering::SeqCst) {
            return Box::pin(async { Err(TransportError("connection refused".into())) });
        }
        let (client_out, from_client) = mpsc::unbounded();
        let (to_client, client_in) = mpsc::unbounded();
        let _ = self.conns.unbounded_send(Conn {
            from_client,
            to_client,
            decoder: socketio::Decoder::default(),
        });
        Box::pin(async move {
            Ok(Link {
                outgoing: client_out,
                incoming: client_in,
            })
        })
    }
}

struct Harness {
    client: Client,
    conns: mpsc::UnboundedReceiver<Conn>,
    refuse: Arc<AtomicBool>,
    attempts: Arc<AtomicU32>,
    states: mpsc::UnboundedReceiver<ConnectionState>,
}

impl Harness {
    fn start(config: ClientConfig, refuse: bool) -> Self {
        let (conns_tx, conns) = mpsc::unbounded();
        let transport = FakeTransport {
            conns: conns_tx,
            refuse: Arc::new(AtomicBool::new(refuse)),
            attempts: Arc::new(AtomicU32::new(0)),
        };
        let (refuse, attempts) = (transport.refuse.clone(), transport.attempts.clone());
        let client = Client::with_transport(config, Arc::new(transport));
        let states = client.state();
        Harness {
            client,
            conns,
            refuse,
            attempts,
            states,
        }
    }

    async fn conn(&mut self) -> Conn {
        timeout(Duration::from_secs(60), self.conns.next())
            .await
            .expect("a connection within 60 s")
            .expect("transport alive")
    }

    async fn state(&mut self) -> ConnectionState {
        timeout(Duration::from_secs(120), self.states.next())
            .await
            .expect("a state change within 120 s")
            .expect("driver alive")
    }
}

fn config(reconnect: ReconnectConfig) -> ClientConfig {
    ClientConfig {
        reconnect,
        ..ClientConfig::new("http://fake")
    }
}

fn no_jitter() -> ReconnectConfig {
    ReconnectConfig {
        jitter: 0.0,
        ..Default::default()
    }
}

#[tokio::test(start_paused = true)]
async fn no_ping_within_interval_plus_timeout_is_a_dead_connection() {
    let mut h = Harness::start(config(no_jitter()), false);
    assert_eq!(h.state().await, ConnectionState::Connecting);
    let conn = h.conn().await;
    conn.open(1000, 500);
    assert_eq!(
        h.state().await,
        ConnectionState::Connected { latency: None }
    );
    let opened = Instant::now();

    // Pings on time keep it alive: ten of them, 1 s apart.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        conn.send_engine(engineio::Packet::Ping(String::new()));
    }
    let last_ping = Instant::now();
    assert!(h.states.try_recv().is_err(), "no state change while pinged");

    // Then silence: dead exactly 1.5 s after the last ping.
    let state = h.state().await;
    assert_eq!(
        state,
        ConnectionState::Reconnecting {
            attempt: 1,
            next_in: Duration::from_millis(500),
            reason: "no ping from the server within pingInterval + pingTimeout".into(),
        }
    );
    assert_eq!(last_ping.elapsed(), Duration::from_millis(1500));
    assert!(opened.elapsed() >= Duration::from_millis(11_500));
    // ... and it reconnects after the backoff.
    let again = h.conn().await;
    again.open(1000, 500);
    assert_eq!(
        h.state().await,
        ConnectionState::Connected { latency: None }
    );
}

#[tokio::test(start_paused = true)]
async fn a_link_without_a_handshake_is_given_up_after_the_handshake_timeout() {
    let cfg = ClientConfig {
        handshake_timeout: Duration::from_secs(5),
        ..config(no_jitter())
    };
    let mut h = Harness::start(cfg, false);
    assert_eq!(h.state().await, ConnectionState::Connecting);
    let started = Instant::now();
    let _silent = h.conn().await; // linked, but the server never sends `open`
    assert_eq!(
        h.state().await,
        ConnectionState::Reconnecting {
            attempt: 1,
            next_in: Duration::from_millis(500),
            reason: "no handshake within 5s".into(),
        }
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    h.conn().await.open(25_000, 20_000);
    assert!(matches!(h.state().await, ConnectionState::Connected { .. }));
}

#[tokio::test(start_paused = true)]
async fn pongs_answer_pings() {
    let mut h = Harness::start(config(no_jitter()), false);
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    conn.send_engine(engineio::Packet::Ping(String::new()));
    let frame = timeout(Duration::from_secs(5), conn.from_client.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(frame, Frame::Text("3".into()));
}

#[tokio::test(start_paused = true)]
async fn the_backoff_schedule_is_followed_then_attempts_run_out() {
    let reconnect = ReconnectConfig {
        max_attempts: Some(7),
        ..no_jitter()
    };
    let mut h = Harness::start(config(reconnect), true);
    assert_eq!(h.state().await, ConnectionState::Connecting);
    let expected = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
    let mut last = Instant::now();
    for (i, millis) in expected.into_iter().enumerate() {
        let ConnectionState::Reconnecting {
            attempt,
            next_in,
            reason,
        } = h.state().await
        else {
            panic!("reconnecting");
        };
        assert_eq!(
            (attempt, next_in),
            (i as u32 + 1, Duration::from_millis(millis))
        );
        assert!(reason.contains("connection refused"), "{reason}");
        if i > 0 {
            // The previous wait really lasted the previous delay.
            assert_eq!(last.elapsed(), Duration::from_millis(expected[i - 1]));
        }
        last = Instant::now();
    }
    let ConnectionState::Disconnected { reason } = h.state().await else {
        panic!("gives up after 7 attempts");
    };
    assert!(reason.contains("connection refused"), "{reason}");
    assert_eq!(
        h.attempts.load(Ordering::SeqCst),
        8,
        "first try + 7 retries"
    );

    // Retry (a UI button) starts again and succeeds once the server is back.
    h.refuse.store(false, Ordering::SeqCst);
    h.client.reconnect();
    assert_eq!(h.state().await, ConnectionState::Connecting);
    h.conn().await.open(25_000, 20_000);
    assert!(matches!(h.state().await, ConnectionState::Connected { .. }));
}

#[tokio::test(start_paused = true)]
async fn the_queue_is_bounded_while_disconnected_and_flushed_in_order() {
    let cfg = ClientConfig {
        queue_capacity: 3,
        ..config(no_jitter())
    };
    let mut h = Harness::start(cfg, true);
    let socket = h.client.socket("/chat");
    for i in 0..3 {
        socket.emit("msg", &i).await.expect("queued");
    }
    assert_eq!(
        socket.emit("msg", &3).await,
        Err(Error::QueueFull { capacity: 3 })
    );
    h.refuse.store(false, Ordering::SeqCst);
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    assert_eq!(conn.accept_connect().await.0, "/chat");
    for i in 0..3 {
        let packet = conn.next_packet().await;
        assert_eq!(packet.event_parts().unwrap().1, [json!(i)]);
    }
    // Connected: no queue involved any more.
    socket.emit("msg", &4).await.unwrap();
    assert_eq!(
        conn.next_packet().await.event_parts().unwrap().1,
        [json!(4)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_resumes_from_its_last_offset_and_drops_duplicates() {
    let mut h = Harness::start(config(no_jitter()), false);
    let (_session, mut events) = h.client.session("s1", Some(0));
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    let (nsp, auth) = conn.accept_connect().await;
    assert_eq!(
        (nsp.as_str(), auth),
        ("/sessions/s1", Some(json!({"offset": 0})))
    );
    for offset in 1..=3 {
        conn.event(&nsp, "output.text", offset);
    }
    drop(conn); // the connection is cut

    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    let (_, auth) = conn.accept_connect().await;
    assert_eq!(auth, Some(json!({"offset": 3})));
    // A replay that overlaps what was applied, then live events.
    for offset in [2, 3, 4, 5] {
        conn.event(&nsp, "output.text", offset);
    }
    conn.event(&nsp, "session.recovered", 0);
    conn.event(&nsp, "output.text", 6);

    let mut seen = Vec::new();
    while seen.len() < 7 {
        let envelope = timeout(Duration::from_secs(5), events.next())
            .await
            .expect("an event")
            .expect("stream open");
        seen.push((envelope.offset, envelope.kind));
    }
    let offsets: Vec<u64> = seen.iter().map(|(o, _)| *o).collect();
    assert_eq!(offsets, [1, 2, 3, 4, 5, 0, 6]);
    assert_eq!(seen[5].1, "session.recovered");
}

#[tokio::test(start_paused = true)]
async fn leaving_a_namespace_disconnects_it_and_ends_its_streams_only() {
    let mut h = Harness::start(config(no_jitter()), false);
    let hub = h.client.socket("/");
    let mut hub_events = hub.envelopes();
    let (session, mut events) = h.client.session("s1", Some(0));
    let mut statuses = session.status();
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    let mut joined = vec![conn.accept_connect().await.0, conn.accept_connect().await.0];
    joined.sort();
    assert_eq!(joined, ["/", "/sessions/s1"]);
    conn.event("/sessions/s1", "output.text", 1);
    let first = timeout(Duration::from_secs(5), events.next()).await;
    assert_eq!(first.expect("an event").expect("open").offset, 1);

    while h.states.try_recv().is_ok() {} // Connecting, Connected and latency updates
    session.leave();
    let packet = conn.next_packet().await;
    assert_eq!(
        (packet.kind, packet.nsp.as_str()),
        (socketio::PacketKind::Disconnect, "/sessions/s1")
    );
    let ended = timeout(Duration::from_secs(5), events.next()).await;
    assert!(ended.expect("the stream ends").is_none());
    let last_status = timeout(Duration::from_secs(5), async {
        let mut last = None;
        while let Some(status) = statuses.next().await {
            last = Some(status);
        }
        last
    })
    .await
    .expect("the status stream ends");
    assert_eq!(last_status, Some(SocketStatus::Left));
    assert!(matches!(session.ping().await, Err(Error::Data(_))));

    // The connection and the hub stay.
    conn.event("/", "session.started", 7);
    let hub_event = timeout(Duration::from_secs(5), hub_events.next()).await;
    assert_eq!(hub_event.expect("a hub event").expect("open").offset, 7);
    while let Ok(state) = h.states.try_recv() {
        assert!(
            matches!(state, ConnectionState::Connected { .. }),
            "the connection stays up: {state:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_auth_refusal_is_reported_and_not_retried() {
    let mut h = Harness::start(config(no_jitter()), false);
    let session = h.client.socket("/sessions/s1");
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    let packet = conn.next_packet().await;
    assert_eq!(packet.kind, socketio::PacketKind::Connect);
    conn.send(socketio::Packet {
        kind: socketio::PacketKind::ConnectError,
        data: Some(json!({"message": "token expired"})),
        ..socketio::Packet::connect("/sessions/s1", None)
    });
    assert_eq!(
        timeout(Duration::from_secs(5), session.connected())
            .await
            .unwrap(),
        Err(Error::Refused("token expired".into()))
    );
    loop {
        match h.state().await {
            ConnectionState::Disconnected { reason } => {
                assert_eq!(reason, "token expired");
                break;
            }
            ConnectionState::Connected { .. } | ConnectionState::Connecting => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(h.attempts.load(Ordering::SeqCst), 1, "never retried");
    assert_eq!(
        session.emit("x", &1).await,
        Err(Error::Refused("token expired".into()))
    );

    // Another namespace later is a reason to connect again.
    let hub = h.client.socket("/");
    assert_eq!(h.state().await, ConnectionState::Connecting);
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    assert_eq!(conn.accept_connect().await.0, "/");
    assert!(
        timeout(Duration::from_secs(5), hub.connected())
            .await
            .unwrap()
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn a_transient_refusal_is_retried_with_backoff() {
    let mut h = Harness::start(config(no_jitter()), false);
    let socket = h.client.socket("/busy");
    let mut status = socket.status();
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    conn.next_packet().await;
    conn.send(socketio::Packet {
        kind: socketio::PacketKind::ConnectError,
        data: Some(json!({"message": "server busy, try later"})),
        ..socketio::Packet::connect("/busy", None)
    });
    let refused_at = Instant::now();
    let (nsp, _) = conn.accept_connect().await;
    assert_eq!(nsp, "/busy");
    assert_eq!(refused_at.elapsed(), Duration::from_millis(500));
    let mut seen = Vec::new();
    while !matches!(seen.last(), Some(SocketStatus::Connected { .. })) {
        seen.push(
            timeout(Duration::from_secs(5), status.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert!(seen.contains(&SocketStatus::Refused {
        reason: "server busy, try later".into(),
        retrying: true
    }));
}

#[tokio::test(start_paused = true)]
async fn acks_arrive_or_time_out() {
    let cfg = ClientConfig {
        ack_timeout: Duration::from_secs(3),
        ..config(no_jitter())
    };
    let mut h = Harness::start(cfg, false);
    let socket = h.client.socket("/");
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    conn.accept_connect().await;

    let answered = {
        let socket = socket.clone();
        tokio::spawn(async move { socket.emit_with_ack("echo", &json!({"a": 1})).await })
    };
    let packet = conn.next_packet().await;
    let id = packet.id.expect("an ack id");
    conn.send(socketio::Packet::ack(
        "/",
        id,
        vec![json!({"ok": true})],
        vec![],
    ));
    assert_eq!(answered.await.unwrap(), Ok(vec![json!({"ok": true})]));

    let started = Instant::now();
    let unanswered = socket.emit_with_ack("void", &json!({})).await;
    assert_eq!(unanswered, Err(Error::AckTimeout(Duration::from_secs(3))));
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn binary_events_reach_raw_listeners_with_their_attachments() {
    let mut h = Harness::start(config(no_jitter()), false);
    let socket = h.client.socket("/");
    let mut raw = socket.on_event("file");
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    conn.accept_connect().await;
    let placeholder = json!({"_placeholder": true, "num": 0});
    conn.send(socketio::Packet::event(
        "/",
        "file",
        vec![placeholder.clone()],
        vec![vec![1, 2, 3]],
        None,
    ));
    let event = timeout(Duration::from_secs(5), raw.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.args, [placeholder]);
    assert_eq!(event.attachments, [vec![1, 2, 3]]);
}

#[tokio::test(start_paused = true)]
async fn garbage_from_the_server_is_ignored() {
    let mut h = Harness::start(config(no_jitter()), false);
    let socket = h.client.socket("/");
    let mut any = socket.on_any();
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    conn.accept_connect().await;
    for junk in ["", "x", "4", "42", "4[", "0{", "45-[1]"] {
        let _ = conn.to_client.unbounded_send(Frame::Text(junk.into()));
    }
    let _ = conn.to_client.unbounded_send(Frame::Binary(vec![0; 4]));
    conn.send(socketio::Packet::event("/", "fine", vec![], vec![], None));
    let event = timeout(Duration::from_secs(5), any.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.name, "fine");
    assert!(matches!(h.state().await, ConnectionState::Connecting));
    assert!(matches!(h.state().await, ConnectionState::Connected { .. }));
}

#[tokio::test(start_paused = true)]
async fn control_commands_send_their_wire_form_and_read_the_answer_or_the_refusal() {
    use agentcast_shared::{ErrorCode, PermissionAnswer, PermissionDecision};

    let mut h = Harness::start(config(no_jitter()), false);
    let (session, _events) = h.client.session("s1", None);
    let mut conn = h.conn().await;
    conn.open(25_000, 20_000);
    let (nsp, _) = conn.accept_connect().await;

    // Each command in turn: what goes on the wire, and the answer the server gives.
    let sent = tokio::spawn({
        let session = session.clone();
        async move {
            let answer = PermissionAnswer {
                decision: PermissionDecision::Deny,
                message: Some("not there".into()),
                updated_input: None,
                updated_permissions: None,
            };
            (
                session.prompt("next").await,
                session.interrupt().await,
                session.respond_permission("r1", answer).await,
                session.end().await,
            )
        }
    });
    let answers = [
        (
            json!(["prompt", {"text": "next"}]),
            json!({"ok": {"queued": true, "ahead": 1}}),
        ),
        (
            json!(["interrupt", {}]),
            json!({"ok": {"interrupted": true}}),
        ),
        (
            json!(["permission.respond", {"request_id": "r1", "decision": "deny", "message": "not there"}]),
            json!({"error": {"code": "already_resolved", "message": "answered by alice"}}),
        ),
        (json!(["end", {}]), json!({"ok": {"ending": true}})),
    ];
    for (wire, answer) in answers {
        let packet = conn.next_packet().await;
        assert_eq!(
            (packet.nsp.as_str(), packet.data),
            (nsp.as_str(), Some(wire))
        );
        conn.send(socketio::Packet::ack(
            &nsp,
            packet.id.expect("a command wants an answer"),
            vec![answer],
            vec![],
        ));
    }
    let (prompted, interrupted, responded, ended) = sent.await.unwrap();
    assert_eq!(prompted.unwrap().ahead, 1);
    assert!(interrupted.unwrap().interrupted);
    let refused = responded.expect_err("a late answer is refused");
    assert_eq!(
        refused.code(),
        Some(ErrorCode::AlreadyResolved),
        "{refused}"
    );
    assert!(ended.unwrap().ending);
}
