//! `cargo xtask bench`: the fan-out benchmark, agentcast against the official Node socket.io
//! server in the same run.
//!
//! For each client count N, each repeat and each server (agentcast, then the Node reference
//! relay in tests/js/bench/), it starts the server alone on CPU 0 (`taskset -c 0`,
//! `TOKIO_WORKER_THREADS=1` for agentcast; Node runs JavaScript on one thread anyway), runs
//! `agentcast-loadgen` on CPU 1, reads its JSON report and stops the server. Then it prints,
//! per N, the median of every metric for both servers, the ratio agentcast/node and every run.
//!
//! ```text
//! cargo xtask bench                        # N = 100, 1000, 5000; 3 repeats (~5-8 minutes)
//! cargo xtask bench --quick                # N = 100, 1000; 1 repeat, fewer events (~1 minute)
//! cargo xtask bench --clients 1000 --events 2000 --repeats 5 --only agentcast
//! # 10,000 clients and a burst of 1,000 events to all of them (the issue's target):
//! cargo xtask bench --clients 10000 --events 1000 --max-lag 0 --only agentcast
//! cargo xtask bench --clients 100 --rate 1000 --events 5000   # open loop: latency at a load
//! # A/B: this build against another binary, same pinning, load and arguments, alternating:
//! cargo xtask bench --clients 1000 --only agentcast --baseline /tmp/agentcast-before
//! # SQLite against the memory store of the same build, in one command:
//! cargo xtask bench --clients 1000 --only agentcast --server-arg --durability \
//!     --server-arg normal --baseline-arg --durability --baseline-arg memory
//! ```
//!
//! The Node reference is a bare relay: the load generator publishes to it the very envelopes
//! agentcast sends its clients (`agentcast-loadgen --publish-envelopes`), which it emits as
//! they came; agentcast gets the events and builds, stores and sends the envelopes itself.
//!
//! `cargo xtask bench durability` is another benchmark (bench/durability.rs): commit latency
//! and replay speed, SQLite against the memory store; `cargo xtask bench collect`
//! (bench/collect.rs) measures the transcript collector: import, first screen, follow
//! latency; `cargo xtask bench control` (bench/control.rs) the latency of permission
//! requests through agentcast, agent to client and back; `cargo xtask bench watch`
//! (bench/watch.rs) whether `agentcast watch` keeps up with 10,000 events/s; `cargo xtask
//! bench top` (bench/top.rs) what `agentcast top` costs under a stream of events; `cargo
//! xtask bench cluster` (bench/cluster.rs) the fan-out through two nodes on one PostgreSQL
//! against one; `cargo xtask bench budgets` (bench/budgets.rs) the seed's budgets against
//! the demo (memory, CPU, latency, events/s, connections); `cargo xtask bench latency`
//! (bench/latency.rs) is this benchmark in open loop at 100 clients and 1,000 events/s,
//! agentcast on SQLite. bench/server.rs starts the servers of all nine, and of
//! `cargo xtask soak` (bench/soak.rs), the endurance run.

mod budgets;
mod cluster;
mod collect;
mod control;
mod durability;
mod harness;
mod latency;
mod server;
// `cargo xtask soak`, a command of its own (not a `bench` argument): it is not run in CI and
// takes ten minutes.
pub(crate) mod soak;
mod top;
mod watch;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::cmd::{Cmd, fmt_duration, root, target_dir};
use harness::{
    Common, ServerSpec, finish, fresh_dir, is_quick, parse_options, print_conditions,
    run_client_against, server_args,
};
use server::can_pin;

const USAGE: &str = "\
cargo xtask bench [options]: fan-out benchmark, agentcast vs the official Node socket.io server

  --clients LIST      subscriber counts, comma-separated      [100,1000,5000; quick: 100,1000]
  --events M          events per run for every N              [deliveries / N, 200..=20000]
  --deliveries D      target deliveries (N x M) per run        [2000000; quick: 1000000]
  --repeats R         runs per configuration and server        [3; quick: 1]
  --only SERVER       agentcast or node                        [both]
  --batch B           events per publish command               [1]
  --inflight K        un-acked publish commands at most        [16]
  --max-lag L         pause publishing while the average client is L events behind (0: never)
                                                                [256]
  --rate R            open loop: R events/s on a fixed schedule (inflight and max-lag then
                      do not apply); 0 for closed loop             [0]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --baseline BIN      also run this agentcast binary (same arguments), alternating with
                      this build, and print agentcast/baseline ratios
  --baseline-arg ARG  the baseline's `serve` arguments instead of the --server-args
                      (repeatable; without --baseline the baseline is this build)
  --out FILE          also write every run's report as JSON
  --quick             a ~1 minute smoke run
                      (10,000 clients, a burst of 1,000 events each:
                       --clients 10000 --events 1000 --max-lag 0 --only agentcast)
  --no-pin            do not pin server and load generator to separate CPUs

cargo xtask bench durability [--quick]: commit latency and replay speed (--help for more)
cargo xtask bench collect [--quick]: transcript import, first screen, follow latency (--help)
cargo xtask bench control [--quick]: permission request latency, agent -> client -> agent (--help)
cargo xtask bench watch [--quick]: agentcast watch at 10,000 events/s, throughput and memory (--help)
cargo xtask bench top [--quick]: agentcast top's CPU and redraws under a stream of events (--help)
cargo xtask bench cluster [--quick]: fan-out through two nodes on one PostgreSQL vs one (--help)
cargo xtask bench budgets [--quick]: the seed's budgets against the demo: memory, CPU, latency (--help)
cargo xtask bench latency [--quick] [options above]: 100 clients at 1,000 events/s, open loop,
                      agentcast on SQLite (--durability normal) vs Node: p50/p99/max

cargo xtask soak [--clients N --minutes M]: the endurance run, not in CI (--help)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Server {
    Agentcast,
    /// Another agentcast (`--baseline`), or this one with other arguments (`--baseline-arg`).
    Baseline,
    Node,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Agentcast => "agentcast",
            Server::Baseline => "baseline",
            Server::Node => "node",
        }
    }
}

#[derive(Debug)]
struct Options {
    clients: Vec<usize>,
    events: Option<u64>,
    deliveries: u64,
    servers: Vec<Server>,
    batch: u64,
    inflight: u64,
    max_lag: u64,
    /// Events per second in open loop; 0 for closed loop.
    rate: u64,
    /// The baseline's binary, when not this build.
    baseline: Option<PathBuf>,
    /// The baseline's `--server-arg`s, when not agentcast's.
    baseline_args: Option<Vec<String>>,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            clients: if quick {
                vec![100, 1000]
            } else {
                vec![100, 1000, 5000]
            },
            events: None,
            deliveries: if quick { 1_000_000 } else { 2_000_000 },
            servers: vec![Server::Agentcast, Server::Node],
            batch: 1,
            inflight: 16,
            max_lag: 256,
            rate: 0,
            baseline: None,
            baseline_args: None,
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--clients" => {
                    opts.clients = value()?
                        .split(',')
                        .map(|n| n.trim().parse().context("--clients: a list of numbers"))
                        .collect::<Result<_>>()?;
                }
                "--events" => opts.events = Some(value()?.parse().context("--events")?),
                "--deliveries" => opts.deliveries = value()?.parse().context("--deliveries")?,
                "--batch" => opts.batch = value()?.parse().context("--batch")?,
                "--inflight" => opts.inflight = value()?.parse().context("--inflight")?,
                "--max-lag" => opts.max_lag = value()?.parse().context("--max-lag")?,
                "--rate" => opts.rate = value()?.parse().context("--rate")?,
                "--baseline" => opts.baseline = Some(PathBuf::from(value()?)),
                "--baseline-arg" => opts
                    .baseline_args
                    .get_or_insert_with(Vec::new)
                    .push(value()?),
                "--only" => {
                    opts.servers = match value()?.as_str() {
                        "agentcast" => vec![Server::Agentcast],
                        "node" => vec![Server::Node],
                        other => bail!("--only: agentcast or node, not {other}"),
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if opts.clients.is_empty() || opts.clients.contains(&0) {
            bail!("--clients needs positive counts");
        }
        if opts.baseline.is_some() || opts.baseline_args.is_some() {
            if !opts.servers.contains(&Server::Agentcast) {
                bail!("--baseline compares with agentcast: not with --only node");
            }
            opts.servers.insert(1, Server::Baseline);
        }
        Ok(Some(opts))
    }

    /// Events per run for `clients` subscribers: about `deliveries` in total, so every run
    /// takes a few seconds whatever N is.
    fn events_for(&self, clients: usize) -> u64 {
        self.events
            .unwrap_or_else(|| (self.deliveries / clients as u64).clamp(200, 20_000))
    }
}

/// The fields of the load generator's JSON report that the tables use (it has more).
#[derive(Debug, Clone, Deserialize, Serialize)]
struct LoadReport {
    clients: usize,
    events: u64,
    delivered: u64,
    delivered_per_s: f64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
    connect_ms: f64,
    rss_per_conn_kb: Option<f64>,
    /// The same counting only the server's own memory (`RssAnon`), not its code's pages.
    #[serde(default)]
    anon_per_conn_kb: Option<f64>,
    /// Server RSS with every client connected and idle, and its peak over the run.
    rss_after_kb: Option<u64>,
    #[serde(default)]
    rss_peak_kb: Option<u64>,
    errors: u64,
    first_error: Option<String>,
    server_cpu_pct: Option<f64>,
    loadgen_cpu_pct: Option<f64>,
}

/// One run: the report, or why there is none.
#[derive(Debug, Serialize)]
struct Run {
    server: Server,
    clients: usize,
    repeat: usize,
    report: Option<serde_json::Value>,
    error: Option<String>,
}

impl Run {
    fn parsed(&self) -> Option<LoadReport> {
        serde_json::from_value(self.report.clone()?).ok()
    }
}

/// Where the binaries and the reference server are.
struct Paths {
    agentcast: PathBuf,
    /// `--baseline`, or this build for `--baseline-arg` alone.
    baseline: PathBuf,
    loadgen: PathBuf,
    reference_dir: PathBuf,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    if args.first().is_some_and(|a| a == durability::NAME) {
        return durability::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == collect::NAME) {
        return collect::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == control::NAME) {
        return control::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == watch::NAME) {
        return watch::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == top::NAME) {
        return top::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == cluster::NAME) {
        return cluster::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == budgets::NAME) {
        return budgets::run(&args[1..]);
    }
    if args.first().is_some_and(|a| a == latency::NAME) {
        return latency::run(&args[1..]);
    }
    run_fanout(args)
}

/// The fan-out benchmark with `args`.
fn run_fanout(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = prepare(&opts)?;
    let pin = opts.common.pin && can_pin();
    let agentcast_args = serve_args(&paths.agentcast, &opts.common.server_args);
    let baseline_args = serve_args(
        &paths.baseline,
        opts.baseline_args
            .as_deref()
            .unwrap_or(&opts.common.server_args),
    );
    if opts.servers.contains(&Server::Baseline) {
        println!(
            "    baseline: {} serve ... {}",
            paths.baseline.display(),
            baseline_args.join(" ")
        );
    }

    println!("==> step bench: fan-out, one session, events of ~512 bytes");
    print_conditions(
        pin,
        "each server gets one core: taskset -c 0 for the server (TOKIO_WORKER_THREADS=1 for \
         agentcast; Node runs JavaScript on one thread), taskset -c 1 for the load generator \
         (one thread)",
    );
    if opts.rate > 0 {
        println!(
            "    publisher: open loop, {} events/s in publishes of {}; {} repeat(s), servers \
             run alternately",
            opts.rate, opts.batch, opts.common.repeats
        );
    } else {
        println!(
            "    publisher: batch {}, {} un-acked publishes at most, max average lag {} events; \
             {} repeat(s), servers run alternately",
            opts.batch, opts.inflight, opts.max_lag, opts.common.repeats
        );
    }

    let mut runs: Vec<Run> = Vec::new();
    for &clients in &opts.clients {
        let events = opts.events_for(clients);
        for repeat in 1..=opts.common.repeats {
            for &server in &opts.servers {
                let run_started = Instant::now();
                let launch = match server {
                    Server::Baseline => Some((paths.baseline.as_path(), baseline_args.as_slice())),
                    Server::Agentcast => {
                        Some((paths.agentcast.as_path(), agentcast_args.as_slice()))
                    }
                    Server::Node => None,
                };
                let result = run_once(server, launch, clients, events, &opts, &paths, pin);
                let run = match result {
                    Ok(report) => Run {
                        server,
                        clients,
                        repeat,
                        report: Some(report),
                        error: None,
                    },
                    Err(e) => Run {
                        server,
                        clients,
                        repeat,
                        report: None,
                        error: Some(format!("{e:#}")),
                    },
                };
                println!(
                    "    {} N={clients} #{repeat}: {} ({})",
                    server.name(),
                    match (&run.parsed(), &run.error) {
                        (Some(r), _) => format!(
                            "{} delivered/s, p99 {} ms, {} errors",
                            thousands(r.delivered_per_s),
                            ms(r.p99_us),
                            r.errors
                        ),
                        (None, Some(e)) => format!("FAILED: {e}"),
                        (None, None) => "FAILED: unreadable report".to_string(),
                    },
                    fmt_duration(run_started.elapsed())
                );
                runs.push(run);
            }
        }
        println!();
        print!("{}", table(clients, events, &opts, &runs));
    }
    print!("{}", verdict(&opts, &runs));
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

/// Builds the release binaries and installs the reference server's packages when missing.
fn prepare(opts: &Options) -> Result<Paths> {
    println!("==> step build: release server and load generator");
    let mut build = Cmd::cargo().args(["build", "--release", "-p", "agentcast-tests"]);
    if opts.servers.contains(&Server::Agentcast) {
        build = build.args(["-p", "agentcast-server", "--bin", "agentcast"]);
    }
    build.args(["--bin", "agentcast-loadgen"]).run()?;
    let release = target_dir().join("release");
    let baseline = opts
        .baseline
        .clone()
        .unwrap_or_else(|| release.join("agentcast"));
    if opts.servers.contains(&Server::Baseline) && !baseline.is_file() {
        bail!("--baseline {}: no such file", baseline.display());
    }
    let reference_dir = root().join("tests/js/bench");
    if opts.servers.contains(&Server::Node) {
        if Cmd::new("node").arg("--version").probe().is_none() {
            bail!("node is not installed: it runs the reference server (or use --only agentcast)");
        }
        if !reference_dir
            .join("node_modules/socket.io/package.json")
            .exists()
        {
            println!("==> step npm: the reference server's packages (tests/js/bench)");
            Cmd::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .cwd(&reference_dir)
                .run()?;
        }
    }
    Ok(Paths {
        agentcast: release.join("agentcast"),
        baseline,
        loadgen: release.join("agentcast-loadgen"),
        reference_dir,
    })
}

/// `serve` arguments of `binary` beyond `--bind` and `--data-dir` (`harness::server_args`:
/// auth and rate limits off), with the memory store unless `user_args` choose a durability:
/// the Node reference is a bare relay, so like is compared with like, without a database,
/// unless the user asks for one (`--server-arg --durability --server-arg normal`).
fn serve_args(binary: &Path, user_args: &[String]) -> Vec<String> {
    let mut args = user_args.to_vec();
    if !args.iter().any(|a| a.starts_with("--durability")) {
        args.splice(0..0, ["--durability".to_string(), "memory".to_string()]);
    }
    server_args(binary, &args)
}

/// Starts `server` (`launch`: an agentcast binary and its `serve` arguments; `None` for the
/// Node reference), runs the load generator against it, stops the server.
fn run_once(
    server: Server,
    launch: Option<(&Path, &[String])>,
    clients: usize,
    events: u64,
    opts: &Options,
    paths: &Paths,
    pin: bool,
) -> Result<serde_json::Value> {
    let data_dir = fresh_dir(&format!("{}-{clients}", server.name()))?;
    let spec = match launch {
        Some((binary, serve_args)) => {
            let mut argv: Vec<OsString> = vec![binary.into()];
            argv.extend(["serve", "--bind", "127.0.0.1:0", "--data-dir"].map(OsString::from));
            argv.push(data_dir.clone().into());
            argv.extend(serve_args.iter().map(OsString::from));
            ServerSpec {
                argv,
                envs: &[("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")],
                cwd: data_dir.clone(),
            }
        }
        None => ServerSpec {
            argv: ["node", "reference-server.mjs"]
                .map(OsString::from)
                .to_vec(),
            envs: &[],
            cwd: paths.reference_dir.clone(),
        },
    };
    // A generous bound: connecting 5000 clients to a slow server, plus the events at a
    // pessimistic 10k deliveries per second.
    let timeout_s = 60 + (clients as u64 * events) / 10_000;
    let result = run_client_against(
        spec,
        &paths.loadgen,
        |url, server_pid| {
            let mut args: Vec<String> = [
                ("--url", url.to_string()),
                ("--server-pid", server_pid.to_string()),
                ("--clients", clients.to_string()),
                ("--events", events.to_string()),
                ("--batch", opts.batch.to_string()),
                ("--inflight", opts.inflight.to_string()),
                ("--max-lag", opts.max_lag.to_string()),
                ("--rate", opts.rate.to_string()),
                ("--timeout-s", timeout_s.to_string()),
            ]
            .into_iter()
            .flat_map(|(flag, value)| [flag.to_string(), value])
            .collect();
            if server == Server::Node {
                args.push("--publish-envelopes".to_string());
            }
            args
        },
        pin,
    );
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// Medians of one server's successful runs for one N.
#[derive(Debug, Clone, Copy)]
struct Medians {
    delivered_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    connect_ms: f64,
    kb_per_conn: Option<f64>,
    anon_kb_per_conn: Option<f64>,
    rss_mb: Option<f64>,
    peak_mb: Option<f64>,
    server_cpu: Option<f64>,
    loadgen_cpu: Option<f64>,
    errors: u64,
    runs: usize,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

fn medians(runs: &[Run], server: Server, clients: usize) -> Option<Medians> {
    let reports: Vec<LoadReport> = runs
        .iter()
        .filter(|r| r.server == server && r.clients == clients)
        .filter_map(Run::parsed)
        .collect();
    medians_of(&reports)
}

/// The medians of `reports`; `None` when there are none.
fn medians_of(reports: &[LoadReport]) -> Option<Medians> {
    let of =
        |f: &dyn Fn(&LoadReport) -> Option<f64>| median(reports.iter().filter_map(f).collect());
    Some(Medians {
        delivered_per_s: of(&|r| Some(r.delivered_per_s))?,
        p50_us: of(&|r| Some(r.p50_us as f64))?,
        p99_us: of(&|r| Some(r.p99_us as f64))?,
        max_us: of(&|r| Some(r.max_us as f64))?,
        connect_ms: of(&|r| Some(r.connect_ms))?,
        kb_per_conn: of(&|r| r.rss_per_conn_kb),
        anon_kb_per_conn: of(&|r| r.anon_per_conn_kb),
        rss_mb: of(&|r| r.rss_after_kb.map(mb)),
        peak_mb: of(&|r| r.rss_peak_kb.map(mb)),
        server_cpu: of(&|r| r.server_cpu_pct),
        loadgen_cpu: of(&|r| r.loadgen_cpu_pct),
        errors: reports.iter().map(|r| r.errors).sum(),
        runs: reports.len(),
    })
}

const HEADER: &str = "  server           delivered/s    p50 ms    p99 ms    max ms  connect ms   \
                      KB/conn  anon KB  RSS MB  peak MB  srv cpu  gen cpu  errors";

fn row(label: &str, m: &Medians) -> String {
    format!(
        "  {label:<14} {:>13} {:>9} {:>9} {:>9} {:>11.1} {:>9} {:>8} {:>7} {:>8} {:>8} {:>8} {:>7}\n",
        thousands(m.delivered_per_s),
        ms(m.p50_us as u64),
        ms(m.p99_us as u64),
        ms(m.max_us as u64),
        m.connect_ms,
        opt(m.kb_per_conn, 1),
        opt(m.anon_kb_per_conn, 1),
        opt(m.rss_mb, 0),
        opt(m.peak_mb, 0),
        m.server_cpu.map_or("-".into(), |c| format!("{c:.0}%")),
        m.loadgen_cpu.map_or("-".into(), |c| format!("{c:.0}%")),
        m.errors
    )
}

/// The per-N table: medians, the ratio agentcast/node, then every run.
fn table(clients: usize, events: u64, opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- {clients} clients x {events} events ({} deliveries per run), median of {} --",
        thousands((clients as u64 * events) as f64),
        opts.common.repeats
    );
    let _ = writeln!(out, "{HEADER}");
    let mut found: BTreeMap<Server, Medians> = BTreeMap::new();
    for &server in &opts.servers {
        match medians(runs, server, clients) {
            Some(m) => {
                out.push_str(&row(server.name(), &m));
                found.insert(server, m);
            }
            None => {
                let _ = writeln!(out, "  {:<14} no successful run", server.name());
            }
        }
    }
    if let (Some(a), Some(n)) = (found.get(&Server::Agentcast), found.get(&Server::Node)) {
        out.push_str(&ratio_row("agentcast/node", a, n));
    }
    if let (Some(a), Some(b)) = (found.get(&Server::Agentcast), found.get(&Server::Baseline)) {
        out.push_str(&ratio_row("agentcast/base", a, b));
    }
    let _ = writeln!(out, "  runs:");
    for run in runs.iter().filter(|r| r.clients == clients) {
        let label = format!("{} #{}", run.server.name(), run.repeat);
        out.push_str(&run_row(&label, run.parsed(), run.error.as_deref()));
    }
    let _ = writeln!(out);
    out
}

/// `x / y` as `1.23x`; `-` when `y` is not positive.
fn ratio(x: f64, y: f64) -> String {
    if y > 0.0 {
        format!("{:.2}x", x / y)
    } else {
        "-".into()
    }
}

/// [`ratio`] of two figures a report may lack.
fn opt_ratio(x: Option<f64>, y: Option<f64>) -> String {
    match (x, y) {
        (Some(x), Some(y)) => ratio(x, y),
        _ => "-".into(),
    }
}

/// The ratios of `a` to the reference `b`, under the columns of [`row`] they apply to.
fn ratio_row(label: &str, a: &Medians, b: &Medians) -> String {
    format!(
        "  {label:<14} {:>13} {:>9} {:>9} {:>9} {:>11} {:>9} {:>8}\n",
        ratio(a.delivered_per_s, b.delivered_per_s),
        ratio(a.p50_us, b.p50_us),
        ratio(a.p99_us, b.p99_us),
        ratio(a.max_us, b.max_us),
        ratio(a.connect_ms, b.connect_ms),
        opt_ratio(a.kb_per_conn, b.kb_per_conn),
        opt_ratio(a.anon_kb_per_conn, b.anon_kb_per_conn),
    )
}

/// One run's line in a table's `runs:` list: its figures, or why it has none.
fn run_row(label: &str, report: Option<LoadReport>, error: Option<&str>) -> String {
    let Some(r) = report else {
        return format!(
            "    {label:<12} FAILED: {}\n",
            error.unwrap_or("unreadable report")
        );
    };
    let m = Medians {
        delivered_per_s: r.delivered_per_s,
        p50_us: r.p50_us as f64,
        p99_us: r.p99_us as f64,
        max_us: r.max_us as f64,
        connect_ms: r.connect_ms,
        kb_per_conn: r.rss_per_conn_kb,
        anon_kb_per_conn: r.anon_per_conn_kb,
        rss_mb: r.rss_after_kb.map(mb),
        peak_mb: r.rss_peak_kb.map(mb),
        server_cpu: r.server_cpu_pct,
        loadgen_cpu: r.loadgen_cpu_pct,
        errors: r.errors,
        runs: 1,
    };
    let mut out = row(&format!("  {label}"), &m);
    if let Some(e) = &r.first_error {
        let _ = writeln!(out, "      first error: {e}");
    }
    if r.delivered < r.clients as u64 * r.events {
        let _ = writeln!(
            out,
            "      delivered {} of {}",
            r.delivered,
            r.clients as u64 * r.events
        );
    }
    out
}

/// The issue's targets, judged on the medians: latency in open loop, else throughput and
/// memory.
fn verdict(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::from("  targets:\n");
    if opts.rate > 0 {
        for &clients in &opts.clients {
            let (a, n) = (
                medians(runs, Server::Agentcast, clients),
                medians(runs, Server::Node, clients),
            );
            if let Some(a) = a {
                let _ = writeln!(
                    out,
                    "    p99 publish -> client at {clients} clients, {} events/s: agentcast {} ms \
                     (target < 5 ms): {}{}",
                    opts.rate,
                    ms(a.p99_us as u64),
                    if a.p99_us < 5_000.0 { "met" } else { "NOT met" },
                    n.map_or(String::new(), |n| format!(
                        "; node {} ms",
                        ms(n.p99_us as u64)
                    ))
                );
            }
        }
        return out;
    }
    let at_1000 = (
        medians(runs, Server::Agentcast, 1000),
        medians(runs, Server::Node, 1000),
    );
    match at_1000 {
        (Some(a), Some(n)) if n.delivered_per_s > 0.0 => {
            let ratio = a.delivered_per_s / n.delivered_per_s;
            let _ = writeln!(
                out,
                "    delivered/s at 1000 clients, agentcast/node: {ratio:.2}x (target >= 6x, issue 18): {}",
                if ratio >= 6.0 { "met" } else { "NOT met" }
            );
        }
        _ => out.push_str("    delivered/s at 1000 clients: not measured for both servers\n"),
    }
    for &clients in opts
        .clients
        .iter()
        .filter(|_| opts.servers.contains(&Server::Baseline))
    {
        let pair = (
            medians(runs, Server::Agentcast, clients),
            medians(runs, Server::Baseline, clients),
        );
        if let (Some(a), Some(b)) = pair {
            let _ = writeln!(
                out,
                "    delivered/s at {clients} clients, agentcast/baseline: {}",
                ratio(a.delivered_per_s, b.delivered_per_s)
            );
        }
    }
    // Memory per connection is judged where it is least noisy: the largest N measured, on
    // the whole RSS as the issue states it; the server's own part (`RssAnon`) is said beside.
    let largest = opts.clients.iter().copied().max().unwrap_or_default();
    let at_largest = medians(runs, Server::Agentcast, largest);
    match at_largest.and_then(|m| m.kb_per_conn) {
        Some(kb) => {
            let private = at_largest
                .and_then(|m| m.anon_kb_per_conn)
                .map_or(String::new(), |anon| {
                    format!(", of which {anon:.1} KB its own")
                });
            let _ = writeln!(
                out,
                "    agentcast memory per idle connection at {largest} clients: {kb:.1} KB \
                 of RSS{private} (target <= 16 KB): {}",
                if kb <= 16.0 { "met" } else { "NOT met" }
            );
        }
        None => out.push_str("    agentcast memory per idle connection: not measured\n"),
    }
    if largest >= 10_000
        && let Some(m) = at_largest
    {
        out.push_str(&ten_thousand_verdict(largest, &m));
    }
    let errors: u64 = opts
        .clients
        .iter()
        .flat_map(|&n| {
            opts.servers
                .iter()
                .filter_map(move |&s| medians(runs, s, n))
        })
        .map(|m| m.errors)
        .sum();
    let failed = runs.iter().filter(|r| r.report.is_none()).count();
    let measured: usize = opts
        .clients
        .iter()
        .flat_map(|&n| {
            opts.servers
                .iter()
                .filter_map(move |&s| medians(runs, s, n))
        })
        .map(|m| m.runs)
        .sum();
    let _ = writeln!(
        out,
        "    {measured} runs measured, {failed} failed, {errors} delivery errors in total"
    );
    let unsaturated = runs
        .iter()
        .filter_map(Run::parsed)
        .filter(|r| r.server_cpu_pct.is_some_and(|cpu| cpu < 85.0))
        .count();
    if unsaturated > 0 {
        let _ = writeln!(
            out,
            "    note: in {unsaturated} run(s) the server used under 85% of its core (srv cpu): \
             other work on that CPU or the publisher's pacing held it back, so those \
             throughputs understate it"
        );
    }
    out
}

/// The targets of a run with 10,000 clients or more: all connected within 2 s, the whole
/// server under 150 MB, every event delivered.
fn ten_thousand_verdict(clients: usize, m: &Medians) -> String {
    let judge = |met: bool| if met { "met" } else { "NOT met" };
    let rss = m.rss_mb.unwrap_or(f64::INFINITY);
    format!(
        "    {clients} clients connected in {:.0} ms (target < 2000 ms): {}\n    \
         server RSS with {clients} idle clients {rss:.0} MB, peak {} MB (target < 150 MB): {}\n    \
         every event delivered to every client, {} errors: {}\n",
        m.connect_ms,
        judge(m.connect_ms < 2000.0),
        opt(m.peak_mb, 0),
        judge(rss < 150.0),
        m.errors,
        judge(m.errors == 0),
    )
}

/// `1234567.8` -> `1,234,568`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// KiB as MiB.
fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Microseconds as milliseconds with two decimals.
fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::harness::args;
    use super::*;

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(full.clients, [100, 1000, 5000]);
        assert_eq!(full.common.repeats, 3);
        assert_eq!(full.events_for(1000), 2000);
        assert_eq!(full.events_for(5000), 400);
        assert_eq!(full.events_for(10), 20_000);
        let quick = Options::parse(&args("--quick")).unwrap().unwrap();
        assert_eq!(quick.clients, [100, 1000]);
        assert_eq!(quick.common.repeats, 1);
    }

    #[test]
    fn parses_options() {
        let o = Options::parse(&args(
            "--clients 10,20 --events=50 --repeats 2 --only node --server-arg --x --no-pin",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(o.clients, [10, 20]);
        assert_eq!(o.events_for(10), 50);
        assert_eq!(o.common.repeats, 2);
        assert_eq!(o.servers, [Server::Node]);
        assert_eq!(o.common.server_args, ["--x"]);
        assert!(!o.common.pin);
        assert!(Options::parse(&args("--only rust")).is_err());
        let ab = Options::parse(&args(
            "--only agentcast --baseline /tmp/a --baseline-arg --y",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(ab.servers, [Server::Agentcast, Server::Baseline]);
        assert_eq!(ab.baseline, Some(PathBuf::from("/tmp/a")));
        assert_eq!(ab.baseline_args, Some(vec!["--y".to_string()]));
        assert!(Options::parse(&args("--only node --baseline /tmp/a")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }

    #[test]
    fn medians_and_formatting() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(ms(1234), "1.23");
    }
}
