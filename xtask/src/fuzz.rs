//! `cargo xtask fuzz`: the coverage-guided fuzz targets of tests/fuzz (cargo-fuzz, libFuzzer,
//! nightly), one after another, with a line per target: executions, executions per second,
//! corpus size, peak RSS, result.
//!
//! Each target reads three corpus folders: a scratch one it adds to (target/fuzz/corpus/<T>,
//! kept between runs), the minimized corpus kept in the repository (tests/fuzz/corpus/<T>),
//! and seeds made for the run (target/fuzz/seeds/<T>) from the hand-written seeds in
//! tests/fuzz/seeds/<T>, the project's own fixtures (made with the real CLIs) and, when it is
//! there, ../shared/fixtures: each file's lines one by one and in runs of consecutive lines,
//! behind the option bytes each target starts its input with.
//!
//! `--minimize` then replaces tests/fuzz/corpus/<T> by `cargo fuzz cmin` of all three, less
//! any input holding a run of [`SHARED_RUN`] bytes of a ../shared/fixtures file: those
//! fixtures stay outside the repository (the seeds bring them back at run time), the
//! fuzzer's own inputs and the project's fixtures stay in.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, display_path, fmt_duration, note, root, target_dir};

/// The fuzz crate, relative to the root.
const FUZZ_DIR: &str = "tests/fuzz";
/// The sanitizer: none. AddressSanitizer builds and runs here too, but only finds what unsafe
/// code does wrong, at a seventh to a tenth of the speed (BENCHMARKS.md, "Fuzzing").
const SANITIZER: &str = "none";
/// A run fails when a target's RSS passes this (libFuzzer's `-rss_limit_mb`).
const RSS_LIMIT_MB: u32 = 512;
/// Inputs sharing a run this long with a ../shared/fixtures file are not kept in the repo.
const SHARED_RUN: usize = 64;

/// One fuzz target and what feeds it.
struct Target {
    name: &'static str,
    /// libFuzzer's `-max_len`: the largest input it makes.
    max_len: usize,
    /// The option bytes each seed is given in front, one seed per prefix.
    prefixes: &'static [&'static [u8]],
    /// Fixture files (`.jsonl`, `.ndjson`) under these folders of the repository.
    repo_fixtures: &'static [&'static str],
    /// And under these folders of ../shared/fixtures, when it is there.
    shared_fixtures: &'static [&'static str],
}

const TARGETS: &[Target] = &[
    Target {
        name: "jsonl_decoder",
        max_len: 4096,
        // [limit, cut count, cuts...]: ~5 KB with two cuts; 40 bytes with one.
        prefixes: &[&[0xd0, 2, 0x55, 0xaa], &[40, 1, 0x80]],
        repo_fixtures: &["tests/fixtures/agents/claude-live"],
        shared_fixtures: &["claude-stream-json", "claude-transcripts-2025"],
    },
    Target {
        name: "stream_json",
        max_len: 16384,
        // Whole; and cut three times with a 300-byte line limit and 1-byte previews.
        prefixes: &[&[0x00], &[0xc3]],
        repo_fixtures: &["tests/fixtures/agents/claude-live"],
        shared_fixtures: &["claude-stream-json", "claude-live"],
    },
    Target {
        name: "claude_transcript",
        max_len: 16384,
        // Main transcript; sub-agent under a Task call, in an agentcast session.
        prefixes: &[&[0x00], &[0x05]],
        repo_fixtures: &["tests/fixtures/agents/claude-home"],
        shared_fixtures: &["claude-home", "claude-transcripts-2025"],
    },
    Target {
        name: "codex_rollout",
        max_len: 16384,
        prefixes: &[&[0x00]],
        repo_fixtures: &[
            "tests/fixtures/agents/codex-home/sessions",
            "server/tests/fixtures/codex/sessions",
        ],
        shared_fixtures: &["codex-home/sessions"],
    },
    Target {
        name: "hooks",
        max_len: 8192,
        // A session hooks alone feed, and one the hub knows.
        prefixes: &[&[0x00], &[0x01]],
        repo_fixtures: &[],
        shared_fixtures: &[],
    },
    Target {
        name: "client_codec",
        max_len: 4096,
        prefixes: &[&[]],
        repo_fixtures: &[],
        shared_fixtures: &[],
    },
];

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Only these targets (repeat or comma-separate); all of them by default.
    #[arg(long, value_delimiter = ',', value_name = "TARGET",
          value_parser = clap::builder::PossibleValuesParser::new(TARGETS.iter().map(|t| t.name)))]
    target: Vec<String>,
    /// Executions per target.
    #[arg(long, value_name = "N", conflicts_with = "seconds")]
    runs: Option<u64>,
    /// Seconds per target (default 60 when neither this nor --runs is given).
    #[arg(long, value_name = "S")]
    seconds: Option<u64>,
    /// Afterwards, replace tests/fuzz/corpus/<T> by the minimized corpus (see the module docs).
    #[arg(long)]
    minimize: bool,
    /// Run the fuzzer at the lowest CPU priority (`nice -n 19`), beside other work.
    #[arg(long)]
    nice: bool,
    /// Build the targets without optimizations: a third of the build's CPU time, a fifth to a
    /// tenth of the executions per second. The smoke step's build.
    #[arg(long)]
    dev: bool,
}

/// What one run reported.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Report {
    executions: Option<u64>,
    execs_per_sec: Option<u64>,
    peak_rss_mb: Option<u64>,
    corpus: Option<u64>,
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let budget = match (args.runs, args.seconds) {
        (Some(runs), _) => format!("-runs={runs}"),
        (None, seconds) => format!("-max_total_time={}", seconds.unwrap_or(60)),
    };
    let chosen: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| args.target.is_empty() || args.target.iter().any(|n| n == t.name))
        .collect();
    crate::install::fuzz_tools()?;
    let profile = if args.dev {
        Profile::Dev
    } else {
        Profile::Release
    };
    build(profile)?;
    let mut failed = Vec::new();
    let mut rows = Vec::new();
    for target in chosen {
        println!("==> fuzz {} ({budget})", target.name);
        let started = Instant::now();
        let (report, outcome) = fuzz(target, profile, &budget, args.nice)?;
        let result = match &outcome {
            Ok(()) => "ok".to_string(),
            Err(why) => {
                failed.push(target.name);
                why.clone()
            }
        };
        let row = format!(
            "{:18} {:>12} execs {:>8} exec/s {:>6} inputs {:>5} MB  {:>7}  {result}",
            target.name,
            show(report.executions),
            show(report.execs_per_sec),
            show(report.corpus),
            show(report.peak_rss_mb),
            fmt_duration(started.elapsed()),
        );
        note(&row);
        rows.push(row);
        if args.minimize && outcome.is_ok() {
            minimize(target, profile)?;
        }
    }
    println!("==> fuzz summary");
    for row in rows {
        note(row);
    }
    if !failed.is_empty() {
        bail!(
            "fuzz target(s) failed: {} (the input is in {FUZZ_DIR}/artifacts/<target>/; \
             replay it with `cargo +nightly fuzz run --fuzz-dir {FUZZ_DIR} -s {SANITIZER} -a \
             <target> <file>`)",
            failed.join(", ")
        );
    }
    Ok(())
}

fn show(value: Option<u64>) -> String {
    value.map_or_else(|| "?".into(), |v| v.to_string())
}

/// Which of cargo's profiles the targets are built in.
#[derive(Clone, Copy)]
enum Profile {
    Release,
    Dev,
}

impl Profile {
    /// cargo's folder for it.
    fn dir(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "debug",
        }
    }
}

/// Where cargo-fuzz builds: `AGENTCAST_FUZZ_TARGET_DIR` when set (`.ci/run` keeps it between
/// runs, since nothing of the workspace's own build can be reused: every crate is compiled
/// again with nightly and the coverage instrumentation), else target/fuzz/build, beside the
/// workspace's build (`cargo clean` removes both).
fn build_dir() -> PathBuf {
    match std::env::var_os("AGENTCAST_FUZZ_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => target_dir().join("fuzz/build"),
    }
}

/// `cargo +nightly fuzz <command>` on the fuzz crate, with the flags every command shares.
fn cargo_fuzz(command: &str, profile: Profile) -> Cmd {
    let cmd = Cmd::new("cargo")
        .args([
            "+nightly",
            "fuzz",
            command,
            "--fuzz-dir",
            FUZZ_DIR,
            "--sanitizer",
            SANITIZER,
            // Overflow checks and debug assertions on: a panic they raise is a finding too.
            "--debug-assertions",
        ])
        .arg("--target-dir")
        .arg(build_dir())
        .without_cargo_run_env();
    match profile {
        Profile::Release => cmd,
        Profile::Dev => cmd.arg("--dev"),
    }
}

/// Where `cargo fuzz build` put the binary of target `name`.
fn binary(name: &str, profile: Profile) -> Result<PathBuf> {
    let version = Cmd::new("rustc")
        .args(["+nightly", "-vV"])
        .probe()
        .context("rustc +nightly -vV")?;
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .context("rustc -vV names no host")?;
    let path = build_dir().join(host.trim()).join(profile.dir()).join(name);
    if !path.exists() {
        bail!("{} was not built", path.display());
    }
    Ok(path)
}

fn build(profile: Profile) -> Result<()> {
    println!("==> fuzz: build the targets (nightly, instrumented; the first build takes minutes)");
    cargo_fuzz("build", profile).run()
}

/// Runs one target; the report, and why it failed if it did.
fn fuzz(
    target: &Target,
    profile: Profile,
    budget: &str,
    nice: bool,
) -> Result<(Report, Result<(), String>)> {
    let root = root();
    let scratch = target_dir().join("fuzz/corpus").join(target.name);
    let seeds = target_dir().join("fuzz/seeds").join(target.name);
    let kept = root.join(FUZZ_DIR).join("corpus").join(target.name);
    let artifacts = root.join(FUZZ_DIR).join("artifacts").join(target.name);
    let log = target_dir()
        .join("fuzz/logs")
        .join(format!("{}.log", target.name));
    for dir in [&scratch, &kept, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::create_dir_all(log.parent().expect("a log file has a folder"))?;
    let count = write_seeds(target, &seeds)?;
    note(format!("{count} seeds in {}", display_path(&seeds)));

    // The binary cargo-fuzz built, run directly: under `cargo fuzz run` libFuzzer's peak RSS
    // would be cargo-fuzz's own (getrusage keeps the maximum across exec).
    let mut cmd = Cmd::new(binary(target.name, profile)?)
        .args([&scratch, &kept, &seeds])
        .args([
            budget.to_string(),
            format!("-max_len={}", target.max_len),
            format!("-rss_limit_mb={RSS_LIMIT_MB}"),
            format!("-artifact_prefix={}/", artifacts.display()),
            "-print_final_stats=1".to_string(),
        ]);
    if nice {
        cmd = cmd.under(&["nice", "-n", "19"]);
    }
    note(format!("libFuzzer's output: {}", display_path(&log)));
    let outcome = cmd.stderr_to(&log).run();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let report = parse_report(&text);
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(err) => {
            // The end of libFuzzer's output says what broke (panic message, input, stack).
            let lines: Vec<&str> = text.lines().collect();
            for line in &lines[lines.len().saturating_sub(40)..] {
                println!("      | {line}");
            }
            Err(failure_kind(&text).unwrap_or_else(|| format!("failed: {err:#}")))
        }
    };
    Ok((report, outcome))
}

/// What libFuzzer's output says went wrong.
fn failure_kind(log: &str) -> Option<String> {
    let kinds = [
        ("panicked at", "PANIC"),
        ("ERROR: libFuzzer: out-of-memory", "OUT OF MEMORY"),
        ("ERROR: libFuzzer: timeout", "TIMEOUT"),
        ("ERROR: libFuzzer: deadly signal", "CRASH"),
        ("ERROR: AddressSanitizer", "CRASH (ASan)"),
    ];
    kinds
        .iter()
        .find(|(needle, _)| log.contains(needle))
        .map(|(_, kind)| (*kind).to_string())
}

/// Executions, speed and peak RSS from `-print_final_stats`, the corpus size from the last
/// status line (`#123 DONE cov: 1 ft: 2 corp: 34/5Kb ...`).
pub(crate) fn parse_report(log: &str) -> Report {
    let stat = |name: &str| {
        log.lines().rev().find_map(|line| {
            let value = line.strip_prefix(name)?.trim_start().strip_prefix(':')?;
            value.trim().parse().ok()
        })
    };
    let corpus = log.lines().rev().find_map(|line| {
        let after = line.split_once(" corp: ")?.1;
        after.split('/').next()?.trim().parse().ok()
    });
    Report {
        executions: stat("stat::number_of_executed_units"),
        execs_per_sec: stat("stat::average_exec_per_sec"),
        peak_rss_mb: stat("stat::peak_rss_mb"),
        corpus,
    }
}

/// Writes the seeds of `target` into `dir` (emptied first); how many.
fn write_seeds(target: &Target, dir: &Path) -> Result<usize> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    let root = root();
    let mut texts: Vec<Vec<u8>> = Vec::new();
    let hand = root.join(FUZZ_DIR).join("seeds").join(target.name);
    for file in files_under(&hand, |_| true) {
        texts.push(std::fs::read(&file)?);
    }
    let mut fixture_files: Vec<PathBuf> = target
        .repo_fixtures
        .iter()
        .flat_map(|dir| files_under(&root.join(dir), is_jsonl))
        .collect();
    if let Some(shared) = shared_fixtures() {
        fixture_files.extend(
            target
                .shared_fixtures
                .iter()
                .flat_map(|dir| files_under(&shared.join(dir), is_jsonl)),
        );
    }
    let mut inputs: HashSet<Vec<u8>> = HashSet::new();
    for text in &texts {
        inputs.insert(text.clone());
    }
    for file in &fixture_files {
        let bytes = std::fs::read(file)?;
        inputs.extend(split_seeds(&bytes, target.max_len));
    }
    let mut count = 0;
    for input in inputs {
        for prefix in target.prefixes {
            let mut seed = prefix.to_vec();
            seed.extend_from_slice(&input);
            seed.truncate(target.max_len);
            std::fs::write(dir.join(format!("seed-{count}")), seed)?;
            count += 1;
        }
    }
    Ok(count)
}

/// One fixture file as seeds: each line, and runs of consecutive lines up to `max_len`
/// bytes (so that a tool's start and its result meet in one input).
pub(crate) fn split_seeds(bytes: &[u8], max_len: usize) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .collect();
    let mut seeds: Vec<Vec<u8>> = lines.iter().map(|line| line.to_vec()).collect();
    let mut run: Vec<u8> = Vec::new();
    let mut in_run = 0;
    for line in &lines {
        if !run.is_empty() && run.len() + line.len() > max_len {
            if in_run > 1 {
                seeds.push(std::mem::take(&mut run));
            }
            run.clear();
            in_run = 0;
        }
        run.extend_from_slice(line);
        in_run += 1;
    }
    if in_run > 1 {
        seeds.push(run);
    }
    seeds
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson")
}

/// ../shared/fixtures beside the checkout, when it is there.
fn shared_fixtures() -> Option<PathBuf> {
    let dir = root().join("../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        note("../shared/fixtures not found: seeding from the repository's fixtures only");
        None
    }
}

/// The files under `dir` (at any depth) that `keep` accepts, sorted; none when it is absent.
fn files_under(dir: &Path, keep: fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Replaces tests/fuzz/corpus/<T> by `cargo fuzz cmin` of the kept corpus, the scratch corpus
/// and the seeds, less the inputs that share a run of [`SHARED_RUN`] bytes with a file of
/// ../shared/fixtures.
fn minimize(target: &Target, profile: Profile) -> Result<()> {
    let root = root();
    let staging = target_dir().join("fuzz/cmin").join(target.name);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let kept = root.join(FUZZ_DIR).join("corpus").join(target.name);
    // Inputs we named (a crash found and fixed) stay as they are; cmin names by hash.
    let named: Vec<(PathBuf, Vec<u8>)> = files_under(&kept, |path| !is_hash_named(path))
        .into_iter()
        .map(|path| std::fs::read(&path).map(|bytes| (path, bytes)))
        .collect::<Result<_, _>>()?;
    let sources = [
        kept.clone(),
        target_dir().join("fuzz/corpus").join(target.name),
        target_dir().join("fuzz/seeds").join(target.name),
    ];
    let mut n = 0;
    for source in &sources {
        for file in files_under(source, |_| true) {
            std::fs::copy(&file, staging.join(format!("in-{n}")))?;
            n += 1;
        }
    }
    note(format!("minimizing {n} inputs"));
    cargo_fuzz("cmin", profile)
        .args([target.name])
        .arg(&staging)
        .args([
            "--".to_string(),
            format!("-max_len={}", target.max_len),
            // Edges only, not their hit counts: a corpus a fifth the size.
            "-use_counters=0".to_string(),
        ])
        .run()?;
    let shared = shared_runs()?;
    std::fs::remove_dir_all(&kept)?;
    std::fs::create_dir_all(&kept)?;
    for (path, bytes) in &named {
        std::fs::write(path, bytes)?;
    }
    let (mut kept_count, mut dropped) = (named.len(), 0);
    for file in files_under(&staging, |_| true) {
        let bytes = std::fs::read(&file)?;
        if bytes.windows(SHARED_RUN).any(|w| shared.contains(w)) {
            dropped += 1;
            continue;
        }
        let name = file.file_name().expect("a file has a name");
        std::fs::copy(&file, kept.join(name))?;
        kept_count += 1;
    }
    note(format!(
        "{}: {kept_count} inputs kept, {dropped} left out (they hold a run of {SHARED_RUN} bytes \
         of ../shared/fixtures)",
        display_path(&kept)
    ));
    Ok(())
}

/// A name libFuzzer gave: the input's SHA-1 in hex.
fn is_hash_named(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.len() == 40 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Every run of [`SHARED_RUN`] bytes in the files of ../shared/fixtures.
fn shared_runs() -> Result<HashSet<Vec<u8>>> {
    let mut runs = HashSet::new();
    let Some(shared) = shared_fixtures() else {
        return Ok(runs);
    };
    for file in files_under(&shared, |_| true) {
        let bytes = std::fs::read(&file)?;
        runs.extend(bytes.windows(SHARED_RUN).map(<[u8]>::to_vec));
    }
    Ok(runs)
}

/// The smoke run of `cargo xtask test`: every target for a few seconds, from the kept
/// corpus and the seeds.
pub(crate) fn smoke() -> Result<()> {
    let started = Instant::now();
    let result = run(&Args {
        target: Vec::new(),
        runs: None,
        seconds: Some(SMOKE_SECONDS),
        minimize: false,
        nice: false,
        // A smoke run executes little; the build is what costs (BENCHMARKS.md, "Fuzzing").
        dev: true,
    });
    note(format!(
        "fuzz smoke run: {}",
        fmt_duration(started.elapsed())
    ));
    result
}

/// Seconds per target of the smoke run.
const SMOKE_SECONDS: u64 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stats_and_the_corpus_size_are_read() {
        let log = "\
#2\tINITED cov: 10 ft: 12 corp: 5/100b exec/s: 0 rss: 40Mb
#1000000\tDONE   cov: 812 ft: 3021 corp: 412/41Kb lim: 4096 exec/s: 52631 rss: 97Mb
Done 1000000 runs in 19 second(s)
stat::number_of_executed_units: 1000000
stat::average_exec_per_sec:     52631
stat::new_units_added:          407
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              97
";
        assert_eq!(
            parse_report(log),
            Report {
                executions: Some(1_000_000),
                execs_per_sec: Some(52_631),
                peak_rss_mb: Some(97),
                corpus: Some(412),
            }
        );
        assert_eq!(parse_report(""), Report::default());
    }

    #[test]
    fn a_fixture_becomes_its_lines_and_runs_of_lines() {
        let seeds = split_seeds(b"aaaa\nbbbb\n\ncccc\ndddd", 10);
        assert_eq!(
            seeds,
            [
                b"aaaa\n".to_vec(),
                b"bbbb\n".to_vec(),
                b"cccc\n".to_vec(),
                b"dddd".to_vec(),
                b"aaaa\nbbbb\n".to_vec(),
                b"cccc\ndddd".to_vec(),
            ]
        );
    }

    #[test]
    fn inputs_we_named_are_told_from_libfuzzers() {
        assert!(is_hash_named(Path::new(
            "corpus/a43fcc847c229375b0a430270e62a3f2d8a77d97"
        )));
        assert!(!is_hash_named(Path::new("corpus/disconnect-with-payload")));
    }

    #[test]
    fn what_broke_is_named() {
        assert_eq!(
            failure_kind("thread '<unnamed>' panicked at src/x.rs:1:2:\n").as_deref(),
            Some("PANIC")
        );
        assert_eq!(
            failure_kind("==1== ERROR: libFuzzer: out-of-memory (used: 600Mb)").as_deref(),
            Some("OUT OF MEMORY")
        );
        assert_eq!(failure_kind("all good"), None);
    }
}
