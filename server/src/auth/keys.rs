//! Key material: the HS256 secret (generated on first start and kept, mode 0600) and the PEM
//! keys of RS256 and EdDSA; and the files of the keyring's keys, by kid (`keyring` says
//! which).

use std::io::Write;
use std::path::{Path, PathBuf};

use jsonwebtoken::{DecodingKey, EncodingKey};

use super::generate::Material;
use crate::config::{AuthSettings, JwtAlgorithm};

/// Why the keys could not be loaded; every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
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
    match read_secret(path) {
        Err(KeyError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            match create_secret(path) {
                // Another process created it meanwhile: that one is the secret.
                Err(KeyError::Create { source, .. })
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    read_secret(path)
                }
                created => created,
            }
        }
        read => read,
    }
}

/// The HS256 secret at `path`, which must exist.
pub(crate) fn read_secret(path: &Path) -> Result<Vec<u8>, KeyError> {
    let secret = read(path)?.trim_ascii().to_vec();
    if secret.len() < MIN_SECRET_BYTES {
        return Err(bad(
            path,
            format!(
                "the JWT secret has {} bytes; use at least {MIN_SECRET_BYTES}",
                secret.len()
            ),
        ));
    }
    Ok(secret)
}

/// The hex text of a new random secret of [`SECRET_BYTES`].
pub(crate) fn random_hex_secret() -> Result<String, String> {
    let mut random = [0u8; SECRET_BYTES];
    getrandom::getrandom(&mut random).map_err(|e| format!("no randomness: {e}"))?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

fn create_secret(path: &Path) -> Result<Vec<u8>, KeyError> {
    let secret = random_hex_secret().map_err(|e| KeyError::Create {
        path: path.display().to_string(),
        source: std::io::Error::other(e),
    })?;
    write_private(path, secret.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a new JWT secret");
    Ok(secret.into_bytes())
}

/// Writes a file only its owner may read, which must not exist yet (a key is never
/// overwritten: a kid names one key forever). The bytes go to a temporary file beside it,
/// linked to `path` once complete: another process (`agentcast token create` while the
/// server starts) never reads a file half written. [`KeyError::Create`] with
/// `AlreadyExists` when `path` appeared meanwhile.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    let failed = |source| KeyError::Create {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    // Created with mode 0600 (tempfile's own, on unix), so the key is never readable by others.
    let mut temporary = tempfile::Builder::new()
        .prefix(".agentcast-key-")
        .tempfile_in(dir)
        .map_err(failed)?;
    temporary
        .write_all(bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(failed)?;
    // A hard link fails if `path` exists, unlike a rename: never overwrites a key.
    std::fs::hard_link(temporary.path(), path).map_err(failed)
}

/// The files of the keyring key `kid` in `dir`: its secret, public and private key.
fn material_files(dir: &Path, kid: &str) -> [PathBuf; 3] {
    ["secret", "public.pem", "private.pem"].map(|ext| dir.join(format!("{kid}.{ext}")))
}

/// Writes the material of the keyring key `kid` into `dir`.
pub(crate) fn write_material(dir: &Path, kid: &str, material: &Material) -> Result<(), KeyError> {
    let [secret, public, private] = material_files(dir, kid);
    match material {
        Material::Secret(bytes) => write_private(&secret, bytes),
        Material::Pair {
            public_pem,
            private_pem,
        } => {
            // The public half is no secret, but a private file is harmless and keeps one rule.
            write_private(&public, public_pem.as_bytes())?;
            match private_pem {
                Some(pem) => write_private(&private, pem.as_bytes()),
                None => Ok(()),
            }
        }
    }
}

/// The verifying key of the keyring key `kid` in `dir`, and its signing key if the keyring
/// has its private half (HS256: always).
pub(crate) fn read_material(
    dir: &Path,
    kid: &str,
    alg: JwtAlgorithm,
) -> Result<(DecodingKey, Option<EncodingKey>), KeyError> {
    let [secret, public, private] = material_files(dir, kid);
    if alg == JwtAlgorithm::Hs256 {
        let secret = read_secret(&secret)?;
        return Ok((
            DecodingKey::from_secret(&secret),
            Some(EncodingKey::from_secret(&secret)),
        ));
    }
    let signing = private
        .is_file()
        .then(|| private_key(alg, &private))
        .transpose()?;
    Ok((public_key(alg, &public)?, signing))
}

/// The material of the single configured key, as the first rotation takes it into the
/// keyring; `None` when there is none yet (HS256 before the first start).
pub(crate) fn configured_material(config: &AuthSettings) -> Result<Option<Material>, KeyError> {
    if config.jwt_algorithm == JwtAlgorithm::Hs256 {
        return match read_secret(&config.jwt_secret_file) {
            Err(KeyError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Ok(None)
            }
            read => read.map(|secret| Some(Material::Secret(secret))),
        };
    }
    let Some(public) = &config.jwt_public_key else {
        return Ok(None);
    };
    let text = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.display().to_string(),
            source,
        })
    };
    // Parsed first, so that a bad file is refused before it is copied.
    public_key(config.jwt_algorithm, public)?;
    if let Some(private) = &config.jwt_private_key {
        private_key(config.jwt_algorithm, private)?;
    }
    Ok(Some(Material::Pair {
        public_pem: text(public)?,
        private_pem: config.jwt_private_key.as_deref().map(text).transpose()?,
    }))
}

/// Deletes what is left of the keyring key `kid` (a key past its overlap); a file already
/// gone is no error.
pub(crate) fn remove_material(dir: &Path, kid: &str) -> std::io::Result<()> {
    for path in material_files(dir, kid) {
        match std::fs::remove_file(&path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(())
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
    fn processes_starting_together_read_one_whole_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-secret");
        let secrets: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let tasks: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| load_or_create_secret(&path).unwrap()))
                .collect();
            tasks.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(secrets[0].len(), 2 * SECRET_BYTES);
        assert!(
            secrets.iter().all(|s| *s == secrets[0]),
            "one secret for all"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["jwt-secret"], "no temporary file left");
    }

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
