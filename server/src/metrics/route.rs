//! Where `/metrics` is served without a token: with `--metrics-bind`, a second, plain-HTTP
//! listener serves only `/metrics`, for a Prometheus on a private network (bind it to an
//! address only that network reaches). On the main address it is a REST route behind a token
//! (`http::metrics`), answering with [`exposition`] too.

use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::prometheus_text;
use tokio::task::JoinHandle;

use super::Sources;

/// The line the server prints on stdout once the `--metrics-bind` listener is bound.
pub const METRICS_PREFIX: &str = "agentcast metrics on ";

/// The exposition of every metric now, as an HTTP answer.
pub(crate) async fn exposition(sources: &Sources) -> impl IntoResponse + use<> {
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
