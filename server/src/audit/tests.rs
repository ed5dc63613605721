//! Every event as the log writes it, and the writer: order, flushing, a full queue.

use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::event::Line;
use super::*;

/// Every wait in these tests is bounded by this.
const TIMEOUT: Duration = Duration::from_secs(10);

fn written(event: AuditEvent) -> String {
    let line = Line {
        ts: "2026-11-24T12:00:00.123Z",
        event: &event,
    };
    serde_json::to_string(&line).unwrap()
}

fn actor(ip: Option<&str>) -> Actor {
    Actor {
        sub: "alice".into(),
        ip: ip.map(str::to_owned),
    }
}

/// The lines as the log wrote them before the events were typed (`record(name, json!{..})`
/// at each site: `ts` and `event` first, then the fields in the order of the site's `json!`,
/// nulls left out).
#[test]
fn each_event_is_written_as_it_always_was() {
    let ts = r#"{"ts":"2026-11-24T12:00:00.123Z","#;
    let cases = [
        (
            AuditEvent::TokenAccepted {
                ns: "/sessions/a".into(),
                ip: Some("127.0.0.1".into()),
                sub: "alice".into(),
                exp: 99,
            },
            r#""event":"token.accepted","via":"socket","ns":"/sessions/a","ip":"127.0.0.1","sub":"alice","exp":99}"#,
        ),
        (
            AuditEvent::TokenRefused {
                at: TokenUse::Http {
                    route: "GET /api/sessions".into(),
                },
                ip: Some("127.0.0.1".into()),
                reason: "missing",
                message: "missing token".into(),
            },
            r#""event":"token.refused","via":"http","route":"GET /api/sessions","ip":"127.0.0.1","reason":"missing","message":"missing token"}"#,
        ),
        (
            AuditEvent::TokenRefused {
                at: TokenUse::Socket { ns: "/".into() },
                ip: None,
                reason: "expired",
                message: "token expired".into(),
            },
            r#""event":"token.refused","via":"socket","ns":"/","reason":"expired","message":"token expired"}"#,
        ),
        (
            AuditEvent::TokenRefused {
                at: TokenUse::AuthRefresh {
                    ns: "/sessions/a".into(),
                },
                ip: Some("::1".into()),
                reason: "bad_signature",
                message: "invalid token: bad signature".into(),
            },
            r#""event":"token.refused","via":"auth.refresh","ns":"/sessions/a","ip":"::1","reason":"bad_signature","message":"invalid token: bad signature"}"#,
        ),
        (
            AuditEvent::TokenExpired {
                ns: "/sessions/a".into(),
                ip: Some("127.0.0.1".into()),
                sub: None,
                exp: 7,
            },
            r#""event":"token.expired","ns":"/sessions/a","ip":"127.0.0.1","exp":7}"#,
        ),
        (
            AuditEvent::TokenExpired {
                ns: "/".into(),
                ip: None,
                sub: Some("alice".into()),
                exp: 7,
            },
            r#""event":"token.expired","ns":"/","sub":"alice","exp":7}"#,
        ),
        (
            AuditEvent::TokenRefreshed {
                by: Refresher::Socket {
                    ns: "/sessions/a".into(),
                    ip: Some("127.0.0.1".into()),
                    sub: "alice".into(),
                },
                exp: 100,
            },
            r#""event":"token.refreshed","via":"socket","ns":"/sessions/a","ip":"127.0.0.1","sub":"alice","exp":100}"#,
        ),
        (
            AuditEvent::TokenRefreshed {
                by: Refresher::Http(actor(Some("127.0.0.1"))),
                exp: 100,
            },
            r#""event":"token.refreshed","sub":"alice","ip":"127.0.0.1","via":"http","exp":100}"#,
        ),
        (
            AuditEvent::AdminAction {
                actor: actor(Some("127.0.0.1")),
                action: AdminAction::SessionDelete {
                    session_id: "b".into(),
                },
            },
            r#""event":"admin.action","sub":"alice","ip":"127.0.0.1","action":"session.delete","session_id":"b"}"#,
        ),
        (
            AuditEvent::AdminAction {
                actor: actor(None),
                action: AdminAction::McpServerAdd {
                    name: "fs".into(),
                    command: "mcp-fs".into(),
                },
            },
            r#""event":"admin.action","sub":"alice","action":"mcp_server.add","name":"fs","command":"mcp-fs"}"#,
        ),
        (
            AuditEvent::AdminAction {
                actor: actor(None),
                action: AdminAction::McpServerDelete { name: "fs".into() },
            },
            r#""event":"admin.action","sub":"alice","action":"mcp_server.delete","name":"fs"}"#,
        ),
        (
            AuditEvent::AdminAction {
                actor: actor(None),
                action: AdminAction::McpServerTest {
                    name: "fs".into(),
                    ok: false,
                },
            },
            r#""event":"admin.action","sub":"alice","action":"mcp_server.test","name":"fs","ok":false}"#,
        ),
        (
            AuditEvent::ProcessStarted {
                actor: actor(Some("127.0.0.1")),
                session_id: "s1".into(),
                command: vec!["claude".into(), "-p".into(), "hi".into()],
            },
            r#""event":"process.started","sub":"alice","ip":"127.0.0.1","session_id":"s1","command":["claude","-p","hi"]}"#,
        ),
        (
            AuditEvent::ProcessStopped {
                actor: actor(None),
                session_id: "s1".into(),
            },
            r#""event":"process.stopped","sub":"alice","session_id":"s1"}"#,
        ),
        (
            AuditEvent::LimitHit(LimitHit::MaxConnections { ip: None, max: 2 }),
            r#""event":"limit.hit","limit":"max_connections","max":2}"#,
        ),
        (
            AuditEvent::LimitHit(LimitHit::ConnectionsPerIp {
                ip: "127.0.0.2".into(),
                rate: 20,
            }),
            r#""event":"limit.hit","limit":"connections_per_ip_per_s","ip":"127.0.0.2","rate":20}"#,
        ),
        (
            AuditEvent::LimitHit(LimitHit::HttpRequestsPerIp {
                ip: "127.0.0.1".into(),
                rate: 5,
                path: "/api/sessions".into(),
            }),
            r#""event":"limit.hit","limit":"http_requests_per_ip_per_s","ip":"127.0.0.1","rate":5,"path":"/api/sessions"}"#,
        ),
        (
            AuditEvent::LimitHit(LimitHit::MessagesPerSocket {
                ip: Some("127.0.0.1".into()),
                ns: "/sessions/m".into(),
                socket: "sid1".into(),
                rate: 5,
            }),
            r#""event":"limit.hit","limit":"messages_per_socket_per_s","ip":"127.0.0.1","ns":"/sessions/m","socket":"sid1","rate":5}"#,
        ),
        (
            AuditEvent::LimitHit(LimitHit::MessageFloodDisconnect {
                ip: None,
                ns: "/sessions/m".into(),
                socket: "sid1".into(),
                rate: 5,
            }),
            r#""event":"limit.hit","limit":"message_flood_disconnect","ns":"/sessions/m","socket":"sid1","rate":5}"#,
        ),
        (
            AuditEvent::KeysRotated {
                kid: "k2".into(),
                alg: "EdDSA",
                retired: Some("k1".into()),
                verify_until: Some("2026-12-08T10:00:00.000Z".into()),
            },
            r#""event":"keys.rotated","kid":"k2","alg":"EdDSA","retired":"k1","verify_until":"2026-12-08T10:00:00.000Z"}"#,
        ),
        (
            AuditEvent::KeysReloaded {
                outcome: Ok((vec!["k2".into(), "k1".into()], Some("k2".into()))),
            },
            r#""event":"keys.reloaded","ok":true,"kids":["k2","k1"],"signing":"k2"}"#,
        ),
        (
            AuditEvent::KeysReloaded {
                outcome: Err("keyring.toml: kid \"a\" appears twice".into()),
            },
            r#""event":"keys.reloaded","ok":false,"message":"keyring.toml: kid \"a\" appears twice"}"#,
        ),
    ];
    for (event, fields) in cases {
        assert_eq!(written(event), format!("{ts}{fields}"));
    }
}

/// What the writer thread writes to: a buffer the test reads, a signal on each flush, and
/// optionally a gate that holds the first write until the test opens it.
struct Out {
    bytes: Arc<Mutex<Vec<u8>>>,
    flushed: Sender<()>,
    gate: Option<Gate>,
}

struct Gate {
    entered: Sender<()>,
    open: Receiver<()>,
}

impl Write for Out {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Some(gate) = self.gate.take() {
            let _ = gate.entered.send(());
            let _ = gate.open.recv_timeout(TIMEOUT);
        }
        self.bytes.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.flushed.send(());
        Ok(())
    }
}

fn lines(bytes: &Mutex<Vec<u8>>) -> Vec<Value> {
    let bytes = bytes.lock().unwrap();
    std::str::from_utf8(&bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn stopped(session: usize) -> AuditEvent {
    AuditEvent::ProcessStopped {
        actor: actor(None),
        session_id: format!("s{session}"),
    }
}

fn session_ids(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|line| line["session_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lines_are_json_with_ts_and_event_and_no_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let audit = Audit::open(&AuditTarget::File(path.clone())).unwrap();
    audit.record(AuditEvent::TokenRefused {
        at: TokenUse::Socket { ns: "/".into() },
        ip: None,
        reason: "expired",
        message: "token expired".into(),
    });
    audit.record(AuditEvent::AdminAction {
        actor: actor(None),
        action: AdminAction::SessionDelete {
            session_id: "b".into(),
        },
    });
    audit.record(AuditEvent::TokenExpired {
        ns: "/".into(),
        ip: None,
        sub: None,
        exp: 1,
    });
    tokio::time::timeout(TIMEOUT, audit.flush())
        .await
        .expect("flushed in time")
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["event"], "token.refused");
    assert_eq!(lines[0]["reason"], "expired");
    assert!(lines[0].get("sub").is_none());
    assert!(lines[0]["ts"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[1]["action"], "session.delete");
    assert_eq!(lines[2]["event"], "token.expired");
    assert!(lines[2].get("sub").is_none() && lines[2].get("ip").is_none());
    assert!(text.starts_with("{\"ts\":"), "{text}");
}

#[tokio::test]
async fn lines_keep_their_order_and_a_flush_waits_for_them() {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (flushed, _) = channel();
    let out = Out {
        bytes: bytes.clone(),
        flushed,
        gate: None,
    };
    let audit = Audit::start(Box::new(out), 16).unwrap();
    let clone = audit.clone();
    for n in 0..10 {
        // Two handles, one queue: the order of recording is the order of the file.
        let handle = if n % 2 == 0 { &audit } else { &clone };
        handle.record(stopped(n));
    }
    tokio::time::timeout(TIMEOUT, audit.flush())
        .await
        .expect("flushed in time")
        .unwrap();
    let expected: Vec<String> = (0..10).map(|n| format!("s{n}")).collect();
    assert_eq!(session_ids(&lines(&bytes)), expected);
    assert_eq!(audit.dropped(), 0);
}

#[test]
fn the_last_handle_dropped_writes_what_is_queued() {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (flushed, flushes) = channel();
    let out = Out {
        bytes: bytes.clone(),
        flushed,
        gate: None,
    };
    let audit = Audit::start(Box::new(out), 16).unwrap();
    for n in 0..3 {
        audit.record(stopped(n));
    }
    drop(audit);
    // The writer drops its output (and with it the flush signal) only once it has stopped.
    loop {
        match flushes.recv_timeout(TIMEOUT) {
            Ok(()) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("the writer did not stop"),
        }
    }
    assert_eq!(session_ids(&lines(&bytes)), ["s0", "s1", "s2"]);
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_without_waiting() {
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (flushed, _) = channel();
    let (entered, writing) = channel();
    let (open, opened) = channel();
    let out = Out {
        bytes: bytes.clone(),
        flushed,
        gate: Some(Gate {
            entered,
            open: opened,
        }),
    };
    let audit = Audit::start(Box::new(out), 4).unwrap();
    // The writer takes the first line and is held in its write: the queue is empty again.
    audit.record(stopped(0));
    writing
        .recv_timeout(TIMEOUT)
        .expect("the writer reached its write");
    for n in 1..=4 {
        audit.record(stopped(n));
    }
    assert_eq!(audit.dropped(), 0, "four lines fit a queue of four");
    for n in 5..=7 {
        audit.record(stopped(n));
    }
    assert_eq!(audit.dropped(), 3);
    open.send(()).unwrap();
    tokio::time::timeout(TIMEOUT, audit.flush())
        .await
        .expect("flushed in time")
        .unwrap();
    assert_eq!(
        session_ids(&lines(&bytes)),
        ["s0", "s1", "s2", "s3", "s4"],
        "the dropped lines are the ones recorded while the queue was full"
    );
}

#[tokio::test]
async fn off_records_nothing() {
    let audit = Audit::off();
    audit.record(stopped(0));
    audit.flush().await.unwrap();
    assert_eq!(audit.dropped(), 0);
}
