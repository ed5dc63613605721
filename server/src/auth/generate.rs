//! New key material for `agentcast keys rotate`: an HS256 secret, or an RS256 / EdDSA key
//! pair, generated here or taken from a private key in PEM (whose public half is derived), as
//! PEM text ready for the keyring's files.

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey;

use super::KeyError;
use super::keys::random_hex_secret;
use crate::config::JwtAlgorithm;

/// RSA modulus size of a generated RS256 key: the size RFC 7518 requires at least, and what
/// issuers commonly use.
const RSA_BITS: usize = 2048;

/// A key's material as the keyring stores it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Material {
    /// HS256: the shared secret (hex text, as the generated `jwt-secret` is).
    Secret(Vec<u8>),
    /// RS256, EdDSA: the public key in PEM, and the private key in PEM when this side signs.
    Pair {
        public_pem: String,
        private_pem: Option<String>,
    },
}

// By hand, so that a secret or a private key never lands in a log through `{:?}`.
impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Material::Secret(_) => f.write_str("Secret(..)"),
            Material::Pair { private_pem, .. } => f
                .debug_struct("Pair")
                .field("private", &private_pem.is_some())
                .finish_non_exhaustive(),
        }
    }
}

/// A new key of `alg`.
pub(crate) fn generate(alg: JwtAlgorithm) -> Result<Material, String> {
    match alg {
        JwtAlgorithm::Hs256 => Ok(Material::Secret(random_hex_secret()?.into_bytes())),
        JwtAlgorithm::EdDsa => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness: {e}"))?;
            ed25519_pair(&ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        JwtAlgorithm::Rs256 => {
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
                .map_err(|e| format!("generating an RSA key: {e}"))?;
            rsa_pair(&key)
        }
    }
}

/// The pair of a private key of `alg` in PEM (PKCS#8, or PKCS#1 for RSA), read from `path`.
pub(crate) fn from_private_pem(alg: JwtAlgorithm, path: &Path) -> Result<Material, KeyError> {
    let bad = |message: String| KeyError::Bad {
        path: path.display().to_string(),
        message,
    };
    let pem = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })?;
    match alg {
        JwtAlgorithm::Hs256 => Err(bad(
            "HS256 keys are secrets, not PEM private keys; leave --private-key out".into(),
        )),
        JwtAlgorithm::EdDsa => {
            let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem)
                .map_err(|e| bad(format!("not an Ed25519 private key in PKCS#8 PEM: {e}")))?;
            ed25519_pair(&key).map_err(bad)
        }
        JwtAlgorithm::Rs256 => {
            let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem)
                .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(&pem))
                .map_err(|e| bad(format!("not an RSA private key in PEM: {e}")))?;
            rsa_pair(&key).map_err(bad)
        }
    }
}

fn ed25519_pair(key: &ed25519_dalek::SigningKey) -> Result<Material, String> {
    pem_pair(key, &key.verifying_key(), "Ed25519")
}

fn rsa_pair(key: &rsa::RsaPrivateKey) -> Result<Material, String> {
    pem_pair(key, &key.to_public_key(), "RSA")
}

/// A private key and its public half as PEM (PKCS#8, SPKI) text.
fn pem_pair(
    private: &impl EncodePrivateKey,
    public: &impl EncodePublicKey,
    kind: &str,
) -> Result<Material, String> {
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("encoding the {kind} key: {e}"))?;
    let public_pem = public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("encoding the {kind} public key: {e}"))?;
    Ok(Material::Pair {
        public_pem,
        private_pem: Some(private_pem.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

    use super::*;

    /// A token signed with the private half verifies with the public half.
    fn pair_works(material: &Material, alg: Algorithm) {
        let Material::Pair {
            public_pem,
            private_pem: Some(private_pem),
        } = material
        else {
            panic!("expected a key pair, got {material:?}");
        };
        let (encoding, decoding) = match alg {
            Algorithm::EdDSA => (
                EncodingKey::from_ed_pem(private_pem.as_bytes()).unwrap(),
                DecodingKey::from_ed_pem(public_pem.as_bytes()).unwrap(),
            ),
            _ => (
                EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap(),
                DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap(),
            ),
        };
        let claims = serde_json::json!({"sub": "k", "exp": u32::MAX});
        let token = jsonwebtoken::encode(&Header::new(alg), &claims, &encoding).unwrap();
        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["sub"]);
        jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
    }

    fn key_file(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/keys")
            .join(name)
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        pair_works(&generate(JwtAlgorithm::EdDsa).unwrap(), Algorithm::EdDSA);
        // A few seconds in a debug build: RSA key generation searches for primes.
        pair_works(&generate(JwtAlgorithm::Rs256).unwrap(), Algorithm::RS256);
        let Material::Secret(secret) = generate(JwtAlgorithm::Hs256).unwrap() else {
            panic!("HS256 makes a secret");
        };
        assert_eq!(secret.len(), 64);
    }

    #[test]
    fn the_public_half_of_a_given_private_key_is_derived() {
        let ed = from_private_pem(JwtAlgorithm::EdDsa, &key_file("ed25519-private.pem")).unwrap();
        pair_works(&ed, Algorithm::EdDSA);
        let Material::Pair { public_pem, .. } = &ed else {
            unreachable!()
        };
        let given = std::fs::read_to_string(key_file("ed25519-public.pem")).unwrap();
        assert_eq!(public_pem.trim(), given.trim());
        let rsa = from_private_pem(JwtAlgorithm::Rs256, &key_file("rs256-private.pem")).unwrap();
        pair_works(&rsa, Algorithm::RS256);
        // The wrong kind of key, or no key, is refused naming the file.
        let err = from_private_pem(JwtAlgorithm::EdDsa, &key_file("rs256-private.pem"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rs256-private.pem") && err.contains("Ed25519"),
            "{err}"
        );
        assert!(format!("{ed:?}").starts_with("Pair"));
        assert!(!format!("{ed:?}").contains("PRIVATE"));
    }
}
