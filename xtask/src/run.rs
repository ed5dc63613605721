//! `cargo xtask run`: build the server in release mode and become `agentcast serve`.
//!
//! The server prints where it listens. Extra arguments after `--` go to `agentcast serve`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;

use crate::cmd::{Cmd, fmt_duration, target_dir};

pub(crate) fn run(serve_args: &[String]) -> Result<()> {
    let bin = build_server()?;
    println!("==> step serve: agentcast serve (Ctrl-C stops it)");
    Err(Cmd::new(bin).arg("serve").args(serve_args).exec())
}

/// Build the release `agentcast` binary and return its path.
fn build_server() -> Result<PathBuf> {
    let started = Instant::now();
    println!("==> step build: the agentcast server, release profile");
    Cmd::cargo()
        .args([
            "build",
            "--release",
            "-p",
            "agentcast-server",
            "--bin",
            "agentcast",
        ])
        .run()?;
    println!(
        "==> step build passed ({})",
        fmt_duration(started.elapsed())
    );
    Ok(target_dir().join("release").join("agentcast"))
}
