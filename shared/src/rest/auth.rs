//! The `/api/auth` routes: what the caller's token grants, and a fresh token.

use serde::{Deserialize, Serialize};

use crate::claims::Scope;

/// The body of `GET /api/auth/whoami`: the claims of the caller's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct WhoAmI {
    /// The token's subject.
    pub sub: String,
    /// `read`, `write`, `control`, `admin`.
    #[cfg_attr(feature = "utoipa", schema(value_type = Vec<String>))]
    pub scope: Vec<Scope>,
    /// Session ids, or `*`.
    pub sessions: Vec<String>,
    /// The project the token is limited to.
    pub project: Option<String>,
    /// Seconds since the Unix epoch.
    pub exp: u64,
    /// When the token was issued, seconds since the Unix epoch.
    pub iat: u64,
    /// Seconds until `exp`.
    pub expires_in_s: u64,
    /// False when the server runs with `--auth none`.
    pub auth_enabled: bool,
    /// The programs this caller may start with `POST /api/sessions`: the server's
    /// allow-list for an admin token, empty otherwise.
    #[serde(default)]
    pub may_start: Vec<String>,
}

/// The body of `POST /api/auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct RefreshedToken {
    /// The new token: the same claims and lifetime, starting now.
    pub token: String,
    /// The new `exp`, seconds since the Unix epoch.
    pub expires_at: u64,
}
