//! Claude Code runs against [`FakeAnthropic`]: `claude -p` directly, and wrapped in
//! `agentcast run` so its stream-json reaches a server.

use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use serde_json::Value;
use tokio::process::Command;

use super::fake_anthropic::FakeAnthropic;
use super::home::AgentHome;
use super::{RealAgents, output_within};
use crate::server::{ServerProcess, agentcast_bin};

/// Variables of the test's own environment that would steer the CLIs elsewhere (a
/// developer's config, a parent Claude Code session, a tmux client).
pub const FOREIGN_ENV: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CLAUDECODE",
    "CLAUDE_CODE_ENTRYPOINT",
    "CLAUDE_CODE_SSE_PORT",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "CODEX_HOME",
    "OPENAI_BASE_URL",
    "TMUX",
    "TMUX_PANE",
];

/// The environment of a Claude Code process of `home` talking to `fake`.
pub fn claude_env(home: &AgentHome, fake: &FakeAnthropic) -> Vec<(String, OsString)> {
    claude_env_at(&home.home, fake.url())
}

/// The environment of a Claude Code process with `HOME` at `home` talking to the Messages
/// API at `api_url` (for a home this harness did not make: `agentcast-fake-model-api`).
pub fn claude_env_at(home: &Path, api_url: &str) -> Vec<(String, OsString)> {
    [
        ("HOME", home.as_os_str().to_owned()),
        ("ANTHROPIC_BASE_URL", api_url.into()),
        ("ANTHROPIC_API_KEY", "sk-ant-fake-key-for-tests-0000".into()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
        ("DISABLE_AUTOUPDATER", "1".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// The arguments of a `claude -p` run of `prompt` printing stream-json, with `Bash` and
/// `Task` allowed (as root `--dangerously-skip-permissions` is refused), then `extra`.
pub fn print_args(prompt: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "-p",
        prompt,
        "--output-format",
        "stream-json",
        "--verbose",
        "--allowedTools",
        "Bash",
        "Task",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// A finished `claude -p` run.
#[derive(Debug)]
pub struct ClaudeRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl ClaudeRun {
    /// The stream-json lines of stdout.
    pub fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Claude's session id, from the `system`/`init` line.
    pub fn session_id(&self) -> Option<String> {
        self.lines()
            .iter()
            .find(|l| l["type"] == "system" && l["subtype"] == "init")
            .and_then(|l| l["session_id"].as_str().map(str::to_owned))
    }
}

/// `command` with the CLI environment of `home` and `fake`, in the project directory.
fn agent_command(
    program: impl AsRef<std::ffi::OsStr>,
    home: &AgentHome,
    fake: &FakeAnthropic,
) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(&home.cwd)
        .envs(claude_env(home, fake))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in FOREIGN_ENV {
        command.env_remove(var);
    }
    command
}

/// Runs `claude -p <prompt>` (see [`print_args`]) in `home` against `fake`, to its end.
pub async fn run_claude_print(
    agents: &RealAgents,
    home: &AgentHome,
    fake: &FakeAnthropic,
    prompt: &str,
    extra: &[&str],
) -> anyhow::Result<ClaudeRun> {
    let mut command = agent_command(&agents.claude, home, fake);
    command.args(print_args(prompt, extra));
    let output = output_within(command, "claude -p").await?;
    Ok(ClaudeRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// Runs `agentcast run --server <server> --session <session> -- claude -p <prompt> ...` in
/// `home` against `fake`, to its end.
pub async fn agentcast_run_claude(
    agents: &RealAgents,
    server: &ServerProcess,
    session: &str,
    home: &AgentHome,
    fake: &FakeAnthropic,
    prompt: &str,
    extra: &[&str],
) -> anyhow::Result<Output> {
    let mut command = agent_command(agentcast_bin(), home, fake);
    command
        .args(["run", "--server", &server.url, "--session", session, "--"])
        .arg(&agents.claude)
        .args(print_args(prompt, extra));
    output_within(command, "agentcast run -- claude -p").await
}
