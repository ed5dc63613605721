//! The interactive Claude Code TUI, in a pane of a private tmux server, prompted twice with
//! `send-keys` against the scripted fake Messages API: it answers on screen, and it writes
//! one transcript (the same format as `claude -p`) that grows with each prompt.

use std::time::Duration;

use agentcast_tests::agents::fake_anthropic::{FakeAnthropic, chat_answer, chat_prompt};
use agentcast_tests::agents::home::{AgentHome, assistant_texts, read_jsonl};
use agentcast_tests::agents::tmux::ClaudeTui;
use agentcast_tests::agents::{poll_until, real_agents_and_tmux};

const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn two_prompts_typed_into_the_tui_are_answered_and_transcribed() {
    let Some(agents) = real_agents_and_tmux() else {
        return;
    };
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let tui = ClaudeTui::start(&agents, &home, &fake).await.unwrap();

    for turn in 1..=2 {
        tui.prompt(&chat_prompt(turn)).await.unwrap();
        tui.wait_for(&chat_answer(turn), ANSWER_TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("turn {turn}: {e:#}\nfake replies: {:?}", fake.replies()));
    }

    // The screen may show an answer a moment before the transcript line is written.
    let lines = poll_until(
        ANSWER_TIMEOUT,
        "both answers in one transcript",
        || {
            let files = home.claude_transcripts();
            let [file] = files.as_slice() else {
                return None;
            };
            let lines = read_jsonl(file);
            let said = assistant_texts(&lines);
            (said.contains(&chat_answer(1)) && said.contains(&chat_answer(2))).then_some(lines)
        },
        || format!("{:?}", home.claude_transcripts()),
    )
    .await
    .unwrap();
    let prompts: Vec<String> = lines
        .iter()
        .filter(|l| l["type"] == "user")
        .filter_map(|l| l["message"]["content"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(prompts, [chat_prompt(1), chat_prompt(2)]);
    assert!(
        lines
            .iter()
            .filter(|l| l["type"] == "user")
            .all(|l| l["cwd"] == home.cwd.display().to_string())
    );
}
