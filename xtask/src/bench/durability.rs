//! `cargo xtask bench durability`: what the history costs a live client and what it gives a
//! reconnecting one, with `--durability normal` (SQLite) against `--durability memory` as the
//! reference, in the same command.
//!
//! - latency: `agentcast-durability latency` publishes ~1 KB `output.text` events at a steady
//!   rate (1000/s) and a subscriber reports the send-to-receive latency of each; the SQLite
//!   minus memory difference is what the commit adds.
//! - replay: `agentcast-durability replay` fills a session with 100,000 events, then a client
//!   connects with auth `{"offset": 0}` and is timed until it has them all.
//!
//! Every run starts a fresh server on a fresh data directory, pinned to CPU 0
//! (`TOKIO_WORKER_THREADS=1`, as the fan-out benchmark does), the client on CPU 1; the two
//! stores alternate, and the tables show the median of the runs and the ratio.
//!
//! ```text
//! cargo xtask bench durability             # 3 repeats, 20 s of latency each (~3 minutes)
//! cargo xtask bench durability --quick     # 1 repeat, 5 s of latency (~1 minute)
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;

use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::harness::{
    Common, Paths, ServerSpec, build_release, finish, fresh_dir, is_quick, parse_options,
    print_conditions, run_client_against, server_args,
};
use super::server::can_pin;
use super::{median, ms, thousands};
use crate::cmd::fmt_duration;

/// The first argument that selects this benchmark: `cargo xtask bench durability`.
pub(super) const NAME: &str = "durability";

const USAGE: &str = "\
cargo xtask bench durability [options]: commit latency and replay speed, SQLite vs memory

  --repeats R         server runs per measure and store          [3; quick: 1]
  --rate N            events per second in the latency runs      [1000]
  --seconds S         measured seconds per latency run           [20; quick: 5]
  --replay-events N   events published, then replayed            [100000]
  --only MEASURE      latency or replay                          [both]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~1 minute run
  --no-pin            do not pin server and client to separate CPUs";

/// The issue's target for the commit's share of the p99 latency, in milliseconds.
const TARGET_P99_MS: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Measure {
    Latency,
    Replay,
}

/// The `--durability` of the server; memory is the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Store {
    Normal,
    Memory,
}

impl Store {
    fn arg(self) -> &'static str {
        match self {
            Store::Normal => "normal",
            Store::Memory => "memory",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Store::Normal => "sqlite normal",
            Store::Memory => "memory",
        }
    }
}

#[derive(Debug)]
struct Options {
    rate: u32,
    seconds: f64,
    replay_events: u64,
    measures: Vec<Measure>,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            rate: 1000,
            seconds: if quick { 5.0 } else { 20.0 },
            replay_events: 100_000,
            measures: vec![Measure::Latency, Measure::Replay],
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--rate" => opts.rate = value()?.parse().context("--rate")?,
                "--seconds" => opts.seconds = value()?.parse().context("--seconds")?,
                "--replay-events" => {
                    opts.replay_events = value()?.parse().context("--replay-events")?
                }
                "--only" => {
                    opts.measures = match value()?.as_str() {
                        "latency" => vec![Measure::Latency],
                        "replay" => vec![Measure::Replay],
                        other => bail!("--only: latency or replay, not {other}"),
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if opts.rate == 0 || opts.replay_events == 0 {
            bail!("--rate and --replay-events must be positive");
        }
        if !(opts.seconds > 0.0 && opts.seconds <= 600.0) {
            bail!("--seconds must be in (0, 600]");
        }
        if opts
            .common
            .server_args
            .iter()
            .any(|a| a.starts_with("--durability"))
        {
            bail!("--server-arg --durability: this benchmark sets the store of every run");
        }
        Ok(Some(opts))
    }
}

/// The fields of `agentcast-durability latency`'s report the tables use.
#[derive(Debug, Clone, Deserialize)]
struct LatencyReport {
    achieved_rate: f64,
    latency: Quantiles,
    ack: Quantiles,
    stalls: u64,
    errors: u64,
    first_error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Quantiles {
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// The fields of `agentcast-durability replay`'s report the tables use.
#[derive(Debug, Clone, Deserialize)]
struct ReplayReport {
    fill_events_per_s: f64,
    replays: Vec<ReplayRun>,
    errors: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct ReplayRun {
    received: u64,
    first_event_ms: f64,
    duration_s: f64,
    events_per_s: f64,
    mb_per_s: f64,
}

/// One run: the report, or why there is none.
#[derive(Debug, Serialize)]
struct Run {
    measure: Measure,
    store: Store,
    repeat: usize,
    report: Option<serde_json::Value>,
    error: Option<String>,
}

impl Run {
    fn latency(&self) -> Option<LatencyReport> {
        (self.measure == Measure::Latency)
            .then(|| serde_json::from_value(self.report.clone()?).ok())
            .flatten()
    }

    fn replay(&self) -> Option<ReplayReport> {
        (self.measure == Measure::Replay)
            .then(|| serde_json::from_value(self.report.clone()?).ok())
            .flatten()
    }
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release("agentcast-durability")?;
    let pin = opts.common.pin && can_pin();
    let server_args = server_args(&paths.agentcast, &opts.common.server_args);

    println!("==> step bench: durability, SQLite (--durability normal) vs memory");
    print_conditions(
        pin,
        "the server gets CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1), the client CPU 1",
    );
    println!(
        "    latency: {} events/s for {} s (+1 s warm-up), one ~1 KB output.text per publish; \
         replay: {} events from offset 0; {} repeat(s), stores alternate",
        opts.rate,
        opts.seconds,
        thousands(opts.replay_events as f64),
        opts.common.repeats
    );

    let mut runs = Vec::new();
    for repeat in 1..=opts.common.repeats {
        for &measure in &opts.measures {
            for store in [Store::Normal, Store::Memory] {
                let run_started = Instant::now();
                let result = run_once(measure, store, &opts, &paths, &server_args, pin);
                let (report, error) = match result {
                    Ok(report) => (Some(report), None),
                    Err(e) => (None, Some(format!("{e:#}"))),
                };
                let run = Run {
                    measure,
                    store,
                    repeat,
                    report,
                    error,
                };
                println!(
                    "    {measure:?} {} #{repeat}: {} ({})",
                    store.label(),
                    summary(&run),
                    fmt_duration(run_started.elapsed())
                );
                runs.push(run);
            }
        }
    }
    println!();
    if opts.measures.contains(&Measure::Latency) {
        print!("{}", latency_table(&opts, &runs));
    }
    if opts.measures.contains(&Measure::Replay) {
        print!("{}", replay_table(&opts, &runs));
    }
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

/// `serve` arguments beyond `--bind`, `--data-dir` and `--durability`: auth and rate limits
/// off (`server::bench_defaults`), then the user's `--server-arg`s.
/// Starts a server on `store`, runs the client against it, stops the server.
fn run_once(
    measure: Measure,
    store: Store,
    opts: &Options,
    paths: &Paths,
    server_args: &[String],
    pin: bool,
) -> Result<serde_json::Value> {
    let data_dir = fresh_dir(&format!("durability-{}", store.arg()))?;
    let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
    argv.extend(
        [
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--durability",
            store.arg(),
        ]
        .map(OsString::from),
    );
    argv.push("--data-dir".into());
    argv.push(data_dir.clone().into());
    argv.extend(server_args.iter().map(OsString::from));
    let spec = ServerSpec {
        argv,
        envs: &[("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")],
        cwd: data_dir.clone(),
    };
    // Generous bounds: the run's own length plus a slow machine's setup and drain.
    let client_args = |url: &str, _server_pid: u32| -> Vec<String> {
        let (measure, flags) = match measure {
            Measure::Latency => (
                "latency",
                [
                    ("--rate", opts.rate.to_string()),
                    ("--seconds", opts.seconds.to_string()),
                    (
                        "--timeout-s",
                        (60 + opts.seconds.ceil() as u64 * 2).to_string(),
                    ),
                ]
                .to_vec(),
            ),
            Measure::Replay => (
                "replay",
                [
                    ("--events", opts.replay_events.to_string()),
                    ("--timeout-s", (60 + opts.replay_events / 2_000).to_string()),
                ]
                .to_vec(),
            ),
        };
        [measure.to_string(), "--url".to_string(), url.to_string()]
            .into_iter()
            .chain(flags.into_iter().flat_map(|(f, v)| [f.to_string(), v]))
            .collect()
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// One line per run, as it finishes.
fn summary(run: &Run) -> String {
    if let Some(r) = run.latency() {
        format!(
            "p50 {} / p99 {} / max {} ms, {} errors",
            ms(r.latency.p50_us),
            ms(r.latency.p99_us),
            ms(r.latency.max_us),
            r.errors
        )
    } else if let Some(r) = run.replay() {
        let rates: Vec<String> = r
            .replays
            .iter()
            .map(|p| format!("{} events/s", thousands(p.events_per_s)))
            .collect();
        format!("{}, {} errors", rates.join(", "), r.errors)
    } else {
        format!(
            "FAILED: {}",
            run.error.as_deref().unwrap_or("unreadable report")
        )
    }
}

/// Medians of one store's latency runs.
struct LatencyMedians {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    ack_p50: f64,
    ack_p99: f64,
    rate: f64,
    stalls: u64,
    errors: u64,
}

fn latency_medians(runs: &[Run], store: Store) -> Option<LatencyMedians> {
    let reports: Vec<LatencyReport> = runs
        .iter()
        .filter(|r| r.store == store)
        .filter_map(Run::latency)
        .collect();
    let of = |f: &dyn Fn(&LatencyReport) -> f64| median(reports.iter().map(f).collect());
    Some(LatencyMedians {
        p50: of(&|r| r.latency.p50_us as f64)?,
        p90: of(&|r| r.latency.p90_us as f64)?,
        p99: of(&|r| r.latency.p99_us as f64)?,
        max: of(&|r| r.latency.max_us as f64)?,
        ack_p50: of(&|r| r.ack.p50_us as f64)?,
        ack_p99: of(&|r| r.ack.p99_us as f64)?,
        rate: of(&|r| r.achieved_rate)?,
        stalls: reports.iter().map(|r| r.stalls).sum(),
        errors: reports.iter().map(|r| r.errors).sum(),
    })
}

const LATENCY_HEADER: &str = "  store              p50 ms   p90 ms   p99 ms   max ms  ack p50  ack p99  \
                              events/s  errors";

fn latency_table(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- publish-to-receive latency at {} events/s, {} s per run, median of {} --",
        opts.rate, opts.seconds, opts.common.repeats
    );
    let _ = writeln!(out, "{LATENCY_HEADER}");
    let ms = |us: f64| format!("{:.2}", us / 1000.0);
    let mut found = Vec::new();
    for store in [Store::Normal, Store::Memory] {
        match latency_medians(runs, store) {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9.0} {:>7}",
                    store.label(),
                    ms(m.p50),
                    ms(m.p90),
                    ms(m.p99),
                    ms(m.max),
                    ms(m.ack_p50),
                    ms(m.ack_p99),
                    m.rate,
                    m.errors
                );
                found.push(m);
            }
            None => {
                let _ = writeln!(out, "  {:<16} no successful run", store.label());
            }
        }
    }
    if let [normal, memory] = &found[..] {
        let _ = writeln!(
            out,
            "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "normal - memory",
            ms(normal.p50 - memory.p50),
            ms(normal.p90 - memory.p90),
            ms(normal.p99 - memory.p99),
            ms(normal.max - memory.max),
            ms(normal.ack_p50 - memory.ack_p50),
            ms(normal.ack_p99 - memory.ack_p99),
        );
        let ratio = |x: f64, y: f64| {
            if y > 0.0 {
                format!("{:.2}x", x / y)
            } else {
                "-".into()
            }
        };
        let _ = writeln!(
            out,
            "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "normal / memory",
            ratio(normal.p50, memory.p50),
            ratio(normal.p90, memory.p90),
            ratio(normal.p99, memory.p99),
            ratio(normal.max, memory.max),
            ratio(normal.ack_p50, memory.ack_p50),
            ratio(normal.ack_p99, memory.ack_p99),
        );
        let added = (normal.p99 - memory.p99) / 1000.0;
        let _ = writeln!(
            out,
            "  target: the commit adds under {TARGET_P99_MS} ms at p99 (normal - memory): \
             {added:.2} ms, {}; p99 with SQLite end to end: {:.2} ms",
            if added < TARGET_P99_MS {
                "met"
            } else {
                "NOT met"
            },
            normal.p99 / 1000.0
        );
        if normal.stalls + memory.stalls > 0 {
            let _ = writeln!(
                out,
                "  note: the publisher stalled {} time(s) on un-acked publishes: the server \
                 fell behind the rate",
                normal.stalls + memory.stalls
            );
        }
    }
    let _ = writeln!(out, "  runs:");
    for run in runs.iter().filter(|r| r.measure == Measure::Latency) {
        let label = format!("{} #{}", run.store.label(), run.repeat);
        let _ = writeln!(out, "    {label:<18} {}", summary(run));
        if let Some(e) = run.latency().and_then(|r| r.first_error) {
            let _ = writeln!(out, "      first error: {e}");
        }
    }
    let _ = writeln!(out);
    out
}

/// Medians of one store's replays.
struct ReplayMedians {
    events_per_s: f64,
    mb_per_s: f64,
    first_event_ms: f64,
    duration_s: f64,
    fill_events_per_s: f64,
    errors: u64,
}

fn replay_medians(runs: &[Run], store: Store) -> Option<ReplayMedians> {
    let reports: Vec<ReplayReport> = runs
        .iter()
        .filter(|r| r.store == store)
        .filter_map(Run::replay)
        .collect();
    let replays: Vec<&ReplayRun> = reports.iter().flat_map(|r| &r.replays).collect();
    let of = |f: &dyn Fn(&ReplayRun) -> f64| median(replays.iter().map(|r| f(r)).collect());
    Some(ReplayMedians {
        events_per_s: of(&|r| r.events_per_s)?,
        mb_per_s: of(&|r| r.mb_per_s)?,
        first_event_ms: of(&|r| r.first_event_ms)?,
        duration_s: of(&|r| r.duration_s)?,
        fill_events_per_s: median(reports.iter().map(|r| r.fill_events_per_s).collect())?,
        errors: reports.iter().map(|r| r.errors).sum(),
    })
}

fn replay_table(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- a client recovering {} events from offset 0, median of {} --",
        thousands(opts.replay_events as f64),
        opts.common.repeats
    );
    let _ = writeln!(
        out,
        "  store              events/s      MB/s  first event ms   total s  filled at events/s  errors"
    );
    let mut found = Vec::new();
    for store in [Store::Normal, Store::Memory] {
        match replay_medians(runs, store) {
            Some(m) => {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>10} {:>9.1} {:>15.1} {:>9.2} {:>19} {:>7}",
                    store.label(),
                    thousands(m.events_per_s),
                    m.mb_per_s,
                    m.first_event_ms,
                    m.duration_s,
                    thousands(m.fill_events_per_s),
                    m.errors
                );
                found.push(m);
            }
            None => {
                let _ = writeln!(out, "  {:<16} no successful run", store.label());
            }
        }
    }
    if let [normal, memory] = &found[..]
        && memory.events_per_s > 0.0
    {
        let _ = writeln!(
            out,
            "  {:<16} {:>9.2}x {:>8.2}x {:>15} {:>9} {:>18.2}x",
            "normal / memory",
            normal.events_per_s / memory.events_per_s,
            normal.mb_per_s / memory.mb_per_s,
            "",
            "",
            normal.fill_events_per_s / memory.fill_events_per_s.max(1e-9),
        );
    }
    let _ = writeln!(out, "  runs:");
    for run in runs.iter().filter(|r| r.measure == Measure::Replay) {
        let label = format!("{} #{}", run.store.label(), run.repeat);
        let _ = writeln!(out, "    {label:<18} {}", summary(run));
        if let Some(r) = run.replay() {
            for replay in r
                .replays
                .iter()
                .filter(|p| p.received != opts.replay_events)
            {
                let _ = writeln!(
                    out,
                    "      received {} of {}",
                    replay.received, opts.replay_events
                );
            }
        }
    }
    let _ = writeln!(out);
    out
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(
            (full.common.repeats, full.rate, full.seconds),
            (3, 1000, 20.0)
        );
        assert_eq!(full.measures, [Measure::Latency, Measure::Replay]);
        let quick = Options::parse(&args("--quick")).unwrap().unwrap();
        assert_eq!((quick.common.repeats, quick.seconds), (1, 5.0));
        assert_eq!(quick.replay_events, 100_000);
    }

    #[test]
    fn parses_options_and_refuses_bad_ones() {
        let o = Options::parse(&args(
            "--repeats=2 --rate 500 --seconds 3 --only replay --server-arg --x --no-pin",
        ))
        .unwrap()
        .unwrap();
        assert_eq!((o.common.repeats, o.rate, o.seconds), (2, 500, 3.0));
        assert_eq!(o.measures, [Measure::Replay]);
        assert_eq!(o.common.server_args, ["--x"]);
        assert!(!o.common.pin);
        assert!(Options::parse(&args("--only fanout")).is_err());
        assert!(Options::parse(&args("--rate 0")).is_err());
        assert!(Options::parse(&args("--seconds -1")).is_err());
        assert!(Options::parse(&args("--server-arg --durability=full")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }
}
