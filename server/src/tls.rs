//! TLS with rustls (`--tls-cert`, `--tls-key`): https and wss on the server's one port.
//!
//! [`load`] turns a PEM certificate chain and a PEM private key into a rustls
//! [`ServerConfig`], with errors that name the file to fix. [`TlsListener`] is an
//! [`axum::serve::Listener`] that hands axum connections whose TLS handshake is complete:
//! the handshakes run in their own tasks, so a client that connects and stalls holds up
//! nobody else.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;

use crate::config::security::TlsConfig;

/// Why the certificate or key cannot be served; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("the TLS {what} {} is not valid PEM: {source}", path.display())]
    Pem {
        what: &'static str,
        path: PathBuf,
        source: pem::Error,
    },
    #[error(
        "no certificate in the TLS certificate file {} (expected a PEM \
         \"-----BEGIN CERTIFICATE-----\" block)",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    #[error(
        "no private key in the TLS key file {} (expected an unencrypted PEM key: \
         \"BEGIN PRIVATE KEY\" (PKCS#8), \"BEGIN RSA PRIVATE KEY\" (PKCS#1) or \
         \"BEGIN EC PRIVATE KEY\" (SEC1))",
        path.display()
    )]
    NoKey { path: PathBuf },
    #[error(
        "the TLS key {} does not match the certificate {} (the first certificate of the \
         chain must be the one the key belongs to)",
        key.display(),
        cert.display()
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error(
        "the TLS certificate {} and key {} cannot be used: {source}",
        cert.display(),
        key.display()
    )]
    Rejected {
        cert: PathBuf,
        key: PathBuf,
        source: rustls::Error,
    },
}

/// Reads the certificate chain and key of `config` into a server configuration.
///
/// ALPN offers `http/1.1` only, not `h2`: Socket.IO's websocket transport is an HTTP/1.1
/// `GET` with `Upgrade: websocket` answered `101 Switching Protocols` (engineioxide upgrades
/// through hyper), which does not exist in HTTP/2; a client that negotiated h2 would need
/// RFC 8441's extended CONNECT for wss, which socketioxide does not handle.
pub fn load(config: &TlsConfig) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = read_chain(&config.cert)?;
    let key = read_key(&config.key)?;
    // ring, as in Cargo.toml; explicit so no process-wide default provider is needed.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let rejected = |source| TlsError::Rejected {
        cert: config.cert.clone(),
        key: config.key.clone(),
        source,
    };
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(rejected)?
        .with_no_client_auth()
        // Checks that the key's public half is the certificate's.
        .with_single_cert(chain, key)
        .map_err(|err| match err {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::KeyMismatch {
                    cert: config.cert.clone(),
                    key: config.key.clone(),
                }
            }
            other => rejected(other),
        })?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(server))
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read("certificate", path)?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem {
            what: "certificate",
            path: path.to_owned(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read("key", path)?;
    // The first PKCS#8, PKCS#1 or SEC1 section; other sections (a certificate in the same
    // file, EC parameters) are skipped.
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|err| match err {
        pem::Error::NoItemsFound => TlsError::NoKey {
            path: path.to_owned(),
        },
        source => TlsError::Pem {
            what: "key",
            path: path.to_owned(),
            source,
        },
    })
}

/// A client that has not finished its TLS handshake by then is dropped.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Most TLS handshakes in progress at once; while that many are, no new connection is
/// accepted (they wait in the kernel's backlog).
const MAX_PENDING_HANDSHAKES: usize = 1024;

/// Completed TLS connections waiting for axum to take them.
const READY_QUEUE: usize = 64;

/// An [`axum::serve::Listener`] serving TLS over an inner listener (the TCP one).
///
/// A background task accepts from the inner listener and runs each handshake in a task of
/// its own, bounded by [`HANDSHAKE_TIMEOUT`]; completed connections go through a channel to
/// [`Listener::accept`]. Failed handshakes (a plain-http client, one that does not trust the
/// certificate, a timeout) are logged at debug and dropped. Dropping the listener (axum does
/// on graceful shutdown) stops the accept task and closes the inner listener.
pub(crate) struct TlsListener<L: Listener> {
    ready: mpsc::Receiver<(TlsStream<L::Io>, L::Addr)>,
    local_addr: L::Addr,
    accept_task: JoinHandle<()>,
}

impl<L> TlsListener<L>
where
    L: Listener<Addr = SocketAddr>,
{
    /// Starts accepting on `inner`; must be called within a tokio runtime.
    pub(crate) fn new(inner: L, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local_addr = inner.local_addr()?;
        let (ready_tx, ready) = mpsc::channel(READY_QUEUE);
        let accept_task = tokio::spawn(accept_loop(inner, TlsAcceptor::from(config), ready_tx));
        Ok(Self {
            ready,
            local_addr,
            accept_task,
        })
    }
}

async fn accept_loop<L>(
    mut inner: L,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<L::Io>, SocketAddr)>,
) where
    L: Listener<Addr = SocketAddr>,
{
    let pending = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    loop {
        // The semaphore is never closed: acquiring only waits.
        let Ok(permit) = pending.clone().acquire_owned().await else {
            return;
        };
        // The inner listener logs and retries its own accept errors.
        let (io, peer) = inner.accept().await;
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                Ok(Ok(stream)) => {
                    // Fails only once the listener is gone (shutdown): the stream is dropped.
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(err)) => tracing::debug!(%peer, %err, "TLS handshake failed"),
                Err(_) => {
                    tracing::debug!(%peer, timeout = ?HANDSHAKE_TIMEOUT, "TLS handshake timed out")
                }
            }
        });
    }
}

impl<L> Listener for TlsListener<L>
where
    L: Listener<Addr = SocketAddr>,
{
    type Io = TlsStream<L::Io>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            None => {
                // Only if the accept task died (it loops forever otherwise): accept nothing
                // more rather than spin, and say so.
                tracing::error!("the TLS accept task stopped; no new connections are accepted");
                std::future::pending().await
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

impl<L: Listener> Drop for TlsListener<L> {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory with `cert.pem` and `key.pem` of a self-signed `localhost` certificate.
    fn write_pair(dir: &Path) -> TlsConfig {
        std::fs::create_dir_all(dir).unwrap();
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let config = TlsConfig {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&config.cert, made.cert.pem()).unwrap();
        std::fs::write(&config.key, made.signing_key.serialize_pem()).unwrap();
        config
    }

    fn error(config: &TlsConfig) -> String {
        load(config).unwrap_err().to_string()
    }

    #[test]
    fn a_matching_pair_loads_with_http11_alpn_only() {
        let dir = tempfile::tempdir().unwrap();
        let config = write_pair(dir.path());
        let server = load(&config).unwrap();
        assert_eq!(server.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = write_pair(dir.path());

        let missing = TlsConfig {
            cert: dir.path().join("nope.pem"),
            ..config.clone()
        };
        let err = error(&missing);
        assert!(
            err.contains("certificate") && err.contains("nope.pem"),
            "{err}"
        );

        // The key file holds no certificate, the certificate file no key.
        let swapped = TlsConfig {
            cert: config.key.clone(),
            key: config.cert.clone(),
        };
        let err = error(&swapped);
        assert!(
            err.contains("no certificate") && err.contains("key.pem"),
            "{err}"
        );
        let no_key = TlsConfig {
            key: config.cert.clone(),
            ..config.clone()
        };
        let err = error(&no_key);
        assert!(
            err.contains("no private key") && err.contains("cert.pem"),
            "{err}"
        );

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN PRIVATE KEY-----\n!!!\n").unwrap();
        let err = error(&TlsConfig {
            key: garbage,
            ..config.clone()
        });
        assert!(err.contains("garbage.pem"), "{err}");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let one = write_pair(&dir.path().join("one"));
        let two = write_pair(&dir.path().join("two"));
        let err = error(&TlsConfig {
            cert: one.cert,
            key: two.key,
        });
        assert!(err.contains("does not match"), "{err}");
        assert!(
            err.contains("two/key.pem") && err.contains("one/cert.pem"),
            "{err}"
        );
    }
}
