//! Tokens forged, expired, early, malformed and well-formed against each algorithm.

use std::path::PathBuf;

use agentcast_shared::{Claims, Scope};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::config::{AuditTarget, AuthSettings};

/// A key of `server/tests/keys`.
pub(crate) fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(name)
}

/// JWT with `algorithm`: its generated secret and keyring in `dir`, or the test key pair.
pub(crate) fn config(algorithm: JwtAlgorithm, dir: &std::path::Path) -> AuthSettings {
    let (public_key, private_key) = match algorithm {
        JwtAlgorithm::Hs256 => (None, None),
        JwtAlgorithm::Rs256 => (
            Some(key_file("rs256-public.pem")),
            Some(key_file("rs256-private.pem")),
        ),
        JwtAlgorithm::EdDsa => (
            Some(key_file("ed25519-public.pem")),
            Some(key_file("ed25519-private.pem")),
        ),
    };
    AuthSettings {
        mode: AuthMode::Jwt,
        jwt_algorithm: algorithm,
        jwt_secret_file: dir.join("jwt-secret"),
        jwt_public_key: public_key,
        jwt_private_key: private_key,
        jwt_keyring_dir: dir.join("keys"),
        jwt_key_overlap: Duration::from_secs(3600),
        token_expiry_grace: Duration::ZERO,
        startup_token_ttl: Duration::from_secs(60),
        cors_origins: vec![],
        audit: AuditTarget::Off,
    }
}

fn hs256() -> (Authenticator, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authenticator::from_config(&config(JwtAlgorithm::Hs256, dir.path())).unwrap();
    let secret = std::fs::read(dir.path().join("jwt-secret")).unwrap();
    (auth, secret, dir)
}

fn claims(exp_in: i64) -> serde_json::Value {
    let now = now_s() as i64;
    json!({"sub": "alice", "iat": now, "exp": now + exp_in, "scope": ["read"], "sessions": ["*"]})
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, key).unwrap()
}

/// A token `auth` issues for `sub`, valid a minute.
fn issue(auth: &Authenticator, sub: &str, scope: Scope, sessions: &[&str]) -> String {
    let sessions = sessions.iter().map(|s| s.to_string()).collect();
    auth.issue(sub, scope, sessions, Duration::from_secs(60))
        .unwrap()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn a_well_signed_token_gives_its_claims() {
    let (auth, secret, _dir) = hs256();
    let token = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&secret),
        &claims(60),
    );
    let got: Claims = auth.verify(Some(&token)).unwrap();
    assert_eq!(got.sub, "alice");
    assert!(got.has_scope(Scope::Read) && !got.has_scope(Scope::Write));
    // What the server issues verifies too.
    let issued = issue(&auth, "bob", Scope::Write, &["s1"]);
    let got = auth.verify(Some(&issued)).unwrap();
    assert_eq!(
        (got.sub.as_str(), got.sessions.as_slice()),
        ("bob", &["s1".to_string()][..])
    );
}

#[test]
fn forged_tokens_are_refused_with_the_reason() {
    let (auth, secret, _dir) = hs256();
    let good = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&secret),
        &claims(60),
    );

    let wrong_key = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&[7u8; 32]),
        &claims(60),
    );
    assert_eq!(auth.verify(Some(&wrong_key)), Err(AuthError::BadSignature));

    // alg: none, no signature.
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(claims(60).to_string().as_bytes());
    let none = format!("{header}.{payload}.");
    let err = auth.verify(Some(&none)).unwrap_err();
    assert!(
        matches!(err, AuthError::WrongAlgorithm(ref alg, "HS256") if alg == "none"),
        "{err}"
    );

    // The payload changed after signing (admin instead of read).
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut forged = claims(60);
    forged["scope"] = json!(["admin"]);
    let tampered_payload = b64(forged.to_string().as_bytes());
    parts[1] = &tampered_payload;
    assert_eq!(
        auth.verify(Some(&parts.join("."))),
        Err(AuthError::BadSignature)
    );

    // An RS256 token where HS256 is expected.
    let rsa =
        EncodingKey::from_rsa_pem(&std::fs::read(key_file("rs256-private.pem")).unwrap()).unwrap();
    let err = auth
        .verify(Some(&sign(Algorithm::RS256, &rsa, &claims(60))))
        .unwrap_err();
    assert_eq!(err, AuthError::WrongAlgorithm("RS256".into(), "HS256"));

    for garbage in ["", "   ", "abc", "a.b.c", "Bearer x.y.z"] {
        let err = auth.verify(Some(garbage)).unwrap_err();
        assert!(
            matches!(err, AuthError::Missing | AuthError::Invalid(_)),
            "{garbage:?}: {err}"
        );
    }
    assert_eq!(auth.verify(None), Err(AuthError::Missing));
}

#[test]
fn algorithm_confusion_with_the_public_key_as_hmac_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authenticator::from_config(&config(JwtAlgorithm::Rs256, dir.path())).unwrap();
    let public_pem = std::fs::read(key_file("rs256-public.pem")).unwrap();
    let confused = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&public_pem),
        &claims(60),
    );
    assert_eq!(
        auth.verify(Some(&confused)),
        Err(AuthError::WrongAlgorithm("HS256".into(), "RS256"))
    );
    // Signed by another RSA key.
    let other =
        EncodingKey::from_rsa_pem(&std::fs::read(key_file("rs256-other-private.pem")).unwrap())
            .unwrap();
    assert_eq!(
        auth.verify(Some(&sign(Algorithm::RS256, &other, &claims(60)))),
        Err(AuthError::BadSignature)
    );
    // The right key works, and the server signs with its private key.
    let issued = issue(&auth, "ci", Scope::Read, &["*"]);
    assert_eq!(auth.verify(Some(&issued)).unwrap().sub, "ci");
}

#[test]
fn eddsa_verifies_and_signs() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authenticator::from_config(&config(JwtAlgorithm::EdDsa, dir.path())).unwrap();
    let issued = issue(&auth, "ed", Scope::Admin, &["*"]);
    assert!(auth.verify(Some(&issued)).unwrap().has_scope(Scope::Admin));
}

#[test]
fn expiry_and_not_before_are_enforced_without_leeway() {
    let (auth, secret, _dir) = hs256();
    let key = EncodingKey::from_secret(&secret);
    let expired = sign(Algorithm::HS256, &key, &claims(-1));
    assert_eq!(auth.verify(Some(&expired)), Err(AuthError::Expired));
    let mut early = claims(600);
    early["nbf"] = json!(now_s() + 300);
    assert_eq!(
        auth.verify(Some(&sign(Algorithm::HS256, &key, &early))),
        Err(AuthError::NotYetValid)
    );
}

#[test]
fn malformed_claims_are_refused_naming_them() {
    let (auth, secret, _dir) = hs256();
    let key = EncodingKey::from_secret(&secret);
    let mut no_sub = claims(60);
    no_sub.as_object_mut().unwrap().remove("sub");
    let err = auth
        .verify(Some(&sign(Algorithm::HS256, &key, &no_sub)))
        .unwrap_err();
    assert!(
        matches!(err, AuthError::BadClaims(ref m) if m.contains("sub")),
        "{err}"
    );
    let mut bad_scope = claims(60);
    bad_scope["scope"] = json!(["root"]);
    let err = auth
        .verify(Some(&sign(Algorithm::HS256, &key, &bad_scope)))
        .unwrap_err();
    assert!(
        matches!(err, AuthError::BadClaims(ref m) if m.contains("root")),
        "{err}"
    );
    let mut string_exp = claims(60);
    string_exp["exp"] = json!("tomorrow");
    let err = auth
        .verify(Some(&sign(Algorithm::HS256, &key, &string_exp)))
        .unwrap_err();
    assert!(matches!(err, AuthError::BadClaims(_)), "{err}");
}

#[test]
fn a_project_limit_is_refused_rather_than_ignored() {
    let (auth, secret, _dir) = hs256();
    let mut limited = claims(60);
    limited["project"] = json!("billing");
    let token = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(&secret),
        &limited,
    );
    let err = auth.verify(Some(&token)).unwrap_err();
    assert!(
        matches!(err, AuthError::BadClaims(ref m) if m.contains("billing") && m.contains("sessions")),
        "{err}"
    );
}

#[test]
fn disabled_auth_lets_everyone_do_everything() {
    let auth = Authenticator::disabled();
    let claims = auth.verify(None).unwrap();
    assert!(claims.has_scope(Scope::Admin) && claims.allows_session("any"));
    assert_eq!(
        auth.issue("x", Scope::Read, vec![], Duration::from_secs(1)),
        Err(AuthError::CannotSign)
    );
}
