//! [`KeySet`]: the keys a running server holds, loaded from the configuration: the single
//! configured key, or the keyring's keys by kid; which key verifies a token, and which signs.
//!
//! With a keyring, a token's `kid` picks its key (a token without one gets the `kidless`
//! key); the key pins the algorithm; a retired key past its `verify_until` refuses the token
//! naming the kid. Without a keyring, the one key verifies every token, with or without a
//! `kid`, exactly as before keys rotated.

use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};

use super::keyring::{Entry, Keyring};
use super::{AuthError, KeyError, algorithm, algorithm_name, keys};
use crate::config::{AuthSettings, JwtAlgorithm};

/// One key that verifies tokens.
pub(crate) struct VerifyKey {
    /// `None` for the single configured key.
    pub kid: Option<String>,
    pub alg: JwtAlgorithm,
    pub decoding: DecodingKey,
    pub validation: Validation,
    /// A retired key's end, in Unix ms: from then on it refuses.
    until_ms: Option<u64>,
    /// Verifies the tokens that carry no `kid`.
    kidless: bool,
}

/// A signing key, and the header (with its kid) of the tokens it signs.
pub(crate) type Signer = (EncodingKey, Header);

/// The keys loaded at one moment.
pub(crate) struct KeySet {
    /// The configured algorithm: what a token whose header does not even decode is told.
    pub expected: JwtAlgorithm,
    /// The keyring's keys, or the single configured key (its `kid` is `None`).
    keys: Vec<VerifyKey>,
    /// No keyring: the single key verifies every token, with or without a `kid`, as before
    /// keys rotated.
    single: bool,
    /// The key new tokens are signed with, and the header (with its kid) they get.
    pub signer: Option<Signer>,
}

fn validation(alg: JwtAlgorithm) -> Validation {
    let mut validation = Validation::new(algorithm(alg));
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    validation
}

impl KeySet {
    /// The keys `config` names: the keyring in its directory if there is one, else the
    /// single key (creating the HS256 secret on first start).
    pub fn load(config: &AuthSettings) -> Result<Self, KeyError> {
        let keyring = Keyring::load(&config.jwt_keyring_dir)?;
        let single = keyring.is_none();
        let (keys, signer) = match keyring {
            Some(keyring) => ring_keys(config, &keyring)?,
            None => {
                let (key, signer) = single_key(config)?;
                (vec![key], signer)
            }
        };
        Ok(Self {
            expected: config.jwt_algorithm,
            keys,
            single,
            signer,
        })
    }

    /// The key that verifies a token with `kid` (from its header) at `now_ms`.
    pub fn select(&self, kid: Option<&str>, now_ms: u64) -> Result<&VerifyKey, AuthError> {
        let key = match kid {
            // `load` made it one key.
            _ if self.single => &self.keys[0],
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or_else(|| AuthError::UnknownKey(kid.to_owned()))?,
            None => self
                .keys
                .iter()
                .find(|k| k.kidless)
                .ok_or(AuthError::NoKid)?,
        };
        match key.until_ms {
            Some(until) if now_ms >= until => Err(AuthError::KeyRetired {
                kid: key.kid.clone().unwrap_or_default(),
                at: agentcast_shared::format_ts_millis(until),
            }),
            _ => Ok(key),
        }
    }

    /// The kids held (in keyring order), and the signing one.
    pub fn kids(&self) -> (Vec<String>, Option<String>) {
        let kids = self.keys.iter().filter_map(|k| k.kid.clone()).collect();
        let signing = self.signer.as_ref().and_then(|(_, h)| h.kid.clone());
        (kids, signing)
    }

    /// The public keys that still verify, as a JWKS (RFC 7517): RS256 and EdDSA keys with
    /// their kid, `alg` and `use: sig`. An HS256 secret is never in it.
    pub fn jwks(&self, now_ms: u64) -> JwkSet {
        let keys = self
            .keys
            .iter()
            .filter(|k| k.alg != JwtAlgorithm::Hs256)
            .filter(|k| k.until_ms.is_none_or(|until| now_ms < until))
            .filter_map(|k| {
                let mut jwk = Jwk::from_decoding_key(&k.decoding, Some(algorithm(k.alg)))
                    .inspect_err(|err| tracing::error!(kid = ?k.kid, %err, "key not in the JWKS"))
                    .ok()?;
                jwk.common.key_id = k.kid.clone();
                jwk.common.public_key_use = Some(PublicKeyUse::Signature);
                Some(jwk)
            })
            .collect();
        JwkSet { keys }
    }
}

/// The single configured key: the HS256 secret file, or the RS256/EdDSA PEM files.
fn single_key(config: &AuthSettings) -> Result<(VerifyKey, Option<Signer>), KeyError> {
    let alg = config.jwt_algorithm;
    let (decoding, encoding) = match alg {
        JwtAlgorithm::Hs256 => {
            let secret = keys::load_or_create_secret(&config.jwt_secret_file)?;
            (
                DecodingKey::from_secret(&secret),
                Some(EncodingKey::from_secret(&secret)),
            )
        }
        public => {
            let Some(path) = &config.jwt_public_key else {
                return Err(KeyError::Bad {
                    path: "--jwt-public-key".into(),
                    message: format!(
                        "{} tokens are verified with a public key: give --jwt-public-key, or \
                         start a keyring with `agentcast keys rotate`",
                        algorithm_name(public)
                    ),
                });
            };
            let decoding = keys::public_key(public, path)?;
            let encoding = config
                .jwt_private_key
                .as_deref()
                .map(|path| keys::private_key(public, path))
                .transpose()?;
            (decoding, encoding)
        }
    };
    let key = VerifyKey {
        kid: None,
        alg,
        decoding,
        validation: validation(alg),
        until_ms: None,
        kidless: true,
    };
    Ok((key, encoding.map(|key| (key, Header::new(algorithm(alg))))))
}

/// Every key of the keyring, and the signing one's private half with its kid in the header.
fn ring_keys(
    config: &AuthSettings,
    keyring: &Keyring,
) -> Result<(Vec<VerifyKey>, Option<Signer>), KeyError> {
    let dir = &config.jwt_keyring_dir;
    let mut keys = Vec::with_capacity(keyring.keys.len());
    let mut signer = None;
    for entry in &keyring.keys {
        let Entry { kid, alg, .. } = entry;
        let (decoding, encoding) = keys::read_material(dir, kid, *alg)?;
        if keyring.signing() == Some(entry)
            && let Some(encoding) = encoding
        {
            let mut header = Header::new(algorithm(*alg));
            header.kid = Some(kid.clone());
            signer = Some((encoding, header));
        }
        keys.push(VerifyKey {
            kid: Some(kid.clone()),
            alg: *alg,
            decoding,
            validation: validation(*alg),
            until_ms: entry.verify_until_ms(),
            kidless: entry.kidless,
        });
    }
    Ok((keys, signer))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use agentcast_shared::parse_ts_millis;

    use super::*;
    use crate::auth::rotate::rotate;
    use crate::auth::tests::config;

    const MINUTE_MS: u64 = 60_000;

    /// The kids of the JWKS at `now_ms`.
    fn published(keys: &KeySet, now_ms: u64) -> Vec<String> {
        let jwks = keys.jwks(now_ms);
        jwks.keys
            .iter()
            .map(|k| k.common.key_id.clone().unwrap())
            .collect()
    }

    #[test]
    fn a_retired_key_verifies_until_its_overlap_ends_by_the_clock_given() {
        let dir = tempfile::tempdir().unwrap();
        let settings = config(JwtAlgorithm::EdDsa, dir.path());
        let t0 = parse_ts_millis("2026-12-07T10:00:00Z").unwrap();
        // The configured key is taken in (kidless) and retired for 60 minutes; `first`
        // retires a minute later for 10 minutes.
        let first = rotate(&settings, Duration::from_secs(3600), None, t0).unwrap();
        let configured = first.imported.clone().unwrap();
        let second = rotate(&settings, Duration::from_secs(600), None, t0 + MINUTE_MS).unwrap();
        let keys = KeySet::load(&settings).unwrap();
        let kid_of = |kid: Option<&str>, now_ms| keys.select(kid, now_ms).map(|k| k.kid.clone());

        let first_until = t0 + 11 * MINUTE_MS;
        assert_eq!(
            kid_of(Some(&first.kid), first_until - 1),
            Ok(Some(first.kid.clone()))
        );
        assert_eq!(
            kid_of(Some(&first.kid), first_until),
            Err(AuthError::KeyRetired {
                kid: first.kid.clone(),
                at: "2026-12-07T10:11:00.000Z".into()
            })
        );
        // A token without a kid: the configured key, until its own overlap ends.
        let configured_until = t0 + 60 * MINUTE_MS;
        assert_eq!(
            kid_of(None, configured_until - 1),
            Ok(Some(configured.clone()))
        );
        assert!(matches!(
            kid_of(None, configured_until),
            Err(AuthError::KeyRetired { kid, .. }) if kid == configured
        ));
        // The signing key has no end; a kid nobody knows is refused naming it.
        assert_eq!(
            kid_of(Some(&second.kid), u64::MAX),
            Ok(Some(second.kid.clone()))
        );
        assert_eq!(
            kid_of(Some("k-nobody"), t0),
            Err(AuthError::UnknownKey("k-nobody".into()))
        );
        // The JWKS lists the keys that verify at that moment, newest first.
        assert_eq!(
            published(&keys, first_until - 1),
            [second.kid.as_str(), &first.kid, &configured]
        );
        assert_eq!(
            published(&keys, first_until),
            [second.kid.as_str(), &configured]
        );
        assert_eq!(published(&keys, configured_until), [second.kid.as_str()]);
    }

    #[test]
    fn without_a_keyring_the_single_key_takes_every_token() {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeySet::load(&config(JwtAlgorithm::Hs256, dir.path())).unwrap();
        for kid in [None, Some("anything")] {
            assert!(keys.select(kid, u64::MAX).is_ok_and(|k| k.kid.is_none()));
        }
        assert_eq!(keys.kids(), (vec![], None));
        assert!(keys.jwks(0).keys.is_empty(), "a secret is never published");
    }

    #[test]
    fn a_public_key_algorithm_needs_a_public_key_or_a_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = config(JwtAlgorithm::EdDsa, dir.path());
        settings.jwt_public_key = None;
        settings.jwt_private_key = None;
        let err = KeySet::load(&settings).err().unwrap().to_string();
        assert!(
            err.contains("EdDSA") && err.contains("--jwt-public-key"),
            "{err}"
        );
        let rotated = rotate(&settings, Duration::ZERO, None, 0).unwrap();
        assert_eq!(rotated.imported, None, "no configured key to take in");
        let keys = KeySet::load(&settings).unwrap();
        assert_eq!(keys.kids(), (vec![rotated.kid.clone()], Some(rotated.kid)));
    }

    #[test]
    fn a_key_file_the_keyring_names_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let settings = config(JwtAlgorithm::EdDsa, dir.path());
        let rotated = rotate(&settings, Duration::from_secs(3600), None, 0).unwrap();
        let file = format!("{}.public.pem", rotated.kid);
        std::fs::remove_file(dir.path().join("keys").join(&file)).unwrap();
        let err = KeySet::load(&settings).err().unwrap().to_string();
        assert!(
            err.starts_with("cannot read") && err.contains(&file),
            "{err}"
        );
    }
}
