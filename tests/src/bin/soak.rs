//! `agentcast-soak`: the endurance run (see `agentcast_tests::soak`).
//!
//! ```text
//! agentcast-soak --url http://127.0.0.1:PORT --server-pid PID --token T \
//!     --clients 10000 --sessions 100 --rate 1000 --seconds 600
//! ```
//!
//! Prints one JSON report on stdout and a line every few seconds on stderr. It runs on one
//! thread: `cargo xtask soak` pins it to its own core, away from the server's.

use clap::Parser;

use agentcast_tests::loadgen::raise_fd_limit;
use agentcast_tests::soak::{self, Config};

fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let limit = raise_fd_limit()?;
    // A socket per client and per publisher; room for stdio and the runtime.
    let needed = (config.clients + config.sessions) as u64 + 64;
    if limit < needed {
        anyhow::bail!(
            "open-file limit {limit} is too low for {} clients and {} publishers (`ulimit -n`)",
            config.clients,
            config.sessions
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(soak::run(config))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
