//! What a starting server tells its user on stdout, for `agentcast serve` and the local
//! server of `agentcast run`: the listening line scripts and tests wait for
//! ([`LISTENING_PREFIX`](crate::LISTENING_PREFIX)), and where to open the dashboard, with a
//! token.

use std::io::{self, Write};
use std::net::SocketAddr;

use agentcast_shared::Scope;

use crate::LISTENING_PREFIX;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::listener::{BindError, Listener};

/// Why the server could not start listening and say where.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The bound address could not be read, or stdout not written.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Binds (after loading the TLS certificate and key, if any), prints the listening line
/// (`http://ADDR`, or `https://ADDR` with TLS) and returns the listener.
pub async fn bind(config: &Config) -> Result<Listener, AnnounceError> {
    let server = &config.server;
    let tls = config.tls.config();
    let listener = Listener::bind(server.bind, tls.as_ref()).await?;
    let addr = listener.local_addr()?;
    let url = listener.url()?;
    tracing::info!(%addr, tls = tls.is_some(), data_dir = %server.data_dir.display(), conformance = server.conformance, "listening");
    println!("{LISTENING_PREFIX}{url}");
    io::stdout().flush()?;
    Ok(listener)
}

/// Prints where to open the dashboard, with an admin token in the URL fragment (browsers do
/// not send fragments to servers or put them in logs), as Jupyter does.
pub fn print_open_url(config: &Config, auth: &Authenticator, addr: SocketAddr) {
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
    let _ = io::stdout().flush();
}
