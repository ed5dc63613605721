//! `cargo xtask bench cluster`: fan-out through several `agentcast serve` on one PostgreSQL.
//! A client on node 2 gets an event published on node 1 through the database: node 1 stores
//! it and announces the append (`pg_notify`), node 2 hears it (`LISTEN`) and reads the events
//! back from the store to broadcast them (server/src/hub/follow.rs).
//!
//! One private PostgreSQL (`agentcast-pg`: the server crate's `TempPostgres`, `fsync` on)
//! serves the whole run; every run gets a fresh database. Each repeat runs, in turn:
//!
//! - `1 node`: one server on PostgreSQL, every client on it (the reference of the ratios);
//! - `2 nodes`: two servers on the same database, the clients split over both
//!   (`agentcast-loadgen --url A,B`), the publisher on node 1: half the deliveries cross;
//! - `1 node SQLite`: one server on SQLite, the default configuration.
//!
//! Every server runs with `--durability normal` (SQLite synchronous NORMAL, PostgreSQL
//! synchronous_commit off), auth and limits off. Pinning: the servers share CPU 0 (each with
//! `TOKIO_WORKER_THREADS=1`), the load generator gets CPU 1, PostgreSQL is not pinned. Two
//! nodes on the same cores measure what crossing nodes costs, not how two machines scale.
//!
//! ```text
//! cargo xtask bench cluster                # 1000 clients x 2000 events, 3 repeats (~1 minute)
//! cargo xtask bench cluster --quick        # 1 repeat, 500 events (~15 s)
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::harness::{
    Common, Paths, ServerSpec, build_release_with, finish, fresh_dir, is_quick, parse_options,
    print_conditions, run_client, server_args, spawn_server,
};
use super::server::{ServerChild, can_pin};
use super::{HEADER, LoadReport, Medians, medians_of, ratio_row, row, run_row, thousands};
use crate::cmd::fmt_duration;

/// The first argument that selects this benchmark: `cargo xtask bench cluster`.
pub(super) const NAME: &str = "cluster";

/// The helper binary of agentcast-tests that runs the private PostgreSQL.
const PG_HELPER: &str = "agentcast-pg";

const USAGE: &str = "\
cargo xtask bench cluster [options]: fan-out through two nodes on one PostgreSQL vs one node

  --clients N         subscribers, split over the nodes            [1000]
  --events M          events published per run (on node 1)         [2000; quick: 500]
  --repeats R         runs per configuration                        [3; quick: 1]
  --server-arg ARG    extra argument for `agentcast serve` (repeatable)
  --out FILE          also write every run's report as JSON
  --quick             a ~15 s run
  --no-pin            do not pin the servers and the load generator to separate CPUs";

/// What a run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Setup {
    /// One server on PostgreSQL: the reference.
    OneNode,
    /// Two servers on one PostgreSQL database, the clients split over both.
    TwoNodes,
    /// One server on SQLite.
    Sqlite,
}

impl Setup {
    const ALL: [Setup; 3] = [Setup::OneNode, Setup::TwoNodes, Setup::Sqlite];

    fn label(self) -> &'static str {
        match self {
            Setup::OneNode => "1 node",
            Setup::TwoNodes => "2 nodes",
            Setup::Sqlite => "1 node SQLite",
        }
    }

    /// The label of its runs, short enough for the table's first column.
    fn short(self) -> &'static str {
        match self {
            Setup::Sqlite => "SQLite",
            other => other.label(),
        }
    }

    fn nodes(self) -> usize {
        match self {
            Setup::TwoNodes => 2,
            Setup::OneNode | Setup::Sqlite => 1,
        }
    }

    fn on_postgres(self) -> bool {
        self != Setup::Sqlite
    }
}

#[derive(Debug)]
struct Options {
    clients: usize,
    events: u64,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let mut opts = Options {
            clients: 1000,
            events: if is_quick(args) { 500 } else { 2000 },
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--clients" => opts.clients = value()?.parse().context("--clients")?,
                "--events" => opts.events = value()?.parse().context("--events")?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        if opts.clients < 2 || opts.events == 0 {
            bail!("--clients must be at least 2 (one per node) and --events positive");
        }
        if let Some(arg) = opts
            .common
            .server_args
            .iter()
            .find(|a| a.starts_with("--durability") || a.starts_with("--database-url"))
        {
            bail!("--server-arg {arg}: this benchmark sets the store of every run");
        }
        Ok(Some(opts))
    }
}

/// One run: the load generator's report, or why there is none.
#[derive(Debug, Serialize)]
struct Run {
    setup: Setup,
    repeat: usize,
    report: Option<serde_json::Value>,
    error: Option<String>,
}

impl Run {
    fn parsed(&self) -> Option<LoadReport> {
        serde_json::from_value(self.report.clone()?).ok()
    }
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release_with("agentcast-loadgen", &[PG_HELPER])?;
    let pin = opts.common.pin && can_pin();
    let server_args = server_args(&paths.agentcast, &opts.common.server_args);
    println!("==> step postgres: a private PostgreSQL 15 for the whole run (fsync on)");
    let mut postgres = Postgres::start(&paths.client.with_file_name(PG_HELPER))?;

    println!(
        "==> step bench: cluster, fan-out through nodes on one PostgreSQL, events of ~512 bytes"
    );
    print_conditions(
        pin,
        "the servers share CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1 each), the load \
         generator gets CPU 1 (one thread), PostgreSQL is not pinned",
    );
    println!(
        "    two nodes on one 2-core machine share the same cores: the 2-node row shows what \
         crossing nodes costs (NOTIFY, then a read from the store), not how two machines scale"
    );
    println!(
        "    {} clients x {} events, publisher on node 1; --durability normal (PostgreSQL \
         synchronous_commit off, SQLite synchronous NORMAL); a fresh database per run; {} \
         repeat(s), configurations in turn",
        opts.clients, opts.events, opts.common.repeats
    );

    let mut runs = Vec::new();
    for repeat in 1..=opts.common.repeats {
        for setup in Setup::ALL {
            let run_started = Instant::now();
            let result = run_once(setup, &opts, &paths, &server_args, &mut postgres, pin);
            let (report, error) = match result {
                Ok(report) => (Some(report), None),
                Err(e) => (None, Some(format!("{e:#}"))),
            };
            let run = Run {
                setup,
                repeat,
                report,
                error,
            };
            println!(
                "    {} #{repeat}: {} ({})",
                setup.label(),
                match (run.parsed(), &run.error) {
                    (Some(r), _) => format!(
                        "{} delivered/s, p50 {} / p99 {} ms, {} errors",
                        thousands(r.delivered_per_s),
                        super::ms(r.p50_us),
                        super::ms(r.p99_us),
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
    drop(postgres);
    println!();
    print!("{}", table(&opts, &runs));
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

/// Starts `setup`'s servers (on a fresh database when on PostgreSQL), runs the load generator
/// against them, stops them.
fn run_once(
    setup: Setup,
    opts: &Options,
    paths: &Paths,
    server_args: &[String],
    postgres: &mut Postgres,
    pin: bool,
) -> Result<serde_json::Value> {
    let database = if setup.on_postgres() {
        Some(postgres.new_database()?)
    } else {
        None
    };
    let mut servers: Vec<ServerChild> = Vec::new();
    let mut dirs = Vec::new();
    let result = (|| {
        let mut urls = Vec::new();
        for node in 1..=setup.nodes() {
            let dir = fresh_dir(&format!("cluster-{setup:?}-{node}"))?;
            dirs.push(dir.clone());
            let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
            argv.extend(
                ["serve", "--bind", "127.0.0.1:0", "--durability", "normal"].map(OsString::from),
            );
            argv.push("--data-dir".into());
            argv.push(dir.clone().into());
            if let Some(url) = &database {
                argv.extend(["--database-url".into(), url.into()]);
            }
            argv.extend(server_args.iter().map(OsString::from));
            let spec = ServerSpec {
                argv,
                envs: &[("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")],
                cwd: dir,
            };
            servers.push(spawn_server(spec, pin)?);
            // Pushed just above.
            let server = servers.last_mut().unwrap();
            urls.push(server.wait_for_url(Duration::from_secs(20))?);
        }
        let pids: Vec<String> = servers.iter().map(|s| s.pid().to_string()).collect();
        run_client(&paths.client, loadgen_args(opts, &urls, &pids), pin)
    })();
    for server in &mut servers {
        server.stop();
    }
    for dir in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

/// `agentcast-loadgen`'s arguments: every node's URL (the publisher takes the first) and pid.
fn loadgen_args(opts: &Options, urls: &[String], pids: &[String]) -> Vec<String> {
    // A generous bound: a slow connect plus the events at a pessimistic 10k deliveries/s.
    let timeout_s = 60 + (opts.clients as u64 * opts.events) / 10_000;
    [
        ("--url", urls.join(",")),
        ("--server-pid", pids.join(",")),
        ("--clients", opts.clients.to_string()),
        ("--events", opts.events.to_string()),
        ("--timeout-s", timeout_s.to_string()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_string(), value])
    .collect()
}

/// The table: medians per configuration, their ratios to `1 node`, then every run.
fn table(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- {} clients x {} events ({} deliveries per run), median of {} --",
        opts.clients,
        opts.events,
        thousands((opts.clients as u64 * opts.events) as f64),
        opts.common.repeats
    );
    let _ = writeln!(out, "{}", HEADER.replacen("server", "nodes ", 1));
    let medians = |setup: Setup| -> Option<Medians> {
        let reports: Vec<LoadReport> = runs
            .iter()
            .filter(|r| r.setup == setup)
            .filter_map(Run::parsed)
            .collect();
        medians_of(&reports)
    };
    for setup in Setup::ALL {
        match medians(setup) {
            Some(m) => out.push_str(&row(setup.label(), &m)),
            None => {
                let _ = writeln!(out, "  {:<14} no successful run", setup.label());
            }
        }
    }
    if let Some(reference) = medians(Setup::OneNode) {
        for (setup, label) in [
            (Setup::TwoNodes, "2 nodes/1 node"),
            (Setup::Sqlite, "SQLite/1 node"),
        ] {
            if let Some(m) = medians(setup) {
                out.push_str(&ratio_row(label, &m, &reference));
            }
        }
    }
    let _ = writeln!(
        out,
        "  (2 nodes: KB/conn and srv cpu are both servers' sums; both share CPU 0)"
    );
    let _ = writeln!(out, "  runs:");
    for run in runs {
        let label = format!("{} #{}", run.setup.short(), run.repeat);
        out.push_str(&run_row(&label, run.parsed(), run.error.as_deref()));
    }
    let _ = writeln!(out);
    out
}

/// The private PostgreSQL: `agentcast-pg`, asked for a fresh database per run over its
/// stdin. It stops (and PostgreSQL with it) when its stdin closes, on drop.
struct Postgres {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Postgres {
    fn start(helper: &Path) -> Result<Self> {
        let mut child = Command::new(helper)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", helper.display()))?;
        // Both were requested just above.
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut postgres = Postgres {
            child,
            stdin: Some(stdin),
            stdout,
        };
        let ready = postgres.line()?;
        let url = ready
            .strip_prefix("ready ")
            .with_context(|| format!("{PG_HELPER}: expected `ready URL`, got {ready:?}"))?;
        println!("    PostgreSQL at {url}");
        Ok(postgres)
    }

    /// A new empty database: its URL.
    fn new_database(&mut self) -> Result<String> {
        let stdin = self.stdin.as_mut().context("the helper is stopped")?;
        writeln!(stdin, "new").and_then(|()| stdin.flush())?;
        self.line()
    }

    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("{PG_HELPER} ended (PostgreSQL failed to start or stopped)");
        }
        Ok(line.trim().to_string())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // End of stdin: the helper stops PostgreSQL and exits.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(
            (full.clients, full.events, full.common.repeats),
            (1000, 2000, 3)
        );
        let quick = Options::parse(&args("--quick")).unwrap().unwrap();
        assert_eq!(
            (quick.clients, quick.events, quick.common.repeats),
            (1000, 500, 1)
        );
    }

    #[test]
    fn parses_options() {
        let o = Options::parse(&args("--clients 10 --events=50 --repeats 2 --no-pin"))
            .unwrap()
            .unwrap();
        assert_eq!((o.clients, o.events, o.common.repeats), (10, 50, 2));
        assert!(!o.common.pin);
        assert!(Options::parse(&args("--clients 1")).is_err());
        assert!(Options::parse(&args("--server-arg --durability=full")).is_err());
        assert!(Options::parse(&args("--server-arg --database-url=postgres://x/y")).is_err());
        assert!(Options::parse(&args("--bogus")).is_err());
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }

    #[test]
    fn the_loadgen_gets_every_node_and_the_publisher_the_first() {
        let o = Options::parse(&args("--clients 10 --events 20"))
            .unwrap()
            .unwrap();
        let urls = [
            "http://127.0.0.1:1".to_string(),
            "http://127.0.0.1:2".to_string(),
        ];
        let got = loadgen_args(&o, &urls, &["7".into(), "8".into()]);
        assert_eq!(
            got,
            args(
                "--url http://127.0.0.1:1,http://127.0.0.1:2 --server-pid 7,8 --clients 10 \
                 --events 20 --timeout-s 60"
            )
        );
    }

    #[test]
    fn one_node_is_the_reference() {
        assert_eq!(Setup::ALL[0], Setup::OneNode);
        assert_eq!(Setup::TwoNodes.nodes(), 2);
        assert!(!Setup::Sqlite.on_postgres());
    }
}
