//! TLS of the native transport: the rustls configuration `wss://` connects with, and words
//! for its failures.
//!
//! The crypto provider is ring, given to the builder explicitly: no process-wide default
//! provider has to be installed, and aws-lc-rs is never built.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, RootCertStore};
use tokio_tungstenite::tungstenite;

/// The client configuration for `wss://`: Mozilla's roots (webpki-roots) plus `extra_roots`
/// (DER), HTTP/1.1 by ALPN as a websocket upgrade needs. Fails on an extra root that is not
/// a usable certificate, naming which one.
pub(crate) fn client_config(extra_roots: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, der) in extra_roots.iter().enumerate() {
        roots
            .add(CertificateDer::from(der.as_slice()))
            .map_err(|err| format!("tls_roots[{index}] is not a usable root certificate: {err}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS configuration: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Why a websocket could not be opened, in words for a person: a TLS failure says so (and
/// what to do about an untrusted certificate) instead of tungstenite's bare `IO error`.
pub(crate) fn describe(err: &tungstenite::Error) -> String {
    let rustls_error = match err {
        // tokio-rustls reports a failed handshake as an io::Error wrapping rustls' error.
        tungstenite::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    };
    match rustls_error {
        Some(
            tls @ rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ),
        ) => format!(
            "TLS: {tls} (the server's certificate is not signed by a trusted root; for a \
             self-signed server add its certificate with ClientConfig::with_root_certificates_pem)"
        ),
        Some(tls) => format!("TLS: {tls}"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_roots_are_refused_with_their_index() {
        assert!(client_config(&[]).is_ok());
        let err = client_config(&[b"not a certificate".to_vec()]).unwrap_err();
        assert!(err.starts_with("tls_roots[0] "), "{err}");
    }

    #[test]
    fn certificate_failures_are_named_as_tls() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let err = tungstenite::Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            unknown,
        ));
        let text = describe(&err);
        assert!(text.starts_with("TLS: invalid peer certificate"), "{text}");
        assert!(text.contains("with_root_certificates_pem"), "{text}");

        let refused = tungstenite::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert!(!describe(&refused).contains("TLS"));
    }
}
