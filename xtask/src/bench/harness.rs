//! What every benchmark of `cargo xtask bench` does the same way: reading `--flag value`
//! arguments, saying how the run is pinned, running one client program against one fresh
//! server, and writing the runs out at the end.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::server::{ServerChild, bench_defaults, load_average};
use crate::cmd::{Cmd, fmt_duration, target_dir};

/// The release binaries a benchmark starts: the server and its measuring client.
pub(super) struct Paths {
    pub(super) agentcast: PathBuf,
    pub(super) client: PathBuf,
}

/// Builds the release server and `client` (a binary of agentcast-tests).
pub(super) fn build_release(client: &str) -> Result<Paths> {
    build_release_with(client, &[])
}

/// Builds the release server, `client` and the `also` binaries of agentcast-tests (they
/// sit beside `client`).
pub(super) fn build_release_with(client: &str, also: &[&str]) -> Result<Paths> {
    let bins: Vec<&str> = std::iter::once(client)
        .chain(also.iter().copied())
        .collect();
    println!("==> step build: release server and {}", bins.join(", "));
    Cmd::cargo()
        .args([
            "build",
            "--release",
            "-p",
            "agentcast-tests",
            "--bin",
            client,
        ])
        .args(also.iter().flat_map(|bin| ["--bin", *bin]))
        .args(["-p", "agentcast-server", "--bin", "agentcast"])
        .run()?;
    let release = target_dir().join("release");
    Ok(Paths {
        agentcast: release.join("agentcast"),
        client: release.join(client),
    })
}

/// What `agentcast serve` gets: the bench defaults this binary knows and `user_args` does
/// not set, then `user_args` (`--server-arg`).
pub(super) fn server_args(agentcast: &Path, user_args: &[String]) -> Vec<String> {
    let help = Cmd::new(agentcast)
        .args(["serve", "--help"])
        .probe()
        .unwrap_or_default();
    let mut args = bench_defaults(&help, user_args);
    args.extend(user_args.iter().cloned());
    args
}

/// The options every benchmark takes: `--repeats`, `--server-arg`, `--out`, `--no-pin`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Common {
    /// Server runs (3; 1 with `--quick`).
    pub(super) repeats: usize,
    /// Extra arguments for `agentcast serve`.
    pub(super) server_args: Vec<String>,
    /// Where every run's report goes as JSON.
    pub(super) out: Option<PathBuf>,
    /// Server and client on separate CPUs.
    pub(super) pin: bool,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            repeats: 3,
            server_args: Vec::new(),
            out: None,
            pin: true,
        }
    }
}

/// Whether `args` ask for the quick run: every benchmark's defaults depend on it.
pub(super) fn is_quick(args: &[String]) -> bool {
    args.iter().any(|a| a == "--quick")
}

/// Walks `args`: `--help` prints `usage` (and this returns `false`: nothing to run),
/// `--quick`, `--no-pin`, `--repeats`, `--server-arg` and `--out` fill `common`, and every
/// other flag goes to `own`, which returns `false` for a flag it does not know (an error that
/// names it, with the usage).
pub(super) fn parse_options(
    args: &[String],
    usage: &str,
    common: &mut Common,
    mut own: impl FnMut(&str, &mut dyn FnMut() -> Result<String>) -> Result<bool>,
) -> Result<bool> {
    if is_quick(args) {
        common.repeats = 1;
    }
    let go_on = walk_flags(args, |flag, value| {
        match flag {
            "-h" | "--help" => {
                println!("{usage}");
                return Ok(false);
            }
            "--quick" => {}
            "--no-pin" => common.pin = false,
            "--repeats" => common.repeats = value()?.parse().context("--repeats")?,
            "--server-arg" => common.server_args.push(value()?),
            "--out" => common.out = Some(PathBuf::from(value()?)),
            other => {
                if !own(other, value)? {
                    bail!("unknown option {other}\n\n{usage}");
                }
            }
        }
        Ok(true)
    })?;
    if go_on && common.repeats == 0 {
        bail!("--repeats must be positive");
    }
    Ok(go_on)
}

/// Walks `--flag value` and `--flag=value` arguments, calling `on_flag` with the flag and a
/// function that takes its value. `on_flag` returns `false` to stop (after printing help);
/// then this returns `false` too.
fn walk_flags(
    args: &[String],
    mut on_flag: impl FnMut(&str, &mut dyn FnMut() -> Result<String>) -> Result<bool>,
) -> Result<bool> {
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .with_context(|| format!("{flag} needs a value"))
        };
        if !on_flag(flag, &mut value)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The lines that tell a reader how far to trust the numbers: pinned or not, and the load
/// the machine had before the run.
pub(super) fn print_conditions(pin: bool, pinned: &str) {
    if pin {
        println!("    {pinned}");
    } else {
        println!("    NOT pinned (--no-pin, no taskset or fewer than 2 CPUs): numbers are rougher");
    }
    if let Some(load) = load_average()
        && load > 0.5
    {
        println!(
            "    note: load average {load:.2} before starting: other work shares these CPUs, \
             expect noise"
        );
    }
}

/// A server to start for one run: its command line (without the CPU pinning), environment
/// and working directory.
pub(super) struct ServerSpec<'a> {
    pub argv: Vec<OsString>,
    pub envs: &'a [(&'a str, &'a str)],
    pub cwd: PathBuf,
}

/// Starts the server on CPU 0 (when `pin`), waits for its address, runs `client` on CPU 1
/// with the arguments `client_args(url, server_pid)` gives, stops the server and returns the JSON of the
/// client's last stdout line (its report).
pub(super) fn run_client_against(
    server: ServerSpec<'_>,
    client: &Path,
    client_args: impl FnOnce(&str, u32) -> Vec<String>,
    pin: bool,
) -> Result<serde_json::Value> {
    let mut child = spawn_server(server, pin)?;
    let result = child
        .wait_for_url(Duration::from_secs(20))
        .and_then(|url| run_client(client, client_args(&url, child.pid()), pin));
    child.stop();
    result
}

/// Starts the server, on CPU 0 when `pin`; the caller waits for its address.
pub(super) fn spawn_server(server: ServerSpec<'_>, pin: bool) -> Result<ServerChild> {
    let mut argv: Vec<OsString> = Vec::new();
    if pin {
        argv.extend(["taskset", "-c", "0"].map(OsString::from));
    }
    argv.extend(server.argv);
    ServerChild::spawn(&argv, server.envs, &server.cwd)
}

/// Runs `client` with `args`, on CPU 1 when `pin`, and returns the JSON of its last stdout
/// line (its report).
pub(super) fn run_client(client: &Path, args: Vec<String>, pin: bool) -> Result<serde_json::Value> {
    let mut command = Command::new(if pin { "taskset" } else { "env" });
    if pin {
        command.args(["-c", "1"]);
    }
    let name = client.file_name().unwrap_or_default().to_string_lossy();
    let output = command
        .arg(client)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("starting {name}"))?;
    if !output.status.success() {
        bail!("{name} failed ({})", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("reading the report: {line}"))
}

/// One server run of a benchmark: its client's report, or why there is none.
#[derive(Debug, Serialize)]
pub(super) struct Run {
    pub(super) repeat: usize,
    pub(super) report: Option<serde_json::Value>,
    pub(super) error: Option<String>,
}

impl Run {
    /// The report as the benchmark reads it.
    pub(super) fn parsed<R: serde::de::DeserializeOwned>(&self) -> Option<R> {
        serde_json::from_value(self.report.clone()?).ok()
    }
}

/// Runs `once` `repeats` times, printing a line per run as it ends (`summary` of it, and how
/// long it took); a failed run is kept with its error.
pub(super) fn repeat_runs(
    repeats: usize,
    mut once: impl FnMut() -> Result<serde_json::Value>,
    summary: impl Fn(&Run) -> String,
) -> Vec<Run> {
    (1..=repeats)
        .map(|repeat| {
            let started = Instant::now();
            let (report, error) = match once() {
                Ok(report) => (Some(report), None),
                Err(e) => (None, Some(format!("{e:#}"))),
            };
            let run = Run {
                repeat,
                report,
                error,
            };
            println!(
                "    run #{repeat}: {} ({})",
                summary(&run),
                fmt_duration(started.elapsed())
            );
            run
        })
        .collect()
}

/// `--flag value` pairs as a client's arguments.
pub(super) fn flag_args<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Vec<String> {
    pairs
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_string(), value])
        .collect()
}

/// The words of `s` as arguments, for the benchmarks' option tests.
#[cfg(test)]
pub(super) fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// A token for the server of `data_dir` (`agentcast token create`, which reads or creates
/// the data directory's keys): `scope` on every session, valid for `ttl` (such as `1h`).
pub(super) fn mint_token(
    agentcast: &Path,
    data_dir: &Path,
    scope: &str,
    sub: &str,
    ttl: &str,
) -> Result<String> {
    let token = Cmd::new(agentcast)
        .args(["token", "create", "--data-dir"])
        .arg(data_dir)
        .args([
            "--scope",
            scope,
            "--session",
            "*",
            "--sub",
            sub,
            "--ttl",
            ttl,
        ])
        .probe()
        .context("agentcast token create failed")?;
    Ok(token.trim().to_owned())
}

/// A fresh, empty data directory for one run.
pub(super) fn fresh_dir(name: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("agentcast-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Writes every run to `--out` when asked, prints the end of the step, and fails when no
/// run produced a report.
pub(super) fn finish<R: Serialize>(
    out: Option<&Path>,
    pin: bool,
    runs: &[R],
    reported: usize,
    started: Instant,
) -> Result<()> {
    if let Some(out) = out {
        let json = serde_json::json!({ "pinned": pin, "runs": runs });
        std::fs::write(out, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("writing {}", out.display()))?;
        println!("    every run's report: {}", out.display());
    }
    println!("==> step bench done ({})", fmt_duration(started.elapsed()));
    if reported == 0 {
        bail!("no run produced a report");
    }
    Ok(())
}
