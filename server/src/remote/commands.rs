//! `agentcast prompt SESSION TEXT` and `agentcast interrupt SESSION`: the control commands
//! from a shell, over the same connection settings as `watch` (a control token).

use agentcast_client::{Client, Error, SocketStatus};
use agentcast_shared::{ErrorCode, Scope};
use clap::Args;
use futures_util::StreamExt;

use super::{Remote, RemoteArgs, exit_code};

/// Options of `agentcast prompt`.
#[derive(Debug, Clone, Args)]
pub struct PromptArgs {
    /// The session to prompt (it must be controllable: started by `agentcast run` or the
    /// dashboard in control mode).
    #[arg(value_name = "SESSION")]
    pub session: String,
    /// The prompt; `-` reads it from standard input.
    #[arg(value_name = "TEXT")]
    pub text: String,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Options of `agentcast interrupt`.
#[derive(Debug, Clone, Args)]
pub struct InterruptArgs {
    /// The session whose turn to stop.
    #[arg(value_name = "SESSION")]
    pub session: String,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `agentcast prompt`: prints where the prompt was queued; returns the exit code.
pub async fn prompt(args: PromptArgs) -> i32 {
    let text = if args.text == "-" {
        let mut text = String::new();
        if let Err(err) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
            eprintln!("agentcast prompt: reading standard input: {err}");
            return exit_code::USAGE;
        }
        text
    } else {
        args.text
    };
    command(args.remote, &args.session, "prompt", |session| async move {
        let queued = session.prompt(text).await?;
        Ok(match queued.ahead {
            0 => "sent".to_owned(),
            n => format!("queued behind {n} prompt(s)"),
        })
    })
    .await
}

/// `agentcast interrupt`: stops the current turn; returns the exit code.
pub async fn interrupt(args: InterruptArgs) -> i32 {
    command(
        args.remote,
        &args.session,
        "interrupt",
        |session| async move {
            let result = session.interrupt().await?;
            Ok(if result.interrupted {
                "interrupted".to_owned()
            } else {
                "nothing to interrupt".to_owned()
            })
        },
    )
    .await
}

/// Connects to `session`, runs `act`, prints its answer or the error with what to do.
async fn command<F, Fut>(args: RemoteArgs, session: &str, name: &str, act: F) -> i32
where
    F: FnOnce(agentcast_client::Session) -> Fut,
    Fut: std::future::Future<Output = Result<String, Error>>,
{
    let remote = match Remote::resolve(args, Scope::Control) {
        Ok(remote) => remote,
        Err(err) => {
            eprintln!("agentcast {name}: {err}");
            return exit_code::USAGE;
        }
    };
    let config = match remote.client_config() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("agentcast {name}: {err}");
            return exit_code::USAGE;
        }
    };
    let client = Client::connect(config);
    let (handle, _events) = client.session(session, None);
    // The namespace must be accepted first, so a refused token is explained, not timed out.
    let mut status = handle.status();
    let accepted = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(next) = status.next().await {
            match next {
                SocketStatus::Connected { .. } => return Ok(()),
                SocketStatus::Refused {
                    reason,
                    retrying: false,
                } => return Err(reason),
                _ => {}
            }
        }
        Err("the connection closed".to_owned())
    })
    .await;
    let code = match accepted {
        Err(_) => {
            eprintln!("agentcast {name}: cannot reach {} in 10 s", remote.server);
            exit_code::UNREACHABLE
        }
        Ok(Err(reason)) => {
            eprintln!(
                "agentcast {name}: {}",
                remote.explain_refusal(&reason, Scope::Control)
            );
            exit_code::REFUSED
        }
        Ok(Ok(())) => match act(handle).await {
            Ok(said) => {
                println!("{said}");
                exit_code::OK
            }
            Err(err) => match err.code() {
                Some(code @ (ErrorCode::Unauthorized | ErrorCode::Forbidden)) => {
                    let reason = format!("{}: {err}", code.as_str());
                    eprintln!(
                        "agentcast {name}: {}",
                        remote.explain_refusal(&reason, Scope::Control)
                    );
                    exit_code::REFUSED
                }
                _ => {
                    eprintln!("agentcast {name}: {err}");
                    exit_code::FAILED
                }
            },
        },
    };
    client.close();
    code
}
