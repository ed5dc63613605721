//! `agentcast-watch-bench`: the measuring client of `cargo xtask bench watch` (see
//! `agentcast_tests::watch_bench`).
//!
//! ```text
//! agentcast-watch-bench --url http://127.0.0.1:PORT --agentcast target/release/agentcast \
//!     --events 100000 --rate 10000
//! ```
//!
//! Prints one JSON report on stdout.

use clap::Parser;

use agentcast_tests::watch_bench::{self, Cli};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(watch_bench::run(&cli))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
