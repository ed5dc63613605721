//! Authentication of sockets: the token in the handshake auth is verified by the connect
//! middleware before the client hears `connect`; its claims decide the namespaces and the
//! commands; its `exp` is enforced on the live socket, which `auth.refresh` can extend.
//!
//! An expired socket gets an `agent.error {code: "token_expired"}` and is disconnected
//! `token_expiry_grace` after its token's `exp` (default 10 s), unless a newer valid token
//! arrived through `auth.refresh` first.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::{
    AgentError, Claims, ErrorBody, ErrorCode, RefreshArgs, Refreshed, Scope as TokenScope,
};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::Sock;
use super::commands::Scope;
use crate::audit::{Audit, AuditEvent, Refresher, TokenUse};
use crate::auth::{AuthError, Authenticator, now_s};

/// What sockets are checked with; shared by every socket.
#[derive(Clone)]
pub struct SocketSecurity {
    pub auth: Authenticator,
    pub audit: Audit,
    /// Time between a token's `exp` and the disconnect.
    pub expiry_grace: Duration,
    /// The message budget of each socket comes from here.
    pub limiters: crate::limits::Limiters,
}

/// A socket's claims and the expiry watch, kept in the socket's extensions.
pub(crate) struct SocketAuth {
    claims: Mutex<Claims>,
    expiry: watch::Sender<u64>,
    watcher: Mutex<Option<AbortHandle>>,
}

impl SocketAuth {
    fn claims(&self) -> Claims {
        self.claims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The client's address, for the audit log.
pub(crate) fn client_ip(socket: &Sock) -> Option<String> {
    socket
        .req_parts()
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

/// Why `claims` may not use the namespace `scope`.
fn check_namespace(claims: &Claims, scope: &Scope) -> Result<(), AuthError> {
    if !claims.has_scope(TokenScope::Read) {
        return Err(AuthError::MissingScope(TokenScope::Read));
    }
    match scope {
        // The hub namespace shows every session's lifecycle.
        Scope::Hub if !claims.allows_session("*") => Err(AuthError::AllSessionsNeeded),
        Scope::Session(id) if !claims.allows_session(id) => {
            Err(AuthError::SessionNotAllowed(id.clone()))
        }
        _ => Ok(()),
    }
}

/// The connect check: verifies the token and the namespace, records the claims on the socket.
/// The error is the `connect_error` message the client sees.
pub(crate) fn admit(
    socket: &Sock,
    security: &SocketSecurity,
    scope: &Scope,
    token: Option<&str>,
) -> Result<(), String> {
    let verified = security
        .auth
        .verify(token)
        .and_then(|claims| check_namespace(&claims, scope).map(|()| claims));
    let claims = match verified {
        Ok(claims) => claims,
        Err(err) => {
            if security.auth.is_enabled() {
                let at = TokenUse::Socket {
                    ns: socket.ns().to_owned(),
                };
                let event = AuditEvent::token_refused(at, client_ip(socket), &err);
                security.audit.record(event);
            }
            return Err(err.to_string());
        }
    };
    if security.auth.is_enabled() {
        security.audit.record(AuditEvent::TokenAccepted {
            ns: socket.ns().to_owned(),
            ip: client_ip(socket),
            sub: claims.sub.clone(),
            exp: claims.exp,
        });
    }
    let (expiry, _) = watch::channel(claims.exp);
    socket.extensions.insert(Arc::new(SocketAuth {
        claims: Mutex::new(claims),
        expiry,
        watcher: Mutex::new(None),
    }));
    Ok(())
}

fn socket_auth(socket: &Sock) -> Option<Arc<SocketAuth>> {
    socket.extensions.get::<Arc<SocketAuth>>()
}

/// The socket's current claims.
pub(crate) fn claims(socket: &Sock) -> Option<Claims> {
    socket_auth(socket).map(|auth| auth.claims())
}

/// The error ack of a command the socket's token does not allow.
pub(crate) fn require(socket: &Sock, scope: TokenScope) -> Result<(), ErrorBody> {
    match claims(socket) {
        Some(claims) if claims.has_scope(scope) => Ok(()),
        _ => {
            let err = AuthError::MissingScope(scope);
            Err(ErrorBody::new(err.code(), err.to_string()))
        }
    }
}

/// Starts the task that disconnects the socket when its token expires (once connected).
pub(crate) fn watch_expiry(socket: &Sock, security: &SocketSecurity) {
    let Some(auth) = socket_auth(socket) else {
        return;
    };
    if !security.auth.is_enabled() {
        return;
    }
    let task = tokio::spawn(expire(
        socket.clone(),
        auth.expiry.subscribe(),
        security.clone(),
    ));
    *auth.watcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
}

/// Stops the expiry task of a socket that disconnected (it holds the socket).
pub(crate) fn forget(socket: &Sock) {
    if let Some(auth) = socket_auth(socket)
        && let Some(watcher) = auth
            .watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    {
        watcher.abort();
    }
}

async fn expire(socket: Sock, mut expiry: watch::Receiver<u64>, security: SocketSecurity) {
    let exp = loop {
        let exp = *expiry.borrow_and_update();
        let left = Duration::from_secs(exp.saturating_sub(now_s()));
        tokio::select! {
            () = tokio::time::sleep(left + security.expiry_grace) => break exp,
            changed = expiry.changed() => if changed.is_err() { return },
        }
    };
    security.audit.record(AuditEvent::TokenExpired {
        ns: socket.ns().to_owned(),
        ip: client_ip(&socket),
        sub: claims(&socket).map(|c| c.sub),
        exp,
    });
    tracing::info!(socket.id = %socket.id, ns = socket.ns(), exp, "token expired: disconnecting");
    let reason = AgentError {
        code: "token_expired".into(),
        message: format!(
            "your token expired at {exp} (seconds since the epoch); connect again with a new \
             token, or send auth.refresh before it expires"
        ),
        line: None,
        excerpt: None,
    };
    let patience = Duration::from_secs(5);
    super::slow_consumer::tell_and_disconnect(socket, reason, patience).await;
}

/// `auth.refresh {token}`: a newer valid token for the same subject replaces the socket's,
/// and with it the expiry.
pub(crate) fn refresh(
    socket: &Sock,
    security: &SocketSecurity,
    scope: &Scope,
    args: RefreshArgs,
) -> Result<Refreshed, ErrorBody> {
    let refused = |err: AuthError| {
        let at = TokenUse::AuthRefresh {
            ns: socket.ns().to_owned(),
        };
        let event = AuditEvent::token_refused(at, client_ip(socket), &err);
        security.audit.record(event);
        ErrorBody::new(err.code(), err.to_string())
    };
    let Some(auth) = socket_auth(socket) else {
        return Err(ErrorBody::new(
            ErrorCode::Internal,
            "socket without credentials",
        ));
    };
    let claims = security
        .auth
        .verify(Some(&args.token))
        .and_then(|claims| check_namespace(&claims, scope).map(|()| claims))
        .map_err(refused)?;
    let current = auth.claims();
    if claims.sub != current.sub {
        return Err(ErrorBody::new(
            ErrorCode::Forbidden,
            format!(
                "the new token is for {:?}, this socket's for {:?}",
                claims.sub, current.sub
            ),
        ));
    }
    let expires_at = claims.exp;
    security.audit.record(AuditEvent::TokenRefreshed {
        by: Refresher::Socket {
            ns: socket.ns().to_owned(),
            ip: client_ip(socket),
            sub: claims.sub.clone(),
        },
        exp: expires_at,
    });
    *auth.claims.lock().unwrap_or_else(|e| e.into_inner()) = claims;
    auth.expiry.send_replace(expires_at);
    Ok(Refreshed { expires_at })
}
