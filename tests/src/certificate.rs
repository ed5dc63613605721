//! A self-signed certificate for `localhost` and 127.0.0.1, made at test time with rcgen and
//! written as PEM files for `agentcast serve --tls-cert/--tls-key` (or a proxy in front of it);
//! and a TLS connect and an https GET with rustls clients that trust it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// Every connect, handshake and request of the helpers below waits at most this long.
const HTTPS_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate and its key as files, and the certificate for the clients that trust it.
pub struct TestCert {
    /// The certificate, PEM.
    pub cert: PathBuf,
    /// The private key, PEM.
    pub key: PathBuf,
    /// The certificate, DER: the root a rustls client trusts.
    pub der: CertificateDer<'static>,
    /// The certificate, PEM text: what a user copies into a client's configuration.
    pub pem: String,
}

impl TestCert {
    /// A new certificate and key for `localhost` and 127.0.0.1, written in `dir`.
    pub fn generate(dir: &Path) -> Self {
        Self::generate_for(dir, &["localhost", "127.0.0.1"])
    }

    /// A new certificate and key for these names (DNS names or IP addresses), written in
    /// `dir`.
    pub fn generate_for(dir: &Path, names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let made = rcgen::generate_simple_self_signed(names).expect("rcgen makes a certificate");
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        let pem = made.cert.pem();
        std::fs::write(&cert, &pem).expect("write cert.pem");
        std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key.pem");
        Self {
            cert,
            key,
            der: made.cert.der().clone(),
            pem,
        }
    }

    /// `agentcast serve` arguments serving this certificate (authentication off: the tests
    /// using it are about the transport).
    pub fn serve_args(&self) -> Vec<&str> {
        vec![
            "--auth",
            "none",
            "--tls-cert",
            self.cert.to_str().expect("a UTF-8 temp path"),
            "--tls-key",
            self.key.to_str().expect("a UTF-8 temp path"),
        ]
    }

    /// A rustls client (ring, HTTP/1.1 by ALPN) that trusts this certificate and nothing
    /// else.
    pub fn tls_connector(&self) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        roots
            .add(self.der.clone())
            .expect("rcgen's certificate is a valid root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsConnector::from(Arc::new(config))
    }
}

/// TCP, then the TLS handshake for `name` (`localhost`, or an IP address).
pub async fn tls_connect(
    client: &TlsConnector,
    addr: SocketAddr,
    name: &str,
) -> anyhow::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from(name.to_string())?;
    tokio::time::timeout(HTTPS_TIMEOUT, async {
        let tcp = TcpStream::connect(addr).await?;
        Ok::<_, anyhow::Error>(client.connect(name, tcp).await?)
    })
    .await
    .context("TLS connect timed out")?
}

/// `GET path` over https with hyper's HTTP/1.1 client: the status and the body.
pub async fn https_get(
    client: &TlsConnector,
    addr: SocketAddr,
    path: &str,
) -> anyhow::Result<(u16, String)> {
    let tls = tls_connect(client, addr, "localhost").await?;
    tokio::time::timeout(HTTPS_TIMEOUT, async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(conn);
        let request = hyper::Request::get(path)
            .header(hyper::header::HOST, format!("localhost:{}", addr.port()))
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    })
    .await
    .context("https GET timed out")?
}
