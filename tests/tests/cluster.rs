//! Several `agentcast serve` on one PostgreSQL (DESIGN.md section 12): clients on either node
//! get every event of a session in offset order whichever node it was published on, events
//! published on both nodes at once get gapless offsets, a client whose node is SIGKILLed moves
//! to the other and recovers by offset exactly, a client too slow for what its node follows
//! is disconnected there without a gap, and a node whose broker connection (its
//! `LISTEN` on PostgreSQL) is cut, or whose PostgreSQL stops and starts again, says so and
//! loses nothing.
//!
//! The session clients are the official socket.io-client (tests/js/cluster/follow.mjs), which
//! prints what it receives; the test checks the offsets. Needs the installed PostgreSQL (the
//! tests skip after a notice without it, and fail under CI), `node` with tests/js/node_modules,
//! and the binary: `cargo build -p agentcast-server --bin agentcast`.

use std::path::PathBuf;
use std::process::Stdio;

use agentcast_server::store::testing::{Fsync, TempPostgres};
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, sample_events};
use agentcast_tests::server::{ServerProcess, within};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// `count` nodes on one fresh database; `None` when PostgreSQL is not installed (skipped).
async fn nodes(count: usize) -> Option<Vec<ServerProcess>> {
    Some(nodes_on(TempPostgres::shared()?, count, &[]).await)
}

/// `count` nodes on a fresh database of `postgres`, started with `args` too.
async fn nodes_on(postgres: &TempPostgres, count: usize, args: &[&str]) -> Vec<ServerProcess> {
    let url = postgres.new_database().await;
    let mut nodes = Vec::new();
    for _ in 0..count {
        let args = [&["--database-url", url.as_str()], args].concat();
        nodes.push(ServerProcess::start(&args).await.expect("a node starts"));
    }
    nodes
}

fn base_url(node: &ServerProcess) -> String {
    format!("http://{}", node.addr())
}

/// Publishes `events` to `session` on `node` (REST); the head offset it answers.
async fn publish(node: &ServerProcess, session: &str, events: Vec<Value>) -> u64 {
    let answer = Api::for_addr(node.addr())
        .post(
            &format!("/api/sessions/{session}/publish"),
            json!({ "events": events }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["head_offset"].as_u64().unwrap()
}

/// `batches` publishes of `per_batch` events each, one after the other, on `node`.
async fn publish_batches(node: &ServerProcess, session: &str, batches: usize, per_batch: usize) {
    for _ in 0..batches {
        publish(node, session, sample_events(per_batch, 10)).await;
    }
}

/// tests/js/cluster/follow.mjs following `session` through `nodes`, in that order.
struct Follower {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// Every line read so far.
    seen: Vec<Value>,
}

impl Follower {
    async fn start(nodes: &[&ServerProcess], session: &str) -> Follower {
        let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js");
        assert!(
            js.join("node_modules/socket.io-client").is_dir(),
            "tests/js/node_modules is missing: run `cargo xtask test --only install`"
        );
        let urls: Vec<String> = nodes.iter().map(|n| base_url(n)).collect();
        let mut child = Command::new("node")
            .arg(js.join("cluster/follow.mjs"))
            .arg(urls.join(","))
            .arg(session)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut follower = Follower {
            _child: child,
            lines,
            seen: Vec::new(),
        };
        follower.until(|line| line.get("connected").is_some()).await;
        follower
    }

    /// Reads lines until one satisfies `done` (20 s at most).
    async fn until(&mut self, done: impl Fn(&Value) -> bool) {
        let read = async {
            loop {
                let line = self.lines.next_line().await.expect("reads the follower");
                let Some(line) = line else {
                    return false; // the follower exited
                };
                let line: Value = serde_json::from_str(&line).expect("a JSON line");
                let finished = done(&line);
                self.seen.push(line);
                if finished {
                    return true;
                }
            }
        };
        let timeout = std::time::Duration::from_secs(20);
        let finished = tokio::time::timeout(timeout, read).await;
        assert!(
            finished == Ok(true),
            "the follower exited or was silent for 20 s; it printed {:?}",
            self.seen
        );
    }

    async fn until_offset(&mut self, offset: u64) {
        self.until(|line| line["offset"] == offset).await;
    }

    /// The offsets received, in the order received.
    fn offsets(&self) -> Vec<u64> {
        self.seen
            .iter()
            .filter_map(|line| line["offset"].as_u64())
            .collect()
    }

    /// The URL of the node that sent `offset`.
    fn sender(&self, offset: u64) -> &str {
        let line = self.seen.iter().find(|line| line["offset"] == offset);
        line.and_then(|line| line["url"].as_str()).unwrap_or("")
    }
}

/// Waits on the hub namespace `/` for an event of `kind` for which `matches` holds.
async fn hub_event(client: &mut Client, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
    within(20, kind, async {
        loop {
            let (name, envelope) = client.next_event().await.expect("the hub namespace");
            if name == kind && matches(&envelope) {
                return envelope;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_published_on_two_nodes_at_once_reaches_clients_on_both_gapless_and_in_order() {
    let Some(nodes) = nodes(2).await else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut on_a = Follower::start(&[a], "shared").await;
    let mut on_b = Follower::start(&[b], "shared").await;
    let mut hub_on_b = Client::connect(b.addr(), "/", None).await.unwrap();

    let started = json!({"type": "session.started", "data": {"session_id": "shared", "source": "publish", "started_at": "2026-12-07T10:00:00.000Z"}});
    assert_eq!(publish(a, "shared", vec![started]).await, 1);
    // 2 x 30 publishes of 5 events, on both nodes at the same time.
    tokio::join!(
        publish_batches(a, "shared", 30, 5),
        publish_batches(b, "shared", 30, 5)
    );

    on_a.until_offset(301).await;
    on_b.until_offset(301).await;
    let every: Vec<u64> = (1..=301).collect();
    assert_eq!(on_a.offsets(), every, "the client on node A");
    assert_eq!(on_b.offsets(), every, "the client on node B");
    // The lifecycle of a session started on A reaches the sessions list of B's clients (the
    // dashboard). A session no client of B had opened yet: one that B's sequencer was already
    // resuming when A committed its start may miss `/` on B (README, "Several nodes").
    let listed = json!({"type": "session.started", "data": {"session_id": "listed", "source": "publish", "label": "two nodes", "started_at": "2026-12-07T10:00:00.000Z"}});
    assert_eq!(publish(a, "listed", vec![listed]).await, 1);
    let envelope = hub_event(&mut hub_on_b, "session.started", |e| {
        e["session_id"] == "listed"
    })
    .await;
    assert_eq!(envelope["data"]["label"], "two nodes");

    let page = Api::for_addr(b.addr())
        .get("/api/sessions/shared/events?after=0&limit=1000")
        .await;
    let stored: Vec<u64> = page.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(stored, every, "stored once each, gapless");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_whose_node_is_killed_moves_to_the_other_and_recovers_exactly() {
    let Some(mut nodes) = nodes(2).await else {
        return;
    };
    let mut follower = Follower::start(&[&nodes[0], &nodes[1]], "moving").await;
    let (a_url, b_url) = (base_url(&nodes[0]), base_url(&nodes[1]));
    // Published on B, received on A: the events cross nodes before the kill too.
    publish_batches(&nodes[1], "moving", 8, 5).await;
    follower.until_offset(40).await;
    assert_eq!(follower.sender(40), a_url);

    nodes[0].kill().await.unwrap();
    publish_batches(&nodes[1], "moving", 8, 5).await;
    follower.until_offset(80).await;

    assert_eq!(
        follower.offsets(),
        (1..=80).collect::<Vec<_>>(),
        "exactly once, in order"
    );
    assert_eq!(follower.sender(41), b_url, "the rest came from B");
    // B caught it up by offset: its `session.recovered` came before or after the replay.
    let recovered_by_b = |line: &Value| line["recovered"] == true && line["url"] == b_url.as_str();
    if !follower.seen.iter().any(recovered_by_b) {
        follower.until(recovered_by_b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_whose_broker_connection_is_cut_says_so_and_loses_nothing() {
    let Some(postgres) = TempPostgres::shared() else {
        return;
    };
    let Some(nodes) = nodes(2).await else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut follower = Follower::start(&[a], "cut").await;
    let mut hub_on_a = Client::connect(a.addr(), "/", None).await.unwrap();
    publish_batches(b, "cut", 2, 5).await;
    follower.until_offset(10).await;

    // What an administrator, a failover or a network cut does to A's LISTEN connection.
    let a_pid = a.child.id().expect("node A runs");
    let admin = sqlx_admin(postgres).await;
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(format!("agentcast feed (pid {a_pid})"))
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(cut, [true], "node A's one feed connection");
    // Published while A is without its broker, or just after: A gets them either way.
    publish_batches(b, "cut", 20, 5).await;

    let error = hub_event(&mut hub_on_a, "system.error", |e| {
        e["data"]["component"] == "broker"
    })
    .await;
    assert_eq!(error["data"]["severity"], "error");
    follower.until_offset(110).await;
    assert_eq!(follower.offsets(), (1..=110).collect::<Vec<_>>());

    let api = Api::for_addr(a.addr());
    let health = health_until(a, "the broker to be back", |h| h["broker"] == "connected").await;
    assert_eq!(
        health["status"], "degraded",
        "an error within the minute: {health}"
    );
    let metrics = api.get("/metrics").await.text;
    for line in [
        "agentcast_broker_up 1",
        "agentcast_broker_losses_total 1",
        "agentcast_system_errors_total{component=\"broker\",severity=\"error\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }
    assert_eq!(
        Api::for_addr(b.addr()).get("/health").await.body["broker"],
        "connected"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_on_the_node_that_follows_is_disconnected_there_without_a_gap() {
    let Some(postgres) = TempPostgres::shared() else {
        return;
    };
    let url = postgres.new_database().await;
    let a = ServerProcess::start(&["--database-url", &url])
        .await
        .unwrap();
    // B with a small send buffer (above the 100 events it then broadcasts at once, as many as
    // its group commit takes), and no ping while the stalled client does not read (a ping
    // that finds the buffer full would close it at once), as in tests/slow_consumer.rs.
    let small = [
        "--database-url",
        &url,
        "--commit-max-events",
        "100",
        "--max-buffer-size",
        "256",
        "--ping-interval-ms",
        "600000",
    ];
    let b = ServerProcess::start(&small).await.unwrap();
    let mut stalled = Client::connect(b.addr(), "/sessions/slow", None)
        .await
        .unwrap();
    let mut healthy = Client::connect(b.addr(), "/sessions/slow", None)
        .await
        .unwrap();

    // About 12 MB published on A, which B follows while `stalled` reads nothing.
    const EVENTS: u64 = 6000;
    let reader = tokio::spawn(async move {
        for expected in 1..=EVENTS {
            let (_, envelope) = within(20, "the healthy client's next event", healthy.next_event())
                .await
                .expect("the healthy client keeps going");
            assert_eq!(envelope["offset"].as_u64(), Some(expected));
        }
    });
    for chunk in sample_events(EVENTS as usize, 2000).chunks(100) {
        publish(&a, "slow", chunk.to_vec()).await;
    }
    reader
        .await
        .expect("the healthy client received every event in order");

    // The stalled client reads what it was sent: a gapless prefix, then the reason.
    let last = within(
        20,
        "the stalled client's events",
        stalled.read_until_dropped_as_slow(),
    )
    .await;
    assert!(
        last < EVENTS,
        "the stalled client cannot have received everything"
    );
    let metrics = Api::for_addr(b.addr()).get("/metrics").await.text;
    assert!(
        metrics
            .lines()
            .any(|l| l == "agentcast_slow_consumer_disconnects_total 1"),
        "{metrics}"
    );
}

/// Polls `node`'s `/health` until `done` holds for it (20 s at most); the last answer.
async fn health_until(node: &ServerProcess, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let api = Api::for_addr(node.addr());
    within(20, what, async {
        loop {
            let health = api.get("/health").await.body;
            if done(&health) {
                return health;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_stopped_and_restarted_is_reported_and_nothing_is_lost() {
    // A PostgreSQL of its own: stopping it must not disturb the other tests.
    let Some(postgres) = TempPostgres::start(Fsync::Off) else {
        return;
    };
    let mut postgres = postgres.expect("a private PostgreSQL server");
    // `synchronous_commit = on`: with `off` (durability normal) PostgreSQL crashing may lose
    // its last commits, and this test crashes it.
    let nodes = nodes_on(&postgres, 2, &["--durability", "full"]).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut follower = Follower::start(&[b], "restart").await;
    let mut hub_on_b = Client::connect(b.addr(), "/", None).await.unwrap();
    publish_batches(a, "restart", 1, 5).await;
    follower.until_offset(5).await;

    postgres.stop();
    let error = hub_event(&mut hub_on_b, "system.error", |e| {
        e["data"]["component"] == "broker"
    })
    .await;
    assert_eq!(error["data"]["severity"], "error");
    let down = health_until(b, "B to see the broker gone", |h| h["broker"] == "lost").await;
    assert_eq!(
        down["status"], "failing",
        "the database is gone too: {down}"
    );

    postgres.start_again().expect("PostgreSQL starts again");
    for node in [a, b] {
        health_until(node, "the broker to be back", |h| {
            h["broker"] == "connected" && h["database"] == "ok"
        })
        .await;
    }
    // The first commit may meet a connection of A's pool that died with PostgreSQL: it is
    // refused (500, nothing stored, no offset taken), and the client sends it again.
    let api = Api::for_addr(a.addr());
    within(20, "a publish accepted after the restart", async {
        loop {
            let body = json!({ "events": sample_events(5, 10) });
            let answer = api.post("/api/sessions/restart/publish", body).await;
            match answer.status {
                200 => return assert_eq!(answer.body["head_offset"], 10, "no offset lost"),
                500 => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                other => panic!("{other}: {}", answer.text),
            }
        }
    })
    .await;
    follower.until_offset(10).await;
    assert_eq!(follower.offsets(), (1..=10).collect::<Vec<_>>());
    let metrics = Api::for_addr(b.addr()).get("/metrics").await.text;
    assert!(
        metrics.lines().any(|l| l == "agentcast_broker_up 1"),
        "{metrics}"
    );
}

/// A connection to the private PostgreSQL server, as its administrator.
async fn sqlx_admin(postgres: &TempPostgres) -> sqlx::PgPool {
    sqlx::PgPool::connect(&postgres.url("postgres"))
        .await
        .unwrap()
}
