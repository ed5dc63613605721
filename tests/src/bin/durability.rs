//! `agentcast-durability`: what the history costs a live client and what it gives a
//! reconnecting one (see `agentcast_tests::durability`).
//!
//! ```text
//! agentcast-durability latency --url http://127.0.0.1:PORT --rate 1000 --seconds 10
//! agentcast-durability replay --url http://127.0.0.1:PORT --events 100000
//! ```
//!
//! Prints one JSON report on stdout. It runs on one thread: `cargo xtask bench durability`
//! pins it to its own core, away from the server's.

use clap::Parser;

use agentcast_tests::durability::{self, Cli};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(durability::run(cli))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
