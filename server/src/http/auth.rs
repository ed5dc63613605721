//! Authentication of REST calls: [`Caller`], the verified `Authorization: Bearer` token as an
//! extractor (401 when missing or invalid), with the checks handlers make on it (403 when the
//! token lacks the scope or the session); and the `/api/auth` routes.

use agentcast_shared::rest::{ErrorResponse, RefreshedToken, WhoAmI};
use agentcast_shared::{Claims, Scope};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::ApiError;
use super::state::AppState;
use crate::audit::{Actor, AuditEvent, Refresher, TokenUse};
use crate::auth::{AuthError, now_s};

/// The verified caller of a request.
pub struct Caller {
    pub claims: Claims,
    ip: Option<String>,
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        ApiError::new(err.code(), err.to_string())
    }
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = client_ip(parts);
        if !state.auth.is_enabled() {
            return Ok(Caller {
                claims: crate::auth::unrestricted(),
                ip,
            });
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let token = header.map(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
                .unwrap_or(h)
        });
        match state.auth.verify(token) {
            Ok(claims) => Ok(Caller { claims, ip }),
            Err(err) => {
                let route = format!("{} {}", parts.method, parts.uri.path());
                let at = TokenUse::Http { route };
                state.audit.record(AuditEvent::token_refused(at, ip, &err));
                Err(err.into())
            }
        }
    }
}

impl Caller {
    /// 403 unless the token has `scope` (or a higher one).
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.claims.has_scope(scope) {
            Ok(())
        } else {
            Err(AuthError::MissingScope(scope).into())
        }
    }

    /// 403 unless the token has `scope` and grants `session_id`.
    pub fn require_session(&self, session_id: &str, scope: Scope) -> Result<(), ApiError> {
        self.require(scope)?;
        if self.claims.allows_session(session_id) {
            Ok(())
        } else {
            Err(AuthError::SessionNotAllowed(session_id.to_owned()).into())
        }
    }

    /// 403 unless the token has `scope` and grants every session.
    pub fn require_all_sessions(&self, scope: Scope) -> Result<(), ApiError> {
        self.require(scope)?;
        if self.claims.allows_session("*") {
            Ok(())
        } else {
            Err(AuthError::AllSessionsNeeded.into())
        }
    }

    /// Who made the call, as the audit log records it.
    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.claims.sub.clone(),
            ip: self.ip.clone(),
        }
    }
}

#[utoipa::path(
    get, path = "/api/auth/whoami", tag = "auth",
    description = "What the caller's token grants.",
    responses((status = 200, body = WhoAmI))
)]
pub async fn whoami(State(state): State<AppState>, caller: Caller) -> Json<WhoAmI> {
    let claims = caller.claims;
    let may_start = if claims.has_scope(Scope::Admin) {
        state.supervisor.allowed_commands().to_vec()
    } else {
        Vec::new()
    };
    Json(WhoAmI {
        may_start,
        expires_in_s: claims.exp.saturating_sub(now_s()),
        scope: claims.scope,
        sub: claims.sub,
        sessions: claims.sessions,
        project: claims.project,
        exp: claims.exp,
        iat: claims.iat,
        auth_enabled: state.auth.is_enabled(),
    })
}

#[utoipa::path(
    post, path = "/api/auth/refresh", tag = "auth",
    description = "A new token with the same claims and the same lifetime as the caller's \
        (still valid) token, starting now. Sockets take it with the `auth.refresh` command.",
    responses(
        (status = 200, body = RefreshedToken),
        (status = 400, description = "The server cannot sign (public key without private key)", body = ErrorResponse),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RefreshedToken>, ApiError> {
    let old = &caller.claims;
    let lifetime = old.exp.saturating_sub(old.iat).max(1);
    let now = now_s();
    let claims = Claims {
        iat: now,
        exp: now.saturating_add(lifetime),
        nbf: None,
        ..old.clone()
    };
    let token = state.auth.sign(&claims)?;
    state.audit.record(AuditEvent::TokenRefreshed {
        by: Refresher::Http(caller.actor()),
        exp: claims.exp,
    });
    Ok(Json(RefreshedToken {
        token,
        expires_at: claims.exp,
    }))
}
