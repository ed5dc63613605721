//! `cargo xtask test`: install what is missing, then lint, build and run every test suite.
//!
//! The steps, in order (`--only <name>` picks some, `--list` prints them):
//!
//! | step           | does                                                  | on failure |
//! |----------------|-------------------------------------------------------|------------|
//! | install        | tools and packages (see install.rs)                   | stop       |
//! | fmt            | `cargo fmt --all -- --check`                          | go on      |
//! | clippy         | `cargo clippy --workspace --all-targets -D warnings`  | go on      |
//! | wasm           | shared, client and dashboard built for wasm32         | stop       |
//! | build          | the `agentcast` binary the end-to-end suites start    | stop       |
//! | rust           | `cargo nextest run --workspace` (or `cargo test`)     | go on      |
//! | doc            | `cargo test --workspace --doc`                        | go on      |
//! | fuzz           | every fuzz target of tests/fuzz for a few seconds     | go on      |
//! |                | (`cargo xtask fuzz --dev --seconds 4`, see fuzz.rs)   |            |
//! | ts             | `tsc -p tests/js/ts-check` (the exported types)       | go on      |
//! | js             | `node --test` on tests/js/**/*.test.mjs               | go on      |
//! | python         | `pytest -q tests/python` in the venv                  | go on      |
//! | client-browser | agentcast-client's wasm-bindgen tests in Chromium     | go on      |
//! | dashboard      | dashboard components (wasm-bindgen-test in Chromium), | go on      |
//! |                | then the release build and tests/js/browser           |            |
//!
//! Test steps get `AGENTCAST_BIN` (the debug binary), the fakes the suites start
//! (`AGENTCAST_FAKE_AGENT`, `AGENTCAST_FAKE_MODEL_API`) and, under CI,
//! `AGENTCAST_REQUIRE_FIXTURES=1` so tests that need ../shared/fixtures fail instead of
//! skipping.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cmd::{Cmd, display_path, in_ci, note, root, target_dir};
use crate::install;
use crate::steps::{OnFailure, Outcome, Step, run_all};

/// Every step name, in run order.
pub(crate) const STEP_NAMES: [&str; 13] = [
    "install",
    "fmt",
    "clippy",
    "wasm",
    "build",
    "rust",
    "doc",
    "fuzz",
    "ts",
    "js",
    "python",
    "client-browser",
    "dashboard",
];

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Leave out the install step (tools are already there).
    #[arg(long)]
    skip_install: bool,
    /// Run only these steps (repeat or comma-separate). Steps that start the server
    /// (rust, doc, js, python, client-browser, dashboard) bring `build` along.
    #[arg(long, value_delimiter = ',', value_name = "STEP",
          value_parser = clap::builder::PossibleValuesParser::new(STEP_NAMES))]
    only: Vec<String>,
    /// Print the steps and exit.
    #[arg(long)]
    list: bool,
    /// Multiply every step's time limit (see `--list`) by this, on a slower machine.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    time_limit_factor: f64,
    /// End the whole run after this many minutes, with the summary (CI allows 90).
    #[arg(long, default_value_t = 85, value_name = "MINUTES")]
    budget_minutes: u64,
}

/// What the test steps share: where things are and the environment the suites need.
struct Ctx {
    root: PathBuf,
    /// `AGENTCAST_BIN`, `AGENTCAST_FAKE_AGENT`, `AGENTCAST_FAKE_MODEL_API`, `AGENTCAST_PG_BIN`
    /// and, under CI, `AGENTCAST_REQUIRE_FIXTURES`.
    test_env: Vec<(String, OsString)>,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    let bin = target_dir().join("debug").join("agentcast");
    let fake_agent = target_dir().join("debug").join("agentcast-fake-agent");
    let fake_model_api = target_dir().join("debug").join("agentcast-fake-model-api");
    let private_postgres = target_dir().join("debug").join("agentcast-pg");
    let mut test_env = vec![
        ("AGENTCAST_BIN".to_string(), bin.into_os_string()),
        (
            "AGENTCAST_FAKE_AGENT".to_string(),
            fake_agent.into_os_string(),
        ),
        (
            "AGENTCAST_FAKE_MODEL_API".to_string(),
            fake_model_api.into_os_string(),
        ),
        (
            "AGENTCAST_PG_BIN".to_string(),
            private_postgres.into_os_string(),
        ),
    ];
    if in_ci() {
        test_env.push(("AGENTCAST_REQUIRE_FIXTURES".to_string(), "1".into()));
    }
    let ctx = Ctx {
        root: root(),
        test_env,
    };
    let all = steps(&ctx);
    if args.list {
        for step in &all {
            let limit = crate::cmd::fmt_duration(step.limit.mul_f64(args.time_limit_factor));
            println!("{:14} {limit:>6}  {}", step.name, step.about);
        }
        return Ok(ExitCode::SUCCESS);
    }

    let wanted = selected(args);
    let chosen: Vec<Step<'_>> = all
        .into_iter()
        .filter(|s| wanted.contains(&s.name))
        .collect();
    let names: Vec<&str> = chosen.iter().map(|s| s.name).collect();
    println!("==> cargo xtask test: {}", names.join(", "));
    if in_ci() {
        println!("    CI is set: AGENTCAST_REQUIRE_FIXTURES=1 (fixture tests fail, not skip)");
    }
    let budget = std::time::Duration::from_secs(args.budget_minutes * 60);
    Ok(if run_all(&chosen, args.time_limit_factor, budget) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The step names to run, from `--only` and `--skip-install`.
fn selected(args: &Args) -> Vec<&'static str> {
    const NEED_BINARY: [&str; 6] = ["rust", "doc", "js", "python", "client-browser", "dashboard"];
    STEP_NAMES
        .into_iter()
        .filter(|name| {
            if *name == "install" && args.skip_install {
                return false;
            }
            if args.only.is_empty() {
                return true;
            }
            args.only.iter().any(|o| o == name)
                || (*name == "build" && args.only.iter().any(|o| NEED_BINARY.contains(&o.as_str())))
        })
        .collect()
}

fn steps(ctx: &Ctx) -> Vec<Step<'_>> {
    use OnFailure::{Continue, Stop};
    let steps = vec![
        Step::new(
            "install",
            "install missing tools (rust target, apt, npm, venv, wasm-bindgen-cli, trunk, \
             cargo-fuzz)",
            Stop,
            install::run,
        )
        .limit_minutes(20),
        Step::new("fmt", "check formatting", Continue, || {
            cargo(&["fmt", "--all", "--", "--check"])
        }),
        Step::new(
            "clippy",
            "lint every target, warnings denied",
            Continue,
            || {
                cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
            },
        )
        .limit_minutes(25),
        Step::new(
            "wasm",
            "build shared, client and dashboard for wasm32",
            Stop,
            || {
                cargo(&[
                    "build",
                    "--target",
                    "wasm32-unknown-unknown",
                    "-p",
                    "agentcast-shared",
                    "-p",
                    "agentcast-client",
                    "-p",
                    "agentcast-dashboard",
                ])
            },
        )
        .limit_minutes(15),
        Step::new(
            "build",
            "build the agentcast binary, the fakes (agent, model API) and the private PostgreSQL \
             (agentcast-pg) the end-to-end tests start",
            Stop,
            || {
                cargo(&[
                    "build",
                    "-p",
                    "agentcast-server",
                    "--bin",
                    "agentcast",
                    "-p",
                    "agentcast-tests",
                    "--bin",
                    "agentcast-fake-agent",
                    "--bin",
                    "agentcast-fake-model-api",
                    "--bin",
                    "agentcast-pg",
                ])
            },
        )
        .limit_minutes(15),
        Step::new(
            "rust",
            "Rust tests (nextest when available)",
            Continue,
            || rust_tests(ctx),
        )
        .limit_minutes(40),
        Step::new("doc", "Rust doc tests", Continue, || {
            Cmd::cargo()
                .args(["test", "--workspace", "--doc"])
                .envs(&ctx.test_env)
                .run()?;
            Ok(Outcome::Passed)
        }),
        Step::new(
            "fuzz",
            "a smoke run of every fuzz target (cargo-fuzz on nightly; the first build takes \
             minutes)",
            Continue,
            || {
                crate::fuzz::smoke()?;
                Ok(Outcome::Passed)
            },
        )
        .limit_minutes(20),
        Step::new(
            "ts",
            "type-check the TypeScript consumer of the exported types",
            Continue,
            || typescript(ctx),
        ),
        Step::new(
            "js",
            "node:test suites with the official socket.io-client",
            Continue,
            || js_tests(ctx),
        ),
        Step::new(
            "python",
            "pytest suites with python-socketio",
            Continue,
            || python_tests(ctx),
        ),
        Step::new(
            "client-browser",
            "agentcast-client's wasm-bindgen tests in headless Chromium",
            Continue,
            || {
                // The script starts the server the browser test connects to.
                Cmd::new("bash")
                    .arg(ctx.root.join("client-wasm/tests/run-browser-tests.sh"))
                    .envs(&ctx.test_env)
                    .run()?;
                Ok(Outcome::Passed)
            },
        ),
        Step::new(
            "dashboard",
            "the dashboard in Chromium: components, then the release build with playwright-core",
            Continue,
            || dashboard_tests(ctx),
        )
        .limit_minutes(20),
    ];
    debug_assert!(steps.iter().map(|s| s.name).eq(STEP_NAMES));
    steps
}

fn cargo(args: &[&str]) -> Result<Outcome> {
    Cmd::cargo().args(args).run()?;
    Ok(Outcome::Passed)
}

fn rust_tests(ctx: &Ctx) -> Result<Outcome> {
    let nextest = Cmd::cargo()
        .args(["nextest", "--version"])
        .probe()
        .is_some();
    let cmd = if nextest {
        Cmd::cargo().args(["nextest", "run", "--workspace", "--no-fail-fast"])
    } else {
        note("cargo-nextest not found, using cargo test");
        // Doc tests run in their own step, as they do with nextest.
        Cmd::cargo().args([
            "test",
            "--workspace",
            "--lib",
            "--bins",
            "--tests",
            "--no-fail-fast",
        ])
    };
    cmd.envs(&ctx.test_env).run()?;
    Ok(Outcome::Passed)
}

fn typescript(ctx: &Ctx) -> Result<Outcome> {
    let project = ctx.root.join("tests/js/ts-check");
    if !project.is_dir() {
        return Ok(Outcome::Skipped("no tests/js/ts-check yet".into()));
    }
    let candidates = [
        project.join("node_modules/.bin/tsc"),
        ctx.root.join("tests/js/node_modules/.bin/tsc"),
    ];
    let Some(tsc) = candidates.iter().find(|p| p.exists()) else {
        bail!(
            "tsc not found in tests/js/ts-check/node_modules or tests/js/node_modules: \
             add typescript to a package.json there and run `cargo xtask test --only install`"
        );
    };
    Cmd::new(tsc).args(["-p", "tests/js/ts-check"]).run()?;
    Ok(Outcome::Passed)
}

fn js_tests(ctx: &Ctx) -> Result<Outcome> {
    let dir = ctx.root.join("tests/js");
    let mut files = Vec::new();
    if dir.is_dir() {
        find_files(&dir, &|name| name.ends_with(".test.mjs"), &mut files)?;
    }
    if files.is_empty() {
        return Ok(Outcome::Skipped(
            "no *.test.mjs files under tests/js yet".into(),
        ));
    }
    files.sort();
    if !dir.join("node_modules").is_dir() {
        note("warning: tests/js/node_modules is missing; run `cargo xtask test --only install`");
    }
    node_test(ctx, &dir, &files)
}

/// `node --test` on `files` (found under `dir`), run from `dir`, one file at a time as
/// tests/js/package.json does: each file starts its own servers, and there are only two
/// cores.
fn node_test(ctx: &Ctx, dir: &Path, files: &[PathBuf]) -> Result<Outcome> {
    let relative = files.iter().map(|f| {
        f.strip_prefix(dir)
            // Every file was found under `dir`.
            .expect("found under the test folder")
            .as_os_str()
            .to_owned()
    });
    Cmd::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(relative)
        .cwd(dir)
        .envs(&ctx.test_env)
        .run()?;
    Ok(Outcome::Passed)
}

fn python_tests(ctx: &Ctx) -> Result<Outcome> {
    let dir = ctx.root.join("tests/python");
    let mut files = Vec::new();
    if dir.is_dir() {
        find_files(
            &dir,
            &|name| name.starts_with("test_") && name.ends_with(".py"),
            &mut files,
        )?;
    }
    if files.is_empty() {
        // pytest exits with 5 when it collects nothing; say why instead.
        return Ok(Outcome::Skipped(
            "no tests/python/test_*.py files yet".into(),
        ));
    }
    let python = dir.join(".venv/bin/python");
    if !python.exists() {
        bail!(
            "{} is missing: run `cargo xtask test --only install`",
            display_path(&python)
        );
    }
    Cmd::new(&python)
        // No .pytest_cache in the checkout.
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/python",
        ])
        .envs(&ctx.test_env)
        .run()?;
    Ok(Outcome::Passed)
}

/// Runs the dashboard's component tests in headless Chromium, then builds the dashboard
/// (release: the size and speed the tests measure are the shipped ones) and runs
/// tests/js/browser/*.browser.mjs, one file at a time.
fn dashboard_tests(ctx: &Ctx) -> Result<Outcome> {
    Cmd::cargo()
        .args([
            "test",
            "-p",
            "agentcast-dashboard",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .run()?;
    let dir = ctx.root.join("tests/js");
    let mut files = Vec::new();
    find_files(
        &dir.join("browser"),
        &|name| name.ends_with(".browser.mjs"),
        &mut files,
    )?;
    files.sort();
    crate::run::build_dashboard()?;
    node_test(ctx, &dir, &files)
}

/// Files under `dir` whose name matches, skipping node_modules and hidden folders
/// (such as the Python .venv).
fn find_files(dir: &Path, matches: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if name != "node_modules" && !name.starts_with('.') {
                find_files(&path, matches, out)?;
            }
        } else if matches(&name) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(only: &[&str], skip_install: bool) -> Args {
        Args {
            skip_install,
            only: only.iter().map(|s| s.to_string()).collect(),
            list: false,
            time_limit_factor: 1.0,
            budget_minutes: 85,
        }
    }

    #[test]
    fn everything_runs_by_default() {
        assert_eq!(selected(&args(&[], false)), STEP_NAMES);
        assert_eq!(selected(&args(&[], true)), &STEP_NAMES[1..]);
    }

    #[test]
    fn only_brings_the_binary_along_for_suites_that_start_it() {
        assert_eq!(selected(&args(&["js"], true)), ["build", "js"]);
        assert_eq!(
            selected(&args(&["client-browser"], true)),
            ["build", "client-browser"]
        );
        assert_eq!(
            selected(&args(&["dashboard"], true)),
            ["build", "dashboard"]
        );
        assert_eq!(selected(&args(&["fmt"], true)), ["fmt"]);
        assert_eq!(selected(&args(&["install"], false)), ["install"]);
    }
}
