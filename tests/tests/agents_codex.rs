//! The real Codex CLI (`codex exec`) against the scripted fake Responses API: the shell
//! scenario runs its command for real, and Codex writes its rollout where DESIGN.md
//! section 9 says the collector finds it: `$HOME/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`.

use agentcast_tests::agents::codex::run_codex_exec;
use agentcast_tests::agents::fake_openai::{
    FakeResponses, SHELL_CALL_ID, SHELL_COMMAND, SHELL_DONE_TEXT, SHELL_PROMPT,
};
use agentcast_tests::agents::home::{AgentHome, read_jsonl};
use agentcast_tests::agents::real_agents;
use serde_json::Value;

#[tokio::test]
async fn exec_runs_the_command_and_writes_a_rollout() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeResponses::start().await.unwrap();
    let run = run_codex_exec(&agents, &home, &fake, SHELL_PROMPT, true)
        .await
        .unwrap();
    assert!(
        run.status.success(),
        "codex exec: {}\nstdout:\n{}\nfake replies: {:?}",
        run.stderr,
        run.stdout,
        fake.replies()
    );
    assert_eq!(fake.replies(), ["shell: function_call", "shell: done"]);

    let events: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let thread_id = events
        .iter()
        .find(|e| e["type"] == "thread.started")
        .and_then(|e| e["thread_id"].as_str())
        .expect("thread.started");
    let command = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "command_execution")
        .map(|e| &e["item"])
        .expect("the command's item");
    assert_eq!(command["exit_code"], 0, "{command}");
    assert!(command["command"].as_str().unwrap().contains(SHELL_COMMAND));
    assert_eq!(command["aggregated_output"], "codex-was-here\n");
    assert!(events.iter().any(|e| e["item"]["text"] == SHELL_DONE_TEXT));

    let rollouts = home.codex_rollouts();
    assert_eq!(rollouts.len(), 1, "{rollouts:?}");
    let relative = rollouts[0].strip_prefix(home.codex_sessions_dir()).unwrap();
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(parts.len(), 4, "YYYY/MM/DD/rollout-*.jsonl: {relative:?}");
    let digits = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
    assert!(digits(&parts[0], 4) && digits(&parts[1], 2) && digits(&parts[2], 2));
    assert!(
        parts[3].ends_with(&format!("{thread_id}.jsonl")),
        "{parts:?}"
    );

    let lines = read_jsonl(&rollouts[0]);
    let meta = &lines[0];
    assert_eq!(meta["type"], "session_meta");
    assert_eq!(meta["payload"]["id"], thread_id);
    assert_eq!(meta["payload"]["cwd"], home.cwd.display().to_string());
    assert_eq!(meta["payload"]["cli_version"], "0.169.0");
    assert!(lines.iter().any(
        |l| l["payload"]["type"] == "function_call" && l["payload"]["call_id"] == SHELL_CALL_ID
    ));
    assert!(lines.iter().any(|l| {
        l["payload"]["type"] == "function_call_output"
            && l["payload"]["output"]
                .as_str()
                .is_some_and(|o| o.contains("codex-was-here"))
    }));
}
