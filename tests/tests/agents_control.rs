//! Answering the agent (DESIGN.md section 10) with the real Claude Code CLI, started by
//! `agentcast serve` through `POST /api/sessions` in control mode against the scripted fake
//! Messages API: a Bash command that needs permission is asked of every watcher; Allow makes
//! it run for real, Deny makes Claude read the refusal; the first answer wins and a second
//! is refused `already_resolved`; a request no one answers is denied at the timeout; a
//! second prompt runs a second turn in the same process; an interrupt stops a turn that
//! waits on the model; a read token cannot answer; the audit log names who did what; and
//! `agentcast run -- claude -p ...` runs controlled, across turns, until `end`.

use agentcast_tests::agents::claude::{FOREIGN_ENV, claude_env};
use agentcast_tests::agents::control::ControlSetup;
use agentcast_tests::agents::fake_anthropic::{
    ClaudeScenario, FakeAnthropic, PERMISSION_COMMAND, PERMISSION_DONE_TEXT, PERMISSION_FILE,
    PERMISSION_REFUSED_TEXT, PERMISSION_TOOL_ID, chat_answer, chat_prompt,
};
use agentcast_tests::agents::home::AgentHome;
use agentcast_tests::agents::real_agents;
use agentcast_tests::agents::watch::{Received, all_text, data_of, events_until, names};
use agentcast_tests::raw::Client;
use agentcast_tests::server::{
    LISTENING_PREFIX, ServerProcess, agentcast_bin, fresh_data_dir, within,
};
use agentcast_tests::transcripts::eventually;
use serde_json::{Value, json};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A watcher of session `id` from its first event.
async fn watch(server: &ServerProcess, id: &str, auth: Value) -> Client {
    Client::connect(server.addr(), &format!("/sessions/{id}"), Some(auth))
        .await
        .unwrap()
}

fn from_start() -> Value {
    json!({"offset": 0})
}

/// Events until the first `permission.requested`; returns them and the request.
async fn until_requested(client: &mut Client) -> (Vec<Received>, Value) {
    let events = events_until(client, |name, _| name == "permission.requested").await;
    let request = events.last().unwrap().1["data"].clone();
    (events, request)
}

/// Events until the session's status is `status`.
async fn until_status(client: &mut Client, status: &str) -> Vec<Received> {
    events_until(client, |name, e| {
        name == "session.status" && e["data"]["status"] == status
    })
    .await
}

fn respond(request_id: &Value, decision: &str) -> Value {
    json!({"request_id": request_id, "decision": decision})
}

#[tokio::test]
async fn an_allowed_command_runs_for_real_and_a_second_prompt_runs_a_second_turn() {
    let Some(setup) = ControlSetup::new(&[]).await else {
        return;
    };
    let (server, api) = (&setup.server, &setup.api);
    let id = setup.start_permission(None).await;
    let mut watcher = watch(server, &id, from_start()).await;

    let (events, request) =
        within(60, "the permission request", until_requested(&mut watcher)).await;
    assert_eq!(request["tool_name"], "Bash");
    assert_eq!(request["input"]["command"], PERMISSION_COMMAND);
    assert_eq!(request["tool_use_id"], PERMISSION_TOOL_ID);
    assert!(request["expires_at"].is_string(), "{request}");
    let prompts = data_of(&events, "user.prompt");
    assert_eq!(prompts[0]["by"], "anonymous", "{prompts:?}");
    let status = watcher.emit_with_ack("get_status", json!({})).await;
    assert_eq!(status["ok"]["controllable"], true, "{status}");
    assert_eq!(status["ok"]["status"], "waiting", "{status}");
    assert_eq!(
        status["ok"]["open_permissions"][0]["request_id"], request["request_id"],
        "{status}"
    );
    assert!(!setup.command_ran());

    let answer = watcher
        .emit_with_ack(
            "permission.respond",
            respond(&request["request_id"], "allow"),
        )
        .await;
    assert_eq!(answer["ok"]["decision"], "allow", "{answer}");
    let turn = within(60, "the first turn", until_status(&mut watcher, "idle")).await;
    assert!(setup.command_ran(), "the command ran");
    let resolved = data_of(&turn, "permission.resolved");
    assert_eq!(resolved[0]["decision"], "allow");
    assert_eq!(resolved[0]["reason"], "answered");
    let completed = data_of(&turn, "tool.completed");
    assert_eq!(
        completed[0]["tool_use_id"],
        PERMISSION_TOOL_ID,
        "{:?}",
        names(&turn)
    );
    assert!(
        all_text(&turn).contains(PERMISSION_DONE_TEXT),
        "{:?}",
        names(&turn)
    );

    // The next prompt, over REST this time: the same process, a second turn.
    let sent = api
        .post(
            &format!("/api/sessions/{id}/prompt"),
            json!({"text": chat_prompt(2)}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert_eq!(sent.body["queued"], false);
    let second = within(60, "the second turn", until_status(&mut watcher, "idle")).await;
    assert!(
        all_text(&second).contains(&chat_answer(2)),
        "{:?}",
        names(&second)
    );

    let ended = watcher.emit_with_ack("end", json!({})).await;
    assert_eq!(ended["ok"]["ending"], true, "{ended}");
    let last = within(
        30,
        "the end",
        events_until(&mut watcher, |n, _| n == "session.ended"),
    )
    .await;
    let end = &last.last().unwrap().1["data"];
    assert_eq!(end["status"], "completed", "{end}");
    assert_eq!(end["exit_code"], 0, "{end}");
    let after = api
        .post(
            &format!("/api/sessions/{id}/prompt"),
            json!({"text": "more"}),
        )
        .await;
    assert_eq!(after.status, 409, "{}", after.text);
}

#[tokio::test]
async fn a_denied_command_does_not_run_and_claude_reads_why() {
    let Some(setup) = ControlSetup::new(&[]).await else {
        return;
    };
    let server = &setup.server;
    let id = setup.start_permission(None).await;
    let mut first = watch(server, &id, from_start()).await;
    let mut second = watch(server, &id, from_start()).await;

    let (_, request) = within(60, "the request", until_requested(&mut first)).await;
    let (_, seen_too) = within(10, "the request, again", until_requested(&mut second)).await;
    assert_eq!(seen_too["request_id"], request["request_id"]);

    let mut deny = respond(&request["request_id"], "deny");
    deny["message"] = json!("not in this directory");
    let answer = first.emit_with_ack("permission.respond", deny).await;
    assert_eq!(answer["ok"]["decision"], "deny", "{answer}");
    let late = second
        .emit_with_ack(
            "permission.respond",
            respond(&request["request_id"], "allow"),
        )
        .await;
    assert_eq!(late["error"]["code"], "already_resolved", "{late}");

    let turn = within(60, "the turn", until_status(&mut second, "idle")).await;
    let resolved = data_of(&turn, "permission.resolved");
    assert_eq!(resolved.len(), 1, "one resolution: {resolved:?}");
    assert_eq!(resolved[0]["decision"], "deny");
    let said = all_text(&turn);
    assert!(
        said.contains(PERMISSION_REFUSED_TEXT) && said.contains("not in this directory"),
        "{said}"
    );
    assert!(!setup.command_ran(), "the command did not run");
}

#[tokio::test]
async fn a_request_no_one_answers_is_denied_at_the_timeout() {
    let Some(setup) = ControlSetup::new(&["--permission-timeout-s", "1"]).await else {
        return;
    };
    let server = &setup.server;
    let id = setup.start_permission(None).await;
    let mut watcher = watch(server, &id, from_start()).await;
    let turn = within(60, "the turn", until_status(&mut watcher, "idle")).await;
    let resolved = data_of(&turn, "permission.resolved");
    assert_eq!(resolved[0]["reason"], "timeout", "{resolved:?}");
    assert_eq!(resolved[0]["by"], "agentcast");
    assert!(all_text(&turn).contains(PERMISSION_REFUSED_TEXT));
    assert!(!setup.command_ran());
}

#[tokio::test]
async fn an_interrupt_stops_a_turn_that_waits_on_the_model() {
    let Some(setup) = ControlSetup::new(&[]).await else {
        return;
    };
    let (server, fake) = (&setup.server, &setup.fake);
    fake.hold();
    let id = setup.start(&chat_prompt(1), None).await;
    let mut watcher = watch(server, &id, from_start()).await;
    within(60, "the turn to start", async {
        events_until(&mut watcher, |name, _| name == "user.prompt").await
    })
    .await;
    // The model's answer is held: the turn waits on it.
    eventually(60, "the turn's request to the model", || async {
        fake.replies()
            .iter()
            .any(|r| r == "chat: turn 1")
            .then_some(())
    })
    .await;
    let queued = watcher
        .emit_with_ack("prompt", json!({"text": chat_prompt(2)}))
        .await;
    assert_eq!(
        queued["ok"],
        json!({"queued": true, "ahead": 0}),
        "{queued}"
    );

    let stopped = watcher.emit_with_ack("interrupt", json!({})).await;
    assert_eq!(stopped["ok"]["interrupted"], true, "{stopped}");
    fake.release();
    // The interrupted turn ends; the queued prompt then runs as the next turn.
    let mut second_sent = false;
    let rest = within(60, "the queued turn", async {
        events_until(&mut watcher, |name, e| {
            second_sent |= name == "user.prompt" && e["data"]["text"] == chat_prompt(2);
            second_sent && name == "session.status" && e["data"]["status"] == "idle"
        })
        .await
    })
    .await;
    assert!(
        all_text(&rest).contains(&chat_answer(2)),
        "{:?}",
        names(&rest)
    );
    let prompts = data_of(&rest, "user.prompt");
    assert_eq!(prompts[0]["text"], chat_prompt(2), "{:?}", names(&rest));
    assert!(
        !all_text(&rest).contains(&chat_answer(1)),
        "the interrupted turn never answered: {:?}",
        names(&rest)
    );
}

#[tokio::test]
async fn only_control_tokens_answer_and_the_audit_log_names_who_did() {
    let Some(setup) = ControlSetup::new(&["--auth", "jwt"]).await else {
        return;
    };
    let (server, api) = (&setup.server, &setup.api);
    let admin = server
        .token(&["--scope", "admin", "--session", "*", "--sub", "ops"])
        .await
        .unwrap();
    let id = setup.start_permission(Some(&admin)).await;
    let token = |scope: &'static str, sub: &'static str| async move {
        server
            .token(&["--scope", scope, "--session", "*", "--sub", sub])
            .await
            .unwrap()
    };
    let (reader, writer, alice) = (
        token("read", "reader").await,
        token("write", "writer").await,
        token("control", "alice").await,
    );
    let mut watchers = Vec::new();
    for token in [&reader, &writer, &alice] {
        watchers.push(watch(server, &id, json!({"token": token, "offset": 0})).await);
    }
    let (_, request) = within(60, "the request", until_requested(&mut watchers[0])).await;
    for refused in &mut watchers[..2] {
        let answer = refused
            .emit_with_ack(
                "permission.respond",
                respond(&request["request_id"], "allow"),
            )
            .await;
        assert_eq!(answer["error"]["code"], "forbidden", "{answer}");
    }
    let path = format!(
        "/api/sessions/{id}/permissions/{}",
        request["request_id"].as_str().unwrap()
    );
    let refused = api
        .post_as(&path, &reader, json!({"decision": "allow"}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);

    let status = watchers[2].emit_with_ack("get_status", json!({})).await;
    let watching: Vec<(&str, bool)> = status["ok"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["sub"].as_str().unwrap(),
                w["can_control"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        watching,
        [("alice", true), ("reader", false), ("writer", false)]
    );
    // Presence is opt-in (an explicit `*` includes it); a subscriber hears who comes.
    let subscribed = watchers[2]
        .emit_with_ack("subscribe", json!({"patterns": ["*"]}))
        .await;
    assert!(
        subscribed["ok"]["types"]
            .to_string()
            .contains("session.presence")
    );
    let _second_tab = watch(server, &id, json!({"token": reader})).await;
    let presence = within(10, "session.presence", async {
        events_until(&mut watchers[2], |name, _| name == "session.presence").await
    })
    .await;
    let presence = &presence.last().unwrap().1;
    assert_eq!(presence["offset"], 0, "ephemeral: {presence}");
    let reader_sockets = presence["data"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["sub"] == "reader")
        .map(|w| w["sockets"].clone());
    assert_eq!(reader_sockets, Some(json!(2)), "{presence}");
    let answer = watchers[2]
        .emit_with_ack(
            "permission.respond",
            respond(&request["request_id"], "allow"),
        )
        .await;
    assert_eq!(answer["ok"]["decision"], "allow", "{answer}");
    let turn = within(60, "the turn", until_status(&mut watchers[2], "idle")).await;
    assert_eq!(data_of(&turn, "permission.resolved")[0]["by"], "alice");

    let audit = server.data_dir.join("audit.jsonl");
    let line: Value = eventually(10, "the control line of the audit log", || async {
        let text = std::fs::read_to_string(&audit).unwrap_or_default();
        text.lines()
            .find(|l| l.contains("\"event\":\"control\""))
            .map(|l| serde_json::from_str(l).unwrap())
    })
    .await;
    assert_eq!(line["sub"], "alice", "{line}");
    assert_eq!(line["action"], "permission", "{line}");
    assert_eq!(line["decision"], "allow", "{line}");
    assert_eq!(line["session_id"], id.as_str(), "{line}");
}

#[tokio::test]
async fn agentcast_run_of_claude_is_controlled_and_ends_on_end() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let data_dir = fresh_data_dir();
    let mut command = tokio::process::Command::new(agentcast_bin());
    command
        .args([
            "run",
            "--auth",
            "none",
            "--session",
            "the-run",
            "--data-dir",
        ])
        .arg(&data_dir)
        .arg("--")
        .arg(&agents.claude)
        .args(["-p", &ClaudeScenario::Permission.prompt()])
        .current_dir(&home.cwd)
        .envs(claude_env(&home, &fake))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for var in FOREIGN_ENV {
        command.env_remove(var);
    }
    let mut run = command.spawn().unwrap();
    let mut lines = BufReader::new(run.stdout.take().unwrap()).lines();
    let url = within(30, "the run's server address", async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix(LISTENING_PREFIX) {
                return url.trim().to_owned();
            }
        }
        panic!("agentcast run exited before it listened")
    })
    .await;
    let addr = url.trim_start_matches("http://").parse().unwrap();
    let mut watcher = Client::connect(addr, "/sessions/the-run", Some(from_start()))
        .await
        .unwrap();
    let (events, request) = within(60, "the request", until_requested(&mut watcher)).await;
    let prompt = &data_of(&events, "user.prompt")[0];
    assert_eq!(
        prompt["text"],
        ClaudeScenario::Permission.prompt(),
        "the -p prompt went first"
    );
    let answer = watcher
        .emit_with_ack(
            "permission.respond",
            respond(&request["request_id"], "allow"),
        )
        .await;
    assert_eq!(answer["ok"]["decision"], "allow", "{answer}");
    within(60, "the turn", until_status(&mut watcher, "idle")).await;
    assert!(home.cwd.join(PERMISSION_FILE).is_file());

    // Still running between turns, until someone ends it.
    assert!(
        run.try_wait().unwrap().is_none(),
        "the run waits for the next prompt"
    );
    let ended = watcher.emit_with_ack("end", json!({})).await;
    assert_eq!(ended["ok"]["ending"], true, "{ended}");
    let status = within(30, "the run to exit", run.wait()).await.unwrap();
    assert!(status.success(), "{status:?}");
}
