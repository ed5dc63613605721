//! `cargo xtask bench collect`: the transcript collector (DESIGN.md section 9) on a machine
//! full of sessions, against references in the same command.
//!
//! - import: a tree of copies of the real transcripts (collect/tree.rs: 5,000 sessions by
//!   default, sub-agents and a few Codex rollouts included) imported by the real
//!   `agentcast serve` (fresh data directory, SQLite, defaults otherwise), once free on every
//!   core and once pinned to CPU 0 (`taskset -c 0`, `TOKIO_WORKER_THREADS=1`), timed from the
//!   start of the process to the collector's log line saying the import is done. The
//!   reference reads the same bytes and parses every line as JSON, on CPU 0
//!   (`agentcast-collect-bench parse`): what no importer beats.
//! - first screen: during the free import runs, the time from the start of the process to the
//!   first answer of the dashboard's first request (`GET /api/sessions?limit=200`) that
//!   shows the newest sessions (collect/screen.rs).
//! - follow: `agentcast-collect-bench follow` appends assistant entries to a live transcript
//!   at a steady rate and times each to its `output.text` at a Socket.IO subscriber, with
//!   file notifications and, as the reference, with `--collect-watch poll`.
//!
//! ```text
//! cargo xtask bench collect                  # 5,000 transcripts, 3 repeats (~3 minutes)
//! cargo xtask bench collect --quick          # 1,000 transcripts, 1 repeat (~40 s)
//! cargo xtask bench collect --transcripts 20000 --only import
//! ```

mod screen;
mod tree;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::harness::{
    Common, Paths, ServerSpec, build_release, finish, fresh_dir, is_quick, parse_options,
    print_conditions, run_client_against, server_args,
};
use super::server::{ServerChild, can_pin};
use super::{median, thousands};
use crate::cmd::{Cmd, fmt_duration, root};
use tree::{Shape, Source, Tree};

/// The first argument that selects this benchmark: `cargo xtask bench collect`.
pub(super) const NAME: &str = "collect";

const USAGE: &str = "\
cargo xtask bench collect [options]: transcript import, first screen and follow latency

  --transcripts N       sessions in the generated tree             [5000; quick: 1000]
  --projects P          project directories they are spread over   [200]
  --codex-every K       every K-th session a Codex rollout (0: none) [25]
  --repeats R           runs per measure and configuration         [3; quick: 1]
  --lines N             lines appended per follow run              [300; quick: 200]
  --rate N              lines appended per second                  [50]
  --poll-interval-ms MS the polling reference's interval            [1000]
  --only MEASURE        import or follow                           [both]
  --server-arg ARG      extra argument for `agentcast serve` (repeatable)
  --out FILE            also write every run's report as JSON
  --keep-tree           keep the generated tree (its path is printed)
  --quick               a ~40 s run
  --no-pin              pin nothing (the one-core import run is then skipped)";

/// The issue's targets.
const TARGET_MB_PER_S_ONE_CORE: f64 = 100.0;
const TARGET_FIRST_SCREEN_MS: f64 = 1000.0;
const TARGET_FOLLOW_P99_MS: f64 = 50.0;

/// What the collector logs (target `agentcast_server::collect::progress`) once the import is
/// done, with `files`, `bytes` and `elapsed_ms`.
const IMPORTED: &str = "transcripts imported; following them";
/// The server's log: warnings, and the collector's progress.
const SERVER_LOG: &str = "warn,agentcast_server::collect=info";
/// Linux's clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on every
/// architecture Linux runs this on).
const CLOCK_TICKS: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Measure {
    Import,
    Follow,
}

/// One configuration measured; every run is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Config {
    /// The reference parse of the tree.
    Reference,
    ImportFree,
    ImportPinned,
    FollowNotify,
    /// The reference of the follow latency.
    FollowPoll,
}

impl Config {
    fn label(self) -> &'static str {
        match self {
            Config::Reference => "reference: read + JSON parse, one core",
            Config::ImportFree => "agentcast, both cores",
            Config::ImportPinned => "agentcast, one core",
            Config::FollowNotify => "notify",
            Config::FollowPoll => "poll (reference)",
        }
    }
}

#[derive(Debug)]
struct Options {
    shape: Shape,
    lines: u64,
    rate: u32,
    poll_interval_ms: u64,
    measures: Vec<Measure>,
    keep_tree: bool,
    common: Common,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>> {
        let quick = is_quick(args);
        let mut opts = Options {
            shape: Shape {
                transcripts: if quick { 1000 } else { 5000 },
                projects: 200,
                codex_every: 25,
            },
            lines: if quick { 200 } else { 300 },
            rate: 50,
            poll_interval_ms: 1000,
            measures: vec![Measure::Import, Measure::Follow],
            keep_tree: false,
            common: Common::default(),
        };
        let go_on = parse_options(args, USAGE, &mut opts.common, |flag, value| {
            match flag {
                "--keep-tree" => opts.keep_tree = true,
                "--transcripts" => {
                    opts.shape.transcripts = value()?.parse().context("--transcripts")?
                }
                "--projects" => opts.shape.projects = value()?.parse().context("--projects")?,
                "--codex-every" => {
                    opts.shape.codex_every = value()?.parse().context("--codex-every")?
                }
                "--lines" => opts.lines = value()?.parse().context("--lines")?,
                "--rate" => opts.rate = value()?.parse().context("--rate")?,
                "--poll-interval-ms" => {
                    opts.poll_interval_ms = value()?.parse().context("--poll-interval-ms")?
                }
                "--only" => {
                    opts.measures = match value()?.as_str() {
                        "import" => vec![Measure::Import],
                        "follow" => vec![Measure::Follow],
                        other => bail!("--only: import or follow, not {other}"),
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !go_on {
            return Ok(None);
        }
        let shape = opts.shape;
        if shape.transcripts == 0 || shape.projects == 0 {
            bail!("--transcripts and --projects must be positive");
        }
        if opts.lines == 0 || opts.rate == 0 || opts.poll_interval_ms == 0 {
            bail!("--lines, --rate and --poll-interval-ms must be positive");
        }
        let owned = [
            "--claude-projects-dir",
            "--codex-sessions-dir",
            "--collect-watch",
            "--no-collect",
        ];
        if let Some(arg) = opts
            .common
            .server_args
            .iter()
            .find(|a| owned.iter().any(|o| a.starts_with(o)))
        {
            bail!("--server-arg {arg}: this benchmark sets what the server collects and how");
        }
        Ok(Some(opts))
    }
}

/// What an import run measured (the server's figures and the first screen).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ImportReport {
    /// From the start of the process to the collector's "imported" line.
    wall_s: f64,
    /// The collector's own count from the walk's end to the import's.
    import_ms: u64,
    files: u64,
    bytes: u64,
    /// Events stored (`sqlite3`, when installed).
    events: Option<u64>,
    /// CPU time of the server until the import was done.
    cpu_s: Option<f64>,
    /// From the start of the process to the first sessions list showing the newest sessions.
    first_screen_ms: Option<f64>,
    first_screen_requests: Option<u32>,
    /// Warnings and errors the server logged.
    warnings: u64,
    first_warning: Option<String>,
}

impl ImportReport {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.wall_s.max(1e-9)
    }

    /// MB per second of the server's CPU time: what a core does when it is not shared (the
    /// wall-clock figure of a run pinned to a core that other work also uses is lower).
    fn mb_per_cpu_s(&self) -> Option<f64> {
        Some(self.bytes as f64 / 1e6 / self.cpu_s?.max(1e-9))
    }

    fn events_per_s(&self) -> Option<f64> {
        Some(self.events? as f64 / self.wall_s.max(1e-9))
    }
}

/// The fields of `agentcast-collect-bench parse`'s report the tables use.
#[derive(Debug, Clone, Deserialize)]
struct ParseReport {
    bytes: u64,
    lines: u64,
    not_json: u64,
    seconds: f64,
    mb_per_s: f64,
}

/// The fields of `agentcast-collect-bench follow`'s report the tables use.
#[derive(Debug, Clone, Deserialize)]
struct FollowReport {
    achieved_rate: f64,
    lines: u64,
    received: u64,
    latency: Quantiles,
    first_error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Quantiles {
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// One run: the report, or why there is none.
#[derive(Debug, Serialize)]
struct Run {
    config: Config,
    repeat: usize,
    report: Option<serde_json::Value>,
    error: Option<String>,
}

impl Run {
    fn report<T: DeserializeOwned>(&self, config: Config) -> Option<T> {
        (self.config == config)
            .then(|| serde_json::from_value(self.report.clone()?).ok())
            .flatten()
    }
}

pub(super) fn run(args: &[String]) -> Result<()> {
    let Some(opts) = Options::parse(args)? else {
        return Ok(());
    };
    let started = Instant::now();
    let paths = build_release("agentcast-collect-bench")?;
    let pin = opts.common.pin && can_pin();
    let server_args = server_args(&paths.agentcast, &opts.common.server_args);
    let fixtures = root().join("../shared/fixtures");
    let repo_fixtures = root().join("tests/fixtures/agents");
    let sources = tree::load_sources(
        &[
            fixtures.join("claude-home/projects"),
            repo_fixtures.join("claude-home/projects"),
        ],
        &[
            fixtures.join("codex-home/sessions"),
            repo_fixtures.join("codex-home/sessions"),
        ],
    )?;

    println!("==> step bench: transcript collector");
    print_conditions(
        pin,
        "one-core runs: the server on CPU 0 (taskset -c 0, TOKIO_WORKER_THREADS=1), the \
         reference parse on CPU 0, the follow client on CPU 1",
    );
    let mut runs = Vec::new();
    if opts.measures.contains(&Measure::Import) {
        let dir = fresh_dir("collect-tree")?;
        let made = Instant::now();
        let tree = tree::generate(&dir, opts.shape, &sources)?;
        println!(
            "    tree: {} Claude Code sessions and {} Codex rollouts from {} real transcripts, \
             {} files, {:.1} MB, in {} projects (made in {}){}",
            thousands(tree.claude_sessions as f64),
            thousands(tree.codex_sessions as f64),
            sources.len(),
            thousands(tree.files as f64),
            tree.bytes as f64 / 1e6,
            opts.shape.projects,
            fmt_duration(made.elapsed()),
            if opts.keep_tree {
                format!(": {}", dir.display())
            } else {
                String::new()
            }
        );
        for repeat in 1..=opts.common.repeats {
            let mut configs = vec![Config::Reference, Config::ImportFree];
            if pin {
                configs.push(Config::ImportPinned);
            }
            for config in configs {
                let result = match config {
                    Config::Reference => reference_once(&paths, &tree, pin),
                    _ => import_once(&paths, &tree, config, &server_args),
                };
                runs.push(record(config, repeat, result));
            }
        }
        if !opts.keep_tree {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    if opts.measures.contains(&Measure::Follow) {
        for repeat in 1..=opts.common.repeats {
            for config in [Config::FollowNotify, Config::FollowPoll] {
                let result = follow_once(&paths, &sources, config, &opts, &server_args, pin);
                runs.push(record(config, repeat, result));
            }
        }
    }
    println!();
    if opts.measures.contains(&Measure::Import) {
        print!("{}", import_table(&opts, &runs));
    }
    if opts.measures.contains(&Measure::Follow) {
        print!("{}", follow_table(&opts, &runs));
    }
    let reported = runs.iter().filter(|r| r.report.is_some()).count();
    finish(opts.common.out.as_deref(), pin, &runs, reported, started)
}

/// A run's result as a [`Run`], with its line printed.
fn record(config: Config, repeat: usize, result: Result<serde_json::Value>) -> Run {
    let (report, error) = match result {
        Ok(report) => (Some(report), None),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    let run = Run {
        config,
        repeat,
        report,
        error,
    };
    println!("    {} #{repeat}: {}", config.label(), summary(&run));
    run
}

/// The reference: the tree read and parsed line by line, on CPU 0 when pinning.
fn reference_once(paths: &Paths, tree: &Tree, pin: bool) -> Result<serde_json::Value> {
    let mut command = Cmd::new(if pin { "taskset" } else { "env" });
    if pin {
        command = command.args(["-c", "0"]);
    }
    let output = command
        .arg(&paths.client)
        .arg("parse")
        .arg("--dir")
        .arg(&tree.claude_root)
        .arg("--dir")
        .arg(&tree.codex_root)
        .probe()
        .context("agentcast-collect-bench parse failed")?;
    let line = output.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("reading the report: {line}"))
}

/// One import of the tree by a fresh server; the first screen is timed meanwhile (free runs).
fn import_once(
    paths: &Paths,
    tree: &Tree,
    config: Config,
    server_args: &[String],
) -> Result<serde_json::Value> {
    let pinned = config == Config::ImportPinned;
    let data_dir = fresh_dir("collect-import")?;
    let mut argv: Vec<OsString> = Vec::new();
    if pinned {
        argv.extend(["taskset", "-c", "0"].map(OsString::from));
    }
    argv.push(paths.agentcast.clone().into());
    argv.extend(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"].map(OsString::from));
    argv.extend(collect_args(&data_dir, tree));
    argv.extend(server_args.iter().map(OsString::from));
    let mut envs = vec![("RUST_LOG", SERVER_LOG)];
    if pinned {
        envs.push(("TOKIO_WORKER_THREADS", "1"));
    }
    // A slow machine's bound: 2 MB/s, plus the start.
    let timeout = Duration::from_secs(60 + tree.bytes / 2_000_000);
    let started = Instant::now();
    let mut child = ServerChild::spawn_capturing_log(&argv, &envs, &data_dir)?;
    let result = (|| {
        let url = child.wait_for_url(Duration::from_secs(20))?;
        std::thread::scope(|scope| {
            let screen = (!pinned).then(|| {
                scope.spawn(|| screen::wait_for_newest(&url, &tree.newest, started, timeout))
            });
            let report = wait_for_import(&child, started, timeout);
            let screen = screen.map(|s| s.join().expect("the first-screen thread panicked"));
            let mut report = report?;
            if let Some(screen) = screen {
                let (at, requests) = screen?;
                report.first_screen_ms = Some(at.as_secs_f64() * 1000.0);
                report.first_screen_requests = Some(requests);
            }
            report.cpu_s = cpu_seconds(child.pid());
            Ok::<_, anyhow::Error>(report)
        })
    })();
    child.stop();
    let result = result.map(|mut report| {
        report.events = stored_events(&data_dir);
        report
    });
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Ok(report) = &result
        && report.files < tree.files
    {
        bail!(
            "the server imported {} of the {} files",
            report.files,
            tree.files
        );
    }
    Ok(serde_json::to_value(result?)?)
}

/// `--data-dir` and what to collect: the tree's roots only (never the user's own).
fn collect_args(data_dir: &Path, tree: &Tree) -> Vec<OsString> {
    vec![
        "--data-dir".into(),
        data_dir.into(),
        "--claude-projects-dir".into(),
        tree.claude_root.clone().into(),
        "--codex-sessions-dir".into(),
        tree.codex_root.clone().into(),
    ]
}

/// Reads the server's log until the collector says the import is done.
fn wait_for_import(
    child: &ServerChild,
    started: Instant,
    timeout: Duration,
) -> Result<ImportReport> {
    let deadline = started + timeout;
    let (mut warnings, mut first_warning) = (0, None);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(line) = child.log_line(left) else {
            bail!("the server did not finish the import within {timeout:?} (or exited)");
        };
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let fields = &entry["fields"];
        if matches!(entry["level"].as_str(), Some("WARN" | "ERROR")) {
            warnings += 1;
            first_warning.get_or_insert_with(|| line.clone());
        }
        if fields["message"] == IMPORTED {
            return Ok(ImportReport {
                wall_s: started.elapsed().as_secs_f64(),
                import_ms: fields["elapsed_ms"].as_u64().unwrap_or_default(),
                files: fields["files"].as_u64().unwrap_or_default(),
                bytes: fields["bytes"].as_u64().unwrap_or_default(),
                events: None,
                cpu_s: None,
                first_screen_ms: None,
                first_screen_requests: None,
                warnings,
                first_warning,
            });
        }
    }
}

/// User plus system CPU time of a process so far (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces): state is the first, utime
    // the 12th and stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / CLOCK_TICKS)
}

/// The events a stopped server stored, counted by the `sqlite3` shell when installed.
fn stored_events(data_dir: &Path) -> Option<u64> {
    let db = data_dir.join("agentcast.db");
    Cmd::new("sqlite3")
        .arg("-readonly")
        .arg(&db)
        .arg("SELECT count(*) FROM events")
        .probe()?
        .trim()
        .parse()
        .ok()
}

/// One follow run: a fresh server collecting a one-session tree, the client appending to it.
fn follow_once(
    paths: &Paths,
    sources: &[Source],
    config: Config,
    opts: &Options,
    server_args: &[String],
    pin: bool,
) -> Result<serde_json::Value> {
    let dir = fresh_dir("collect-follow")?;
    let one = Shape {
        transcripts: 1,
        projects: 1,
        codex_every: 0,
    };
    let tree = tree::generate(&dir.join("tree"), one, sources)?;
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let mut argv: Vec<OsString> = vec![paths.agentcast.clone().into()];
    argv.extend(["serve", "--bind", "127.0.0.1:0"].map(OsString::from));
    argv.extend(collect_args(&data_dir, &tree));
    if config == Config::FollowPoll {
        argv.extend(["--collect-watch", "poll", "--collect-poll-interval-ms"].map(OsString::from));
        argv.push(opts.poll_interval_ms.to_string().into());
    }
    argv.extend(server_args.iter().map(OsString::from));
    let spec = ServerSpec {
        argv,
        envs: &[("TOKIO_WORKER_THREADS", "1"), ("RUST_LOG", "warn")],
        cwd: data_dir.clone(),
    };
    let seconds = opts.lines / u64::from(opts.rate);
    let client_args = |url: &str, _server_pid: u32| -> Vec<String> {
        [
            ("--url", url.to_string()),
            ("--transcript", tree.newest_path.display().to_string()),
            ("--session", tree.newest[0].clone()),
            ("--rate", opts.rate.to_string()),
            ("--lines", opts.lines.to_string()),
            ("--timeout-s", (60 + 2 * seconds).to_string()),
        ]
        .into_iter()
        .fold(vec!["follow".to_string()], |mut args, (flag, value)| {
            args.extend([flag.to_string(), value]);
            args
        })
    };
    let result = run_client_against(spec, &paths.client, client_args, pin);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// One line per run, as it finishes.
fn summary(run: &Run) -> String {
    if let Some(r) = run.report::<ParseReport>(Config::Reference) {
        format!(
            "{:.1} MB/s, {} lines/s ({:.2} s)",
            r.mb_per_s,
            thousands(r.lines as f64 / r.seconds.max(1e-9)),
            r.seconds
        )
    } else if let Some(r) = run
        .report::<ImportReport>(Config::ImportFree)
        .or_else(|| run.report(Config::ImportPinned))
    {
        format!(
            "{:.1} MB/s, {} events/s, {:.2} s, cpu {} s{}",
            r.mb_per_s(),
            r.events_per_s().map_or("-".into(), thousands),
            r.wall_s,
            r.cpu_s.map_or("-".into(), |c| format!("{c:.2}")),
            r.first_screen_ms
                .map_or(String::new(), |ms| format!(", first screen {ms:.0} ms"))
        )
    } else if let Some(r) = run
        .report::<FollowReport>(Config::FollowNotify)
        .or_else(|| run.report(Config::FollowPoll))
    {
        format!(
            "p50 {} / p99 {} / max {} ms, {} of {} received",
            ms(r.latency.p50_us as f64),
            ms(r.latency.p99_us as f64),
            ms(r.latency.max_us as f64),
            r.received,
            r.lines
        )
    } else {
        format!(
            "FAILED: {}",
            run.error.as_deref().unwrap_or("unreadable report")
        )
    }
}

/// Microseconds as milliseconds with two decimals.
fn ms(us: f64) -> String {
    format!("{:.2}", us / 1000.0)
}

/// `median (min-max)` of `values` formatted by `fmt`; `-` without any.
fn spread(values: &[f64], fmt: impl Fn(f64) -> String) -> String {
    let Some(mid) = median(values.to_vec()) else {
        return "-".into();
    };
    if values.len() == 1 {
        return fmt(mid);
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{} ({}-{})", fmt(mid), fmt(min), fmt(max))
}

fn import_table(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let references: Vec<ParseReport> = runs
        .iter()
        .filter_map(|r| r.report(Config::Reference))
        .collect();
    let size = references.first().map_or(String::new(), |r| {
        format!(
            ", {:.1} MB, {} lines",
            r.bytes as f64 / 1e6,
            thousands(r.lines as f64)
        )
    });
    let _ = writeln!(
        out,
        "  -- import of {} transcripts{size}: median (min-max) of {} --",
        thousands(opts.shape.transcripts as f64),
        opts.common.repeats
    );
    let _ = writeln!(
        out,
        "  {:<40} {:>22} {:>26} {:>20} {:>20} {:>20} {:>22}",
        "", "MB/s", "events/s", "s", "cpu s", "MB per cpu s", "first screen ms"
    );
    let reference_mb: Vec<f64> = references.iter().map(|r| r.mb_per_s).collect();
    let _ = writeln!(
        out,
        "  {:<40} {:>22} {:>26} {:>20}",
        Config::Reference.label(),
        spread(&reference_mb, |v| format!("{v:.0}")),
        "",
        spread(
            &references.iter().map(|r| r.seconds).collect::<Vec<_>>(),
            |v| format!("{v:.2}")
        ),
    );
    let mut one_core = None;
    let mut screen = None;
    for config in [Config::ImportFree, Config::ImportPinned] {
        let reports: Vec<ImportReport> = runs.iter().filter_map(|r| r.report(config)).collect();
        if reports.is_empty() {
            if runs.iter().any(|r| r.config == config) {
                let _ = writeln!(out, "  {:<40} no successful run", config.label());
            }
            continue;
        }
        let of = |f: &dyn Fn(&ImportReport) -> Option<f64>| -> Vec<f64> {
            reports.iter().filter_map(f).collect()
        };
        let mb = of(&|r| Some(r.mb_per_s()));
        let screens = of(&|r| r.first_screen_ms);
        let _ = writeln!(
            out,
            "  {:<40} {:>22} {:>26} {:>20} {:>20} {:>20} {:>22}",
            config.label(),
            spread(&mb, |v| format!("{v:.0}")),
            spread(&of(&|r| r.events_per_s()), thousands),
            spread(&of(&|r| Some(r.wall_s)), |v| format!("{v:.2}")),
            spread(&of(&|r| r.cpu_s), |v| format!("{v:.2}")),
            spread(&of(&|r| r.mb_per_cpu_s()), |v| format!("{v:.0}")),
            spread(&screens, |v| format!("{v:.0}")),
        );
        if config == Config::ImportPinned {
            one_core = median(mb).map(|mb| (mb, median(of(&|r| r.mb_per_cpu_s()))));
        }
        if config == Config::ImportFree {
            screen = median(screens);
        }
    }
    if let (Some((one, _)), Some(reference)) = (one_core, median(reference_mb)) {
        let _ = writeln!(
            out,
            "  {:<40} {:>22}",
            "one core / reference",
            format!("{:.2}x", one / reference.max(1e-9))
        );
    }
    match one_core {
        Some((mb, per_cpu)) => {
            let _ = writeln!(
                out,
                "  target: at least {TARGET_MB_PER_S_ONE_CORE} MB/s on one core: {mb:.0} MB/s, {} \
                 ({} MB per second of the server's CPU time)",
                met(mb >= TARGET_MB_PER_S_ONE_CORE),
                per_cpu.map_or("-".into(), |v| format!("{v:.0}"))
            );
        }
        None => out.push_str("  target: MB/s on one core: not measured (no pinning)\n"),
    }
    if let Some(screen) = screen {
        let _ = writeln!(
            out,
            "  target: first screen under {TARGET_FIRST_SCREEN_MS} ms: {screen:.0} ms, {}",
            met(screen < TARGET_FIRST_SCREEN_MS)
        );
    }
    if references.iter().any(|r| r.not_json > 0) {
        out.push_str(
            "  note: the reference met lines that are not JSON: the tree is not as meant\n",
        );
    }
    let _ = writeln!(out, "  runs:");
    for run in runs.iter().filter(|r| {
        matches!(
            r.config,
            Config::Reference | Config::ImportFree | Config::ImportPinned
        )
    }) {
        let label = format!("{} #{}", run.config.label(), run.repeat);
        let _ = writeln!(out, "    {label:<44} {}", summary(run));
        let warning = run
            .report::<ImportReport>(run.config)
            .and_then(|r| Some((r.warnings, r.first_warning?)));
        if let Some((count, first)) = warning {
            let _ = writeln!(out, "      {count} warning(s) logged, the first: {first}");
        }
    }
    let _ = writeln!(out);
    out
}

fn follow_table(opts: &Options, runs: &[Run]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  -- follow: {} lines appended at {}/s to a live transcript, write to Socket.IO \
         receive: median (min-max) of {} --",
        opts.lines, opts.rate, opts.common.repeats
    );
    let _ = writeln!(
        out,
        "  {:<24} {:>22} {:>22} {:>22} {:>10} {:>9}",
        "watch", "p50 ms", "p99 ms", "max ms", "received", "lines/s"
    );
    let mut notify_p99 = None;
    for config in [Config::FollowNotify, Config::FollowPoll] {
        let reports: Vec<FollowReport> = runs.iter().filter_map(|r| r.report(config)).collect();
        if reports.is_empty() {
            let _ = writeln!(out, "  {:<24} no successful run", config.label());
            continue;
        }
        let of = |f: &dyn Fn(&FollowReport) -> f64| -> Vec<f64> { reports.iter().map(f).collect() };
        let p99 = of(&|r| r.latency.p99_us as f64);
        let _ = writeln!(
            out,
            "  {:<24} {:>22} {:>22} {:>22} {:>10} {:>9.1}",
            config.label(),
            spread(&of(&|r| r.latency.p50_us as f64), ms),
            spread(&p99, ms),
            spread(&of(&|r| r.latency.max_us as f64), ms),
            format!(
                "{}/{}",
                reports.iter().map(|r| r.received).sum::<u64>(),
                reports.iter().map(|r| r.lines).sum::<u64>()
            ),
            median(of(&|r| r.achieved_rate)).unwrap_or_default(),
        );
        if config == Config::FollowNotify {
            notify_p99 = median(p99).map(|us| us / 1000.0);
        }
    }
    if let Some(p99) = notify_p99 {
        let _ = writeln!(
            out,
            "  target: p99 under {TARGET_FOLLOW_P99_MS} ms with notifications: {p99:.2} ms, {}",
            met(p99 < TARGET_FOLLOW_P99_MS)
        );
    }
    let _ = writeln!(out, "  runs:");
    for run in runs
        .iter()
        .filter(|r| matches!(r.config, Config::FollowNotify | Config::FollowPoll))
    {
        let label = format!("{} #{}", run.config.label(), run.repeat);
        let _ = writeln!(out, "    {label:<24} {}", summary(run));
        if let Some(e) = run
            .report::<FollowReport>(run.config)
            .and_then(|r| r.first_error)
        {
            let _ = writeln!(out, "      first error: {e}");
        }
    }
    let _ = writeln!(out);
    out
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::super::harness::args;
    use super::*;

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(
            (
                full.shape.transcripts,
                full.common.repeats,
                full.lines,
                full.rate
            ),
            (5000, 3, 300, 50)
        );
        assert_eq!(full.measures, [Measure::Import, Measure::Follow]);
        let quick = Options::parse(&args("--quick")).unwrap().unwrap();
        assert_eq!(
            (quick.shape.transcripts, quick.common.repeats, quick.lines),
            (1000, 1, 200)
        );
    }

    #[test]
    fn parses_options_and_refuses_bad_ones() {
        let o = Options::parse(&args(
            "--transcripts=300 --projects 7 --codex-every 0 --repeats 2 --lines 100 --rate 20 \
             --poll-interval-ms 250 --only follow --server-arg --x --keep-tree --no-pin",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            o.shape,
            Shape {
                transcripts: 300,
                projects: 7,
                codex_every: 0
            }
        );
        assert_eq!(
            (o.common.repeats, o.lines, o.rate, o.poll_interval_ms),
            (2, 100, 20, 250)
        );
        assert_eq!(o.measures, [Measure::Follow]);
        assert_eq!(o.common.server_args, ["--x"]);
        assert!(o.keep_tree && !o.common.pin);
        for bad in [
            "--only fanout",
            "--transcripts 0",
            "--rate 0",
            "--lines x",
            "--server-arg --collect-watch=poll",
            "--server-arg --claude-projects-dir",
            "--bogus",
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad}");
        }
        assert!(Options::parse(&args("--help")).unwrap().is_none());
    }

    #[test]
    fn spreads_and_cpu_time() {
        assert_eq!(spread(&[3.0, 1.0, 2.0], |v| format!("{v:.0}")), "2 (1-3)");
        assert_eq!(spread(&[5.0], |v| format!("{v:.0}")), "5");
        assert_eq!(spread(&[], |v| format!("{v:.0}")), "-");
        // This process has used some CPU time; a process that does not exist has none.
        assert!(cpu_seconds(std::process::id()).is_some_and(|s| s >= 0.0));
        assert_eq!(cpu_seconds(u32::MAX), None);
    }
}
