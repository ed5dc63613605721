//! The `agentcast` binary: parses the command line and hands over to the library
//! (`agentcast run` is [`agentcast_server::run`]).

use agentcast_server::announce::{bind, print_open_url};
use agentcast_server::auth::Authenticator;
use agentcast_server::cli::{Cli, Command, PipeArgs, ServeArgs, TokenCommand, TokenCreateArgs};
use agentcast_server::config::{AuthMode, Config};
use agentcast_server::ingest::IngestLimits;
use agentcast_server::run::run;
use agentcast_server::sources::pipe::pipe_stdin;
use agentcast_server::{app, logging};
use anyhow::Context;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Run(args) => {
            let code = run(args).await?;
            std::process::exit(code);
        }
        Command::Pipe(args) => pipe(args).await,
        Command::Token(TokenCommand::Create(args)) => create_token(args),
        Command::Hooks(command) => Ok(agentcast_server::hook_setup::run(command).await?),
        Command::Watch(args) => std::process::exit(agentcast_server::watch::run(args).await),
        Command::Prompt(args) => {
            std::process::exit(agentcast_server::remote::commands::prompt(args).await)
        }
        Command::Interrupt(args) => {
            std::process::exit(agentcast_server::remote::commands::interrupt(args).await)
        }
        Command::Top(args) => std::process::exit(agentcast_server::top::run(args).await as i32),
        Command::Mcp(args) => {
            std::process::exit(agentcast_server::mcp_server::stdio::run(args).await)
        }
    }
}

/// `agentcast pipe`: stdin to a session of a running server.
async fn pipe(args: PipeArgs) -> anyhow::Result<()> {
    logging::init(Default::default());
    let session_id = args
        .session
        .unwrap_or_else(agentcast_server::sources::supervisor::new_session_id);
    let limits = IngestLimits {
        max_line_bytes: args
            .max_line_bytes
            .unwrap_or(IngestLimits::DEFAULT_MAX_LINE_BYTES),
        ..Default::default()
    };
    eprintln!(
        "agentcast: streaming stdin into session {session_id} at {}",
        args.server
    );
    let project = args
        .project
        .as_deref()
        .map(agentcast_server::run::cli_project);
    let head = pipe_stdin(&args.server, &session_id, args.token, project, limits).await?;
    eprintln!("agentcast: done, session {session_id} is at offset {head}");
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args)?;
    logging::init(config.server.log_format);
    raise_open_file_limit();
    let shutdown = shutdown_signal()?;
    let listener = bind(&config).await?;
    if config.server.conformance {
        app::serve(listener, config, shutdown).await?;
        return Ok(());
    }
    let built = app::build(&config).await?;
    print_open_url(&config, &built.auth, listener.local_addr()?);
    app::serve_built(listener, built, &config, shutdown).await?;
    Ok(())
}

/// `agentcast token create`: prints a token signed with the key the server would use.
fn create_token(args: TokenCreateArgs) -> anyhow::Result<()> {
    let config = Config::load(args.serve)?;
    if config.auth.mode == AuthMode::None {
        anyhow::bail!("authentication is off (--auth none): a server like that needs no token");
    }
    let auth = Authenticator::from_config(&config.auth)?;
    let token = auth.issue(&args.sub, args.scope, args.sessions, args.ttl)?;
    println!("{token}");
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
