//! `agentcast-collect-bench`: the collector benchmark's reference parse and follow-latency
//! client (see `agentcast_tests::collect_bench`).
//!
//! ```text
//! agentcast-collect-bench parse --dir /tmp/tree/claude --dir /tmp/tree/codex
//! agentcast-collect-bench follow --url http://127.0.0.1:PORT --transcript FILE --session ID
//! ```
//!
//! Prints one JSON report on stdout. It runs on one thread: `cargo xtask bench collect` pins
//! it to a core of its own (follow) or to the core the server gets when pinned (parse).

use clap::Parser;

use agentcast_tests::collect_bench::{self, Cli};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(collect_bench::run(cli))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
