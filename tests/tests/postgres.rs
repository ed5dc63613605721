//! The real binary on PostgreSQL (`--database-url`): the history and head offsets through a
//! SIGKILL and a restart, with a client recovering by offset; `agentcast db copy` moving a
//! SQLite data directory's history so the PostgreSQL server serves the same offsets; a start
//! against an unreachable database; `/health` when the database goes away; the team-server
//! example run as two nodes.
//!
//! The PostgreSQL server is private to the test process (`store::testing`, which needs the
//! installed PostgreSQL: without it these tests skip after a notice, and fail under CI).
//! Build the binary first: `cargo build -p agentcast-server --bin agentcast`.

use agentcast_server::store::testing::{Fsync, TempPostgres};
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, sample_events};
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir, within};
use reqwest::Method;
use serde_json::{Value, json};

fn addr(server: &ServerProcess) -> std::net::SocketAddr {
    server.addr()
}

/// The offsets of a page of `GET /api/sessions/{id}/events`.
fn offsets(page: &Value) -> Vec<u64> {
    page["events"]
        .as_array()
        .expect("a page of events")
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect()
}

/// Publishes `events` to `session` over Socket.IO; the head offset acknowledged.
async fn publish(server: &ServerProcess, session: &str, events: Vec<Value>) -> u64 {
    let mut producer = Client::connect(addr(server), &format!("/sessions/{session}"), None)
        .await
        .unwrap();
    let ack = producer
        .emit_with_ack("publish", json!({"events": events}))
        .await;
    ack["ok"]["head_offset"]
        .as_u64()
        .expect("an acknowledged head")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_heads_survive_a_sigkill_and_a_client_recovers_by_offset() {
    let Some(postgres) = TempPostgres::shared() else {
        return;
    };
    let url = postgres.new_database().await;
    let mut server = ServerProcess::start(&["--database-url", &url])
        .await
        .unwrap();
    assert_eq!(publish(&server, "pg", sample_events(120, 20)).await, 120);
    assert_eq!(publish(&server, "other", sample_events(7, 5)).await, 7);

    server.kill().await.unwrap();
    server.start_again().await.unwrap();

    let api = Api::for_addr(addr(&server));
    let page = api.get("/api/sessions/pg/events?after=100").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(offsets(&page.body), (101..=120).collect::<Vec<_>>());
    assert_eq!(page.body["head_offset"], 120);
    assert_eq!(
        publish(&server, "pg", sample_events(5, 20)).await,
        125,
        "offsets continue from the stored head"
    );
    assert_eq!(publish(&server, "other", sample_events(1, 5)).await, 8);

    // A client that had seen up to 110 before the crash gets exactly what it missed.
    let auth = Some(json!({"offset": 110}));
    let mut client = Client::connect(addr(&server), "/sessions/pg", auth)
        .await
        .unwrap();
    let mut recovered = Vec::new();
    while recovered.last() != Some(&125) {
        let (_, envelope) = within(10, "the replay", client.next_event())
            .await
            .expect("replayed events");
        match envelope["offset"].as_u64().unwrap() {
            0 => {} // session.recovered
            offset => recovered.push(offset),
        }
    }
    assert_eq!(recovered, (111..=125).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_a_sqlite_history_that_postgres_then_serves() {
    let Some(postgres) = TempPostgres::shared() else {
        return;
    };
    let url = postgres.new_database().await;
    let data_dir = fresh_data_dir();
    let mut sqlite = ServerProcess::start_in(&data_dir, &[]).await.unwrap();
    assert_eq!(publish(&sqlite, "moved", sample_events(300, 20)).await, 300);
    let lifecycle = vec![
        json!({"type": "session.started", "data": {"session_id": "costly", "source": "publish", "model": "m", "started_at": "2026-11-20T10:00:00.000Z"}}),
        json!({"type": "usage.updated", "data": {"model": "m", "input_tokens": 700, "output_tokens": 70, "cache_read_tokens": 0, "cache_creation_tokens": 0, "total_cost_usd": 0.7}}),
        json!({"type": "session.ended", "data": {"status": "completed", "duration_ms": 900, "total_cost_usd": 0.7}}),
    ];
    assert_eq!(publish(&sqlite, "costly", lifecycle).await, 3);
    let before = Api::for_addr(addr(&sqlite))
        .get("/api/sessions/moved/events?after=250")
        .await;
    sqlite.kill().await.unwrap();

    let copy = |extra: &[&str]| {
        let mut command = std::process::Command::new(agentcast_bin());
        command
            .args(["db", "copy", "--from"])
            .arg(format!(
                "sqlite://{}",
                data_dir.join("agentcast.db").display()
            ))
            .args(["--to", &url])
            .args(extra);
        command.output().expect("agentcast db copy runs")
    };
    let copied = copy(&[]);
    let stdout = String::from_utf8_lossy(&copied.stdout);
    assert!(
        copied.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    assert!(stdout.contains("303 events"), "{stdout}");
    // A second copy into the same database is refused, and changes nothing.
    let again = copy(&[]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--replace"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        copy(&["--replace"]).status.success(),
        "--replace starts over"
    );

    let server = ServerProcess::start(&["--database-url", &url])
        .await
        .unwrap();
    let api = Api::for_addr(addr(&server));
    let after = api.get("/api/sessions/moved/events?after=250").await;
    assert_eq!(after.status, 200, "{}", after.text);
    assert_eq!(
        after.body["events"], before.body["events"],
        "the same events"
    );
    assert_eq!(offsets(&after.body), (251..=300).collect::<Vec<_>>());
    let costly = api.get("/api/sessions/costly").await;
    assert_eq!(costly.body["input_tokens"], 700, "{}", costly.text);
    let usage = api.get("/api/analytics/usage?group_by=model").await;
    assert_eq!(usage.body["rows"][0]["input_tokens"], 700, "{}", usage.text);
    assert_eq!(
        publish(&server, "moved", sample_events(1, 5)).await,
        301,
        "offsets continue after the copy"
    );
}

#[tokio::test]
async fn an_unreachable_database_fails_the_start_naming_the_host_not_the_password() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://agentcast:topsecret@127.0.0.1:{port}/events");
    let output = tokio::process::Command::new(agentcast_bin())
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--auth",
            "none",
            "--no-collect",
        ])
        .arg("--data-dir")
        .arg(fresh_data_dir())
        .args(["--database-url", &url])
        .output();
    let output = within(30, "agentcast serve to give up", output)
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/events")),
        "{stderr}"
    );
    assert!(!stderr.contains("topsecret"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_fails_while_the_database_is_gone() {
    let Some(postgres) = TempPostgres::start(Fsync::Off) else {
        return;
    };
    let postgres = postgres.expect("a private PostgreSQL server");
    let url = postgres.new_database().await;
    let server = ServerProcess::start(&["--database-url", &url])
        .await
        .unwrap();
    let health = || async {
        let answer = Api::for_addr(addr(&server)).get("/health").await;
        (
            answer.body["status"].clone(),
            answer.body["database"].clone(),
        )
    };
    assert_eq!(health().await, (json!("ok"), json!("ok")));
    drop(postgres);
    assert_eq!(health().await, (json!("failing"), json!("error")));
}

/// The team-server example as its comments say to run it, as two nodes: the file as it is,
/// the database URL with its password in `AGENTCAST_DATABASE_URL` (which wins over the file's
/// line), tokens on, the second node verifying with the first one's JWT secret. A client of
/// the second node receives, live, what is published on the first, and reads its history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_server_example_runs_as_two_nodes_on_one_postgresql() {
    let Some(postgres) = TempPostgres::shared() else {
        return;
    };
    let url = postgres.new_database().await;
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/deploy/examples/team-server.toml"
    );
    let env = || vec![("AGENTCAST_DATABASE_URL".to_owned(), url.clone().into())];
    // Tokens as the file says (the harness would otherwise turn them off for tests).
    let first = ServerProcess::start_with_env(&["--config", example, "--auth", "jwt"], env(), &[])
        .await
        .expect("the example starts");
    let secret = first.data_dir.join("jwt-secret");
    let secret = secret.to_str().unwrap();
    let args = [
        "--config",
        example,
        "--auth",
        "jwt",
        "--jwt-secret-file",
        secret,
    ];
    let second = ServerProcess::start_with_env(&args, env(), &[])
        .await
        .expect("a second node of the example starts");
    let api = Api::for_addr(addr(&first));
    assert_eq!(
        api.get("/api/sessions").await.status,
        401,
        "tokens are required"
    );
    let token = first
        .token(&["--scope", "write", "--session", "*"])
        .await
        .unwrap();
    let reader = first
        .token(&["--scope", "read", "--session", "team"])
        .await
        .unwrap();
    let auth = Some(json!({"token": reader, "offset": 0}));
    let mut watcher = Client::connect(addr(&second), "/sessions/team", auth)
        .await
        .expect("the first node's token opens the second");

    let published = api
        .post_as(
            "/api/sessions/team/publish",
            &token,
            json!({"events": sample_events(3, 3)}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);
    assert_eq!(published.body["head_offset"], 3, "{}", published.text);
    let mut received = Vec::new();
    while received.last() != Some(&3) {
        let (_, envelope) = within(
            20,
            "the first node's events on the second",
            watcher.next_event(),
        )
        .await
        .expect("events");
        match envelope["offset"].as_u64().unwrap() {
            0 => {} // session.recovered
            offset => received.push(offset),
        }
    }
    assert_eq!(received, [1, 2, 3]);

    let page = Api::for_addr(addr(&second))
        .call_as(
            Method::GET,
            "/api/sessions/team/events?after=0",
            Some(&reader),
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(offsets(&page.body), [1, 2, 3]);
}
