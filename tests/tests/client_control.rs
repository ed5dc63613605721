//! agentcast-client answers the agent (DESIGN.md section 10): `agentcast serve` starts the
//! real `claude` in control mode through `POST /api/sessions` against the scripted fake
//! Messages API, and the Rust client drives the session with its typed control commands:
//! the `permission.requested` of a command that needs permission, allowed with
//! `respond_permission` (the command runs: its `tool.completed` and its file), a second
//! answer refused `already_resolved`, a read token's answer refused `forbidden`, a second
//! prompt with `prompt` that runs a second turn, and `end`.
//!
//! Needs target/debug/agentcast and the real CLI (`cargo xtask test --only install`); skips
//! without the CLI, except under CI.

#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use agentcast_client::shared::{
    ErrorCode, Event, PermissionAnswer, PermissionDecision, PermissionRequested, SessionState,
};
use agentcast_client::{Client, ClientConfig, EnvelopeStream, Session};
use agentcast_tests::agents::claude::{FOREIGN_ENV, claude_env};
use agentcast_tests::agents::fake_anthropic::{
    ClaudeScenario, FakeAnthropic, PERMISSION_COMMAND, PERMISSION_DONE_TEXT, PERMISSION_FILE,
    PERMISSION_TOOL_ID, chat_answer, chat_prompt,
};
use agentcast_tests::agents::home::AgentHome;
use agentcast_tests::agents::real_agents;
use agentcast_tests::http::Api;
use agentcast_tests::server::{ServerProcess, within};
use futures_util::StreamExt;
use serde_json::json;

/// A client of session `id` with `token`, from the session's first event.
fn watch(server: &ServerProcess, token: &str, id: &str) -> (Client, Session, EnvelopeStream) {
    let client = Client::connect(ClientConfig {
        ack_timeout: Duration::from_secs(30),
        ..ClientConfig::new(&server.url).with_token(token)
    });
    let (session, events) = client.session(id, Some(0));
    (client, session, events)
}

/// The session's events until one for which `last` holds (included).
async fn until(events: &mut EnvelopeStream, last: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        let envelope = events
            .next()
            .await
            .expect("the session's stream stays open");
        let event = envelope.event().expect("an event of the contract");
        let done = last(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

fn is_idle(event: &Event) -> bool {
    matches!(event, Event::SessionStatus(s) if s.status == SessionState::Idle)
}

/// The text the agent wrote in `events`, streamed pieces joined.
fn text_of(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::OutputText(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect()
}

fn allow() -> PermissionAnswer {
    PermissionAnswer {
        decision: PermissionDecision::Allow,
        message: None,
        updated_input: None,
        updated_permissions: None,
    }
}

#[tokio::test]
async fn the_rust_client_allows_a_command_prompts_again_and_ends_the_session() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let env = claude_env(&home, &fake);
    let server = ServerProcess::start_with_env(&["--auth", "jwt"], env, FOREIGN_ENV)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for (scope, sub) in [("admin", "ops"), ("read", "reader")] {
        let args = ["--scope", scope, "--session", "*", "--sub", sub];
        tokens.push(server.token(&args).await.unwrap());
    }
    let [ops, reader] = <[String; 2]>::try_from(tokens).unwrap();
    let started = Api::new(&server.url)
        .post_as(
            "/api/sessions",
            &ops,
            json!({
                "command": [agents.claude],
                "prompt": ClaudeScenario::Permission.prompt(),
                "cwd": home.cwd,
            }),
        )
        .await;
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["session_id"].as_str().unwrap();
    let (_client, session, mut events) = watch(&server, &ops, id);
    let (_read_client, read_session, _) = watch(&server, &reader, id);

    let asked = within(60, "the permission request", async {
        until(&mut events, |e| matches!(e, Event::PermissionRequested(_))).await
    })
    .await;
    let Some(Event::PermissionRequested(request)) = asked.last().cloned() else {
        unreachable!("until returns with the event it waited for");
    };
    let PermissionRequested {
        request_id,
        tool_name,
        input,
        tool_use_id,
        ..
    } = request;
    assert_eq!(
        (tool_name.as_str(), input["command"].as_str()),
        ("Bash", Some(PERMISSION_COMMAND))
    );
    assert_eq!(tool_use_id.as_deref(), Some(PERMISSION_TOOL_ID));
    assert!(!home.cwd.join(PERMISSION_FILE).exists());

    // A read token may watch, not answer.
    let refused = within(10, "a read token's answer", async {
        read_session.respond_permission(&request_id, allow()).await
    })
    .await
    .expect_err("a read token cannot answer");
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden), "{refused}");

    let answered = within(10, "the answer's ack", async {
        session.respond_permission(&request_id, allow()).await
    })
    .await
    .expect("the first answer wins");
    assert_eq!(
        (answered.request_id.as_str(), answered.decision),
        (request_id.as_str(), PermissionDecision::Allow)
    );
    let late = within(10, "a second answer", async {
        session.respond_permission(&request_id, allow()).await
    })
    .await
    .expect_err("a second answer is refused");
    assert_eq!(late.code(), Some(ErrorCode::AlreadyResolved), "{late}");

    let turn = within(60, "the first turn", until(&mut events, is_idle)).await;
    let completed = turn.iter().find_map(|e| match e {
        Event::ToolCompleted(c) if c.tool_use_id == PERMISSION_TOOL_ID => Some(c),
        _ => None,
    });
    assert!(completed.is_some_and(|c| !c.is_error), "{turn:?}");
    assert!(home.cwd.join(PERMISSION_FILE).is_file(), "the command ran");
    assert!(text_of(&turn).contains(PERMISSION_DONE_TEXT), "{turn:?}");
    let resolved: Vec<_> = turn
        .iter()
        .filter_map(|e| match e {
            Event::PermissionResolved(r) => Some((r.decision, r.by.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(resolved, [(PermissionDecision::Allow, "ops")]);

    // The next prompt runs a second turn in the same process.
    let sent = within(10, "the prompt's ack", session.prompt(chat_prompt(2)))
        .await
        .expect("a prompt between turns");
    assert_eq!((sent.queued, sent.ahead), (false, 0));
    let second = within(60, "the second turn", until(&mut events, is_idle)).await;
    let prompted = second.iter().find_map(|e| match e {
        Event::UserPrompt(p) => Some((p.text.as_str(), p.by.as_deref())),
        _ => None,
    });
    assert_eq!(prompted, Some((chat_prompt(2).as_str(), Some("ops"))));
    assert!(text_of(&second).contains(&chat_answer(2)), "{second:?}");

    let ending = within(10, "the end's ack", session.end())
        .await
        .expect("end");
    assert!(ending.ending);
    let last = within(
        30,
        "the end of the session",
        until(&mut events, |e| matches!(e, Event::SessionEnded(_))),
    )
    .await;
    let Some(Event::SessionEnded(ended)) = last.last() else {
        unreachable!("until returns with the event it waited for");
    };
    assert_eq!(ended.exit_code, Some(0), "{ended:?}");
}
