//! How to reach the server and how to behave when it is away.

use std::time::Duration;

use crate::backoff::ReconnectConfig;

/// Everything [`Client::connect`](crate::Client::connect) needs. `ClientConfig::new(url)`
/// gives the defaults of DESIGN.md section 7.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The server: `http://host:port`, `https://...`, `ws://...` or `wss://...`; any path,
    /// query or fragment is ignored (the dashboard may pass its own location).
    pub url: String,
    /// The Socket.IO path (default `/socket.io/`).
    pub path: String,
    /// The JWT sent as handshake auth `{token}` on every namespace.
    pub token: Option<String>,
    /// Reconnect backoff (initial 500 ms, factor 2, max 10 s, jitter, unlimited attempts).
    pub reconnect: ReconnectConfig,
    /// Packets kept while disconnected (default 100); the next emit fails with
    /// [`Error::QueueFull`](crate::Error::QueueFull) rather than dropping anything.
    pub queue_capacity: usize,
    /// How long `emit_with_ack` and the typed commands wait for an answer (default 10 s).
    pub ack_timeout: Duration,
    /// How long connecting plus the Engine.IO handshake may take before the attempt is given
    /// up and retried (default 20 s).
    pub handshake_timeout: Duration,
    /// Root certificates (DER) trusted for `https://` / `wss://` besides Mozilla's, for a
    /// server with a self-signed or private-CA certificate (default none). Native only: in
    /// the browser the page's own trust store decides and this is ignored. A certificate that
    /// cannot be used makes every `wss://` connect fail with that reason in the client state.
    pub tls_roots: Vec<Vec<u8>>,
}

/// A PEM text given to [`ClientConfig::with_root_certificates_pem`] that holds no readable
/// certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid PEM root certificates: {0}")]
pub struct InvalidCertificate(String);

impl ClientConfig {
    /// The defaults for a server at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            path: "/socket.io/".into(),
            token: None,
            reconnect: ReconnectConfig::default(),
            queue_capacity: 100,
            ack_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(20),
            tls_roots: Vec::new(),
        }
    }

    /// The same with a token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The same, also trusting this root certificate (DER) for TLS; see
    /// [`tls_roots`](Self::tls_roots).
    pub fn with_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.tls_roots.push(der.into());
        self
    }

    /// The same, also trusting every certificate of this PEM text (`-----BEGIN
    /// CERTIFICATE-----` blocks; other blocks are skipped) for TLS; see
    /// [`tls_roots`](Self::tls_roots). Fails on malformed PEM or when it holds no
    /// certificate.
    ///
    /// ```
    /// # use agentcast_client::ClientConfig;
    /// # fn demo(pem: &str) -> Result<(), agentcast_client::InvalidCertificate> {
    /// // A server started with `agentcast serve --tls-cert cert.pem --tls-key key.pem`.
    /// let config = ClientConfig::new("https://127.0.0.1:8443").with_root_certificates_pem(pem)?;
    /// # Ok(()) }
    /// ```
    pub fn with_root_certificates_pem(mut self, pem: &str) -> Result<Self, InvalidCertificate> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;

        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|err| InvalidCertificate(err.to_string()))?;
            self.tls_roots.push(cert.to_vec());
            found += 1;
        }
        if found == 0 {
            return Err(InvalidCertificate("no CERTIFICATE block".into()));
        }
        Ok(self)
    }

    /// The websocket URL of the Engine.IO endpoint.
    pub(crate) fn engine_url(&self) -> String {
        let url = self.url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some(("https" | "wss", rest)) => ("wss", rest),
            Some((_, rest)) => ("ws", rest),
            None => ("ws", url),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let path = self.path.trim_matches('/');
        format!("{scheme}://{authority}/{path}/?EIO=4&transport=websocket")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_urls() {
        let cases = [
            (
                "http://127.0.0.1:8080",
                "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "https://example.org/",
                "wss://example.org/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "ws://h:1/#token=abc",
                "ws://h:1/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "wss://h?x=1",
                "wss://h/socket.io/?EIO=4&transport=websocket",
            ),
            (
                "localhost:3000",
                "ws://localhost:3000/socket.io/?EIO=4&transport=websocket",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(ClientConfig::new(url).engine_url(), expected, "{url}");
        }
        let custom = ClientConfig {
            path: "/io".into(),
            ..ClientConfig::new("http://h")
        };
        assert_eq!(custom.engine_url(), "ws://h/io/?EIO=4&transport=websocket");
    }

    #[test]
    fn pem_roots_are_read_as_der() {
        // Base64 of the bytes 0x30 0x03 0x02 0x01 0x05: PEM parsing does not judge the DER.
        let pem = "junk before\n-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n\
                   -----BEGIN PRIVATE KEY-----\nMAMCAQU=\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
        let config = ClientConfig::new("https://h")
            .with_root_certificate_der(vec![1])
            .with_root_certificates_pem(pem)
            .unwrap();
        assert_eq!(
            config.tls_roots,
            vec![vec![1], vec![0x30, 3, 2, 1, 5], vec![0x30, 3, 2, 1, 5]]
        );

        let none = ClientConfig::new("https://h").with_root_certificates_pem("not pem");
        assert!(none.unwrap_err().to_string().contains("no CERTIFICATE"));
        let broken = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n";
        assert!(
            ClientConfig::new("https://h")
                .with_root_certificates_pem(broken)
                .is_err()
        );
    }
}
