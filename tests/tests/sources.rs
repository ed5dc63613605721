//! The ingest sources end to end, through the real binary: `agentcast run` with the fake
//! agent, `agentcast pipe`, an ndjson body, hook payloads, the socket `ingest` command and
//! processes started over HTTP. Each produces the event sequence the mapper gives for the
//! same input.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_server::ingest::testing::{claude_fixture_files, kinds};
use agentcast_server::ingest::{IngestPipeline, SessionContext};
use agentcast_shared::SessionSource;
use agentcast_tests::http::Api;
use agentcast_tests::raw::Client;
use agentcast_tests::server::{ServerProcess, agentcast_bin};
use serde_json::{Value, json};

const FAKE_AGENT: &str = env!("CARGO_BIN_EXE_agentcast-fake-agent");

/// A client of `/sessions/{session}`, from before the session's first event.
async fn watch(server: &ServerProcess, session: &str) -> Client {
    Client::connect(server.addr(), &format!("/sessions/{session}"), None)
        .await
        .unwrap()
}

/// The event types the mapper makes of `file`.
fn mapped_types(file: &Path) -> Vec<&'static str> {
    let mut pipeline = IngestPipeline::new(
        SessionContext::new("x", SessionSource::Pipe),
        Default::default(),
    );
    let mut events = Vec::new();
    pipeline.push_bytes(&std::fs::read(file).unwrap(), &mut events);
    pipeline.finish(&mut events);
    kinds(&events)
}

/// The envelope of the next event named `name`, skipping the ones before it.
async fn next_named(client: &mut Client, name: &str) -> Value {
    loop {
        let (next, envelope) = client
            .next_event()
            .await
            .unwrap_or_else(|| panic!("events until {name}"));
        if next == name {
            return envelope;
        }
    }
}

/// Events of the watched session until (and including) `session.ended`.
async fn until_ended(client: &mut Client) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    loop {
        let (name, envelope) = client
            .next_event()
            .await
            .expect("events until session.ended");
        assert_eq!(
            envelope["offset"].as_u64(),
            Some(events.len() as u64 + 1),
            "gapless"
        );
        let done = name == "session.ended";
        events.push((name, envelope));
        if done {
            return events;
        }
    }
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(n, _)| n.as_str()).collect()
}

async fn run_agentcast(args: &[&str], stdin: Option<&Path>) -> std::process::Output {
    let mut command = tokio::process::Command::new(agentcast_bin());
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command.stdin(match stdin {
        Some(file) => Stdio::from(std::fs::File::open(file).unwrap()),
        None => Stdio::null(),
    });
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("agentcast finished within 60 s")
        .expect("agentcast ran")
}

/// `agentcast run --server URL --session SESSION OPTIONS -- COMMAND`.
async fn run_to(
    server: &ServerProcess,
    session: &str,
    options: &[&str],
    command: &[&str],
) -> std::process::Output {
    let mut args = vec!["run", "--server", &server.url, "--session", session];
    args.extend(options);
    args.push("--");
    args.extend(command);
    run_agentcast(&args, None).await
}

fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn run_and_pipe_give_the_mapper_sequence_for_every_fixture() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    assert_eq!(files.len(), 4, "the four shared fixtures");
    let server = ServerProcess::start(&[]).await.unwrap();
    for (i, file) in files.iter().enumerate() {
        let mapped = mapped_types(file);
        let file_arg = file.to_str().unwrap();

        // agentcast run --server, the agent writing one byte at a time.
        let session = format!("run-{i}");
        let mut watcher = watch(&server, &session).await;
        let output = run_to(
            &server,
            &session,
            &[],
            &[FAKE_AGENT, file_arg, "--chunk", "1"],
        )
        .await;
        assert_success(&output);
        let events = until_ended(&mut watcher).await;
        let mut expected = vec!["session.started", "session.status"];
        expected.extend(mapped.iter().filter(|t| **t != "session.ended"));
        expected.push("session.ended");
        assert_eq!(names(&events), expected, "run of {}", file.display());
        let ended = &events.last().unwrap().1["data"];
        assert_eq!(ended["exit_code"], 0);
        assert!(ended["duration_ms"].is_u64());

        // cat file | agentcast pipe
        let session = format!("pipe-{i}");
        let mut watcher = watch(&server, &session).await;
        let output = run_agentcast(
            &["pipe", "--server", &server.url, "--session", &session],
            Some(file),
        )
        .await;
        assert_success(&output);
        let events = until_ended(&mut watcher).await;
        assert_eq!(names(&events), mapped, "pipe of {}", file.display());
    }
}

#[tokio::test]
async fn run_reports_stderr_exit_code_and_failure() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let server = ServerProcess::start(&[]).await.unwrap();
    let mut watcher = watch(&server, "failing").await;
    let output = run_to(
        &server,
        "failing",
        &[],
        &[
            FAKE_AGENT,
            files[1].to_str().unwrap(),
            "--stderr",
            "warning: something",
            "--exit-code",
            "3",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "agentcast run exits with the agent's code"
    );
    let events = until_ended(&mut watcher).await;
    let stderr = events
        .iter()
        .find(|(n, _)| n == "output.stderr")
        .expect("stderr line");
    assert_eq!(stderr.1["data"]["line"], "warning: something");
    let ended = &events.last().unwrap().1["data"];
    assert_eq!(
        (ended["status"].as_str(), ended["exit_code"].as_i64()),
        (Some("failed"), Some(3))
    );
}

#[tokio::test]
async fn run_without_a_server_serves_locally_and_exits_with_the_agent() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let output = run_agentcast(
        &[
            "run",
            "--data-dir",
            std::env::temp_dir()
                .join("agentcast-run-local")
                .to_str()
                .unwrap(),
            "--",
            FAKE_AGENT,
            files[1].to_str().unwrap(),
            "--exit-code",
            "0",
        ],
        None,
    )
    .await;
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("agentcast listening on http://127.0.0.1:"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("watch session"), "{stderr}");
}

#[tokio::test]
async fn a_command_that_cannot_start_is_a_clear_error() {
    let output = run_agentcast(&["run", "--", "/nonexistent/agent"], None).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot start /nonexistent/agent"),
        "{stderr}"
    );
}

async fn post(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_ndjson_body_streams_through_the_mapper() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let server = ServerProcess::start(&["--max-ndjson-body", "200000"])
        .await
        .unwrap();
    let mut watcher = watch(&server, "nd").await;
    let url = format!("{}/api/sessions/nd/events", server.url);
    let (status, body) = post(
        &url,
        "application/x-ndjson",
        std::fs::read(&files[2]).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = until_ended(&mut watcher).await;
    assert_eq!(names(&events), mapped_types(&files[2]));
    assert_eq!(body["head_offset"], events.len());

    let too_big = vec![b'\n'; 300_000];
    let (status, body) = post(&url, "application/x-ndjson", too_big).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn hook_payloads_become_events_of_their_session() {
    let server = ServerProcess::start(&[]).await.unwrap();
    let mut watcher = watch(&server, "hooked").await;
    let url = format!("{}/api/hooks", server.url);
    let pre = json!({"session_id": "hooked", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                     "tool_use_id": "h1", "tool_input": {"command": "ls"}});
    let (status, body) = post(&url, "application/json", pre.to_string().into_bytes()).await;
    assert_eq!(status, 200, "{body}");
    // The first hook of a session also announces it (session.started, session.status).
    let mut seen = Vec::new();
    let envelope = loop {
        let (name, envelope) = watcher.next_event().await.expect("the hook's events");
        seen.push(name.clone());
        if name == "tool.started" {
            break envelope;
        }
    };
    assert_eq!(seen, ["session.started", "session.status", "tool.started"]);
    assert_eq!(envelope["data"]["name"], "Bash");

    let (status, body) = post(
        &url,
        "application/json",
        b"{\"hook_event_name\":\"Stop\"}".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("session_id"),
        "{body}"
    );
}

#[tokio::test]
async fn the_ingest_command_maps_lines_and_rejects_what_is_not_json() {
    let server = ServerProcess::start(&[]).await.unwrap();
    let mut client = watch(&server, "lines").await;
    let lines = json!({"lines": [
        r#"{"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"hello"}]}}"#,
        "not json",
        r#"{"type":"brand_new_type","x":1}"#,
    ]});
    let ack = client.emit_with_ack("ingest", lines).await;
    assert_eq!(ack["ok"]["accepted"], 2, "{ack}");
    assert_eq!(ack["ok"]["rejected"][0]["index"], 1);
    let error = ack["ok"]["rejected"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("line 2 is not JSON: "), "{error}");
    let kinds: Vec<String> = [
        client.next_event().await.unwrap(),
        client.next_event().await.unwrap(),
    ]
    .into_iter()
    .map(|(name, _)| name)
    .collect();
    assert_eq!(kinds, ["output.text", "agent.raw"]);
}

#[tokio::test]
async fn processes_start_only_from_the_allow_list_and_stop_on_delete() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let server = ServerProcess::start(&["--allow-command", FAKE_AGENT])
        .await
        .unwrap();
    let url = format!("{}/api/sessions", server.url);
    let refused = json!({"command": ["bash", "-c", "echo hi"]});
    let (status, body) = post(&url, "application/json", refused.to_string().into_bytes()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("allow-list")
    );

    let mut watcher = watch(&server, "supervised").await;
    let start = json!({"session_id": "supervised", "command": [FAKE_AGENT, files[1], "--hang"]});
    let (status, body) = post(&url, "application/json", start.to_string().into_bytes()).await;
    assert_eq!(status, 201, "{body}");
    // Wait until the replay is through (its result line maps to usage.updated), then stop it.
    next_named(&mut watcher, "usage.updated").await;
    let api = Api::new(&server.url);
    let supervised = "/api/sessions/supervised";
    assert_eq!(api.delete(supervised).await.status, 202);
    let ended = next_named(&mut watcher, "session.ended").await;
    assert_eq!(ended["data"]["status"], "cancelled");
    // The process is gone: the second DELETE deletes the session, the third finds nothing.
    assert_eq!(
        api.delete(supervised).await.status,
        204,
        "deleted once stopped"
    );
    assert_eq!(
        api.delete(supervised).await.status,
        404,
        "nothing left to delete"
    );
}

#[tokio::test]
async fn a_child_writing_binary_garbage_gets_clear_errors_and_the_server_goes_on() {
    let server = ServerProcess::start(&[]).await.unwrap();
    let garbage = std::env::temp_dir().join(format!("agentcast-garbage-{}", std::process::id()));
    // Invalid UTF-8, a NUL, a line far over the limit, JSON cut short, and one good line.
    let mut bytes = vec![0xff, 0xfe, 0x00, b'\n'];
    bytes.extend(std::iter::repeat_n(b'x', 50_000));
    bytes.extend(b"\n{\"type\":\"assistant\",\"message\":{\"content\":[\n");
    bytes.extend(b"{\"type\":\"brand_new\"}\n");
    std::fs::write(&garbage, &bytes).unwrap();

    let mut watcher = watch(&server, "garbage").await;
    let output = run_to(
        &server,
        "garbage",
        // `run --server` maps on this side, so the line limit is an option of `run`.
        &["--max-line-bytes", "4096"],
        &[FAKE_AGENT, garbage.to_str().unwrap(), "--chunk", "7"],
    )
    .await;
    assert!(output.status.success());
    let events = until_ended(&mut watcher).await;
    let codes: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "agent.error")
        .map(|(_, e)| e["data"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["invalid_utf8", "line_too_long", "malformed_json"]);
    assert!(
        events.iter().any(|(n, _)| n == "agent.raw"),
        "the good line still gets through"
    );

    // The same server still serves another session.
    let mut other = watch(&server, "other").await;
    let pong = other.emit_with_ack("ping", json!({})).await;
    assert!(pong.get("ok").is_some());
}

#[tokio::test]
async fn a_child_that_exits_at_once_still_gets_a_whole_session() {
    let server = ServerProcess::start(&[]).await.unwrap();
    let mut watcher = watch(&server, "quick").await;
    let output = run_to(&server, "quick", &[], &["false"]).await;
    assert_eq!(output.status.code(), Some(1));
    let events = until_ended(&mut watcher).await;
    assert_eq!(
        names(&events),
        ["session.started", "session.status", "session.ended"]
    );
    assert_eq!(events[2].1["data"]["status"], "failed");
    assert_eq!(events[2].1["data"]["exit_code"], 1);
}

#[tokio::test]
async fn ctrl_c_is_forwarded_to_the_agent() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let server = ServerProcess::start(&[]).await.unwrap();
    let mut watcher = watch(&server, "ctrlc").await;
    let mut run = tokio::process::Command::new(agentcast_bin())
        .args([
            "run",
            "--server",
            &server.url,
            "--session",
            "ctrlc",
            "--",
            FAKE_AGENT,
        ])
        .arg(&files[1])
        .arg("--hang")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The replay is through when its result line has been mapped; the agent now hangs.
    next_named(&mut watcher, "usage.updated").await;
    let pid = run.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(20), run.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "128 + SIGINT: the agent died of the forwarded signal"
    );
    let ended = next_named(&mut watcher, "session.ended").await;
    assert_eq!(ended["data"]["signal"], 2);
    assert_eq!(ended["data"]["status"], "failed");
}

#[tokio::test]
async fn run_to_a_server_with_auth_signs_a_token_with_the_data_dirs_key() {
    let Some(files) = claude_fixture_files() else {
        return;
    };
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let data_dir = server.data_dir.to_str().unwrap().to_owned();
    let fixture = files[1].to_str().unwrap();
    let run = |data_dir: String, session: &'static str| {
        let server = &server;
        async move {
            run_to(
                server,
                session,
                &["--data-dir", &data_dir],
                &[FAKE_AGENT, fixture],
            )
            .await
        }
    };

    // The server's own data directory holds its key: no --token needed.
    let output = run(data_dir, "signed").await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("using a write token for this session"),
        "{stderr}"
    );
    let reader = server
        .token(&["--scope", "read", "--session", "signed"])
        .await
        .unwrap();
    let api = Api::new(&server.url);
    let page = api
        .call_as(
            reqwest::Method::GET,
            "/api/sessions/signed/events",
            Some(&reader),
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert!(!page.body["events"].as_array().unwrap().is_empty());

    // Elsewhere there is no key: the server's refusal is the error, and no key is made.
    let elsewhere = agentcast_tests::server::fresh_data_dir();
    let output = run(elsewhere.to_str().unwrap().to_owned(), "unsigned").await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("401") && stderr.contains("missing token"),
        "{stderr}"
    );
    assert!(!elsewhere.join("jwt-secret").exists(), "no key was created");
}
