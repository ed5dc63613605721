//! `cargo xtask`: the project's commands, in Rust so they run the same everywhere.
//!
//! - `test`  (test.rs): install what is missing, then fmt, clippy, builds and every test
//!   suite, step by step (steps.rs runs them; install.rs installs).
//! - `run`   (run.rs): build the release server and run `agentcast serve`.
//! - `bench` (bench.rs): the load benchmarks.
//! - `soak` (bench/soak.rs): the endurance run, not in CI.
//! - `fixtures` (fixtures.rs): regenerate tests/fixtures/agents with the real agent CLIs.
//! - `fuzz` (fuzz.rs): the fuzz targets of tests/fuzz, one after another.
//!
//! cmd.rs runs external programs with a log line and knows where the workspace is.

mod bench;
mod cmd;
mod fixtures;
mod fuzz;
mod install;
mod run;
mod steps;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The agentcast project's commands."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install missing tools, then lint, build and run every test suite (what CI runs).
    Test(test::Args),
    /// Build the server (release) and run `agentcast serve`; args after `--` go to serve.
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        serve_args: Vec<String>,
    },
    /// Run the benchmarks; every argument goes to the benchmark code.
    #[command(disable_help_flag = true)]
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The endurance run (not in CI): reconnecting clients at a steady publish rate for
    /// minutes; every argument goes to it (`cargo xtask soak --help`).
    #[command(disable_help_flag = true)]
    Soak {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Regenerate tests/fixtures/agents: the real Claude Code and Codex CLIs play the test
    /// scenarios against fake model APIs and what they write is kept.
    Fixtures,
    /// Run the fuzz targets of tests/fuzz (cargo-fuzz on nightly) one after another and
    /// report executions, exec/s, corpus size, peak RSS and result per target.
    Fuzz(fuzz::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Test(args) => test::run(&args),
        Command::Run { serve_args } => run::run(&serve_args).map(|()| ExitCode::SUCCESS),
        Command::Bench { args } => bench::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Soak { args } => bench::soak::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Fixtures => fixtures::run().map(|()| ExitCode::SUCCESS),
        Command::Fuzz(args) => fuzz::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied()))
            .expect("valid command line")
            .command
    }

    #[test]
    fn run_passes_what_follows_the_double_dash_to_serve() {
        let Command::Run { serve_args } = parse(&["run", "--", "--port", "0"]) else {
            panic!("expected run");
        };
        assert_eq!(serve_args, ["--port", "0"]);
    }

    #[test]
    fn bench_passes_every_argument_through() {
        let Command::Bench { args } = parse(&["bench", "--help", "--conns", "10"]) else {
            panic!("expected bench");
        };
        assert_eq!(args, ["--help", "--conns", "10"]);
    }

    #[test]
    fn fuzz_takes_runs_or_seconds_not_both() {
        assert!(matches!(
            parse(&["fuzz", "--target", "hooks", "--runs", "1000"]),
            Command::Fuzz(_)
        ));
        assert!(Cli::try_parse_from(["xtask", "fuzz", "--runs", "1", "--seconds", "1"]).is_err());
        assert!(Cli::try_parse_from(["xtask", "fuzz", "--target", "nope"]).is_err());
    }
}
