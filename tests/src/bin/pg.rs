//! `agentcast-pg`: a private PostgreSQL server for `cargo xtask bench cluster` and the
//! browser test of two nodes (tests/js/browser/cluster.browser.mjs), which cannot link the
//! server crate's test harness themselves (`store::testing::TempPostgres`, `fsync` on as
//! by default, on a free 127.0.0.1 port, trust authentication).
//!
//! ```text
//! agentcast-pg          # prints `ready postgres://postgres@127.0.0.1:PORT/postgres`
//! new                   # each line read on stdin: a fresh database, its URL printed
//! ```
//!
//! The server stops when stdin ends (and dies with this process in any case).

use std::io::{BufRead, Write};

use agentcast_server::store::testing::{Fsync, TempPostgres};
use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let server = TempPostgres::start(Fsync::On)
        .context("PostgreSQL (initdb, postgres) is not installed")?
        .map_err(|e| anyhow::anyhow!("starting PostgreSQL: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready {}", server.url("postgres"))?;
    stdout.flush()?;
    for line in std::io::stdin().lock().lines() {
        if line?.trim().is_empty() {
            continue;
        }
        let url = runtime.block_on(server.new_database());
        writeln!(stdout, "{url}")?;
        stdout.flush()?;
    }
    Ok(())
}
