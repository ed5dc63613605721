//! Where `/metrics` is served. On the main address it is a REST route and needs a token with
//! the `read` scope for every session (`sessions: ["*"]`): the numbers cover every session,
//! as the hub namespace's `system.stats` does, which asks the same of a socket; reading them
//! changes nothing, so neither `write` nor `admin` is asked. With `--metrics-bind` a second,
//! plain-HTTP listener serves only `/metrics`, without a token, for a Prometheus on a private
//! network: bind it to an address only that network reaches.

use std::io;
use std::net::SocketAddr;

use agentcast_shared::Scope;
use agentcast_shared::rest::ErrorResponse;
use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::prometheus_text;
use tokio::task::JoinHandle;

use super::Sources;
use crate::http::{ApiError, AppState, Caller};

/// The line the server prints on stdout once the `--metrics-bind` listener is bound.
pub const METRICS_PREFIX: &str = "agentcast metrics on ";

#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    description = "The server's metrics in the Prometheus text format (version 0.0.4). Needs \
        a read token for every session; `--metrics-bind` serves it without a token on a \
        separate address.",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
        (status = 401, description = "No token, or a refused one", body = ErrorResponse),
        (status = 403, description = "A token without read for every session", body = ErrorResponse),
    )
)]
pub async fn scrape(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    caller.require_all_sessions(Scope::Read)?;
    let sources = Sources {
        hub: state.hub,
        sockets: state.sockets,
        audit: state.audit,
    };
    Ok(exposition(&sources).await)
}

async fn exposition(sources: &Sources) -> impl IntoResponse + use<> {
    (
        [(CONTENT_TYPE, prometheus_text::CONTENT_TYPE)],
        sources.render().await,
    )
}

/// Binds `addr` for `/metrics` without a token, prints [`METRICS_PREFIX`] with its URL, and
/// serves it until aborted.
pub async fn bind_separate(addr: SocketAddr, sources: Sources) -> io::Result<JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|err| io::Error::new(err.kind(), format!("--metrics-bind {addr}: {err}")))?;
    let bound = listener.local_addr()?;
    tracing::info!(addr = %bound, "serving /metrics without a token");
    println!("{METRICS_PREFIX}http://{bound}/metrics");
    let router = Router::new()
        .route(
            "/metrics",
            get(|State(sources): State<Sources>| async move { exposition(&sources).await }),
        )
        .with_state(sources);
    Ok(tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(%err, "the --metrics-bind listener stopped");
        }
    }))
}
