//! Sessions nobody started through agentcast: the real Claude Code CLI runs `claude -p` on
//! its own (HOME in a temp dir, against the scripted fake Messages API) and `agentcast
//! serve` finds it by its transcript. It appears live with the events `agentcast run` of
//! the same scenario gives; transcripts written before the server started are imported;
//! a server killed in the middle of a session neither duplicates nor loses events; a Codex
//! rollout becomes a Codex session with its command; the interactive TUI in a tmux pane,
//! prompted with `send-keys`, appears live while it runs and is linked to its pane.

use std::time::Duration;

use agentcast_tests::agents::claude::{agentcast_run_claude, run_claude_print};
use agentcast_tests::agents::codex::run_codex_exec;
use agentcast_tests::agents::fake_anthropic::{
    BASH_COMMAND, BASH_TOOL_ID, ClaudeScenario, FakeAnthropic, SUBAGENT_TOOL_ID, TASK_DONE_TEXT,
    TASK_TOOL_ID, TODOS_DONE_TEXT, chat_answer, chat_prompt, todos_at_the_end,
};
use agentcast_tests::agents::fake_openai::{
    FakeResponses, SHELL_CALL_ID, SHELL_COMMAND, SHELL_DONE_TEXT, SHELL_PROMPT,
};
use agentcast_tests::agents::home::AgentHome;
use agentcast_tests::agents::tmux::ClaudeTui;
use agentcast_tests::agents::watch::{
    Received, all_text, data_of, events_until, events_until_ended, names, todo_lists,
};
use agentcast_tests::agents::{RealAgents, real_agents, real_agents_and_tmux};
use agentcast_tests::raw::Client;
use agentcast_tests::server::{ServerProcess, fresh_data_dir, within};
use serde_json::{Value, json};

/// What the Bash scenario's last answer says.
const BASH_DONE: &str = "The command printed: hello";

/// A session id of our choosing (`claude --session-id` takes a UUID), unique per call.
fn session_uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        "c011ec7e-{:04x}-4000-8000-{:012x}",
        std::process::id() & 0xffff,
        (u64::from(nanos) << 8) | (n & 0xff)
    )
}

/// `agentcast serve` collecting `home`'s Claude Code transcripts, on `data_dir`.
async fn collecting_server(home: &AgentHome, data_dir: &std::path::Path) -> ServerProcess {
    let projects = home.claude_projects_dir();
    let projects = projects.to_str().unwrap();
    ServerProcess::start_in(data_dir, &["--claude-projects-dir", projects])
        .await
        .unwrap()
}

/// A client of session `id`, replaying from the start when `replay`.
async fn watch(server: &ServerProcess, id: &str, replay: bool) -> Client {
    let auth = replay.then(|| json!({"offset": 0}));
    Client::connect(server.addr(), &format!("/sessions/{id}"), auth)
        .await
        .unwrap()
}

/// Events until the output text contains `text`.
async fn events_until_text(client: &mut Client, text: &str) -> Vec<Received> {
    events_until(client, |name, envelope| {
        name == "output.text"
            && envelope["data"]["text"]
                .as_str()
                .is_some_and(|t| t.contains(text))
    })
    .await
}

/// `claude -p` of `scenario` on its own, as its session `id`.
async fn claude_print(
    agents: &RealAgents,
    home: &AgentHome,
    fake: &FakeAnthropic,
    scenario: ClaudeScenario,
    id: &str,
) {
    let mut extra = vec!["--session-id", id];
    extra.extend(scenario.cli_args());
    let run = run_claude_print(agents, home, fake, &scenario.prompt(), &extra)
        .await
        .unwrap();
    assert!(run.status.success(), "claude -p: {}", run.stderr);
}

/// The tool calls of a session as `(id, name, input, is_error, output)`, in order.
fn tool_calls(events: &[Received]) -> Vec<(Value, Value, Value, Value, Value)> {
    data_of(events, "tool.completed")
        .into_iter()
        .map(|done| {
            let id = &done["tool_use_id"];
            let started = data_of(events, "tool.started")
                .into_iter()
                .find(|s| &s["tool_use_id"] == id)
                .unwrap_or_else(|| panic!("tool.started of {id}"));
            (
                id.clone(),
                started["name"].clone(),
                started["input"].clone(),
                done["is_error"].clone(),
                done["output_preview"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_claude_session_started_elsewhere_appears_live_with_the_events_run_gives() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let server = collecting_server(&home, &fresh_data_dir()).await;
    let id = session_uuid();
    let mut watcher = watch(&server, &id, false).await;

    claude_print(&agents, &home, &fake, ClaudeScenario::Bash, &id).await;
    let collected = events_until_text(&mut watcher, BASH_DONE).await;
    let started = &data_of(&collected, "session.started")[0];
    assert_eq!(names(&collected)[0], "session.started");
    assert_eq!(started["source"], "transcript", "{started}");
    assert_eq!(started["agent"], "claude", "{started}");
    assert_eq!(started["agent_session_id"], id.as_str(), "{started}");
    assert_eq!(started["cwd"], home.cwd.to_str().unwrap(), "{started}");
    let calls = tool_calls(&collected);
    assert_eq!(calls.len(), 1, "{:?}", names(&collected));
    assert_eq!(calls[0].0, BASH_TOOL_ID);
    assert_eq!(calls[0].1, "Bash");
    assert_eq!(calls[0].2["command"], BASH_COMMAND);
    assert_eq!(calls[0].3, false);

    // `agentcast run` of the same scenario: the same tool calls and text, and its own
    // transcript joins the run's session instead of making a second one.
    let mut run_watcher = watch(&server, "run-bash", false).await;
    let output = agentcast_run_claude(
        &agents,
        &server,
        "run-bash",
        &home,
        &fake,
        &ClaudeScenario::Bash.prompt(),
        &[],
    )
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let ran = events_until_ended(&mut run_watcher).await;
    assert_eq!(tool_calls(&ran), calls);
    assert_eq!(all_text(&ran), all_text(&collected));

    let sessions: Value = reqwest::get(format!("{}/api/sessions", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = sessions["sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("{sessions}"))
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "the collected session and the run, once: {ids:?}"
    );
    assert!(
        ids.contains(&id.as_str()) && ids.contains(&"run-bash"),
        "{ids:?}"
    );
}

/// Claude Code 2.1.x's task tools, read from the transcript as the CLI writes it: the same
/// todo lists `agentcast run` streams (one per change, the last with task 1 completed).
#[tokio::test]
async fn a_collected_session_shows_the_todo_list_of_the_task_tools() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let server = collecting_server(&home, &fresh_data_dir()).await;
    let id = session_uuid();
    let mut watcher = watch(&server, &id, false).await;

    claude_print(&agents, &home, &fake, ClaudeScenario::Todos, &id).await;
    let collected = events_until_text(&mut watcher, TODOS_DONE_TEXT).await;
    let lists = todo_lists(&collected);
    let sizes: Vec<usize> = lists.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 2, 3, 3, 3], "{:?}", names(&collected));
    assert_eq!(lists.last(), Some(&todos_at_the_end()));
    assert_eq!(lists[3][0].2, "in_progress");
}

#[tokio::test]
async fn transcripts_written_before_the_server_started_are_imported_with_their_sub_agents() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let id = session_uuid();
    claude_print(&agents, &home, &fake, ClaudeScenario::Task, &id).await;

    let server = collecting_server(&home, &fresh_data_dir()).await;
    let mut watcher = watch(&server, &id, true).await;
    // An import reads a session's main transcript, then its sub-agents' files: wait for
    // both the last answer and the sub-agent's tool result.
    let (mut answered, mut sub_agent_done) = (false, false);
    let events = events_until(&mut watcher, |name, envelope| {
        let data = &envelope["data"];
        answered |= name == "output.text"
            && data["text"]
                .as_str()
                .is_some_and(|t| t.contains(TASK_DONE_TEXT));
        sub_agent_done |= name == "tool.completed" && data["tool_use_id"] == SUBAGENT_TOOL_ID;
        answered && sub_agent_done
    })
    .await;
    let delegations = data_of(&events, "agent.delegation");
    assert_eq!(
        delegations[0]["tool_use_id"], TASK_TOOL_ID,
        "{delegations:?}"
    );
    assert_eq!(delegations[0]["status"], "started", "{delegations:?}");
    let sub_call = data_of(&events, "tool.started")
        .into_iter()
        .find(|s| s["tool_use_id"] == SUBAGENT_TOOL_ID)
        .unwrap_or_else(|| panic!("the sub-agent's own tool call in {events:#?}"));
    assert_eq!(sub_call["parent_tool_use_id"], TASK_TOOL_ID, "{sub_call}");
    // The background delegation completes at its task notification, not at the launch.
    let position = |found: &dyn Fn(&Received) -> bool| events.iter().position(found);
    let notified = position(&|(n, _)| n == "agent.task").expect("the task notification");
    let completed =
        position(&|(n, e)| n == "agent.delegation" && e["data"]["status"] == "completed")
            .expect("the delegation completes");
    assert!(notified < completed, "{:?}", names(&events));
}

#[tokio::test]
async fn a_server_killed_in_the_middle_of_a_session_neither_duplicates_nor_loses_events() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let data_dir = fresh_data_dir();
    let mut server = collecting_server(&home, &data_dir).await;
    let id = session_uuid();
    let mut watcher = watch(&server, &id, false).await;

    // The model holds its first answer: the transcript has the prompt, nothing more yet.
    fake.hold();
    let kill_mid_turn = async {
        events_until(&mut watcher, |name, _| name == "user.prompt").await;
        server
            .restart_after(Duration::from_millis(50))
            .await
            .unwrap();
        fake.release();
    };
    tokio::join!(
        claude_print(&agents, &home, &fake, ClaudeScenario::Bash, &id),
        kill_mid_turn
    );

    let mut replay = watch(&server, &id, true).await;
    let after_restart = events_until_text(&mut replay, BASH_DONE).await;
    // The same transcript imported once by a server that never stopped.
    let fresh = collecting_server(&home, &fresh_data_dir()).await;
    let mut reference = watch(&fresh, &id, true).await;
    let once = events_until_text(&mut reference, BASH_DONE).await;

    let kinds = |events: &[Received]| {
        names(events)
            .into_iter()
            // Status lines depend on when the server looked (running, idle), and
            // `session.recovered` on where the replay met the live stream.
            .filter(|n| !["session.status", "session.recovered"].contains(n))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&after_restart), kinds(&once));
    assert_eq!(tool_calls(&after_restart), tool_calls(&once));
    assert_eq!(data_of(&after_restart, "user.prompt").len(), 1);
}

#[tokio::test]
async fn a_codex_rollout_is_collected_as_a_codex_session_with_its_command() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeResponses::start().await.unwrap();
    let sessions_dir = home.codex_sessions_dir();
    let args = ["--codex-sessions-dir", sessions_dir.to_str().unwrap()];
    let server = ServerProcess::start(&args).await.unwrap();
    let run = run_codex_exec(&agents, &home, &fake, SHELL_PROMPT, false)
        .await
        .unwrap();
    assert!(run.status.success(), "codex exec: {}", run.stderr);
    let rollout = home.codex_rollouts().pop().expect("the rollout");
    let file_name = rollout.file_name().unwrap().to_str().unwrap();
    // The session is the rollout's own id, the UUID that ends its file name.
    let id = &file_name[file_name.len() - "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.jsonl".len()..]
        .trim_end_matches(".jsonl");

    let mut watcher = watch(&server, id, true).await;
    let events = events_until_text(&mut watcher, SHELL_DONE_TEXT).await;
    let started = &data_of(&events, "session.started")[0];
    assert_eq!(started["agent"], "codex", "{started}");
    assert_eq!(started["source"], "transcript", "{started}");
    assert_eq!(started["agent_session_id"], *id, "{started}");
    assert_eq!(data_of(&events, "user.prompt")[0]["text"], SHELL_PROMPT);
    let calls = tool_calls(&events);
    assert_eq!(calls.len(), 1, "{:?}", names(&events));
    assert_eq!(calls[0].0, SHELL_CALL_ID);
    assert!(
        calls[0].2.to_string().contains(SHELL_COMMAND),
        "{:?}",
        calls[0]
    );
    assert_eq!(calls[0].3, false);
    assert!(
        calls[0]
            .4
            .as_str()
            .is_some_and(|o| o.contains("codex-was-here")),
        "{:?}",
        calls[0]
    );
}

/// A tmux format (`#{pane_id}`, ...) of the TUI's pane, as `display-message -p` prints it.
fn pane_format(tui: &ClaudeTui, format: &str) -> String {
    let output = tui
        .tmux
        .command()
        .args(["display-message", "-p", "-t", &tui.target, format])
        .output()
        .unwrap();
    assert!(output.status.success(), "tmux display-message: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[tokio::test]
async fn the_interactive_tui_in_a_tmux_pane_appears_live_and_is_linked_to_its_pane() {
    let Some(agents) = real_agents_and_tmux() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let tui = ClaudeTui::start(&agents, &home, &fake).await.unwrap();
    let projects = home.claude_projects_dir();
    let server = ServerProcess::start(&[
        "--claude-projects-dir",
        projects.to_str().unwrap(),
        "--collect-tmux",
        "--tmux-socket",
        tui.tmux.socket(),
        "--tmux-poll-interval-ms",
        "100",
    ])
    .await
    .unwrap();

    // The pane's agent, linked to the session it runs once it wrote its session file
    // (before any prompt): the stream of its tmux server says which.
    let pane = pane_format(&tui, "#{pane_id}");
    let tmux_session = format!("tmux-{}", tui.tmux.socket());
    let mut tmux_watcher = watch(&server, &tmux_session, true).await;
    let linked = within(60, "claude's pane linked to its session", async {
        let events = events_until(&mut tmux_watcher, |name, envelope| {
            name == "tmux.agent_detected" && envelope["data"]["agent_session_id"].is_string()
        })
        .await;
        events.last().unwrap().1["data"].clone()
    })
    .await;
    assert_eq!(linked["pane_id"], pane.as_str(), "{linked}");
    assert_eq!(linked["agent"], "claude", "{linked}");
    assert_eq!(linked["cwd"], home.cwd.to_str().unwrap(), "{linked}");
    let id = linked["agent_session_id"].as_str().unwrap().to_owned();
    drop(tmux_watcher);

    // Subscribed (live, no replay) before anything is typed: the transcript does not exist
    // yet, and everything the session shows arrives while the TUI runs.
    let mut watcher = watch(&server, &id, false).await;
    tui.prompt(&chat_prompt(1)).await.unwrap();
    let first = events_until_text(&mut watcher, &chat_answer(1)).await;
    assert_eq!(names(&first)[0], "session.started", "{:?}", names(&first));
    assert_eq!(first[0].1["offset"], 1, "every event, live");
    let started = &data_of(&first, "session.started")[0];
    assert_eq!(started["session_id"], id.as_str(), "{started}");
    assert_eq!(started["source"], "transcript", "{started}");
    assert_eq!(started["agent"], "claude", "{started}");
    assert_eq!(started["agent_session_id"], id.as_str(), "{started}");
    assert_eq!(started["cwd"], home.cwd.to_str().unwrap(), "{started}");
    let prompts = |events: &[Received]| -> Vec<Value> {
        data_of(events, "user.prompt")
            .into_iter()
            .map(|p| p["text"].clone())
            .collect()
    };
    assert_eq!(prompts(&first), [json!(chat_prompt(1))]);

    // The TUI is still running, and the same subscription follows its next turn.
    assert_eq!(
        pane_format(&tui, "#{pane_dead} #{pane_current_command}"),
        "0 claude"
    );
    tui.prompt(&chat_prompt(2)).await.unwrap();
    let second = events_until_text(&mut watcher, &chat_answer(2)).await;
    assert_eq!(prompts(&second), [json!(chat_prompt(2))]);
    assert!(
        data_of(&second, "session.started").is_empty(),
        "one session: {:?}",
        names(&second)
    );
    assert_eq!(
        pane_format(&tui, "#{pane_dead} #{pane_current_command}"),
        "0 claude"
    );
}
