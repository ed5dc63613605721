//! `cargo xtask bench top`: what `agentcast top` costs with many sessions and a steady stream
//! of events (issue 15, "Measure": 1,000 sessions and 1,000 events/s, under 5% of a core and
//! at most 10 redraws a second).
//!
//! Each run starts a fresh release `agentcast serve` (SQLite, no authentication and no rate
//! limits: the publisher is one address sending 1,000 requests a second; `--no-collect`) on
//! CPU 0 with `TOKIO_WORKER_THREADS=1`, and runs `agentcast-top-bench` on CPU 1. That client
//! publishes the sessions, starts `agentcast top --max-fps 10 --print-frames` in a tmux pane
//! (on CPU 1 too), publishes the events over REST for the window and reads the CPU time `top`
//! spent from `/proc/PID/stat`; the reference, in the same run, is the server's CPU time for
//! the same events.
//!
//! ```text
//! cargo xtask bench top            # 3 runs of 20 s, 1,000 sessions, 1,000 events/s
//! cargo xtask bench top --quick    # 1 run of 10 s
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::harness::{
    Common, Paths, Run, ServerSpec, build_release, finish, fresh_dir, is_quick, parse_options,
    print_conditions, repeat_runs, run_client_against,
};
use super::median;
use super::server::can_pin;

/// The first argument that selects this benchmark: `cargo xtask bench top`.
pub(super) const NAME: &str = "top";

const USAGE: &str = "\
cargo xtask bench top [options]: agentcast top's CPU and redraws under a stream of events

  --repeats R         server runs                               [3; quick: 1]
  --sessions N        sessions on the server                    [1000]
  --rate N            events per second, across the sessions    [1000]
  --seconds S         the measured window of each run           [20; quick: 10]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~20 second run
  --no-pin            do not pin the server and the client (and top) to separate CPUs";

/// The issue's goals: CPU of one core, in percent, and frames a second.
const GOAL_CPU_PCT: f64 = 5.0;
const GOAL_FPS: f64 = 10.0;

#[derive(Debug)]
struct Options {
    common: Common,
    sessions: u64,
    rate: u64,
    seconds: u64,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut common = Common::default();
        let (mut sessions, mut rate, mut seconds) = (1000, 1000, if quick { 10 } else { 20 });
        let go_on = parse_options(args, USAGE, &mut common, |flag, value| {
            match flag {
                "--sessions" => sessions = value()?.parse().context("--sessions")?,
                "--rate" => rate = value()?.parse().context("--rate")?,
                "--seconds" => seconds = value()?.parse().context("--seconds")?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if sessions == 0 || rate == 0 || seconds == 0 {
            bail!("--sessions, --rate and --seconds must be positive");
        }
        Ok(Some(Options {
            common,
            sessions,
            rate,
            seconds,
        }))
    }
}

/// The fields of `agentcast-top-bench`'s report that the table uses.
#[derive(Debug, Clone, Deserialize)]
struct TopReport {
    events: u64,
    errors: u64,
    events_per_s: f64,
    top_cpu_pct: f64,
    server_cpu_pct: f64,
    frames: u64,
    frames_per_s: f64,
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    if std::process::Command::new("tmux")
        .arg("-V")
        .output()
        .is_err()
    {
        bail!("tmux is needed (apt-get install -y tmux): top is measured in a terminal");
    }
    let started = Instant::now();
    let paths = build_release("agentcast-top-bench")?;
    let pin = opts.common.pin && can_pin();

    println!("==> step bench: top, agentcast top under a stream of events");
    print_conditions(
        pin,
        "the server gets CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1), the publisher, tmux \
         and top CPU 1",
    );
    println!(
        "    {} sessions, {} events/s over REST for {} s per run; server: SQLite, no auth, no \
         rate limits; {} repeat(s)",
        opts.sessions, opts.rate, opts.seconds, opts.common.repeats
    );
    let runs = repeat_runs(
        opts.common.repeats,
        || run_once(&opts, &paths, pin),
        summary,
    );
    println!();
    print!("{}", table(&runs));
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

fn run_once(opts: &Options, paths: &Paths, pin: bool) -> Result<serde_json::Value> {
    let data_dir = fresh_dir("top")?;
    let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
    argv.extend(
        [
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-collect",
            "--auth",
            "none",
            "--http-requests-per-ip-per-s",
            "0",
            "--connections-per-ip-per-s",
            "0",
            "--data-dir",
        ]
        .map(OsString::from),
    );
    argv.push(data_dir.clone().into());
    argv.extend(opts.common.server_args.iter().map(OsString::from));
    let spec = ServerSpec {
        argv,
        envs: &[("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")],
        cwd: data_dir.clone(),
    };
    let agentcast = paths
        .agentcast
        .canonicalize()
        .context("the release agentcast")?;
    let client_args = |url: &str, server_pid: u32| -> Vec<String> {
        [
            ("--url", url.to_string()),
            ("--server-pid", server_pid.to_string()),
            ("--agentcast", agentcast.display().to_string()),
            ("--sessions", opts.sessions.to_string()),
            ("--rate", opts.rate.to_string()),
            ("--seconds", opts.seconds.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_string(), value])
        .collect()
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// One line per run, as it finishes.
fn summary(run: &Run) -> String {
    match (run.parsed::<TopReport>(), &run.error) {
        (Some(r), _) => format!(
            "top {:.1}% of a core, {:.1} frames/s ({} frames); server {:.1}%; {} events at \
             {:.0}/s, {} errors",
            r.top_cpu_pct,
            r.frames_per_s,
            r.frames,
            r.server_cpu_pct,
            r.events,
            r.events_per_s,
            r.errors
        ),
        (None, Some(e)) => format!("FAILED: {e}"),
        (None, None) => "FAILED: unreadable report".to_string(),
    }
}

fn table(runs: &[Run]) -> String {
    let reports: Vec<TopReport> = runs.iter().filter_map(Run::parsed::<TopReport>).collect();
    let of = |pick: fn(&TopReport) -> f64| median(reports.iter().map(pick).collect());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- agentcast top under load, median of {} run(s) --",
        reports.len()
    );
    let (Some(cpu), Some(fps), Some(server), Some(rate)) = (
        of(|r| r.top_cpu_pct),
        of(|r| r.frames_per_s),
        of(|r| r.server_cpu_pct),
        of(|r| r.events_per_s),
    ) else {
        let _ = writeln!(out, "  no successful run");
        return out;
    };
    let _ = writeln!(out, "  events published          {rate:>8.0} /s");
    let _ = writeln!(out, "  top CPU                   {cpu:>8.2} % of a core");
    let _ = writeln!(out, "  top frames                {fps:>8.2} /s");
    let _ = writeln!(out, "  reference: server CPU     {server:>8.2} % of a core");
    let met = cpu < GOAL_CPU_PCT && fps <= GOAL_FPS;
    let _ = writeln!(
        out,
        "  goal: under {GOAL_CPU_PCT}% of a core and at most {GOAL_FPS} frames/s: {}",
        if met { "met" } else { "NOT met" }
    );
    let errors: u64 = reports.iter().map(|r| r.errors).sum();
    let _ = writeln!(out, "  errors: {errors} (publish requests that failed)");
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_quick_and_refusals() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(
            (full.common.repeats, full.sessions, full.rate, full.seconds),
            (3, 1000, 1000, 20)
        );
        let quick = Options::parse(&args("--quick --rate=500"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (quick.common.repeats, quick.rate, quick.seconds),
            (1, 500, 10)
        );
        assert!(Options::parse(&args("--rate 0")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }
}
