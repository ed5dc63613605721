//! The real agent CLIs (Claude Code, Codex) run offline against fake model APIs: the
//! harness of the `agents_*` tests (TOOLCHAIN.md, "Real agents, offline").
//!
//! The CLIs are npm packages pinned in `tests/agents/package.json`, installed by
//! `cargo xtask test`'s install step; npm blocks their postinstall here, so the platform
//! binaries are run directly. The agents are real; only the model behind them is ours:
//!
//! - `fake_anthropic`: a scripted Messages API (`POST /v1/messages`, streamed as SSE).
//! - `fake_openai`: a scripted Responses API (`POST /v1/responses`) for Codex.
//! - `home`: a temp `HOME` with a project directory, where the CLIs write their transcripts.
//! - `claude`: `claude -p`, and `agentcast run -- claude -p`, against the fake.
//! - `tmux`: the interactive `claude` in a pane of a private tmux server.
//! - `codex`: `codex exec` against the fake.
//! - `control`: `agentcast serve` starting `claude` in control mode against the fake.
//! - `watch`: the events a session streams to a Socket.IO client, until a condition.
//! - `fixtures`: the small transcripts kept in the repository (`tests/fixtures/agents`).
//!
//! A test starts with [`real_agents`]: without the CLIs it skips with a notice, except under
//! CI (`CI` set) where their absence fails the test. Every wait has a timeout.

pub mod claude;
pub mod codex;
pub mod control;
pub mod fake_anthropic;
mod fake_http;
pub mod fake_openai;
pub mod fixtures;
pub mod home;
pub mod tmux;
pub mod watch;

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use anyhow::Context;

pub use fake_http::{FakeApi, HOLD_LIMIT, LoggedRequest};

/// How long one agent run (a whole `claude -p` or `codex exec`) may take.
pub const AGENT_TIMEOUT: Duration = Duration::from_secs(120);

/// The installed CLIs.
#[derive(Debug, Clone)]
pub struct RealAgents {
    pub claude: PathBuf,
    pub codex: PathBuf,
}

/// Where `tests/agents` installs its packages.
fn node_modules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("agents/node_modules")
}

/// The Claude Code binary: `$AGENTCAST_CLAUDE_BIN`, else the one `tests/agents` installed.
pub fn claude_bin() -> PathBuf {
    std::env::var_os("AGENTCAST_CLAUDE_BIN").map_or_else(
        || node_modules().join("@anthropic-ai/claude-code-linux-x64/claude"),
        PathBuf::from,
    )
}

/// The Codex binary: `$AGENTCAST_CODEX_BIN`, else the one `tests/agents` installed.
pub fn codex_bin() -> PathBuf {
    std::env::var_os("AGENTCAST_CODEX_BIN").map_or_else(
        || {
            node_modules()
                .join("@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex")
        },
        PathBuf::from,
    )
}

/// Whether a missing tool fails the test: under CI (`CI` set to anything but `false`/`0`),
/// or with `AGENTCAST_REQUIRE_FIXTURES=1` as `cargo xtask test` sets under CI.
fn required() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    ci || std::env::var("AGENTCAST_REQUIRE_FIXTURES").is_ok_and(|v| v == "1")
}

/// `Some` when `missing` is empty; else a notice and `None`, or a panic under CI.
fn present<T>(value: T, missing: &[String], what: &str) -> Option<T> {
    if missing.is_empty() {
        return Some(value);
    }
    let list = missing.join(", ");
    assert!(
        !required(),
        "{what} missing under CI: {list} (the install step of `cargo xtask test` installs them)"
    );
    eprintln!(
        "NOTICE: {what} missing ({list}), skipping; run `cargo xtask test --only install` \
         (CI fails instead of skipping)"
    );
    None
}

/// The real CLIs, or `None` (after a notice) when they are not installed and not required.
pub fn real_agents() -> Option<RealAgents> {
    let agents = RealAgents {
        claude: claude_bin(),
        codex: codex_bin(),
    };
    let missing: Vec<String> = [&agents.claude, &agents.codex]
        .into_iter()
        .filter(|bin| !bin.is_file())
        .map(|bin| bin.display().to_string())
        .collect();
    present(agents, &missing, "the real agent CLIs")
}

/// The real CLIs and tmux, or `None` as [`real_agents`].
pub fn real_agents_and_tmux() -> Option<RealAgents> {
    let agents = real_agents()?;
    system_tool("tmux", "-V")?;
    Some(agents)
}

/// `Some` when `program` runs (`program probe_arg` succeeds), else `None` as [`real_agents`]:
/// a notice, or a panic under CI (the install step installs the system tools tests use).
pub fn system_tool(program: &str, probe_arg: &str) -> Option<()> {
    let found = std::process::Command::new(program)
        .arg(probe_arg)
        .output()
        .is_ok_and(|out| out.status.success());
    let missing = if found {
        vec![]
    } else {
        vec![program.to_owned()]
    };
    present((), &missing, program)
}

/// Runs `command` to its end, for at most [`AGENT_TIMEOUT`] (killed past it).
pub(crate) async fn output_within(
    mut command: tokio::process::Command,
    what: &str,
) -> anyhow::Result<Output> {
    command.kill_on_drop(true);
    tokio::time::timeout(AGENT_TIMEOUT, command.output())
        .await
        .with_context(|| format!("{what} did not finish within {AGENT_TIMEOUT:?}"))?
        .with_context(|| format!("running {what}"))
}

/// Calls `probe` every 100 ms until it gives `Some`, for at most `timeout`; the error names
/// `what` and carries the last `describe()` (what was seen instead).
pub async fn poll_until<T>(
    timeout: Duration,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
    describe: impl Fn() -> String,
) -> anyhow::Result<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(found) = probe() {
            return Ok(found);
        }
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!(
                "timed out after {timeout:?} waiting for {what}; last seen:\n{}",
                describe()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
