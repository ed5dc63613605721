//! `agentcast-budgets`: the seed's budgets against `agentcast serve --demo` (see
//! `agentcast_tests::budgets`).
//!
//! ```text
//! agentcast-budgets --url http://127.0.0.1:PORT --server-pid PID --token T
//! ```
//!
//! Prints one JSON report on stdout. It runs on one thread: `cargo xtask bench budgets` pins
//! it to its own core, away from the server's.

use clap::Parser;

use agentcast_tests::budgets::{self, Config};

fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    agentcast_tests::loadgen::raise_fd_limit()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(budgets::run(config))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
