//! The `agentcast` binary: parses the command line and hands over to the library.

use std::io::Write;

use agentcast_server::cli::{Cli, Command, ServeArgs};
use agentcast_server::config::Config;
use agentcast_server::{LISTENING_PREFIX, app, logging};
use anyhow::Context;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args)?;
    logging::init(config.log_format);
    raise_open_file_limit();
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), conformance = config.conformance, "listening");
    println!("{LISTENING_PREFIX}http://{addr}");
    std::io::stdout().flush()?;
    app::serve(listener, config, shutdown).await?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed before this returns,
/// so a signal sent right after the listening line is printed is not lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("installing a SIGINT handler")?;
    let mut terminate = signal(SignalKind::terminate()).context("installing a SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
        }
    })
}

/// Thousands of sockets need thousands of descriptors: raise the soft limit to the hard one.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::debug!(limit, "open file limit"),
        Err(err) => tracing::warn!(%err, "could not raise the open file limit"),
    }
}
