//! Regenerates `tests/fixtures/agents` (see its README): the real CLIs play the scenarios
//! against the fakes and what they write is kept, paths rewritten to the example machine.
//! Ignored by default; run it with `cargo xtask fixtures`.

use std::path::Path;

use agentcast_tests::agents::claude::run_claude_print;
use agentcast_tests::agents::codex::run_codex_exec;
use agentcast_tests::agents::fake_anthropic::{ClaudeScenario, FakeAnthropic};
use agentcast_tests::agents::fake_openai::{FakeResponses, SHELL_PROMPT};
use agentcast_tests::agents::fixtures::{copy_tree_rewritten, repo_fixture_dir, write_rewritten};
use agentcast_tests::agents::home::AgentHome;
use agentcast_tests::agents::real_agents;

/// Removes `dir` (a folder this test regenerates) if it is there.
fn clear(dir: &Path) {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", dir.display()),
    }
}

#[tokio::test]
#[ignore = "writes tests/fixtures/agents; run it with `cargo xtask fixtures`"]
async fn regenerate_agent_fixtures() {
    let agents = real_agents().expect("the real CLIs (cargo xtask test --only install)");
    let dest = repo_fixture_dir();
    for sub in ["claude-home", "claude-live", "codex-home"] {
        clear(&dest.join(sub));
    }

    for scenario in ClaudeScenario::PRINT {
        let home = AgentHome::new().unwrap();
        let fake = FakeAnthropic::start().await.unwrap();
        let mut extra = vec!["--include-partial-messages"];
        extra.extend(scenario.cli_args());
        let run = run_claude_print(&agents, &home, &fake, &scenario.prompt(), &extra)
            .await
            .unwrap();
        assert!(run.status.success(), "{}: {}", scenario.name(), run.stderr);
        let stream = dest.join(format!("claude-live/stream-{}.jsonl", scenario.name()));
        write_rewritten(&home, &run.stdout, &stream).unwrap();
        copy_tree_rewritten(
            &home,
            &home.claude_projects_dir(),
            &dest.join("claude-home/projects"),
        )
        .unwrap();
    }

    let home = AgentHome::new().unwrap();
    let fake = FakeResponses::start().await.unwrap();
    let run = run_codex_exec(&agents, &home, &fake, SHELL_PROMPT, true)
        .await
        .unwrap();
    assert!(run.status.success(), "codex: {}", run.stderr);
    write_rewritten(
        &home,
        &run.stdout,
        &dest.join("codex-home/exec-json-shell.jsonl"),
    )
    .unwrap();
    copy_tree_rewritten(
        &home,
        &home.codex_sessions_dir(),
        &dest.join("codex-home/sessions"),
    )
    .unwrap();
}
