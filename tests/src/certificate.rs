//! A self-signed certificate for `localhost` and 127.0.0.1, made at test time with rcgen and
//! written as PEM files for `agentcast serve --tls-cert/--tls-key`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

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
