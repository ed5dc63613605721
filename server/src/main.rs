//! The `agentcast` binary: parses the command line and hands over to the library
//! (`agentcast run` is [`agentcast_server::run`]).

use agentcast_server::announce::{bind, print_open_url};
use agentcast_server::audit::{Audit, AuditEvent};
use agentcast_server::auth::{Authenticator, rotate};
use agentcast_server::cli::{
    Cli, Command, DbCommand, DbCopyArgs, KeysCommand, PipeArgs, ServeArgs, TokenCommand,
    TokenCreateArgs,
};
use agentcast_server::clock::now_unix_millis;
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
        Command::Keys(command) => keys(command).await,
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
        Command::Db(DbCommand::Copy(args)) => db_copy(args).await,
    }
}

/// `agentcast db copy`: a SQLite history into PostgreSQL.
async fn db_copy(args: DbCopyArgs) -> anyhow::Result<()> {
    use agentcast_server::store;
    let to = args.to.checked().map_err(anyhow::Error::msg)?;
    let from = store::sqlite_source(&args.from)?;
    eprintln!("agentcast: copying {} into {to}", from.display());
    let report = store::copy_sqlite_to_postgres(&from, &to, args.replace, |table, rows| {
        if table == "events" && rows > 0 && rows % 100_000 == 0 {
            eprintln!("agentcast: {rows} events copied");
        }
    })
    .await?;
    println!(
        "copied {} sessions, {} events, {} checkpoints, {} projects, {} MCP servers, {} \
         collector file positions",
        report.sessions,
        report.events,
        report.checkpoints,
        report.projects,
        report.mcp_servers,
        report.file_cursors
    );
    Ok(())
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
    let hangup = hangup_signal()?;
    let built = app::build(&config).await?;
    reload_keys_on_hangup(hangup, built.auth.clone(), built.audit.clone());
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

/// `agentcast keys rotate` and `agentcast keys list`, on the keyring the server's options
/// name.
async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    let serve = match &command {
        KeysCommand::Rotate(args) => args.serve.clone(),
        KeysCommand::List(args) => args.serve.clone(),
    };
    let config = Config::load(serve)?;
    if config.auth.mode == AuthMode::None {
        anyhow::bail!("authentication is off (--auth none): a server like that has no keys");
    }
    let auth = &config.auth;
    match command {
        KeysCommand::Rotate(args) => {
            let overlap = args.overlap.unwrap_or(auth.jwt_key_overlap);
            let rotated = rotate::rotate(
                auth,
                overlap,
                args.private_key.as_deref(),
                now_unix_millis(),
            )?;
            let audit = Audit::open(&auth.audit)?;
            audit.record(AuditEvent::keys_rotated(&rotated));
            audit.flush().await?;
            if let Some(kid) = &rotated.imported {
                eprintln!("agentcast: the configured key is now {kid} (tokens without a kid)");
            }
            if let Some((kid, until)) = &rotated.retired {
                eprintln!("agentcast: {kid} retired, verifies until {until}");
            }
            for kid in &rotated.removed {
                eprintln!("agentcast: {kid} was past its overlap: removed");
            }
            println!("{}", rotated.kid);
        }
        KeysCommand::List(_) => match rotate::list(auth, now_unix_millis())? {
            Some(lines) => lines.iter().for_each(|line| println!("{line}")),
            None => println!(
                "no keyring in {}: the single configured key signs and verifies (no kid); \
                 `agentcast keys rotate` starts one",
                auth.jwt_keyring_dir.display()
            ),
        },
    }
    Ok(())
}

/// SIGHUP, installed before the server says it listens: from then on a SIGHUP reloads the
/// keys instead of ending the process.
fn hangup_signal() -> anyhow::Result<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup()).context("installing a SIGHUP handler")
}

/// Each SIGHUP reloads the JWT keys (the keyring, or the configured key), recorded in the
/// audit log as `keys.reloaded`. A changed keyring is noticed without it (at the next token);
/// new single-key files (`--jwt-secret-file`, `--jwt-*-key`) are not.
fn reload_keys_on_hangup(
    mut hangup: tokio::signal::unix::Signal,
    auth: Authenticator,
    audit: Audit,
) {
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            let outcome = auth.reload().map_err(|err| err.to_string());
            match &outcome {
                Ok((kids, signing)) => tracing::info!(?kids, ?signing, "SIGHUP: keys reloaded"),
                Err(err) => {
                    tracing::error!(%err, "SIGHUP: keys not reloaded, the ones in use stay")
                }
            }
            audit.record(AuditEvent::KeysReloaded { outcome });
        }
    });
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
