//! Tokens signed on the server's own machine with the key of its data directory, as
//! `agentcast token create` would: `agentcast run --server URL`, `watch`, `top` and the
//! other client commands then just work next to a local server, without a token to copy.
//! No key is ever created here.

use std::time::Duration;

use agentcast_shared::Scope;

use super::Authenticator;
use super::keyring::Keyring;
use crate::config::{AuthMode, Config, JwtAlgorithm, ServeArgs};

/// How long a locally signed token lives: long enough for a watch left open for days.
pub const LOCAL_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// A token signed with the key `serve`'s configuration points at, and the data directory it
/// came from; `None` when authentication is off there or the key does not exist.
pub fn sign_with_local_key(
    serve: &ServeArgs,
    sub: &str,
    scope: Scope,
    sessions: Vec<String>,
) -> Option<(String, std::path::PathBuf)> {
    let config = Config::load(serve.clone()).ok()?;
    let security = &config.auth;
    let own_key = match security.jwt_algorithm {
        _ if Keyring::path(&security.jwt_keyring_dir).is_file() => true,
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
    let token = auth.issue(sub, scope, sessions, LOCAL_TOKEN_TTL).ok()?;
    Some((token, config.server.data_dir))
}

/// The server options as the environment gives them (`AGENTCAST_DATA_DIR`,
/// `AGENTCAST_CONFIG`, ...), for a client command that has no server flags of its own.
pub fn serve_args_from_env() -> ServeArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct EnvOnly {
        #[command(flatten)]
        serve: ServeArgs,
    }
    EnvOnly::try_parse_from(["agentcast"])
        .map(|parsed| parsed.serve)
        .unwrap_or_default()
}
