//! [`AuthError`]: why a token or a request was refused, in words a client can act on. The
//! messages never contain the token.

use agentcast_shared::{ErrorCode, Scope};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token where one is required.
    #[error("missing token: send it as auth {{token}} on connect or as Authorization: Bearer")]
    Missing,
    /// Not a JWT, or a header or payload that does not decode.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Signed with another key (or tampered with).
    #[error("invalid token: bad signature")]
    BadSignature,
    /// Signed with an algorithm this server does not accept (including `none`).
    #[error("invalid token: algorithm {0} is not accepted (this server uses {1})")]
    WrongAlgorithm(String, &'static str),
    /// Its `kid` names no key of this server's keyring.
    #[error("invalid token: unknown key id {0} (not in this server's keyring)")]
    UnknownKey(String),
    /// Signed with a key that was rotated out and whose overlap has passed.
    #[error(
        "invalid token: key {kid} was retired and stopped verifying at {at}; get a token signed \
         with the current key"
    )]
    KeyRetired { kid: String, at: String },
    /// No `kid` in its header, and no key of the keyring verifies such tokens.
    #[error("invalid token: no kid in its header, and this server's keys all have one")]
    NoKid,
    /// Its `exp` has passed.
    #[error("token expired")]
    Expired,
    /// Its `nbf` is in the future.
    #[error("token not yet valid")]
    NotYetValid,
    /// Valid signature, but claims that are missing or of the wrong shape.
    #[error("invalid token claims: {0}")]
    BadClaims(String),
    /// The token does not grant this session.
    #[error("token not allowed for session {0}")]
    SessionNotAllowed(String),
    /// The token does not grant every session (the hub namespace, analytics).
    #[error("this needs a token for every session (sessions: [\"*\"])")]
    AllSessionsNeeded,
    /// The token lacks a scope.
    #[error("missing scope: {} needed", .0.as_str())]
    MissingScope(Scope),
    /// The server cannot sign (a public-key setup without a private key).
    #[error("this server cannot sign tokens: configure --jwt-private-key")]
    CannotSign,
}

impl AuthError {
    /// 401 for who-are-you failures, 403 for a known caller without the right.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::SessionNotAllowed(_)
            | AuthError::AllSessionsNeeded
            | AuthError::MissingScope(_) => ErrorCode::Forbidden,
            AuthError::CannotSign => ErrorCode::BadRequest,
            _ => ErrorCode::Unauthorized,
        }
    }

    /// A short stable word for the audit log and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Invalid(_) => "invalid",
            AuthError::BadSignature => "bad_signature",
            AuthError::UnknownKey(_) => "unknown_key",
            AuthError::KeyRetired { .. } => "key_retired",
            AuthError::NoKid => "no_kid",
            AuthError::WrongAlgorithm(..) => "wrong_algorithm",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::BadClaims(_) => "bad_claims",
            AuthError::SessionNotAllowed(_) => "session_not_allowed",
            AuthError::AllSessionsNeeded => "all_sessions_needed",
            AuthError::MissingScope(_) => "missing_scope",
            AuthError::CannotSign => "cannot_sign",
        }
    }
}
