//! `cargo xtask fixtures`: regenerate `tests/fixtures/agents`, the small real transcripts the
//! real Claude Code and Codex CLIs write against the tests' fake model APIs. It installs the
//! CLIs if they are missing, then runs the ignored test that plays the scenarios and writes
//! the files (tests/tests/agents_fixtures.rs).

use anyhow::Result;

use crate::cmd::{Cmd, note};
use crate::install;

pub(crate) fn run() -> Result<()> {
    install::npm_packages()?;
    Cmd::cargo()
        .args([
            "test",
            "-p",
            "agentcast-tests",
            "--test",
            "agents_fixtures",
            "--",
            "--ignored",
            "--nocapture",
        ])
        .run()?;
    note("fixtures written to tests/fixtures/agents; review them with `git diff --stat`");
    Ok(())
}
