//! Claude Code's hooks end to end: `agentcast hooks install` writes settings the real Claude
//! Code CLI runs its hooks from, and their payloads land in the right session with the right
//! status; a payload of a session agentcast runs itself goes to that session.
//!
//! The real CLI is found through `AGENTCAST_CLAUDE_BIN` (see ../shared/TOOLCHAIN.md, "Real
//! agents, offline"); without it the test says so and passes, except under CI where it fails.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_tests::http::Api;
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir};
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Bash command the fake model asks for.
const COMMAND: &str = "echo hooked-hello";

async fn events_of(api: &Api, session: &str) -> Vec<Value> {
    let page = api
        .get(&format!("/api/sessions/{session}/events?limit=1000"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body["events"].as_array().cloned().unwrap_or_default()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().filter_map(|e| e["type"].as_str()).collect()
}

/// Waits (10 s at most) until `session`'s status is `status`.
async fn until_status(api: &Api, session: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let answer = api.get(&format!("/api/sessions/{session}")).await;
        if answer.status == 200 && answer.body["status"] == status {
            return answer.body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "session {session} never became {status}: {} {}",
            answer.status,
            answer.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_payload_of_a_session_agentcast_runs_goes_to_that_session_as_status_only() {
    let server = ServerProcess::start(&[]).await.unwrap();
    let api = Api::new(server.url.clone());
    let started = json!({"type": "session.started", "data": {
        "session_id": "run-1", "source": "run", "agent": "claude",
        "agent_session_id": "claude-1", "cwd": "/gone-agentcast/app",
        "started_at": "2026-12-06T10:00:00.000Z", "tools": []}});
    let answer = api
        .post("/api/sessions/run-1/publish", json!({"events": [started]}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    for (hook, extra) in [
        ("UserPromptSubmit", json!({"prompt": "hi"})),
        (
            "PreToolUse",
            json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {}}),
        ),
        ("Stop", json!({})),
        ("SessionEnd", json!({"reason": "other"})),
    ] {
        let mut payload = json!({"session_id": "claude-1", "hook_event_name": hook, "cwd": "/x"});
        payload
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let answer = api.post("/api/hooks", payload).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["session_id"], "run-1", "{hook}");
    }
    let events = events_of(&api, "run-1").await;
    // The prompt and the tool call are the stream-json's to show; the process's exit ends it.
    assert_eq!(
        types(&events),
        ["session.started", "session.status", "session.status"]
    );
    assert_eq!(events[1]["data"]["status"], "running");
    assert_eq!(events[2]["data"]["status"], "idle");
    assert_eq!(api.get("/api/sessions/claude-1").await.status, 404);
}

/// A minimal scripted Messages API: a Bash call of [`COMMAND`], then a text once its result
/// came back; side requests (not streamed) get a short message.
async fn fake_messages_api() -> (String, tokio::task::JoinHandle<()>) {
    async fn messages(Json(request): Json<Value>) -> Response {
        let model = request["model"]
            .as_str()
            .unwrap_or("claude-fake")
            .to_owned();
        if request["stream"] != true {
            return Json(json!({
                "id": "msg_side", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": "Hooks test"}],
                "stop_reason": "end_turn", "stop_sequence": null,
                "usage": {"input_tokens": 10, "output_tokens": 3}}))
            .into_response();
        }
        let last = request["messages"]
            .as_array()
            .and_then(|m| m.last())
            .cloned();
        let answered = last
            .as_ref()
            .and_then(|m| m["content"].as_array())
            .is_some_and(|blocks| blocks.iter().any(|b| b["type"] == "tool_result"));
        let (block, delta, stop) = if answered {
            (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": "The command ran."}),
                "end_turn",
            )
        } else {
            let input = json!({"command": COMMAND, "description": "Print a marker"});
            (
                json!({"type": "tool_use", "id": "toolu_hooks_1", "name": "Bash", "input": {}}),
                json!({"type": "input_json_delta", "partial_json": input.to_string()}),
                "tool_use",
            )
        };
        let events = [
            (
                "message_start",
                json!({"type": "message_start", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": 100, "output_tokens": 1}}}),
            ),
            (
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": block}),
            ),
            (
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": delta}),
            ),
            (
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ),
            (
                "message_delta",
                json!({"type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 9}}),
            ),
            ("message_stop", json!({"type": "message_stop"})),
        ];
        let body: String = events
            .iter()
            .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
            .collect();
        (
            [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
            body,
        )
            .into_response()
    }
    async fn count_tokens() -> Json<Value> {
        Json(json!({"input_tokens": 10}))
    }
    let app = axum::Router::new()
        .route("/v1/messages", axum::routing::post(messages))
        .route(
            "/v1/messages/count_tokens",
            axum::routing::post(count_tokens),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// `agentcast hooks ARGS` with `home` as HOME; its stdout.
async fn hooks(home: &Path, args: &[&str]) -> String {
    let output = tokio::process::Command::new(agentcast_bin())
        .arg("hooks")
        .args(args)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("AGENTCAST_SERVER")
        .stdin(Stdio::null())
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output)
        .await
        .expect("agentcast hooks finished within 30 s")
        .expect("agentcast hooks ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_real_claude_code_runs_the_hooks_that_hooks_install_wrote() {
    let Some(claude) = agentcast_tests::agents::real_agents().map(|agents| agents.claude) else {
        return;
    };
    let home = fresh_data_dir().canonicalize().unwrap();
    let repo = home.join("code/app");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let server = ServerProcess::start(&[]).await.unwrap();
    let api = Api::new(server.url.clone());

    let said = hooks(&home, &["install", "--server", &server.url]).await;
    assert!(said.contains("installed 13 hooks"), "{said}");
    let settings_path = home.join(".claude/settings.json");
    let written = std::fs::read_to_string(&settings_path).unwrap();
    let said = hooks(&home, &["install", "--server", &server.url]).await;
    assert!(said.contains("already installed"), "{said}");
    assert_eq!(std::fs::read_to_string(&settings_path).unwrap(), written);
    let said = hooks(&home, &["status"]).await;
    assert!(
        said.contains("13 hooks") && said.contains("answers"),
        "{said}"
    );

    let (fake, _fake_task) = fake_messages_api().await;
    let mut command = tokio::process::Command::new(&claude);
    command
        .args([
            "-p",
            "run the marker command",
            "--output-format",
            "stream-json",
            "--verbose",
        ])
        .args(["--allowedTools", "Bash"])
        .current_dir(repo.join("src"))
        .env("HOME", &home)
        .env("ANTHROPIC_BASE_URL", &fake)
        .env("ANTHROPIC_API_KEY", "sk-ant-fake-key-for-tests-0000")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for var in [
        "CLAUDE_CONFIG_DIR",
        "CLAUDECODE",
        "CLAUDE_CODE_ENTRYPOINT",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_MODEL",
        "AGENTCAST_SERVER",
        "AGENTCAST_TOKEN",
    ] {
        command.env_remove(var);
    }
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("claude finished within 120 s")
        .expect("claude ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let claude_session = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["type"] == "system" && line["subtype"] == "init")
        .and_then(|init| init["session_id"].as_str().map(str::to_owned))
        .expect("a system/init line with the session id");

    // SessionEnd ends the session; every hook before it was posted in order.
    let session = until_status(&api, &claude_session, "completed").await;
    assert_eq!(session["source"], "hook");
    assert_eq!(session["agent_session_id"], claude_session.as_str());
    let events = events_of(&api, &claude_session).await;
    let seen = types(&events);
    for expected in [
        "session.started",
        "user.prompt",
        "tool.started",
        "tool.completed",
        "session.ended",
    ] {
        assert!(seen.contains(&expected), "{expected} in {seen:?}");
    }
    let tool = events.iter().find(|e| e["type"] == "tool.started").unwrap();
    assert_eq!(tool["data"]["name"], "Bash");
    assert_eq!(tool["data"]["input"]["command"], COMMAND);
    let done = events
        .iter()
        .find(|e| e["type"] == "tool.completed")
        .unwrap();
    assert_eq!(done["data"]["output_preview"], "hooked-hello", "{done}");
    assert_eq!(done["data"]["is_error"], false);
    eprintln!("hook events: {seen:?}");
    // Stop made it idle before the end.
    let statuses: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "session.status")
        .filter_map(|e| e["data"]["status"].as_str())
        .collect();
    assert_eq!(statuses.last(), Some(&"idle"), "{statuses:?}");

    // The session's project is its repository's.
    let projects = api.get("/api/projects").await.body["projects"].clone();
    let project = projects
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == repo.display().to_string().as_str())
        .unwrap_or_else(|| panic!("a project of {} in {projects}", repo.display()))
        .clone();
    assert_eq!(session["project_id"], project["id"]);
    assert_eq!(project["session_count"], 1);

    let said = hooks(&home, &["uninstall"]).await;
    assert!(said.contains("removed 13"), "{said}");
    let left: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).unwrap()).unwrap();
    assert_eq!(left, json!({}));
}

#[tokio::test]
async fn hooks_send_never_fails_the_agent_when_the_server_is_down() {
    use tokio::io::AsyncWriteExt;
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(agentcast_bin())
        .args([
            "hooks",
            "send",
            "--server",
            &format!("http://127.0.0.1:{port}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(br#"{"session_id":"s","hook_event_name":"Stop"}"#)
        .await
        .unwrap();
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("hooks send finished within 10 s")
        .unwrap();
    assert!(output.status.success(), "exit 0 whatever happens");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout: Claude Code would read it"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach the server"), "{stderr}");
}
