//! `agentcast hooks`: Claude Code's hooks wired to a server, so its sessions report their
//! exact status (waiting for permission, stopped, ended) as it happens.
//!
//! - `install` merges one entry per hook event into a `settings.json` (user level:
//!   `$CLAUDE_CONFIG_DIR/settings.json` or `~/.claude/settings.json`; `--project`:
//!   `./.claude/settings.json`; or `--settings FILE`), after a backup of the file; installing
//!   twice gives the same file. Each entry runs this very binary (its absolute path):
//!   `agentcast hooks send --server URL [--token-file FILE]`.
//! - `uninstall` takes out exactly those entries; `status` lists them and asks the server's
//!   `/health`.
//! - `send` is the command the entries run ([`send`]).
//! - `install --approve`: the `PermissionRequest` entry runs `send --approve`, which waits for
//!   a watcher of the dashboard (or any client with the control scope) to allow or deny the
//!   tool call, and falls back to Claude Code's own prompt after `--approve-wait-s`.
//!
//! Files: `settings` (the merge, pure), `file` (the settings file on disk), `send`.

mod file;
mod send;
mod settings;

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};

pub use file::SettingsFileError;
pub use send::{SendError, SendOptions, Sent, hook_output, send};

use file::{SettingsFile, WriteOutcome, backup_stamp, settings_path};
use settings::{Approve, EVENTS, SEND_SUBCOMMAND, shell_quote};

/// How much longer than the server's wait `send --approve` waits for its answer.
const APPROVE_SLACK: Duration = Duration::from_secs(10);

/// The default server, as `agentcast pipe`'s.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The file beside the settings that holds `--token`, readable by its owner only.
const TOKEN_FILE: &str = "agentcast-hooks.token";

/// `agentcast hooks ...`.
#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Add agentcast's hook entries to Claude Code's settings.json (a backup is kept).
    Install(InstallArgs),
    /// Remove agentcast's hook entries, and nothing else.
    Uninstall(WhereArgs),
    /// Say which hook events are installed, where they send, and whether that server answers.
    Status(WhereArgs),
    /// The command the hook entries run: posts the hook payload on stdin to the server.
    /// Always exits 0, within --timeout-ms.
    Send(SendArgs),
}

/// Which settings file.
#[derive(Debug, Clone, Args)]
pub struct WhereArgs {
    /// This settings file [default: $CLAUDE_CONFIG_DIR/settings.json, else
    /// ~/.claude/settings.json].
    #[arg(long, value_name = "FILE", conflicts_with = "project")]
    pub settings: Option<PathBuf>,

    /// The project's settings: ./.claude/settings.json.
    #[arg(long)]
    pub project: bool,
}

/// Options of `agentcast hooks install`.
#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// The server the hooks post to.
    #[arg(long, env = "AGENTCAST_SERVER", value_name = "URL", default_value = DEFAULT_SERVER)]
    pub server: String,

    /// A write token for the server, stored beside the settings in agentcast-hooks.token
    /// (mode 0600), never in the settings or on a command line.
    #[arg(long, value_name = "JWT")]
    pub token: Option<String>,

    /// Approve mode: Claude Code's permission prompts wait for an answer from the
    /// dashboard or any client with the control scope, then fall back to its own prompt.
    #[arg(long)]
    pub approve: bool,

    /// How long a permission prompt waits for an answer through agentcast (approve mode).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_APPROVE_WAIT_S, requires = "approve")]
    pub approve_wait_s: u64,

    #[command(flatten)]
    pub place: WhereArgs,
}

/// How long a permission prompt waits for an answer through agentcast by default.
const DEFAULT_APPROVE_WAIT_S: u64 = 120;

/// Options of `agentcast hooks send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The server to post to.
    #[arg(long, env = "AGENTCAST_SERVER", value_name = "URL", default_value = DEFAULT_SERVER)]
    pub server: String,

    /// A file holding the write token (wins over AGENTCAST_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Give up after this long, reading stdin and posting together.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub timeout_ms: u64,

    /// The largest payload posted; larger ones are dropped with a warning on stderr.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_bytes: usize,

    /// Approve mode: wait for a watcher to allow or deny the tool call and print the
    /// decision for Claude Code (nothing after --approve-wait-s: it asks in its terminal).
    #[arg(long)]
    pub approve: bool,

    /// How long the server waits for an answer (approve mode); the command waits 10 s more.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_APPROVE_WAIT_S)]
    pub approve_wait_s: u64,
}

/// Why `hooks install`, `uninstall` or `status` failed.
#[derive(Debug, thiserror::Error)]
pub enum HooksError {
    #[error(transparent)]
    Settings(#[from] SettingsFileError),
    #[error("cannot find this program's own path for the hook command: {0}")]
    OwnPath(std::io::Error),
    #[error("cannot write the token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs `hooks install`, `uninstall` or `status`, printing what it did; `send` is [`send`].
pub async fn run(command: HooksCommand) -> Result<(), HooksError> {
    match command {
        HooksCommand::Install(args) => install(args),
        HooksCommand::Uninstall(place) => uninstall(&place),
        HooksCommand::Status(place) => status(&place).await,
        HooksCommand::Send(args) => {
            let approve_wait = args
                .approve
                .then(|| Duration::from_secs(args.approve_wait_s));
            let mut timeout = Duration::from_millis(args.timeout_ms);
            if let Some(wait) = approve_wait {
                timeout = timeout.max(wait + APPROVE_SLACK);
            }
            let options = SendOptions {
                server: args.server,
                token: std::env::var("AGENTCAST_TOKEN").ok(),
                token_file: args.token_file,
                timeout,
                max_bytes: args.max_bytes,
                approve_wait,
            };
            match send(&options, tokio::io::stdin()).await {
                Ok(Sent::Decided { event, decision }) => {
                    if let Some(output) = hook_output(&event, &decision) {
                        println!("{output}");
                    }
                }
                Ok(Sent::Ingested) => {}
                // stderr only: the agent goes on regardless.
                Err(err) => eprintln!("agentcast hooks send: {err}"),
            }
            Ok(())
        }
    }
}

fn resolve(place: &WhereArgs) -> Result<PathBuf, SettingsFileError> {
    settings_path(
        place.settings.as_deref(),
        place.project,
        std::env::var("CLAUDE_CONFIG_DIR").ok().as_deref(),
        std::env::var("HOME").ok().as_deref(),
    )
}

fn install(args: InstallArgs) -> Result<(), HooksError> {
    let path = resolve(&args.place)?;
    let mut file = SettingsFile::read(&path)?;
    let program = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(HooksError::OwnPath)?;
    let mut command = format!(
        "{} {SEND_SUBCOMMAND} --server {}",
        shell_quote(&program.to_string_lossy()),
        shell_quote(&args.server)
    );
    let token_path = token_path(&path);
    if args.token.is_some() {
        command.push_str(&format!(
            " --token-file {}",
            shell_quote(&token_path.to_string_lossy())
        ));
    }
    let approve = args.approve.then(|| Approve {
        command: format!(
            "{command} --approve --approve-wait-s {}",
            args.approve_wait_s
        ),
        // Claude Code's own limit on the command: past the server's wait and ours.
        timeout_s: args.approve_wait_s + 2 * APPROVE_SLACK.as_secs(),
    });
    if let Some(token) = &args.token {
        // Checked before the token is written: a file we cannot change gets no token beside it.
        settings::install(&mut file.document.clone(), &command, approve.as_ref())
            .map_err(|e| file.shape(e))?;
        write_token(&token_path, token)?;
    }
    settings::install(&mut file.document, &command, approve.as_ref()).map_err(|e| file.shape(e))?;
    let outcome = file.write_if_changed(&backup_stamp(&crate::clock::now_ts()))?;
    let events = EVENTS.len();
    match outcome {
        WriteOutcome::Unchanged => {
            println!(
                "agentcast: the hooks in {} were already installed",
                path.display()
            )
        }
        WriteOutcome::Written { backup } => {
            println!(
                "agentcast: installed {events} hooks in {}, sending to {}",
                path.display(),
                args.server
            );
            if args.approve {
                println!(
                    "agentcast: approve mode: permission prompts wait up to {} s for an answer \
                     from the dashboard, then Claude Code asks in its terminal",
                    args.approve_wait_s
                );
            }
            if let Some(backup) = backup {
                println!("agentcast: the previous file is in {}", backup.display());
            }
        }
    }
    Ok(())
}

fn uninstall(place: &WhereArgs) -> Result<(), HooksError> {
    let path = resolve(place)?;
    let mut file = SettingsFile::read(&path)?;
    let removed = settings::uninstall(&mut file.document).map_err(|e| file.shape(e))?;
    if removed == 0 {
        println!("agentcast: no agentcast hooks in {}", path.display());
    } else {
        let outcome = file.write_if_changed(&backup_stamp(&crate::clock::now_ts()))?;
        println!(
            "agentcast: removed {removed} agentcast hooks from {}",
            path.display()
        );
        if let WriteOutcome::Written {
            backup: Some(backup),
        } = outcome
        {
            println!("agentcast: the previous file is in {}", backup.display());
        }
    }
    let token = token_path(&path);
    if token.exists() {
        let _ = std::fs::remove_file(&token);
    }
    Ok(())
}

async fn status(place: &WhereArgs) -> Result<(), HooksError> {
    let path = resolve(place)?;
    let file = SettingsFile::read(&path)?;
    let installed = settings::installed(&file.document);
    if installed.is_empty() {
        println!("agentcast: no agentcast hooks in {}", path.display());
        return Ok(());
    }
    let events: Vec<&str> = installed.iter().map(|(event, _)| event.as_str()).collect();
    println!(
        "agentcast: {} hooks in {}: {}",
        installed.len(),
        path.display(),
        events.join(", ")
    );
    let missing: Vec<&str> = EVENTS
        .into_iter()
        .filter(|event| !events.contains(event))
        .collect();
    if !missing.is_empty() {
        println!(
            "agentcast: not installed: {} (run hooks install)",
            missing.join(", ")
        );
    }
    let mut commands: Vec<&str> = installed.iter().map(|(_, c)| c.as_str()).collect();
    commands.dedup();
    for command in commands {
        println!("agentcast: command: {command}");
        if let Some(server) = server_of(command) {
            println!("agentcast: server {server}: {}", health(&server).await);
        }
    }
    Ok(())
}

/// The `--server` of one of our commands.
fn server_of(command: &str) -> Option<String> {
    let rest = command.split(" --server ").nth(1)?;
    let word = rest.split_whitespace().next()?;
    Some(word.trim_matches('\'').to_owned())
}

async fn health(server: &str) -> String {
    let url = format!("{}/health", server.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build();
    let answer = match client {
        Ok(client) => client.get(&url).send().await,
        Err(err) => return format!("cannot ask ({err})"),
    };
    match answer {
        Ok(response) if response.status().is_success() => "answers".to_owned(),
        Ok(response) => format!("answers {}", response.status()),
        Err(err) => format!("does not answer ({err})"),
    }
}

/// The token file beside the settings file, as an absolute path (the hook runs elsewhere).
fn token_path(settings: &Path) -> PathBuf {
    let dir = settings.parent().unwrap_or(Path::new("."));
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    dir.join(TOKEN_FILE)
}

fn write_token(path: &Path, token: &str) -> Result<(), HooksError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| HooksError::TokenFile {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    out.write_all(token.as_bytes()).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_read_back_from_our_command() {
        let command = "'/bin/agentcast' hooks send --server 'http://h:1' --token-file '/t'";
        assert_eq!(server_of(command).as_deref(), Some("http://h:1"));
        assert_eq!(server_of("'/bin/agentcast' hooks send"), None);
    }
}
