//! Where connections come in: the bound TCP socket, served as plain http/ws or, with
//! `--tls-cert`/`--tls-key`, as https/wss on the same port ([`crate::tls`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_rustls::rustls::ServerConfig;

use crate::config::security::TlsConfig;
use crate::tls::{self, TlsError, TlsListener};

/// A bound listener and, with TLS, the configuration its connections are served with.
/// A plain [`TcpListener`] converts into one without TLS (the tests' in-process servers).
pub struct Listener {
    tcp: TcpListener,
    tls: Option<Arc<ServerConfig>>,
}

/// Why `agentcast serve` could not start listening.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

impl Listener {
    /// Loads the certificate and key first, so a bad one stops the start before the port is
    /// taken, then binds `addr`.
    pub async fn bind(addr: SocketAddr, tls: Option<&TlsConfig>) -> Result<Self, BindError> {
        let tls = tls.map(tls::load).transpose()?;
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|source| BindError::Bind { addr, source })?;
        Ok(Self { tcp, tls })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }

    /// The base URL clients use: `https://ADDR` with TLS, else `http://ADDR`.
    pub fn url(&self) -> io::Result<String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        Ok(format!("{scheme}://{}", self.local_addr()?))
    }

    /// The same socket, registered with the runtime this is called on: conformance mode
    /// serves on a runtime of its own (`conformance::serve`).
    pub(crate) fn into_current_runtime(self) -> io::Result<Self> {
        let tcp = TcpListener::from_std(self.tcp.into_std()?)?;
        Ok(Self { tcp, tls: self.tls })
    }

    /// Serves `router` until `shutdown` resolves (axum's graceful shutdown). Handlers and
    /// Socket.IO get the peer address (per-IP limits, the audit log).
    pub(crate) async fn serve(
        self,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        // Without TCP_NODELAY, Nagle's algorithm holds each small event frame until the
        // client acknowledges the previous one, which a delayed ACK can put off for tens of
        // ms: at a steady 1000 events/s that alone made the delivery latency's p50 13 ms.
        // Set on the TCP socket, so under TLS too.
        let tcp = self.tcp.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "cannot set TCP_NODELAY");
            }
        });
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        match self.tls {
            None => {
                axum::serve(tcp, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Some(config) => {
                // axum gives the peer address (`Connected`) to a TcpListener and to a TapIo
                // over any listener whose address is a SocketAddr; the orphan rule keeps us
                // from implementing it for TlsListener, so an empty tap lends it axum's.
                let tls = TlsListener::new(tcp, config)?.tap_io(|_tls| {});
                axum::serve(tls, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        }
    }
}

impl From<TcpListener> for Listener {
    fn from(tcp: TcpListener) -> Self {
        Self { tcp, tls: None }
    }
}
