//! `agentcast-loadgen`: the fan-out load generator (see `agentcast_tests::loadgen`).
//!
//! ```text
//! agentcast-loadgen --url http://127.0.0.1:PORT --clients 1000 --events 2000 --server-pid PID
//! agentcast-loadgen --url http://127.0.0.1:P1,http://127.0.0.1:P2 --server-pid PID1,PID2
//! ```
//!
//! Prints one JSON report on stdout; progress and errors go to stderr. It runs on one thread:
//! `cargo xtask bench` pins it to its own core, away from the server's.

use clap::Parser;

use agentcast_tests::loadgen::{self, Config};

fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let limit = loadgen::raise_fd_limit()?;
    // Each client is one socket; leave room for the publisher, stdio and the runtime.
    if limit < config.clients as u64 + 64 {
        anyhow::bail!(
            "open-file limit {limit} is too low for {} clients",
            config.clients
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(loadgen::run(config))?;
    println!("{}", serde_json::to_string(&report)?);
    if let Some(error) = &report.first_error {
        eprintln!(
            "agentcast-loadgen: {} errors, first: {error}",
            report.errors
        );
    }
    Ok(())
}
