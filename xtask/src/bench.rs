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
//! ```

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::cmd::{Cmd, fmt_duration, root, target_dir};

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
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~1 minute smoke run
  --no-pin            do not pin server and load generator to separate CPUs";

/// The `agentcast listening on` line both servers print once they accept connections.
const LISTENING_PREFIX: &str = "agentcast listening on ";

/// Raises the open-file limit (to the hard limit when 65536 is refused, as it is without
/// CAP_SYS_RESOURCE), then replaces the shell with its arguments (`taskset -c 0 <server> ...`).
const SERVER_SHELL: &str = r#"ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@""#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Server {
    Agentcast,
    Node,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Agentcast => "agentcast",
            Server::Node => "node",
        }
    }
}

#[derive(Debug)]
struct Options {
    clients: Vec<usize>,
    events: Option<u64>,
    deliveries: u64,
    repeats: usize,
    servers: Vec<Server>,
    batch: u64,
    inflight: u64,
    max_lag: u64,
    server_args: Vec<String>,
    out: Option<PathBuf>,
    pin: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut opts = Options {
            clients: if quick {
                vec![100, 1000]
            } else {
                vec![100, 1000, 5000]
            },
            events: None,
            deliveries: if quick { 1_000_000 } else { 2_000_000 },
            repeats: if quick { 1 } else { 3 },
            servers: vec![Server::Agentcast, Server::Node],
            batch: 1,
            inflight: 16,
            max_lag: 256,
            server_args: Vec::new(),
            out: None,
            pin: true,
        };
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
            match flag {
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                "--quick" => {}
                "--no-pin" => opts.pin = false,
                "--clients" => {
                    opts.clients = value()?
                        .split(',')
                        .map(|n| n.trim().parse().context("--clients: a list of numbers"))
                        .collect::<Result<_>>()?;
                }
                "--events" => opts.events = Some(value()?.parse().context("--events")?),
                "--deliveries" => opts.deliveries = value()?.parse().context("--deliveries")?,
                "--repeats" => opts.repeats = value()?.parse().context("--repeats")?,
                "--batch" => opts.batch = value()?.parse().context("--batch")?,
                "--inflight" => opts.inflight = value()?.parse().context("--inflight")?,
                "--max-lag" => opts.max_lag = value()?.parse().context("--max-lag")?,
                "--server-arg" => opts.server_args.push(value()?),
                "--out" => opts.out = Some(PathBuf::from(value()?)),
                "--only" => {
                    opts.servers = match value()?.as_str() {
                        "agentcast" => vec![Server::Agentcast],
                        "node" => vec![Server::Node],
                        other => bail!("--only: agentcast or node, not {other}"),
                    }
                }
                other => bail!("unknown option {other}\n\n{USAGE}"),
            }
        }
        if opts.clients.is_empty() || opts.clients.contains(&0) || opts.repeats == 0 {
            bail!("--clients needs positive counts and --repeats at least 1");
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
    connect_ms: f64,
    rss_per_conn_kb: Option<f64>,
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
    loadgen: PathBuf,
    reference_dir: PathBuf,
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = prepare(&opts)?;
    let pin = opts.pin && can_pin();
    let agentcast_args = agentcast_serve_args(&paths, &opts);

    println!("==> step bench: fan-out, one session, events of ~512 bytes");
    if pin {
        println!(
            "    each server gets one core: taskset -c 0 for the server (TOKIO_WORKER_THREADS=1 \
             for agentcast; Node runs JavaScript on one thread), taskset -c 1 for the load \
             generator (one thread)"
        );
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
    println!(
        "    publisher: batch {}, {} un-acked publishes at most, max average lag {} events; \
         {} repeat(s), servers run alternately",
        opts.batch, opts.inflight, opts.max_lag, opts.repeats
    );

    let mut runs: Vec<Run> = Vec::new();
    for &clients in &opts.clients {
        let events = opts.events_for(clients);
        for repeat in 1..=opts.repeats {
            for &server in &opts.servers {
                let run_started = Instant::now();
                let result = run_once(server, clients, events, &opts, &paths, &agentcast_args, pin);
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
    if let Some(out) = &opts.out {
        let json = serde_json::json!({ "pinned": pin, "runs": runs });
        std::fs::write(out, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("writing {}", out.display()))?;
        println!("    every run's report: {}", out.display());
    }
    println!("==> step bench done ({})", fmt_duration(started.elapsed()));
    if runs.iter().all(|r| r.report.is_none()) {
        bail!("no run produced a report");
    }
    Ok(())
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
        loadgen: release.join("agentcast-loadgen"),
        reference_dir,
    })
}

/// `serve` arguments beyond `--bind` and `--data-dir`: auth off when the server has the
/// switch (the load generator has no token), the memory store unless `--durability` is
/// given, then the user's `--server-arg`s.
fn agentcast_serve_args(paths: &Paths, opts: &Options) -> Vec<String> {
    let mut args = Vec::new();
    if opts.servers.contains(&Server::Agentcast) {
        let help = Cmd::new(&paths.agentcast)
            .args(["serve", "--help"])
            .probe()
            .unwrap_or_default();
        if help.contains("--auth ") && !opts.server_args.iter().any(|a| a.starts_with("--auth")) {
            args.extend(["--auth".to_string(), "none".to_string()]);
        }
        // The Node reference is a bare relay: compare like with like, without a database,
        // unless the user asks for one (`--server-arg --durability --server-arg normal`).
        let chosen = opts
            .server_args
            .iter()
            .any(|a| a.starts_with("--durability"));
        if help.contains("--durability") && !chosen {
            args.extend(["--durability".to_string(), "memory".to_string()]);
        }
    }
    args.extend(opts.server_args.iter().cloned());
    args
}

/// taskset is there and this process may use CPUs 0 and 1.
fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Cmd::new("taskset")
            .args(["-c", "0,1", "true"])
            .probe()
            .is_some()
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Starts `server`, runs the load generator against it, stops the server.
fn run_once(
    server: Server,
    clients: usize,
    events: u64,
    opts: &Options,
    paths: &Paths,
    agentcast_args: &[String],
    pin: bool,
) -> Result<serde_json::Value> {
    let data_dir = std::env::temp_dir().join(format!(
        "agentcast-bench-{}-{}-{clients}",
        std::process::id(),
        server.name()
    ));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir)?;
    let mut argv: Vec<OsString> = Vec::new();
    if pin {
        argv.extend(["taskset", "-c", "0"].map(OsString::from));
    }
    let mut envs: Vec<(&str, &str)> = Vec::new();
    let cwd = match server {
        Server::Agentcast => {
            argv.push(paths.agentcast.clone().into());
            argv.extend(["serve", "--bind", "127.0.0.1:0", "--data-dir"].map(OsString::from));
            argv.push(data_dir.clone().into());
            argv.extend(agentcast_args.iter().map(OsString::from));
            envs.extend([("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")]);
            data_dir.clone()
        }
        Server::Node => {
            argv.extend(["node", "reference-server.mjs"].map(OsString::from));
            paths.reference_dir.clone()
        }
    };
    let mut child = ServerChild::spawn(&argv, &envs, &cwd)?;
    let result = (|| {
        let url = child.wait_for_url(Duration::from_secs(20))?;
        // A generous bound: connecting 5000 clients to a slow server, plus the events at a
        // pessimistic 10k deliveries per second.
        let timeout_s = 60 + (clients as u64 * events) / 10_000;
        let mut loadgen = Command::new(if pin { "taskset" } else { "env" });
        if pin {
            loadgen.args(["-c", "1"]);
        }
        let output = loadgen
            .arg(&paths.loadgen)
            .args(["--url", &url, "--clients", &clients.to_string()])
            .args(["--events", &events.to_string()])
            .args(["--batch", &opts.batch.to_string()])
            .args(["--inflight", &opts.inflight.to_string()])
            .args(["--max-lag", &opts.max_lag.to_string()])
            .args(["--server-pid", &child.pid().to_string()])
            .args(["--timeout-s", &timeout_s.to_string()])
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .context("starting agentcast-loadgen")?;
        if !output.status.success() {
            bail!("agentcast-loadgen failed ({})", output.status);
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).with_context(|| format!("reading the report: {line}"))
    })();
    child.stop();
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

/// A server under test: started through `sh` (to raise its open-file limit), which then
/// `exec`s it, so the child's pid is the server's own.
struct ServerChild {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl ServerChild {
    fn spawn(argv: &[OsString], envs: &[(&str, &str)], cwd: &Path) -> Result<Self> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(SERVER_SHELL)
            .arg("sh")
            .args(argv)
            .envs(envs.iter().copied())
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {argv:?}"))?;
        // The pipe was requested just above.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        // Reads every line so the server never blocks on a full pipe; ends with the process.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Ok(Self { child, lines })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_for_url(&mut self, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(LISTENING_PREFIX) {
                        // `http://127.0.0.1:PORT` possibly followed by a path or fragment.
                        let url = rest.split_whitespace().next().unwrap_or_default();
                        let base = match url.find("://") {
                            Some(at) => match url[at + 3..].find(['/', '#', '?']) {
                                Some(end) => &url[..at + 3 + end],
                                None => url,
                            },
                            None => url,
                        };
                        return Ok(base.to_string());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the server printed no address within {timeout:?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    bail!("the server exited before printing its address ({status})")
                }
            }
        }
    }

    /// SIGTERM, then SIGKILL after two seconds.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Medians of one server's successful runs for one N.
#[derive(Debug, Clone, Copy)]
struct Medians {
    delivered_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    connect_ms: f64,
    kb_per_conn: Option<f64>,
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
    let of =
        |f: &dyn Fn(&LoadReport) -> Option<f64>| median(reports.iter().filter_map(f).collect());
    Some(Medians {
        delivered_per_s: of(&|r| Some(r.delivered_per_s))?,
        p50_us: of(&|r| Some(r.p50_us as f64))?,
        p99_us: of(&|r| Some(r.p99_us as f64))?,
        connect_ms: of(&|r| Some(r.connect_ms))?,
        kb_per_conn: of(&|r| r.rss_per_conn_kb),
        server_cpu: of(&|r| r.server_cpu_pct),
        loadgen_cpu: of(&|r| r.loadgen_cpu_pct),
        errors: reports.iter().map(|r| r.errors).sum(),
        runs: reports.len(),
    })
}

const HEADER: &str = "  server           delivered/s    p50 ms    p99 ms  connect ms   KB/conn  \
                      srv cpu  gen cpu  errors";

fn row(label: &str, m: &Medians) -> String {
    format!(
        "  {label:<14} {:>13} {:>9} {:>9} {:>11.1} {:>9} {:>8} {:>8} {:>7}\n",
        thousands(m.delivered_per_s),
        ms(m.p50_us as u64),
        ms(m.p99_us as u64),
        m.connect_ms,
        opt(m.kb_per_conn, 1),
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
        opts.repeats
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
        let ratio = |x: f64, y: f64| {
            if y > 0.0 {
                format!("{:.2}x", x / y)
            } else {
                "-".into()
            }
        };
        let _ = writeln!(
            out,
            "  {:<14} {:>13} {:>9} {:>9} {:>11} {:>9}",
            "agentcast/node",
            ratio(a.delivered_per_s, n.delivered_per_s),
            ratio(a.p50_us, n.p50_us),
            ratio(a.p99_us, n.p99_us),
            ratio(a.connect_ms, n.connect_ms),
            match (a.kb_per_conn, n.kb_per_conn) {
                (Some(x), Some(y)) => ratio(x, y),
                _ => "-".into(),
            }
        );
    }
    let _ = writeln!(out, "  runs:");
    for run in runs.iter().filter(|r| r.clients == clients) {
        let label = format!("{} #{}", run.server.name(), run.repeat);
        match run.parsed() {
            Some(r) => {
                let m = Medians {
                    delivered_per_s: r.delivered_per_s,
                    p50_us: r.p50_us as f64,
                    p99_us: r.p99_us as f64,
                    connect_ms: r.connect_ms,
                    kb_per_conn: r.rss_per_conn_kb,
                    server_cpu: r.server_cpu_pct,
                    loadgen_cpu: r.loadgen_cpu_pct,
                    errors: r.errors,
                    runs: 1,
                };
                out.push_str(&row(&format!("  {label}"), &m));
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
            }
            None => {
                let _ = writeln!(
                    out,
                    "    {label:<12} FAILED: {}",
                    run.error.as_deref().unwrap_or("unreadable report")
                );
            }
        }
    }
    let _ = writeln!(out);
    out
}

/// The issue's two targets, judged on the medians.
fn verdict(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::from("  targets:\n");
    let at_1000 = (
        medians(runs, Server::Agentcast, 1000),
        medians(runs, Server::Node, 1000),
    );
    match at_1000 {
        (Some(a), Some(n)) if n.delivered_per_s > 0.0 => {
            let ratio = a.delivered_per_s / n.delivered_per_s;
            let _ = writeln!(
                out,
                "    delivered/s at 1000 clients, agentcast/node: {ratio:.2}x (target >= 5x): {}",
                if ratio >= 5.0 { "met" } else { "NOT met" }
            );
        }
        _ => out.push_str("    delivered/s at 1000 clients: not measured for both servers\n"),
    }
    // Memory per connection is judged where it is least noisy: the largest N measured.
    let largest = opts.clients.iter().copied().max().unwrap_or_default();
    match medians(runs, Server::Agentcast, largest).and_then(|m| m.kb_per_conn) {
        Some(kb) => {
            let _ = writeln!(
                out,
                "    agentcast memory per idle connection at {largest} clients: {kb:.1} KB \
                 (target <= 30 KB): {}",
                if kb <= 30.0 { "met" } else { "NOT met" }
            );
        }
        None => out.push_str("    agentcast memory per idle connection: not measured\n"),
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

/// Microseconds as milliseconds with two decimals.
fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(full.clients, [100, 1000, 5000]);
        assert_eq!(full.repeats, 3);
        assert_eq!(full.events_for(1000), 2000);
        assert_eq!(full.events_for(5000), 400);
        assert_eq!(full.events_for(10), 20_000);
        let quick = Options::parse(&args("--quick")).unwrap().unwrap();
        assert_eq!(quick.clients, [100, 1000]);
        assert_eq!(quick.repeats, 1);
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
        assert_eq!(o.repeats, 2);
        assert_eq!(o.servers, [Server::Node]);
        assert_eq!(o.server_args, ["--x"]);
        assert!(!o.pin);
        assert!(Options::parse(&args("--only rust")).is_err());
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
