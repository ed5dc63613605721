//! Rotations against an `Authenticator` that keeps running: tokens of the old key through the
//! overlap, of the new key at once, refusals naming the kid after it, JWKS of a key pair.

use std::time::Duration;

use agentcast_shared::Scope;
use jsonwebtoken::{DecodingKey, Validation};

use super::*;
use crate::auth::tests::{config, key_file};
use crate::auth::{AuthError, Authenticator};
use crate::clock::now_unix_millis;

const HOUR: Duration = Duration::from_secs(3600);

fn token(auth: &Authenticator) -> String {
    auth.issue("t", Scope::Read, vec!["*".into()], HOUR)
        .unwrap()
}

fn kid_of(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).unwrap().kid
}

#[test]
fn old_tokens_verify_through_the_overlap_and_new_ones_carry_the_new_kid() {
    let dir = tempfile::tempdir().unwrap();
    let settings = config(JwtAlgorithm::Hs256, dir.path());
    let auth = Authenticator::from_config(&settings).unwrap();
    let before = token(&auth);
    assert_eq!(
        kid_of(&before),
        None,
        "a single-key server signs without a kid"
    );

    let first = rotate(&settings, HOUR, None, now_unix_millis()).unwrap();
    let imported = first
        .imported
        .clone()
        .expect("the configured secret is taken in");
    assert_eq!(first.retired.as_ref().map(|r| &r.0), Some(&imported));
    // The running authenticator notices the new keyring: it signs with the new kid...
    let after = token(&auth);
    assert_eq!(kid_of(&after), Some(first.kid.clone()));
    // ... and verifies both, the old one (no kid) with the configured secret, taken in.
    assert_eq!(auth.verify(Some(&before)).unwrap().sub, "t");
    assert_eq!(auth.verify(Some(&after)).unwrap().sub, "t");
    // A fresh authenticator (another server on the same keyring) too.
    let other = Authenticator::from_config(&settings).unwrap();
    assert!(other.verify(Some(&before)).is_ok() && other.verify(Some(&after)).is_ok());

    // Rotating with no overlap: the key `after` was signed with stops verifying at once.
    let second = rotate(&settings, Duration::ZERO, None, now_unix_millis()).unwrap();
    assert_eq!(second.imported, None);
    assert_eq!(second.retired.as_ref().map(|r| &r.0), Some(&first.kid));
    let newest = token(&auth);
    assert_eq!(kid_of(&newest), Some(second.kid.clone()));
    match auth.verify(Some(&after)) {
        Err(AuthError::KeyRetired { kid, .. }) => assert_eq!(kid, first.kid),
        other => panic!("expected key_retired, got {other:?}"),
    }
    assert!(
        auth.verify(Some(&after))
            .unwrap_err()
            .to_string()
            .contains(&first.kid)
    );
    assert!(
        auth.verify(Some(&before)).is_ok(),
        "still in its own overlap"
    );
    assert!(auth.verify(Some(&newest)).is_ok());

    // Two hours on, a rotation drops the keys past their overlap, files and all.
    let later = now_unix_millis() + 2 * 3_600_000;
    let third = rotate(&settings, HOUR, None, later).unwrap();
    let mut removed = third.removed.clone();
    removed.sort();
    let mut expected = vec![imported.clone(), first.kid.clone()];
    expected.sort();
    assert_eq!(removed, expected);
    let keys_dir = dir.path().join("keys");
    assert!(!keys_dir.join(format!("{imported}.secret")).exists());
    assert!(keys_dir.join(format!("{}.secret", third.kid)).exists());
    match auth.verify(Some(&before)) {
        Err(AuthError::NoKid) => {}
        other => panic!("expected no_kid once the kidless key is gone, got {other:?}"),
    }
}

#[test]
fn unknown_kids_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let settings = config(JwtAlgorithm::Hs256, dir.path());
    // No secret yet: nothing to take in, so the keyring has no kidless key.
    let rotated = rotate(&settings, HOUR, None, now_unix_millis()).unwrap();
    assert_eq!(rotated.imported, None);
    let auth = Authenticator::from_config(&settings).unwrap();
    let good = token(&auth);
    let secret = std::fs::read(dir.path().join(format!("keys/{}.secret", rotated.kid))).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("k-nobody".into());
    let claims = auth.verify(Some(&good)).unwrap();
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.trim_ascii()),
    )
    .unwrap();
    assert_eq!(
        auth.verify(Some(&forged)),
        Err(AuthError::UnknownKey("k-nobody".into()))
    );
    header.kid = None;
    let kidless = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.trim_ascii()),
    )
    .unwrap();
    assert_eq!(auth.verify(Some(&kidless)), Err(AuthError::NoKid));
    assert!(
        auth.jwks().keys.is_empty(),
        "HS256 secrets are never published"
    );
}

#[test]
fn a_key_pair_keyring_publishes_its_public_keys_as_a_jwks() {
    let dir = tempfile::tempdir().unwrap();
    let settings = config(JwtAlgorithm::EdDsa, dir.path());
    let auth = Authenticator::from_config(&settings).unwrap();
    assert_eq!(
        auth.jwks().keys.len(),
        1,
        "the configured public key, without a kid"
    );
    let before = token(&auth);
    let rotated = rotate(&settings, HOUR, None, now_unix_millis()).unwrap();
    let after = token(&auth);
    let jwks = auth.jwks();
    let kids: Vec<_> = jwks
        .keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect();
    assert_eq!(kids, vec![rotated.kid.clone(), rotated.imported.unwrap()]);
    // A client that trusts the JWKS verifies both tokens with the key of their kid (and the
    // old one, without a kid, with the key the JWKS marks for it: its one other key).
    let json = serde_json::to_value(&jwks).unwrap();
    assert_eq!(json["keys"][0]["kty"], "OKP");
    assert_eq!(json["keys"][0]["crv"], "Ed25519");
    assert_eq!(json["keys"][0]["alg"], "EdDSA");
    assert_eq!(json["keys"][0]["use"], "sig");
    let parsed: jsonwebtoken::jwk::JwkSet = serde_json::from_value(json).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_required_spec_claims(&["sub"]);
    let jwk = parsed.find(&rotated.kid).unwrap();
    jsonwebtoken::decode::<serde_json::Value>(
        &after,
        &DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap();
    let old = &parsed.keys[1];
    jsonwebtoken::decode::<serde_json::Value>(
        &before,
        &DecodingKey::from_jwk(old).unwrap(),
        &validation,
    )
    .unwrap();

    // `keys list` names kids, algorithms and states, and no key material.
    let lines = list(&settings, now_unix_millis()).unwrap().unwrap();
    let text = lines.join("\n");
    assert!(text.contains(&rotated.kid) && text.contains("signing") && text.contains("retired"));
    assert!(text.contains("EdDSA") && !text.contains("PRIVATE") && !text.contains("BEGIN"));
}

#[test]
fn a_given_private_key_becomes_the_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let settings = config(JwtAlgorithm::Rs256, dir.path());
    let auth = Authenticator::from_config(&settings).unwrap();
    let given = key_file("rs256-other-private.pem");
    let rotated = rotate(&settings, HOUR, Some(&given), now_unix_millis()).unwrap();
    let token = token(&auth);
    assert_eq!(kid_of(&token), Some(rotated.kid.clone()));
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&std::fs::read(&given).unwrap()).unwrap();
    let claims = auth.verify(Some(&token)).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(rotated.kid.clone());
    let by_hand = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert!(auth.verify(Some(&by_hand)).is_ok());
    let json = serde_json::to_value(auth.jwks()).unwrap();
    assert_eq!(json["keys"][0]["kty"], "RSA");
    assert_eq!(json["keys"][0]["kid"], rotated.kid.as_str());
    assert!(json["keys"][0]["n"].is_string() && json["keys"][0]["e"] == "AQAB");
    // An HS256 keyring takes no PEM file.
    let hs = config(JwtAlgorithm::Hs256, dir.path());
    let err = rotate(&hs, HOUR, Some(&given), now_unix_millis()).unwrap_err();
    assert!(err.to_string().contains("HS256"), "{err}");
}

#[test]
fn a_reload_picks_up_an_edit_and_a_broken_keyring_keeps_the_keys_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let settings = config(JwtAlgorithm::Hs256, dir.path());
    let auth = Authenticator::from_config(&settings).unwrap();
    let before = token(&auth);
    let rotated = rotate(&settings, HOUR, None, now_unix_millis()).unwrap();
    let imported = rotated.imported.unwrap();
    assert!(auth.verify(Some(&before)).is_ok());
    // An operator ends the overlap by hand, and reloads.
    let ring_file = dir.path().join("keys/keyring.toml");
    let text = std::fs::read_to_string(&ring_file).unwrap();
    let until = rotated.retired.unwrap().1;
    std::fs::write(&ring_file, text.replace(&until, "2020-01-01T00:00:00.000Z")).unwrap();
    let (kids, signing) = auth.reload().unwrap();
    assert_eq!(signing, Some(rotated.kid.clone()));
    assert_eq!(kids.len(), 2);
    match auth.verify(Some(&before)) {
        Err(AuthError::KeyRetired { kid, at }) => {
            assert_eq!(
                (kid.as_str(), at.as_str()),
                (imported.as_str(), "2020-01-01T00:00:00.000Z")
            )
        }
        other => panic!("expected key_retired, got {other:?}"),
    }
    // A broken edit: the reload says why, and the keys in use stay.
    std::fs::write(&ring_file, "[[keys]]\nkid = 1\n").unwrap();
    let err = auth.reload().unwrap_err().to_string();
    assert!(err.contains("keyring.toml"), "{err}");
    assert!(auth.verify(Some(&token(&auth))).is_ok());
}
