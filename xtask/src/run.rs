//! `cargo xtask run`: build the dashboard (Trunk, offline, pinned tools) and the server in
//! release mode, then become `agentcast serve`, which serves the dashboard from `dist/` at `/`.
//!
//! The server prints where it listens. Extra arguments after `--` go to `agentcast serve`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cmd::{Cmd, fmt_duration, root, target_dir};
use crate::install;

pub(crate) fn run(serve_args: &[String]) -> Result<()> {
    install::dashboard_tools().context("dashboard build tools")?;
    build_dashboard()?;
    let bin = build_server()?;
    println!("==> step serve: agentcast serve (Ctrl-C stops it)");
    Err(Cmd::new(bin).arg("serve").args(serve_args).exec())
}

/// Build the dashboard into `dist/` with Trunk, release: the `wasm-release` cargo profile
/// (size over speed) and wasm-opt, so what the browser tests measure is what ships.
///
/// `--offline`: Trunk takes wasm-bindgen and wasm-opt from PATH at the versions Trunk.toml
/// pins instead of downloading them. wasm-opt is npm's binaryen (Debian's produces modules
/// Chromium refuses; TOOLCHAIN.md), installed in tests/js/node_modules.
pub(crate) fn build_dashboard() -> Result<()> {
    let started = Instant::now();
    println!("==> step dashboard: trunk build (release) into dist/");
    Cmd::new("trunk")
        .args([
            "build",
            "--offline",
            "--release",
            "--cargo-profile",
            "wasm-release",
        ])
        .env("PATH", tool_path()?)
        .run()?;
    println!(
        "==> step dashboard passed ({})",
        fmt_duration(started.elapsed())
    );
    Ok(())
}

/// PATH with npm's binaryen (tests/js/node_modules/.bin) and cargo's bin folder first.
fn tool_path() -> Result<OsString> {
    let mut dirs = vec![root().join("tests/js/node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
    {
        dirs.push(home.join("bin"));
    }
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).context("PATH")
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
