//! Where the client commands (`agentcast watch`, `top`, `prompt`, `interrupt`) connect, and
//! with which token: flag > `AGENTCAST_*` variable > the client configuration file
//! ([`file`]) > default. Without any token, one signed with this machine's server key (the
//! data directory's, as `agentcast token create` would) when that key exists, so a command
//! next to a local server just works. A refusal is explained with what to do about it.

pub mod commands;
pub mod file;

use std::path::PathBuf;

use agentcast_client::ClientConfig;
use agentcast_shared::Scope;
use clap::Args;

use crate::auth::local::{serve_args_from_env, sign_with_local_key};
pub use file::{ClientFile, ClientFileError};

/// The server a client command talks to when none is configured.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Connection options shared by the client commands.
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// The server [file: `server`; default: http://127.0.0.1:8080].
    #[arg(long, env = "AGENTCAST_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// A token: read scope to watch, control to answer [file: `token` or `token_file`;
    /// default: one signed with this machine's server key, when it exists].
    #[arg(
        long,
        env = "AGENTCAST_TOKEN",
        value_name = "JWT",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// The client configuration file [default: ~/.config/agentcast/config.toml].
    #[arg(long, env = "AGENTCAST_CLIENT_CONFIG", value_name = "FILE")]
    pub client_config: Option<PathBuf>,

    /// PEM root certificates trusted for an https:// server besides the usual ones [file:
    /// `ca_cert`].
    #[arg(long, env = "AGENTCAST_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// Where the token in use came from, to say which one to fix when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `--token` or `AGENTCAST_TOKEN`.
    Given,
    /// The configuration file (`token` or `token_file`).
    File(PathBuf),
    /// Signed here with the key in this data directory.
    LocalKey(PathBuf),
    /// No token at all.
    None,
}

/// The resolved connection of a client command.
#[derive(Debug, Clone)]
pub struct Remote {
    pub server: String,
    pub token: Option<String>,
    pub origin: TokenOrigin,
    /// The configuration file's other sections (`[watch]`, `[colours]`).
    pub file: ClientFile,
    ca_pem: Option<String>,
}

/// Why a client command cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(transparent)]
    File(#[from] ClientFileError),
    #[error("cannot read {what} {path}: {source}")]
    Read {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Certificate(String),
}

impl Remote {
    /// Resolves `args`; a token signed with the local key gets `local_scope` on every session.
    pub fn resolve(args: RemoteArgs, local_scope: Scope) -> Result<Remote, RemoteError> {
        let (file, file_path) = file::load(args.client_config.as_deref())?;
        let server = args
            .server
            .or_else(|| file.server.clone())
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        let (token, origin) = match (args.token, &file.token, &file.token_file) {
            (Some(token), _, _) => (Some(token), TokenOrigin::Given),
            (None, Some(token), _) => (Some(token.clone()), origin_file(&file_path)),
            (None, None, Some(path)) => {
                let token = read("the token file", &file::expand_home(path))?;
                (Some(token.trim().to_owned()), origin_file(&file_path))
            }
            (None, None, None) => local_token(local_scope),
        };
        let ca_path = args.ca_cert.or_else(|| file.ca_cert.clone());
        let ca_pem = match ca_path {
            Some(path) => Some(read("the CA certificate", &file::expand_home(&path))?),
            None => None,
        };
        Ok(Remote {
            server,
            token,
            origin,
            file,
            ca_pem,
        })
    }

    /// The client's configuration for this server and token.
    pub fn client_config(&self) -> Result<ClientConfig, RemoteError> {
        let mut config = ClientConfig::new(self.server.clone());
        if let Some(token) = &self.token {
            config = config.with_token(token.clone());
        }
        if let Some(pem) = &self.ca_pem {
            config = config
                .with_root_certificates_pem(pem)
                .map_err(|err| RemoteError::Certificate(err.to_string()))?;
        }
        Ok(config)
    }

    /// What to tell a person whose connection was refused for `reason` (the server's words),
    /// with what to do about it.
    pub fn explain_refusal(&self, reason: &str, scope: Scope) -> String {
        let create = format!(
            "on the server's machine, `agentcast token create --scope {} --session '*'` makes one",
            scope.as_str()
        );
        let give = "pass it with --token, AGENTCAST_TOKEN or `token = \"...\"` in ~/.config/agentcast/config.toml";
        let which = match &self.origin {
            TokenOrigin::Given => "the token of --token / AGENTCAST_TOKEN".to_owned(),
            TokenOrigin::File(path) => format!("the token of {}", path.display()),
            TokenOrigin::LocalKey(dir) => format!(
                "the token signed with the key in {} (that server uses another key)",
                dir.display()
            ),
            TokenOrigin::None => {
                return format!(
                    "{} refused the connection: {reason}\n  this server wants a token: {create}; {give}",
                    self.server
                );
            }
        };
        format!(
            "{} refused {which}: {reason}\n  a new token: {create}; {give}",
            self.server
        )
    }
}

fn origin_file(path: &Option<PathBuf>) -> TokenOrigin {
    TokenOrigin::File(path.clone().unwrap_or_default())
}

fn local_token(scope: Scope) -> (Option<String>, TokenOrigin) {
    let serve = serve_args_from_env();
    match sign_with_local_key(&serve, "agentcast client", scope, vec!["*".to_owned()]) {
        Some((token, data_dir)) => (Some(token), TokenOrigin::LocalKey(data_dir)),
        None => (None, TokenOrigin::None),
    }
}

fn read(what: &'static str, path: &std::path::Path) -> Result<String, RemoteError> {
    std::fs::read_to_string(path).map_err(|source| RemoteError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

/// The exit codes of the client commands, for scripts.
pub mod exit_code {
    /// Done; with `watch --until-end`, the session completed.
    pub const OK: i32 = 0;
    /// The session failed (`watch --until-end`), an export could not be written, or the
    /// terminal failed (`top`).
    pub const FAILED: i32 = 1;
    /// Bad arguments or configuration.
    pub const USAGE: i32 = 2;
    /// The server refused the token (the explanation says what to do).
    pub const REFUSED: i32 = 3;
    /// The server could not be reached in time.
    pub const UNREACHABLE: i32 = 4;
    /// The session was cancelled or interrupted (`watch --until-end`).
    pub const CANCELLED: i32 = 5;
}
