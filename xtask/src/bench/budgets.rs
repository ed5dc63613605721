//! `cargo xtask bench budgets`: the seed's budgets (issue 18, item 5), each measured and
//! printed against its bound, medians of several runs.
//!
//! Each run starts a fresh release `agentcast serve --demo` in its default configuration
//! (JWT auth, SQLite, every event committed before it is sent; `--no-collect`, so the
//! transcripts of this machine's agents stay out of it) on CPU 0, with the two per-client
//! rate limits opened because every client of the benchmark comes from 127.0.0.1 and the
//! throughput phase publishes far more than a person: `--connections-per-ip-per-s 0`,
//! `--messages-per-socket-per-s 0`. It mints a token and runs `agentcast-budgets` on CPU 1:
//! 10 clients follow the demo for a window (RSS, CPU, latency of the demo's events), then
//! 10 clients receive events published one per `publish` as fast as the server acks them
//! (events/s), then 100 clients connect at once and must each receive every event.
//!
//! ```text
//! cargo xtask bench budgets            # 3 runs, 30 s of demo each (~2.5 minutes after the build)
//! cargo xtask bench budgets --quick    # 1 run, 20 s of demo
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::harness::{
    Common, Paths, Run, ServerSpec, build_release, finish, flag_args, fresh_dir, is_quick,
    mint_token, parse_options, print_conditions, repeat_runs, run_client_against,
};
use super::server::can_pin;
use super::{median, thousands};

/// The first argument that selects this benchmark: `cargo xtask bench budgets`.
pub(super) const NAME: &str = "budgets";

const USAGE: &str = "\
cargo xtask bench budgets [options]: the seed's budgets against `agentcast serve --demo`

  --repeats R         server runs                               [3; quick: 1]
  --seconds S         seconds the 10 clients follow the demo    [30; quick: 20]
  --events N          events of the throughput phase            [10000; quick: 5000]
  --connections N     clients of the connections phase          [100]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~40 second run
  --no-pin            do not pin the server and the clients to separate CPUs";

/// Clients following the demo and receiving the throughput phase: the seed's figure.
const CLIENTS: usize = 10;

#[derive(Debug)]
struct Options {
    seconds: f64,
    events: u64,
    connections: usize,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            seconds: if quick { 20.0 } else { 30.0 },
            events: if quick { 5_000 } else { 10_000 },
            connections: 100,
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--seconds" => opts.seconds = value()?.parse().context("--seconds")?,
                "--events" => opts.events = value()?.parse().context("--events")?,
                "--connections" => opts.connections = value()?.parse().context("--connections")?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if !(opts.seconds.is_finite() && opts.seconds >= 1.0) {
            bail!("--seconds must be at least 1");
        }
        if opts.events == 0 || opts.connections == 0 {
            bail!("--events and --connections must be positive");
        }
        Ok(Some(opts))
    }
}

/// The fields of `agentcast-budgets`'s report the table uses (it has more).
#[derive(Debug, Deserialize)]
struct Report {
    demo: Demo,
    throughput: FanOut,
    connections: FanOut,
}

#[derive(Debug, Deserialize)]
struct Demo {
    events_per_s: f64,
    latency: Latency,
    rss_max_kb: Option<u64>,
    server_cpu_pct: Option<f64>,
    errors: u64,
}

#[derive(Debug, Deserialize)]
struct Latency {
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// A load generator report (bench.rs's `LoadReport` has the fan-out benchmark's columns).
#[derive(Debug, Deserialize)]
struct FanOut {
    clients: usize,
    delivered_per_s: f64,
    p99_us: u64,
    errors: u64,
    error_detail: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    connect_failed: u64,
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release("agentcast-budgets")?;
    let pin = opts.common.pin && can_pin();
    println!("==> step bench: budgets, the seed's bounds against agentcast serve --demo");
    print_conditions(
        pin,
        "the server gets CPU 0 (taskset -c 0), agentcast-budgets CPU 1 (one thread)",
    );
    println!(
        "    server: --demo, JWT auth, SQLite, --connections-per-ip-per-s 0, \
         --messages-per-socket-per-s 0; {} s of demo, {} events, {} connections; {} repeat(s)",
        opts.seconds, opts.events, opts.connections, opts.common.repeats
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
    let data_dir = fresh_dir("budgets")?;
    let token = mint_token(&paths.agentcast, &data_dir, "write", "budgets", "1h")?;
    let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
    argv.extend(
        [
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-collect",
            "--demo",
            "--connections-per-ip-per-s",
            "0",
            "--messages-per-socket-per-s",
            "0",
            "--data-dir",
        ]
        .map(OsString::from),
    );
    argv.push(data_dir.clone().into());
    argv.extend(opts.common.server_args.iter().map(OsString::from));
    let spec = ServerSpec {
        argv,
        envs: &[("RUST_LOG", "warn")],
        cwd: data_dir.clone(),
    };
    let client_args = |url: &str, server_pid: u32| -> Vec<String> {
        flag_args([
            ("--url", url.to_string()),
            ("--server-pid", server_pid.to_string()),
            ("--token", token.clone()),
            ("--clients", CLIENTS.to_string()),
            ("--seconds", opts.seconds.to_string()),
            ("--events", opts.events.to_string()),
            ("--connections", opts.connections.to_string()),
        ])
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

fn summary(run: &Run) -> String {
    match (run.parsed::<Report>(), &run.error) {
        (Some(r), _) => {
            let f = figures(&r);
            format!(
                "RSS {:.1} MB, CPU {:.1}%, demo p99 {:.1} ms, {:.0} events/s, {} connections",
                f[0], f[1], f[2], f[3], f[4]
            )
        }
        (None, Some(e)) => format!("FAILED: {e}"),
        (None, None) => "FAILED: unreadable report".to_string(),
    }
}

/// A budget: what is measured, its bound, and whether the bound is a maximum.
struct Budget {
    figure: &'static str,
    unit: &'static str,
    bound: f64,
    at_most: bool,
}

const BUDGETS: [Budget; 5] = [
    Budget {
        figure: "RSS, 10 clients, demo running (max over the window)",
        unit: "MB",
        bound: 50.0,
        at_most: true,
    },
    Budget {
        figure: "CPU, 10 clients at the demo's rate",
        unit: "% of a core",
        bound: 5.0,
        at_most: true,
    },
    Budget {
        figure: "event latency, demo events, p99 (server ts -> client)",
        unit: "ms",
        bound: 100.0,
        at_most: true,
    },
    Budget {
        figure: "events/s, one per publish, each to 10 clients",
        unit: "events/s",
        bound: 1000.0,
        at_most: false,
    },
    Budget {
        figure: "concurrent connections, each receiving every event",
        unit: "connections",
        bound: 50.0,
        at_most: false,
    },
];

/// One run's value of each of [`BUDGETS`], in its order. A connection counts only if it
/// connected and the phase had no error at all (every client received every event).
fn figures(r: &Report) -> [f64; 5] {
    let served = if r.connections.errors == 0 {
        r.connections.clients as u64 - r.connections.error_detail.connect_failed
    } else {
        0
    };
    [
        r.demo.rss_max_kb.unwrap_or_default() as f64 / 1024.0,
        r.demo.server_cpu_pct.unwrap_or(f64::NAN),
        r.demo.latency.p99_us as f64 / 1000.0,
        r.throughput.delivered_per_s / r.throughput.clients.max(1) as f64,
        served as f64,
    ]
}

fn within(budget: &Budget, value: f64) -> bool {
    if budget.at_most {
        value < budget.bound
    } else {
        value >= budget.bound
    }
}

fn table(runs: &[Run]) -> String {
    let reports: Vec<Report> = runs.iter().filter_map(Run::parsed::<Report>).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- the seed's budgets, median of {} run(s) --",
        reports.len()
    );
    let _ = writeln!(
        out,
        "  {:<58} {:>12} {:>14}  {:<20} runs",
        "figure", "median", "budget", "verdict"
    );
    let all: Vec<[f64; 5]> = reports.iter().map(figures).collect();
    for (i, budget) in BUDGETS.iter().enumerate() {
        let values: Vec<f64> = all.iter().map(|f| f[i]).collect();
        let Some(m) = median(values.clone()) else {
            let _ = writeln!(out, "  {:<58} no successful run", budget.figure);
            continue;
        };
        let bound = format!(
            "{} {}",
            if budget.at_most { "<" } else { ">=" },
            thousands(budget.bound)
        );
        let verdict = if within(budget, m) { "PASS" } else { "FAIL" };
        let runs: Vec<String> = values.iter().map(|v| format!("{v:.1}")).collect();
        let _ = writeln!(
            out,
            "  {:<58} {:>12.1} {:>14}  {:<20} {}",
            budget.figure,
            m,
            bound,
            format!("{verdict} ({})", budget.unit),
            runs.join(", ")
        );
    }
    if let (Some(rate), Some(p50), Some(max), Some(p99)) = (
        median(reports.iter().map(|r| r.demo.events_per_s).collect()),
        median(
            reports
                .iter()
                .map(|r| r.demo.latency.p50_us as f64 / 1e3)
                .collect(),
        ),
        median(
            reports
                .iter()
                .map(|r| r.demo.latency.max_us as f64 / 1e3)
                .collect(),
        ),
        median(
            reports
                .iter()
                .map(|r| r.throughput.p99_us as f64 / 1e3)
                .collect(),
        ),
    ) {
        let _ = writeln!(
            out,
            "  the demo's rate: {rate:.1} events/s per client; its latency p50 {p50:.1} ms, max \
             {max:.1} ms (ts has 1 ms precision); at full throughput p99 publish -> client \
             {p99:.1} ms"
        );
    }
    let errors: u64 = reports
        .iter()
        .map(|r| r.demo.errors + r.throughput.errors + r.connections.errors)
        .sum();
    let _ = writeln!(out, "  errors over every run and phase: {errors}");
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_quick_and_refusals() {
        let o = Options::parse(&[]).unwrap().unwrap();
        assert_eq!((o.common.repeats, o.seconds, o.events), (3, 30.0, 10_000));
        let q = Options::parse(&args("--quick --connections 60"))
            .unwrap()
            .unwrap();
        assert_eq!((q.common.repeats, q.seconds, q.connections), (1, 20.0, 60));
        assert!(Options::parse(&args("--seconds 0")).is_err());
        assert!(Options::parse(&args("--events 0")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
    }

    #[test]
    fn budgets_are_bounds_in_their_direction() {
        assert!(within(&BUDGETS[0], 49.9) && !within(&BUDGETS[0], 50.0));
        assert!(within(&BUDGETS[3], 1000.0) && !within(&BUDGETS[3], 999.0));
    }

    #[test]
    fn a_phase_with_errors_serves_no_connection() {
        let json = |errors: u64| {
            serde_json::json!({
                "demo": {"events_per_s": 3.0, "latency": {"p50_us": 1000, "p99_us": 2500, "max_us": 4000},
                         "rss_max_kb": 20480, "server_cpu_pct": 1.5, "errors": 0},
                "throughput": {"clients": 10, "delivered_per_s": 50000.0, "p99_us": 9000, "errors": 0,
                               "error_detail": {"connect_failed": 0}},
                "connections": {"clients": 100, "delivered_per_s": 1.0, "p99_us": 1, "errors": errors,
                                "error_detail": {"connect_failed": 0}}
            })
        };
        let ok: Report = serde_json::from_value(json(0)).unwrap();
        assert_eq!(figures(&ok), [20.0, 1.5, 2.5, 5000.0, 100.0]);
        let failed: Report = serde_json::from_value(json(1)).unwrap();
        assert_eq!(figures(&failed)[4], 0.0);
    }
}
