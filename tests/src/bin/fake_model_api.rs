//! The scripted fake Messages API ([`FakeAnthropic`]) as a process, for suites not written
//! in Rust (tests/js): they run the real `claude` against it without a second fake.
//!
//! `agentcast-fake-model-api --home DIR` serves it on 127.0.0.1 (an ephemeral port) and
//! prints one JSON line on stdout:
//!
//! ```json
//! {"url": "http://127.0.0.1:PORT",
//!  "env": {"HOME": "DIR", "ANTHROPIC_BASE_URL": "...", ...},
//!  "unset": ["CLAUDE_CONFIG_DIR", ...],
//!  "scenarios": {"hello": "[scenario:hello] ...", "bash": ..., "permission": ..., ...},
//!  "script": {"bash_tool_id": "toolu_bash_1", "bash_command": "echo hello", ...}}
//! ```
//!
//! `env` is what a `claude` run with `HOME` at DIR needs (set it, and remove the `unset`
//! variables of the caller's environment); `scenarios` the prompt that plays each scenario;
//! `script` the ids, commands and texts the scenarios use, for the caller's assertions. It
//! serves until its stdin closes (the caller exited or closed it), then prints the names of
//! the replies it gave as one JSON line on stderr (`{"replies": [...]}`) and exits.

use std::path::PathBuf;

use agentcast_tests::agents::claude::{FOREIGN_ENV, claude_env_at};
use agentcast_tests::agents::fake_anthropic::{
    BASH_COMMAND, BASH_TOOL_ID, ClaudeScenario, FAIL_COMMAND, FAIL_TOOL_ID, FakeAnthropic,
    HELLO_TEXT, MCP_CALLS, MCP_DONE_TEXT, PERMISSION_COMMAND, PERMISSION_DONE_TEXT,
    PERMISSION_FILE, PERMISSION_REFUSED_TEXT, PERMISSION_TOOL_ID, SUBAGENT_COMMAND,
    SUBAGENT_DONE_TEXT, SUBAGENT_PROMPT, SUBAGENT_TOOL_ID, TASK_DONE_TEXT, TASK_TOOL_ID,
    chat_answer, chat_prompt,
};
use clap::Parser;
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;

#[derive(Parser)]
struct Args {
    /// The `HOME` of the `claude` runs the printed environment is for.
    #[arg(long)]
    home: PathBuf,
}

/// What the caller needs to run `claude` against `fake` and check what it did.
fn ready_line(fake: &FakeAnthropic, args: &Args) -> Value {
    let env: Map<String, Value> = claude_env_at(&args.home, fake.url())
        .into_iter()
        .map(|(key, value)| (key, value.to_string_lossy().into_owned().into()))
        .collect();
    let scenarios: Map<String, Value> = ClaudeScenario::PRINT
        .into_iter()
        .chain([
            ClaudeScenario::Permission,
            ClaudeScenario::Chat,
            ClaudeScenario::Mcp,
        ])
        .map(|s| (s.name().to_owned(), s.prompt().into()))
        .collect();
    json!({
        "url": fake.url(),
        "env": env,
        "unset": FOREIGN_ENV,
        "scenarios": scenarios,
        "script": {
            "hello_text": HELLO_TEXT,
            "bash_tool_id": BASH_TOOL_ID,
            "bash_command": BASH_COMMAND,
            "fail_tool_id": FAIL_TOOL_ID,
            "fail_command": FAIL_COMMAND,
            "task_tool_id": TASK_TOOL_ID,
            "task_done_text": TASK_DONE_TEXT,
            "subagent_prompt": SUBAGENT_PROMPT,
            "subagent_tool_id": SUBAGENT_TOOL_ID,
            "subagent_command": SUBAGENT_COMMAND,
            "subagent_done_text": SUBAGENT_DONE_TEXT,
            "permission_tool_id": PERMISSION_TOOL_ID,
            "permission_command": PERMISSION_COMMAND,
            "permission_file": PERMISSION_FILE,
            "permission_done_text": PERMISSION_DONE_TEXT,
            "permission_refused_text": PERMISSION_REFUSED_TEXT,
            "chat_answer_2": chat_answer(2),
            "chat_prompt_2": chat_prompt(2),
            "mcp_tools": MCP_CALLS.map(|(_, tool)| tool),
            "mcp_done_text": MCP_DONE_TEXT,
        },
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let fake = FakeAnthropic::start().await?;
    println!("{}", ready_line(&fake, &args));

    // Serve until stdin reaches its end (or fails): the caller is gone or done.
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 1024];
    while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}

    eprintln!("{}", json!({"replies": fake.replies()}));
    Ok(())
}
