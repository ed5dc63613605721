//! `cargo xtask bench watch`: whether `agentcast watch` keeps up with a session publishing
//! 10,000 events/s, with bounded memory (issue 15, "Measure").
//!
//! Each run starts a fresh release `agentcast serve` in its default configuration (JWT auth,
//! SQLite, the default limits; `--no-collect`) on CPU 0 with `TOKIO_WORKER_THREADS=1`, mints
//! a write token for its data directory, and runs `agentcast-watch-bench` on CPU 1. That
//! client publishes the events at the rate into a fresh session per phase and consumes them
//! three ways: the reference (our Rust client in its own process, counting envelopes), then
//! the release `agentcast watch SESSION --json`, then `agentcast watch SESSION` printing
//! lines (both started by it, so on CPU 1 too; their stdout read by it).
//!
//! ```text
//! cargo xtask bench watch            # 3 runs of 100,000 events at 10,000/s (~40 s after the build)
//! cargo xtask bench watch --quick    # 1 run of 20,000 events
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::harness::{
    Common, Paths, Run, ServerSpec, build_release, finish, fresh_dir, is_quick, mint_token,
    parse_options, print_conditions, repeat_runs, run_client_against,
};
use super::median;
use super::server::can_pin;

/// The first argument that selects this benchmark: `cargo xtask bench watch`.
pub(super) const NAME: &str = "watch";

const USAGE: &str = "\
cargo xtask bench watch [options]: agentcast watch at a publishing rate

  --repeats R         server runs                               [3; quick: 1]
  --events N          events published per phase                [100000; quick: 20000]
  --rate N            events per second                         [10000]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~10 second run
  --no-pin            do not pin the server and the clients to separate CPUs";

#[derive(Debug)]
struct Options {
    events: u64,
    rate: f64,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            events: if quick { 20_000 } else { 100_000 },
            rate: 10_000.0,
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--events" => opts.events = value()?.parse().context("--events")?,
                "--rate" => opts.rate = value()?.parse().context("--rate")?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if opts.events == 0 || !(opts.rate.is_finite() && opts.rate > 0.0) {
            bail!("--events and --rate must be positive");
        }
        Ok(Some(opts))
    }
}

/// One phase of `agentcast-watch-bench`'s report.
#[derive(Debug, Clone, Deserialize)]
struct Phase {
    events_per_s: f64,
    lag_ms: f64,
    peak_rss_kb: Option<u64>,
    cpu_percent: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
struct WatchReport {
    reference: Phase,
    json: Phase,
    lines: Phase,
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release("agentcast-watch-bench")?;
    let pin = opts.common.pin && can_pin();
    println!("==> step bench: watch, agentcast watch at a publishing rate");
    print_conditions(
        pin,
        "the server gets CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1), the bench client and \
         the watch CPU 1",
    );
    println!(
        "    {} events per phase at {}/s; server: JWT auth, SQLite, default limits; {} repeat(s)",
        opts.events, opts.rate, opts.common.repeats
    );
    let runs = repeat_runs(
        opts.common.repeats,
        || run_once(&opts, &paths, pin),
        summary,
    );
    println!();
    print!("{}", table(&opts, &runs));
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

fn run_once(opts: &Options, paths: &Paths, pin: bool) -> Result<serde_json::Value> {
    let data_dir = fresh_dir("watch")?;
    let token = mint_token(&paths.agentcast, &data_dir, "write", "watch-bench", "1h")?;
    let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
    argv.extend(
        [
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-collect",
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
    let agentcast: &Path = &paths.agentcast;
    let client_args = |url: &str, _server_pid: u32| -> Vec<String> {
        vec![
            "--url".into(),
            url.into(),
            "--token".into(),
            token.clone(),
            "--agentcast".into(),
            agentcast.display().to_string(),
            "--events".into(),
            opts.events.to_string(),
            "--rate".into(),
            opts.rate.to_string(),
        ]
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

fn summary(run: &Run) -> String {
    match (run.parsed::<WatchReport>(), &run.error) {
        (Some(r), _) => format!(
            "reference {:.0}/s, watch --json {:.0}/s (lag {:.0} ms, peak {} MB), lines {:.0}/s",
            r.reference.events_per_s,
            r.json.events_per_s,
            r.json.lag_ms,
            mb(r.json.peak_rss_kb),
            r.lines.events_per_s
        ),
        (None, Some(e)) => format!("FAILED: {e}"),
        (None, None) => "FAILED: unreadable report".to_string(),
    }
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("-".into(), |kb| format!("{:.1}", kb as f64 / 1024.0))
}

type Pick = fn(&WatchReport) -> &Phase;

const ROWS: [(&str, Pick); 3] = [
    ("reference: Rust client, counting", |r| &r.reference),
    ("agentcast watch --json", |r| &r.json),
    ("agentcast watch (lines)", |r| &r.lines),
];

fn table(opts: &Options, runs: &[Run]) -> String {
    let reports: Vec<WatchReport> = runs.iter().filter_map(Run::parsed::<WatchReport>).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- agentcast watch at {}/s, {} events per phase, median of {} run(s) --",
        opts.rate,
        opts.events,
        reports.len()
    );
    let _ = writeln!(
        out,
        "  {:<34} {:>10} {:>8} {:>8} {:>13} {:>10}",
        "consumer", "events/s", "vs ref", "lag ms", "peak RSS MB", "CPU % core"
    );
    let reference = median(reports.iter().map(|r| r.reference.events_per_s).collect());
    let mut json_row = None;
    for (label, pick) in ROWS {
        let of = |f: fn(&Phase) -> Option<f64>| {
            median(reports.iter().filter_map(|r| f(pick(r))).collect())
        };
        let Some(rate) = of(|p| Some(p.events_per_s)) else {
            let _ = writeln!(out, "  {label:<34} no successful run");
            continue;
        };
        let lag = of(|p| Some(p.lag_ms)).unwrap_or(0.0);
        let rss = of(|p| p.peak_rss_kb.map(|kb| kb as f64 / 1024.0));
        let cpu = of(|p| p.cpu_percent);
        let ratio = reference.map_or("-".into(), |r| format!("{:.2}x", rate / r));
        let _ = writeln!(
            out,
            "  {label:<34} {rate:>10.0} {ratio:>8} {lag:>8.0} {:>13} {:>10}",
            rss.map_or("-".into(), |v| format!("{v:.1}")),
            cpu.map_or("-".into(), |v| format!("{v:.0}"))
        );
        if label.contains("--json") {
            json_row = Some((rate, lag, rss));
        }
    }
    if let Some((rate, lag, rss)) = json_row {
        let kept_up = rate >= 0.95 * opts.rate && lag < 1000.0;
        let _ = writeln!(
            out,
            "  goal: watch --json keeps up with {}/s with bounded memory: {} ({rate:.0}/s, last event {lag:.0} ms after the last publish, peak {} MB)",
            opts.rate,
            if kept_up { "met" } else { "NOT met" },
            rss.map_or("-".into(), |v| format!("{v:.1}"))
        );
    }
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_quick_and_refusals() {
        let opts = Options::parse(&args("")).unwrap().unwrap();
        assert_eq!(
            (opts.common.repeats, opts.events, opts.rate),
            (3, 100_000, 10_000.0)
        );
        let quick = Options::parse(&args("--quick --rate 500"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (quick.common.repeats, quick.events, quick.rate),
            (1, 20_000, 500.0)
        );
        assert!(Options::parse(&args("--events 0")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
    }
}
