//! `agentcast-control-bench`: the watching client of the control latency benchmark (see
//! `agentcast_tests::control_bench`).
//!
//! ```text
//! agentcast-control-bench --url http://127.0.0.1:PORT --token JWT \
//!     --agent target/release/agentcast-control-bench-agent --requests 500
//! ```
//!
//! Prints one JSON report on stdout. It runs on one thread: `cargo xtask bench control` pins
//! it (and the agent) to a core away from the server's.

use clap::Parser;

use agentcast_tests::control_bench::{self, Cli};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(control_bench::run(cli))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
