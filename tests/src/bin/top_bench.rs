//! `agentcast-top-bench`: the client of `cargo xtask bench top` (see
//! `agentcast_tests::top_bench`).
//!
//! ```text
//! agentcast-top-bench --url http://127.0.0.1:PORT --server-pid PID \
//!     --agentcast target/release/agentcast --sessions 1000 --rate 1000 --seconds 20
//! ```
//!
//! Prints one JSON report on stdout. It runs on one thread: `cargo xtask bench top` pins it
//! (and so the tmux server and `top` it starts) to a core away from the server's.

use clap::Parser;

use agentcast_tests::top_bench::{self, Cli};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(top_bench::run(cli))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
