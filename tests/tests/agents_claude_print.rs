//! The real Claude Code CLI (`claude -p`) against the scripted fake Messages API: each
//! scenario plays out for real (the tools run), and the CLI writes its transcript where
//! DESIGN.md section 9 says the collector finds it:
//! `$HOME/.claude/projects/<encoded cwd>/<session id>.jsonl`, sub-agents under
//! `<session id>/subagents/`.

use std::time::Duration;

use agentcast_tests::agents::claude::{ClaudeRun, run_claude_print};
use agentcast_tests::agents::fake_anthropic::{
    BASH_TOOL_ID, ClaudeScenario, FAIL_TOOL_ID, FakeAnthropic, HELLO_TEXT, SUBAGENT_TOOL_ID,
    TASK_DONE_TEXT, TASK_TOOL_ID,
};
use agentcast_tests::agents::home::{AgentHome, assistant_texts, read_jsonl};
use agentcast_tests::agents::{poll_until, real_agents};
use serde_json::Value;

/// Runs `scenario` with `claude -p` in a fresh home; the home, the run and the fake.
async fn play(scenario: ClaudeScenario) -> Option<(AgentHome, ClaudeRun, FakeAnthropic)> {
    let agents = real_agents()?;
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let run = run_claude_print(&agents, &home, &fake, &scenario.prompt(), &[])
        .await
        .unwrap();
    assert!(
        run.status.success(),
        "claude -p {}: {}\nstdout:\n{}\nfake replies: {:?}",
        scenario.name(),
        run.stderr,
        run.stdout,
        fake.replies()
    );
    Some((home, run, fake))
}

/// The `tool_result` blocks of the user entries of a transcript or stream, by tool_use_id.
fn tool_result<'a>(lines: &'a [Value], id: &str) -> Option<&'a Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "user")
        .filter_map(|l| l["message"]["content"].as_array())
        .flatten()
        .find(|b| b["type"] == "tool_result" && b["tool_use_id"] == id)
}

fn transcript(home: &AgentHome, run: &ClaudeRun) -> (String, Vec<Value>) {
    let session = run.session_id().expect("an init line with the session id");
    let path = home.claude_transcript(&session);
    assert!(path.is_file(), "no transcript at {}", path.display());
    (session, read_jsonl(&path))
}

#[tokio::test]
async fn hello_answers_and_writes_its_transcript() {
    let Some((home, run, _fake)) = play(ClaudeScenario::Hello).await else {
        return;
    };
    assert!(
        assistant_texts(&run.lines()).contains(&HELLO_TEXT.to_owned()),
        "{}",
        run.stdout
    );
    let (session, lines) = transcript(&home, &run);
    assert!(assistant_texts(&lines).contains(&HELLO_TEXT.to_owned()));
    let prompt = lines
        .iter()
        .find(|l| l["type"] == "user")
        .expect("the prompt");
    assert_eq!(prompt["sessionId"], session.as_str());
    assert_eq!(prompt["cwd"], home.cwd.display().to_string());
    assert_eq!(prompt["version"], "2.1.328");
}

#[tokio::test]
async fn bash_runs_the_command_for_real() {
    let Some((home, run, fake)) = play(ClaudeScenario::Bash).await else {
        return;
    };
    let (_, lines) = transcript(&home, &run);
    for (what, lines) in [("stream", run.lines()), ("transcript", lines)] {
        let result = tool_result(&lines, BASH_TOOL_ID).unwrap_or_else(|| panic!("{what}"));
        assert_eq!(result["is_error"], false, "{what}: {result}");
        assert!(result.to_string().contains("hello"), "{what}: {result}");
    }
    assert!(fake.replies().contains(&"bash: done".to_owned()));
}

#[tokio::test]
async fn a_failing_command_is_an_error_result() {
    let Some((home, run, _fake)) = play(ClaudeScenario::Fail).await else {
        return;
    };
    let (_, lines) = transcript(&home, &run);
    let result = tool_result(&lines, FAIL_TOOL_ID).expect("the failed command's result");
    assert_eq!(result["is_error"], true, "{result}");
    assert!(result.to_string().contains("Exit code 3"), "{result}");
}

#[tokio::test]
async fn a_background_task_runs_a_sub_agent_with_its_own_transcript() {
    let Some((home, run, fake)) = play(ClaudeScenario::Task).await else {
        return;
    };
    let stream = run.lines();
    let started = stream
        .iter()
        .find(|l| l["type"] == "system" && l["subtype"] == "task_started")
        .expect("task_started");
    assert_eq!(started["tool_use_id"], TASK_TOOL_ID);
    let notified = stream
        .iter()
        .find(|l| l["type"] == "system" && l["subtype"] == "task_notification")
        .expect("task_notification");
    assert_eq!(notified["status"], "completed");
    assert!(
        assistant_texts(&stream).contains(&TASK_DONE_TEXT.to_owned()),
        "{}",
        run.stdout
    );

    let (session, _) = transcript(&home, &run);
    let subagents = home.claude_subagent_transcripts(&session);
    assert_eq!(subagents.len(), 1, "{subagents:?}");
    let sub = read_jsonl(&subagents[0]);
    let result = tool_result(&sub, SUBAGENT_TOOL_ID).expect("the sub-agent's command result");
    assert!(
        result.to_string().contains("sub-agent-was-here"),
        "{result}"
    );
    assert!(
        fake.replies().contains(&"subagent: done".to_owned()),
        "{:?}",
        fake.replies()
    );
}

/// The fake can hold its reply: the agent is then caught in the middle of its turn (the
/// prompt written, no answer yet), which is where the collector's restart and crash tests
/// cut in; released, the turn completes.
#[tokio::test]
async fn a_held_reply_catches_the_agent_in_the_middle_of_its_turn() {
    let Some(agents) = real_agents() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    fake.hold();
    let prompt = ClaudeScenario::Hello.prompt();
    let run = run_claude_print(&agents, &home, &fake, &prompt, &[]);
    let check = async {
        let lines = poll_until(
            Duration::from_secs(60),
            "the prompt in the transcript while the reply is held",
            || {
                let asked = fake.replies().iter().any(|r| r == "hello: text");
                let files = home.claude_transcripts();
                let lines = read_jsonl(files.first()?);
                (asked && lines.iter().any(|l| l["type"] == "user")).then_some(lines)
            },
            || format!("{:?} {:?}", home.claude_transcripts(), fake.replies()),
        )
        .await
        .unwrap();
        assert!(assistant_texts(&lines).is_empty(), "no answer while held");
        fake.release();
    };
    let (run, ()) = tokio::join!(run, check);
    let run = run.unwrap();
    assert!(run.status.success(), "{}", run.stderr);
    assert!(assistant_texts(&run.lines()).contains(&HELLO_TEXT.to_owned()));
}
