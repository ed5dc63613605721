//! `agentcast run`: starts the agent's process and streams it into a session, either of a
//! server started here for the run (and stopped after it, unless `--keep-serving`) or of a
//! running server (`--server URL`, mapped on this side). Ctrl-C is forwarded to the agent
//! (a second one stops it), and the agent's exit code becomes the command's ([`run`]).

use std::time::Duration;

use agentcast_shared::{Scope, SessionSource};
use tokio::sync::mpsc;

use crate::announce::{self, AnnounceError};
use crate::app::{self, BuildError};
use crate::auth::local::sign_with_local_key;
use crate::cli::{RunArgs, ServeArgs};
use crate::config::{Config, ConfigError};
use crate::hub::HubError;
use crate::ingest::IngestLimits;
use crate::logging;
use crate::sink::{RemoteSession, Sink};
use crate::sources::runner::{self, ProcessExit, ProcessSpec, RunError, Stop};
use crate::sources::supervisor::new_session_id;

/// How long the agent has to exit after a stop request when streaming to `--server`.
const REMOTE_GRACE: Duration = Duration::from_secs(5);

/// Why `agentcast run` could not run the agent to its end. Each reads as the error it wraps.
#[derive(Debug, thiserror::Error)]
pub enum RunCommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Listen(#[from] AnnounceError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Session(#[from] HubError),
    #[error(transparent)]
    Agent(#[from] RunError),
    /// Serving, or waiting for Ctrl-C with `--keep-serving`.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The local server's task did not finish (it panicked).
    #[error(transparent)]
    Server(#[from] tokio::task::JoinError),
}

/// Runs `agentcast run`; the result is the exit code the command ends with: the agent's, or
/// 128 + the signal that killed it.
pub async fn run(args: RunArgs) -> Result<i32, RunCommandError> {
    let RunArgs {
        server,
        session,
        label,
        token,
        keep_serving,
        no_control,
        serve,
        command,
        project,
    } = args;
    let mut spec = run_spec(session, label, command);
    spec.project = project.map(|project| cli_project(&project));
    let exit = match server {
        Some(server) => stream_to(&server, token, &serve, spec).await?,
        None => serve_locally(serve, keep_serving, !no_control, spec).await?,
    };
    Ok(exit_code(&exit))
}

/// `--server URL`: the agent's events go to a running server, mapped on this side.
async fn stream_to(
    server: &str,
    token: Option<String>,
    serve: &ServeArgs,
    spec: ProcessSpec,
) -> Result<ProcessExit, RunCommandError> {
    logging::init(serve.server.log_format.unwrap_or_default());
    let limits = IngestLimits {
        max_line_bytes: serve
            .ingest
            .max_line_bytes
            .unwrap_or(IngestLimits::DEFAULT_MAX_LINE_BYTES),
        ..Default::default()
    };
    let session_id = &spec.session_id;
    eprintln!("agentcast: streaming session {session_id} to {server}");
    let token = token.or_else(|| local_write_token(serve, session_id));
    let sink = Sink::Remote(RemoteSession::new(server, session_id, token));
    Ok(run_with_signals(spec, sink, limits, REMOTE_GRACE).await?)
}

/// No `--server`: a server of our own for the run, on a free loopback port unless `--bind`
/// says otherwise.
async fn serve_locally(
    mut serve: ServeArgs,
    keep_serving: bool,
    control: bool,
    mut spec: ProcessSpec,
) -> Result<ProcessExit, RunCommandError> {
    serve
        .server
        .bind
        .get_or_insert(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    // The run's own server shows the run, not every session on the machine.
    serve.collect.no_collect = true;
    let config = Config::load(serve)?;
    logging::init(config.server.log_format);
    let listener = announce::bind(&config).await?;
    let url = listener.url()?;
    let session_id = spec.session_id.clone();
    eprintln!(
        "agentcast: watch session {session_id} at {url} (Socket.IO namespace /sessions/{session_id})"
    );
    let built = app::build(&config).await?;
    announce::print_open_url(&config, &built.auth, listener.local_addr()?);
    if control {
        let by = std::env::var("USER").unwrap_or_else(|_| "agentcast run".to_owned());
        if spec
            .make_controlled(built.supervisor.controls(), None, by)
            .is_ok()
        {
            eprintln!(
                "agentcast: control mode: prompt, answer and end the session from the dashboard \
                 (or run with --no-control for a one-shot run)"
            );
        }
    }
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
    Ok(exit)
}

/// Without `--token`, a write token for this session only, signed with the key of the data
/// directory when that key exists: on the server's own machine `agentcast run --server URL`
/// then just works.
fn local_write_token(serve: &ServeArgs, session_id: &str) -> Option<String> {
    let sessions = vec![session_id.to_owned()];
    let (token, data_dir) = sign_with_local_key(serve, "agentcast run", Scope::Write, sessions)?;
    eprintln!(
        "agentcast: no --token given: using a write token for this session signed with the key in {}",
        data_dir.display()
    );
    Some(token)
}

/// Runs `spec` into `sink`, forwarding Ctrl-C to the child (a second one terminates it).
async fn run_with_signals(
    spec: ProcessSpec,
    sink: Sink,
    limits: IngestLimits,
    grace: Duration,
) -> Result<ProcessExit, RunError> {
    let (stop, stopped) = mpsc::channel(4);
    let forward = tokio::spawn(async move {
        let mut interrupts = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            interrupts += 1;
            let request = if interrupts == 1 {
                Stop::Interrupt
            } else {
                Stop::Terminate
            };
            eprintln!(
                "agentcast: {}",
                match request {
                    Stop::Interrupt => "Ctrl-C forwarded to the agent (again to stop it)",
                    Stop::Terminate => "stopping the agent",
                }
            );
            if stop.send(request).await.is_err() {
                return;
            }
        }
    });
    let result = runner::run(spec, sink, limits, stopped, grace).await;
    forward.abort();
    result
}

/// What to run: the command in the current directory, into `session` (a new id if none).
fn run_spec(session: Option<String>, label: Option<String>, command: Vec<String>) -> ProcessSpec {
    ProcessSpec {
        session_id: session.unwrap_or_else(new_session_id),
        command,
        cwd: std::env::current_dir().ok(),
        label,
        source: SessionSource::Run,
        project: None,
        control: None,
    }
}

/// `--project` as `session.started` carries it: a path made absolute here, where it is
/// (see [`client_project`](crate::project::client_project)).
pub fn cli_project(value: &str) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    crate::project::client_project(value, &cwd, home.as_deref())
}

/// The exit code `agentcast run` ends with: the child's, or 128 + its signal.
fn exit_code(exit: &ProcessExit) -> i32 {
    match (exit.exit_code, exit.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::SessionState;

    use crate::auth::Authenticator;
    use crate::config::{AuthArgs, AuthMode, ServerArgs};

    fn serve_args(data_dir: &std::path::Path) -> ServeArgs {
        ServeArgs {
            server: ServerArgs {
                data_dir: Some(data_dir.to_owned()),
                ..ServerArgs::default()
            },
            ..ServeArgs::default()
        }
    }

    #[test]
    fn a_write_token_for_the_session_is_signed_with_the_data_dirs_key() {
        let dir = tempfile::tempdir().unwrap();
        let serve = serve_args(dir.path());
        // The server's first start makes the key.
        let config = Config::load(serve.clone()).unwrap();
        let server = Authenticator::from_config(&config.auth).unwrap();

        let token = local_write_token(&serve, "s1").expect("a token");
        let claims = server.verify(Some(&token)).unwrap();
        assert_eq!(claims.sub, "agentcast run");
        assert!(claims.has_scope(Scope::Write) && !claims.has_scope(Scope::Admin));
        assert_eq!(claims.sessions, ["s1"]);
    }

    #[test]
    fn no_key_no_token_and_no_key_is_made() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(local_write_token(&serve_args(dir.path()), "s1"), None);
        assert!(!dir.path().join("jwt-secret").exists());
    }

    #[test]
    fn no_token_for_a_server_without_authentication() {
        let dir = tempfile::tempdir().unwrap();
        let mut serve = serve_args(dir.path());
        let config = Config::load(serve.clone()).unwrap();
        Authenticator::from_config(&config.auth).unwrap();
        serve.auth = AuthArgs {
            mode: Some(AuthMode::None),
            ..AuthArgs::default()
        };
        assert_eq!(local_write_token(&serve, "s1"), None);
    }

    #[test]
    fn the_exit_code_is_the_agents_or_128_plus_its_signal() {
        let exit = |exit_code, signal| ProcessExit {
            status: SessionState::Failed,
            exit_code,
            signal,
            duration_ms: 0,
        };
        assert_eq!(exit_code(&exit(Some(3), None)), 3);
        assert_eq!(exit_code(&exit(Some(0), None)), 0);
        assert_eq!(exit_code(&exit(None, Some(2))), 130);
        assert_eq!(exit_code(&exit(None, None)), 1);
    }

    #[test]
    fn the_spec_runs_in_the_current_directory_into_the_named_or_a_new_session() {
        let command = vec!["claude".to_owned(), "-p".to_owned()];
        let spec = run_spec(Some("mine".into()), Some("fix".into()), command.clone());
        assert_eq!(spec.session_id, "mine");
        assert_eq!(spec.label.as_deref(), Some("fix"));
        assert_eq!(spec.command, command);
        assert_eq!(spec.cwd, std::env::current_dir().ok());
        assert_eq!(spec.source, SessionSource::Run);
        let other = run_spec(None, None, command);
        assert!(!other.session_id.is_empty() && other.session_id != "mine");
    }
}
