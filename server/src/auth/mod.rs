//! Authentication (DESIGN.md section 5): JWTs verified with the configured key, or with the
//! keyring's keys by `kid`, and the claims that say what a caller may do.
//!
//! - `keys`: the HS256 secret (generated and kept in the data directory), PEM keys, and the
//!   files of the keyring's keys.
//! - `keyring`: `Keyring`, the keys by kid and their state (`keyring.toml`).
//! - `keyset`: the keys a server holds at a moment: which verifies a token, which signs.
//! - `live`: those keys kept in step with the keyring file, and reloaded on SIGHUP.
//! - `generate`: new keys and key pairs for a rotation.
//! - [`rotate`]: `agentcast keys rotate` and `agentcast keys list`.
//! - `error`: [`AuthError`], the refusals and their 401/403 codes.
//! - `ttl`: durations such as `1h` for `agentcast token create`.
//!
//! [`Authenticator::verify`] pins the algorithm (so `alg: none` and algorithm confusion, e.g.
//! an RS256 public key used as an HS256 secret, are refused; with a keyring, the `kid`'s key
//! pins it), checks the signature, `exp` and `nbf` with no leeway, and requires `sub`, `exp`
//! and `iat`. With `--auth none` every caller is [`Claims`] with every scope and session.
//!
//! A running server picks up a rotation without a restart: every verification and signing
//! first checks whether `keyring.toml` changed (a `stat`) and loads it again if so;
//! [`Authenticator::reload`] (SIGHUP) loads everything again. A retired key stops verifying
//! when its `verify_until` passes, by the clock, with no reload.

mod error;
mod generate;
mod keyring;
mod keys;
mod keyset;
mod live;
pub mod local;
pub mod rotate;
pub mod ttl;

use std::sync::Arc;
use std::time::Duration;

use agentcast_shared::{Claims, Scope};
use jsonwebtoken::Algorithm;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;

pub use error::AuthError;
pub use keys::KeyError;
use live::LiveKeys;

use crate::config::{AuthMode, AuthSettings, JwtAlgorithm};

/// Verifies tokens and, when it has the key, signs them. Cheap to clone. `None` with
/// `--auth none`.
#[derive(Clone)]
pub struct Authenticator(Option<Arc<LiveKeys>>);

fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::Hs256 => Algorithm::HS256,
        JwtAlgorithm::Rs256 => Algorithm::RS256,
        JwtAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

/// The algorithm as JWT headers and JWKs name it.
pub(crate) fn algorithm_name(alg: JwtAlgorithm) -> &'static str {
    match alg {
        JwtAlgorithm::Hs256 => "HS256",
        JwtAlgorithm::Rs256 => "RS256",
        JwtAlgorithm::EdDsa => "EdDSA",
    }
}

impl Authenticator {
    /// The authenticator the configuration describes; with JWT and HS256 this creates the
    /// secret file on first start.
    pub fn from_config(config: &AuthSettings) -> Result<Self, KeyError> {
        if config.mode == AuthMode::None {
            return Ok(Self::disabled());
        }
        Ok(Self(Some(Arc::new(LiveKeys::load(config)?))))
    }

    /// `--auth none`: every caller may do everything.
    pub fn disabled() -> Self {
        Self(None)
    }

    /// Loads the keys again (the keyring, or the configured key); on an error the keys in use
    /// stay. Returns the kids now held and the signing one.
    pub fn reload(&self) -> Result<(Vec<String>, Option<String>), KeyError> {
        let Some(live) = &self.0 else {
            return Ok((Vec::new(), None));
        };
        Ok(live.reload()?.kids())
    }

    /// The public keys that verify tokens now, as a JWKS (RFC 7517); empty for HS256 and
    /// with `--auth none`.
    pub fn jwks(&self) -> JwkSet {
        match &self.0 {
            Some(live) => live.get().jwks(crate::clock::now_unix_millis()),
            None => JwkSet::default(),
        }
    }

    /// False with `--auth none`.
    pub fn is_enabled(&self) -> bool {
        self.0.is_some()
    }

    /// The claims of a valid token; with `--auth none`, [`unrestricted`] whatever is given.
    pub fn verify(&self, token: Option<&str>) -> Result<Claims, AuthError> {
        let Some(live) = &self.0 else {
            return Ok(unrestricted());
        };
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        let token = token.ok_or(AuthError::Missing)?;
        let keys = live.get();
        let header = jsonwebtoken::decode_header(token)
            .map_err(|err| describe(err.into_kind(), token, keys.expected))?;
        let key = keys.select(header.kid.as_deref(), crate::clock::now_unix_millis())?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &key.validation)
            .map(|data| data.claims)
            .map_err(|err| describe(err.into_kind(), token, key.alg))?;
        // A token limited to a project must not be taken for one that is not: this server
        // does not enforce `project` yet, so it refuses such tokens instead of ignoring the
        // limit (list the sessions in `sessions` to limit a token today).
        if let Some(project) = &claims.project {
            return Err(AuthError::BadClaims(format!(
                "project {project:?}: tokens limited to a project are not supported yet; limit \
                 the token with its sessions claim"
            )));
        }
        Ok(claims)
    }

    /// Signs `claims`.
    pub fn sign(&self, claims: &Claims) -> Result<String, AuthError> {
        let keys = self.0.as_ref().ok_or(AuthError::CannotSign)?.get();
        let (key, header) = keys.signer.as_ref().ok_or(AuthError::CannotSign)?;
        jsonwebtoken::encode(header, claims, key).map_err(|err| {
            tracing::error!(%err, "signing a token failed");
            AuthError::CannotSign
        })
    }

    /// A new token for `sub` with one scope (the lower ones are implied), the given sessions
    /// and lifetime.
    pub fn issue(
        &self,
        sub: &str,
        scope: Scope,
        sessions: Vec<String>,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let now = now_s();
        self.sign(&Claims {
            sub: sub.to_owned(),
            iat: now,
            exp: now.saturating_add(ttl.as_secs().max(1)),
            nbf: None,
            scope: vec![scope],
            sessions,
            project: None,
        })
    }
}

/// The caller of a server without authentication.
pub fn unrestricted() -> Claims {
    Claims {
        sub: "anonymous".into(),
        exp: u64::MAX,
        iat: 0,
        nbf: None,
        scope: vec![Scope::Admin],
        sessions: vec!["*".into()],
        project: None,
    }
}

/// Seconds since the Unix epoch, the clock of `exp`.
pub fn now_s() -> u64 {
    crate::clock::now_unix_millis() / 1000
}

/// A jsonwebtoken error in words a client can act on.
fn describe(kind: ErrorKind, token: &str, expected: JwtAlgorithm) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            AuthError::WrongAlgorithm(header_alg(token), algorithm_name(expected))
        }
        ErrorKind::MissingRequiredClaim(claim) => {
            AuthError::BadClaims(format!("missing claim {claim}"))
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::BadClaims(format!("claim {claim} has the wrong type"))
        }
        ErrorKind::Json(_)
        | ErrorKind::Base64(_)
        | ErrorKind::Utf8(_)
        | ErrorKind::InvalidToken => {
            let expected = algorithm_name(expected);
            match header_alg(token).as_str() {
                "?" => AuthError::Invalid("not a JWT (header.payload.signature)".into()),
                // `alg: none` lands here: jsonwebtoken has no such algorithm to parse.
                alg if alg != expected => AuthError::WrongAlgorithm(alg.to_owned(), expected),
                // The header is ours and the signature was checked: the claims are bad.
                _ => match kind {
                    ErrorKind::Json(err) => AuthError::BadClaims(err.to_string()),
                    _ => AuthError::Invalid("malformed".into()),
                },
            }
        }
        other => AuthError::Invalid(format!("{other:?}")),
    }
}

/// The `alg` a token's header claims, `?` if the header does not decode.
fn header_alg(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap_or("");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|header| header.get("alg")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

#[cfg(test)]
mod tests;
