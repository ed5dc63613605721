//! The `agentcast` binary: parses the command line and hands over to the library.

use std::io::Write;

use agentcast_server::auth::Authenticator;
use agentcast_server::cli::{
    Cli, Command, PipeArgs, RunArgs, ServeArgs, TokenCommand, TokenCreateArgs,
};
use agentcast_server::config::{AuthMode, Config, JwtAlgorithm};
use agentcast_server::ingest::IngestLimits;
use agentcast_server::listener::Listener;
use agentcast_server::sources::cli::{exit_code, pipe_stdin, run_spec, run_with_signals};
use agentcast_server::sources::{RemoteSession, Sink};
use agentcast_server::{LISTENING_PREFIX, app, logging};
use agentcast_shared::Scope;
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
    }
}

/// Binds (after loading the TLS certificate and key, if any), prints the listening line
/// (scripts and tests wait for it: `http://ADDR`, or `https://ADDR` with TLS) and returns the
/// listener.
async fn bind(config: &Config) -> anyhow::Result<Listener> {
    let server = &config.server;
    let listener = Listener::bind(server.bind, config.tls.config().as_ref()).await?;
    let addr = listener.local_addr()?;
    let url = listener.url()?;
    tracing::info!(%addr, tls = config.tls.config().is_some(), data_dir = %server.data_dir.display(), conformance = server.conformance, "listening");
    println!("{LISTENING_PREFIX}{url}");
    std::io::stdout().flush()?;
    Ok(listener)
}

/// `agentcast run`: the agent's exit code becomes ours.
async fn run(args: RunArgs) -> anyhow::Result<i32> {
    let RunArgs {
        server,
        session,
        label,
        token,
        keep_serving,
        mut serve,
        command,
    } = args;
    let spec = run_spec(session, label, command);
    let session_id = spec.session_id.clone();
    if let Some(server) = server {
        logging::init(serve.server.log_format.unwrap_or_default());
        let limits = IngestLimits {
            max_line_bytes: serve
                .ingest
                .max_line_bytes
                .unwrap_or(IngestLimits::DEFAULT_MAX_LINE_BYTES),
            ..Default::default()
        };
        eprintln!("agentcast: streaming session {session_id} to {server}");
        let token = token.or_else(|| local_write_token(&serve, &session_id));
        let sink = Sink::Remote(RemoteSession::new(&server, &session_id, token));
        let exit = run_with_signals(spec, sink, limits, std::time::Duration::from_secs(5)).await?;
        return Ok(exit_code(&exit));
    }

    serve
        .server
        .bind
        .get_or_insert(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let config = Config::load(serve)?;
    logging::init(config.server.log_format);
    let listener = bind(&config).await?;
    let url = listener.url()?;
    eprintln!(
        "agentcast: watch session {session_id} at {url} (Socket.IO namespace /sessions/{session_id})"
    );
    let built = app::build(&config).await?;
    print_open_url(&config, &built.auth, listener.local_addr()?);
    let sink = Sink::Local(built.hub.session(&session_id)?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = {
        let config = config.clone();
        tokio::spawn(async move {
            app::serve_built(listener, built, &config, async {
                let _ = stopped.await;
            })
            .await
        })
    };
    let exit = run_with_signals(spec, sink, config.ingest.limits(), config.processes.grace).await?;
    if keep_serving {
        eprintln!("agentcast: the agent exited; still serving at {url} until Ctrl-C");
        tokio::signal::ctrl_c().await?;
    }
    let _ = stop.send(());
    server.await??;
    Ok(exit_code(&exit))
}

/// Without `--token`, a write token for this session only, signed with the key of the data
/// directory (as `agentcast token create` would), when that key exists: on the server's own
/// machine `agentcast run --server URL` then just works. No key is ever created here.
fn local_write_token(serve: &ServeArgs, session_id: &str) -> Option<String> {
    let config = Config::load(serve.clone()).ok()?;
    let security = &config.auth;
    let own_key = match security.jwt_algorithm {
        JwtAlgorithm::Hs256 => security.jwt_secret_file.is_file(),
        _ => security
            .jwt_private_key
            .as_ref()
            .is_some_and(|p| p.is_file()),
    };
    if security.mode == AuthMode::None || !own_key {
        return None;
    }
    let auth = Authenticator::from_config(security).ok()?;
    // Long enough for any run: the token names this one session and cannot do more.
    let ttl = std::time::Duration::from_secs(7 * 24 * 3600);
    let token = auth
        .issue(
            "agentcast run",
            Scope::Write,
            vec![session_id.to_owned()],
            ttl,
        )
        .ok()?;
    eprintln!(
        "agentcast: no --token given: using a write token for this session signed with the key in {}",
        config.server.data_dir.display()
    );
    Some(token)
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
    let head = pipe_stdin(&args.server, &session_id, args.token, limits).await?;
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

/// Prints where to open the dashboard, with an admin token in the URL fragment (browsers do
/// not send fragments to servers or put them in logs), as Jupyter does.
fn print_open_url(config: &Config, auth: &Authenticator, addr: std::net::SocketAddr) {
    let scheme = if config.tls.config().is_some() {
        "https"
    } else {
        "http"
    };
    let base = format!("{scheme}://{addr}/");
    if !auth.is_enabled() {
        println!("agentcast: open {base} (no authentication: --auth none)");
    } else {
        let ttl = config.auth.startup_token_ttl;
        match auth.issue("dashboard", Scope::Admin, vec!["*".into()], ttl) {
            Ok(token) => println!(
                "agentcast: open {base}#token={token}\n(an admin token valid {} h; make others with `agentcast token create`)",
                ttl.as_secs() / 3600
            ),
            Err(err) => println!("agentcast: open {base} with a token from your issuer ({err})"),
        }
    }
    let _ = std::io::stdout().flush();
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
