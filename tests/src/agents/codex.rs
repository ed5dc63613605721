//! Codex runs against [`FakeResponses`]: `codex exec` with `$HOME/.codex/config.toml`
//! naming the fake as its model provider (Codex ignores `OPENAI_BASE_URL`).

use std::process::{ExitStatus, Stdio};

use anyhow::Context;
use tokio::process::Command;

use super::claude::FOREIGN_ENV;
use super::fake_openai::FakeResponses;
use super::home::AgentHome;
use super::{RealAgents, output_within};

/// Writes `$HOME/.codex/config.toml` pointing Codex at `fake`.
pub fn write_codex_config(home: &AgentHome, fake: &FakeResponses) -> anyhow::Result<()> {
    let dir = home.codex_home();
    std::fs::create_dir_all(&dir)?;
    let config = format!(
        "model = \"gpt-5\"\n\
         model_provider = \"fake\"\n\
         \n\
         [model_providers.fake]\n\
         name = \"fake\"\n\
         base_url = \"{}\"\n\
         env_key = \"OPENAI_API_KEY\"\n\
         wire_api = \"responses\"\n",
        fake.base_url()
    );
    std::fs::write(dir.join("config.toml"), config).context("writing .codex/config.toml")
}

/// A finished `codex exec` run.
#[derive(Debug)]
pub struct CodexRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `codex exec --skip-git-repo-check [--json] <prompt>` in `home` against `fake`
/// (writing its config first), to its end.
pub async fn run_codex_exec(
    agents: &RealAgents,
    home: &AgentHome,
    fake: &FakeResponses,
    prompt: &str,
    json: bool,
) -> anyhow::Result<CodexRun> {
    write_codex_config(home, fake)?;
    let mut command = Command::new(&agents.codex);
    command
        .current_dir(&home.cwd)
        .env("HOME", &home.home)
        .env("OPENAI_API_KEY", "sk-fake-key-for-tests")
        .args(["exec", "--skip-git-repo-check"])
        .args(json.then_some("--json"))
        .arg(prompt)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in FOREIGN_ENV {
        command.env_remove(var);
    }
    let output = output_within(command, "codex exec").await?;
    Ok(CodexRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
