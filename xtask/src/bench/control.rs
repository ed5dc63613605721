//! `cargo xtask bench control`: how long a permission request takes through agentcast
//! (issue 14, "Measure"): from the agent's `can_use_tool` to a watching client's
//! `permission.requested`, and from the client's answer to the agent reading it.
//!
//! Each run starts a fresh release `agentcast serve` in its default configuration (JWT
//! auth, SQLite `--durability normal`, the default rate limits; `--no-collect` so it does not
//! read this machine's transcripts) on CPU 0 with `TOKIO_WORKER_THREADS=1`, mints an admin
//! token for its data directory (`agentcast token create`), and runs `agentcast-control-bench`
//! on CPU 1. That client starts `agentcast-control-bench-agent` through `POST /api/sessions`
//! (under the name `claude`, so the server runs it in control mode; the agent moves itself to
//! CPU 1 too), allows every request the moment it arrives, and matches its stamps with the
//! agent's. The reference, in the same run: an ordinary output line of the same agent to the
//! client's `output.text`, the same path without the control driver.
//!
//! ```text
//! cargo xtask bench control            # 3 runs of 500 requests at 100/s (~20 s after the build)
//! cargo xtask bench control --quick    # 1 run of 100 requests
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use super::harness::{
    Common, Paths, Run, ServerSpec, build_release_with, finish, fresh_dir, is_quick, mint_token,
    parse_options, print_conditions, repeat_runs, run_client_against,
};
use super::server::can_pin;
use super::{median, ms};

/// The first argument that selects this benchmark: `cargo xtask bench control`.
pub(super) const NAME: &str = "control";

/// The binary the server runs as `claude`.
const AGENT: &str = "agentcast-control-bench-agent";

const USAGE: &str = "\
cargo xtask bench control [options]: permission request latency, agent -> client -> agent

  --repeats R         server runs                               [3; quick: 1]
  --requests N        measured requests per run                 [500; quick: 100]
  --warmup N          requests asked first, not measured        [20]
  --rate N            requests per second at most, one at a time [100]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~10 second run
  --no-pin            do not pin the server and the client and agent to separate CPUs";

/// The issue's goal for each direction, at p99, in milliseconds.
const GOAL_MS: f64 = 10.0;

#[derive(Debug)]
struct Options {
    requests: u64,
    warmup: u64,
    rate: f64,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            requests: if quick { 100 } else { 500 },
            warmup: 20,
            rate: 100.0,
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--requests" => opts.requests = value()?.parse().context("--requests")?,
                "--warmup" => opts.warmup = value()?.parse().context("--warmup")?,
                "--rate" => opts.rate = value()?.parse().context("--rate")?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if opts.requests == 0 || !(opts.rate.is_finite() && opts.rate > 0.0) {
            bail!("--requests and --rate must be positive");
        }
        Ok(Some(opts))
    }

    /// The server runs without authentication only when the user asks for it.
    fn auth_off(&self) -> bool {
        let args = &self.common.server_args;
        args.iter().any(|a| a == "--auth=none")
            || args.windows(2).any(|w| w[0] == "--auth" && w[1] == "none")
    }
}

/// Quantiles of one measure, in microseconds (the client's report has more fields).
#[derive(Debug, Clone, Copy, Deserialize)]
struct Quantiles {
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// The fields of `agentcast-control-bench`'s report that the table uses.
#[derive(Debug, Clone, Deserialize)]
struct ControlReport {
    measured: u64,
    to_client: Quantiles,
    to_agent: Quantiles,
    round_trip: Quantiles,
    reference: Quantiles,
    ack: Quantiles,
    agent_cpu: Option<u32>,
    /// Milliseconds runnable but waiting for a CPU during the run.
    server_waited_ms: Option<f64>,
    client_waited_ms: Option<f64>,
    agent_waited_ms: Option<f64>,
    errors: u64,
    first_error: Option<String>,
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release_with("agentcast-control-bench", &[AGENT])?;
    let agent = paths
        .client
        .with_file_name(AGENT)
        .canonicalize()
        .context("the release benchmark agent")?;
    let pin = opts.common.pin && can_pin();

    println!("==> step bench: control, permission requests through agentcast");
    print_conditions(
        pin,
        "the server gets CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1), the client and the \
         agent CPU 1",
    );
    println!(
        "    {} measured requests per run (+{} warm-up), one at a time, at most {}/s; \
         server: JWT auth, SQLite, default limits; {} repeat(s)",
        opts.requests, opts.warmup, opts.rate, opts.common.repeats
    );

    let runs = repeat_runs(
        opts.common.repeats,
        || run_once(&opts, &paths, &agent, pin),
        summary,
    );
    println!();
    print!("{}", table(&opts, &runs));
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

/// Starts a server, mints its token, runs the client against it, stops the server.
fn run_once(opts: &Options, paths: &Paths, agent: &Path, pin: bool) -> Result<serde_json::Value> {
    let data_dir = fresh_dir("control")?;
    let token = if opts.auth_off() {
        None
    } else {
        Some(mint_token(
            &paths.agentcast,
            &data_dir,
            "admin",
            "control-bench",
            "1h",
        )?)
    };
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
    // A generous bound: the requests at their rate twice over, plus a slow start.
    let timeout_s = 60 + (2.0 * (opts.requests + opts.warmup) as f64 / opts.rate).ceil() as u64;
    let client_args = |url: &str, server_pid: u32| -> Vec<String> {
        let mut args: Vec<String> = [
            ("--url", url.to_string()),
            ("--server-pid", server_pid.to_string()),
            ("--agent", agent.display().to_string()),
            ("--requests", opts.requests.to_string()),
            ("--warmup", opts.warmup.to_string()),
            ("--rate", opts.rate.to_string()),
            ("--timeout-s", timeout_s.to_string()),
        ]
        .into_iter()
        .flat_map(|(flag, value)| [flag.to_string(), value])
        .collect();
        if let Some(token) = &token {
            args.extend(["--token".to_string(), token.clone()]);
        }
        if pin {
            args.extend(["--agent-cpu".to_string(), "1".to_string()]);
        }
        args
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// One line per run, as it finishes.
fn summary(run: &Run) -> String {
    match (run.parsed::<ControlReport>(), &run.error) {
        (Some(r), _) => format!(
            "to client p50 {} / p99 {} ms, to agent p50 {} / p99 {} ms, {} requests, {} errors",
            ms(r.to_client.p50_us),
            ms(r.to_client.p99_us),
            ms(r.to_agent.p50_us),
            ms(r.to_agent.p99_us),
            r.measured,
            r.errors
        ),
        (None, Some(e)) => format!("FAILED: {e}"),
        (None, None) => "FAILED: unreadable report".to_string(),
    }
}

/// Medians over the runs of one measure's quantiles, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Medians {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

/// Where one measure is in a report.
type Pick = fn(&ControlReport) -> Quantiles;

fn medians(reports: &[ControlReport], pick: Pick) -> Option<Medians> {
    let of =
        |f: fn(&Quantiles) -> u64| median(reports.iter().map(|r| f(&pick(r)) as f64).collect());
    Some(Medians {
        p50: of(|q| q.p50_us)?,
        p90: of(|q| q.p90_us)?,
        p99: of(|q| q.p99_us)?,
        max: of(|q| q.max_us)?,
    })
}

/// The rows of the table: what each measures, and where it is in a report.
const ROWS: [(&str, Pick); 5] = [
    ("agent -> client (permission.requested)", |r| r.to_client),
    ("client -> agent (control_response)", |r| r.to_agent),
    ("round trip at the agent", |r| r.round_trip),
    ("reference: output line -> client", |r| r.reference),
    ("client -> ack of permission.respond", |r| r.ack),
];

fn table(opts: &Options, runs: &[Run]) -> String {
    let reports: Vec<ControlReport> = runs
        .iter()
        .filter_map(Run::parsed::<ControlReport>)
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- permission request latency, {} requests per run at {}/s, median of {} run(s) --",
        opts.requests,
        opts.rate,
        reports.len()
    );
    let _ = writeln!(
        out,
        "  {:<40} {:>8} {:>8} {:>8} {:>8}",
        "measure", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let f = |us: f64| format!("{:.2}", us / 1000.0);
    let mut p99s = Vec::new();
    for (label, pick) in ROWS {
        match medians(&reports, pick) {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "  {label:<40} {:>8} {:>8} {:>8} {:>8}",
                    f(m.p50),
                    f(m.p90),
                    f(m.p99),
                    f(m.max)
                );
                p99s.push(m.p99);
            }
            None => {
                let _ = writeln!(out, "  {label:<40} no successful run");
            }
        }
    }
    if let &[to_client, to_agent, ..] = p99s.as_slice() {
        let worst = to_client.max(to_agent) / 1000.0;
        let _ = writeln!(
            out,
            "  goal: each direction under {GOAL_MS} ms at p99: {}, worst p99 {worst:.2} ms",
            if worst < GOAL_MS { "met" } else { "NOT met" }
        );
    }
    let waited = |pick: fn(&ControlReport) -> Option<f64>| {
        median(reports.iter().filter_map(pick).collect())
            .map_or("-".to_string(), |ms| format!("{ms:.0} ms"))
    };
    let _ = writeln!(
        out,
        "  runnable but waiting for a CPU during a run (median): server {}, agent {}, client {}",
        waited(|r| r.server_waited_ms),
        waited(|r| r.agent_waited_ms),
        waited(|r| r.client_waited_ms)
    );
    let errors: u64 = reports.iter().map(|r| r.errors).sum();
    let unpinned = reports.iter().filter(|r| r.agent_cpu.is_none()).count();
    if unpinned > 0 && opts.common.pin {
        let _ = writeln!(
            out,
            "  note: the agent could not move to CPU 1 in {unpinned} run(s)"
        );
    }
    let _ = writeln!(
        out,
        "  errors: {errors} (missing, denied or refused requests)"
    );
    for first in reports.iter().filter_map(|r| r.first_error.as_deref()) {
        let _ = writeln!(out, "    first error: {first}");
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
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(
            (full.common.repeats, full.requests, full.warmup),
            (3, 500, 20)
        );
        assert!(!full.auth_off());
        let quick = Options::parse(&args(
            "--quick --rate=50 --server-arg --auth --server-arg none",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            (quick.common.repeats, quick.requests, quick.rate),
            (1, 100, 50.0)
        );
        assert!(quick.auth_off());
        assert!(Options::parse(&args("--rate 0")).is_err());
        assert!(Options::parse(&args("--requests 0")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }

    fn report(p99_us: u64) -> ControlReport {
        let q = Quantiles {
            p50_us: p99_us / 2,
            p90_us: p99_us - 100,
            p99_us,
            max_us: p99_us * 2,
        };
        ControlReport {
            measured: 10,
            to_client: q,
            to_agent: q,
            round_trip: q,
            reference: q,
            ack: q,
            agent_cpu: Some(1),
            server_waited_ms: Some(1.0),
            client_waited_ms: None,
            agent_waited_ms: None,
            errors: 0,
            first_error: None,
        }
    }

    #[test]
    fn medians_over_runs_and_the_goal() {
        let reports = [report(1_000), report(3_000), report(20_000)];
        let m = medians(&reports, |r| r.to_client).unwrap();
        assert_eq!(m.p99, 3_000.0);
        assert_eq!(m.max, 6_000.0);
        assert!(medians(&[], |r| r.to_agent).is_none());

        let opts = Options::parse(&[]).unwrap().unwrap();
        let runs: Vec<Run> = [report(2_000), report(30_000)]
            .into_iter()
            .enumerate()
            .map(|(i, r)| Run {
                repeat: i + 1,
                report: Some(serde_json::json!({
                    "measured": r.measured,
                    "to_client": {"p50_us": r.to_client.p50_us, "p90_us": r.to_client.p90_us,
                                  "p99_us": r.to_client.p99_us, "max_us": r.to_client.max_us},
                    "to_agent": {"p50_us": 1, "p90_us": 2, "p99_us": 3, "max_us": 4},
                    "round_trip": {"p50_us": 1, "p90_us": 2, "p99_us": 3, "max_us": 4},
                    "reference": {"p50_us": 1, "p90_us": 2, "p99_us": 3, "max_us": 4},
                    "ack": {"p50_us": 1, "p90_us": 2, "p99_us": 3, "max_us": 4},
                    "agent_cpu": 1, "server_waited_ms": 12.4, "errors": 0, "first_error": null,
                })),
                error: None,
            })
            .collect();
        let text = table(&opts, &runs);
        assert!(text.contains("median of 2 run(s)"), "{text}");
        // The to-client p99 median is (2 + 30) / 2 = 16 ms: over the goal.
        assert!(text.contains("NOT met, worst p99 16.00 ms"), "{text}");
        assert!(text.contains("server 12 ms, agent -, client -"), "{text}");
    }
}
