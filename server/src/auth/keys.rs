//! Key material: the HS256 secret (generated on first start and kept, mode 0600) and the PEM
//! keys of RS256 and EdDSA.

use std::io::Write;
use std::path::Path;

use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::config::JwtAlgorithm;

/// Why the keys could not be loaded; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the JWT secret {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Bad { path: String, message: String },
}

/// Bytes of a generated secret.
const SECRET_BYTES: usize = 32;
/// The shortest secret accepted from a file: shorter HMAC keys can be brute-forced.
const MIN_SECRET_BYTES: usize = 32;

/// Reads the HS256 secret at `path`, generating it (32 random bytes, hex, mode 0600) if the
/// file does not exist. Surrounding whitespace is not part of the secret.
pub fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, KeyError> {
    let shown = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => {
            let secret = bytes.trim_ascii().to_vec();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(KeyError::Bad {
                    path: shown,
                    message: format!(
                        "the JWT secret has {} bytes; use at least {MIN_SECRET_BYTES}",
                        secret.len()
                    ),
                });
            }
            Ok(secret)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create_secret(path),
        Err(source) => Err(KeyError::Read {
            path: shown,
            source,
        }),
    }
}

fn create_secret(path: &Path) -> Result<Vec<u8>, KeyError> {
    let failed = |source| KeyError::Create {
        path: path.display().to_string(),
        source,
    };
    let mut random = [0u8; SECRET_BYTES];
    getrandom::getrandom(&mut random).map_err(|e| failed(std::io::Error::other(e)))?;
    let secret: String = random.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(secret.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(failed)?;
    tracing::info!(path = %path.display(), "generated a new JWT secret");
    Ok(secret.into_bytes())
}

/// The verifying key of a public-key algorithm, from a PEM file.
pub fn public_key(algorithm: JwtAlgorithm, path: &Path) -> Result<DecodingKey, KeyError> {
    let pem = read(path)?;
    match algorithm {
        JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(&pem),
        JwtAlgorithm::EdDsa => DecodingKey::from_ed_pem(&pem),
        JwtAlgorithm::Hs256 => unreachable!("HS256 has no public key"),
    }
    .map_err(|err| {
        bad(
            path,
            format!("not a {algorithm:?} public key in PEM: {err}"),
        )
    })
}

/// The signing key of a public-key algorithm, from a PEM file.
pub fn private_key(algorithm: JwtAlgorithm, path: &Path) -> Result<EncodingKey, KeyError> {
    let pem = read(path)?;
    match algorithm {
        JwtAlgorithm::Rs256 => EncodingKey::from_rsa_pem(&pem),
        JwtAlgorithm::EdDsa => EncodingKey::from_ed_pem(&pem),
        JwtAlgorithm::Hs256 => unreachable!("HS256 has no private key"),
    }
    .map_err(|err| {
        bad(
            path,
            format!("not a {algorithm:?} private key in PEM: {err}"),
        )
    })
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn bad(path: &Path, message: String) -> KeyError {
    KeyError::Bad {
        path: path.display().to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_generated_once_private_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/jwt-secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), 2 * SECRET_BYTES);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_secret_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short");
        std::fs::write(&path, "hunter2\n").unwrap();
        let err = load_or_create_secret(&path).unwrap_err().to_string();
        assert!(
            err.contains("short") && err.contains("at least 32"),
            "{err}"
        );
    }
}
