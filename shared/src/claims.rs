//! The JWT claims agentcast issues and checks.

use serde::{Deserialize, Serialize};

/// The claims of an agentcast token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Claims {
    /// Who the token is for; written to the audit log.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch; enforced on live sockets too.
    pub exp: u64,
    /// Issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// Not valid before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// What the token may do; absent means nothing.
    #[serde(default)]
    pub scope: Vec<Scope>,
    /// The session ids the token may access, or `*` for all; absent means none.
    #[serde(default)]
    pub sessions: Vec<String>,
    /// The project the token is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

impl Claims {
    /// True when one of the token's scopes grants `wanted` (see [`Scope::grants`]).
    pub fn has_scope(&self, wanted: Scope) -> bool {
        self.scope.iter().any(|&granted| granted.grants(wanted))
    }

    /// True when the token may access the session (its id is listed, or `*` is).
    pub fn allows_session(&self, session_id: &str) -> bool {
        self.sessions.iter().any(|s| s == "*" || s == session_id)
    }
}

/// A permission. `admin` includes every other; `write` and `control` each include `read`, and
/// neither includes the other: a producer may publish without steering the agent, and a
/// person who answers the agent need not be able to forge its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Connect to sessions, read history and status.
    Read,
    /// Also ingest and publish events.
    Write,
    /// Also answer the agent: prompts, interrupts, permission requests, ending a session.
    Control,
    /// Everything: also start and stop processes and manage the server.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Self::Read, Self::Write, Self::Control, Self::Admin];

    /// True when a token with this scope may do what `wanted` allows.
    pub fn grants(self, wanted: Scope) -> bool {
        self == wanted || self == Self::Admin || wanted == Self::Read
    }

    /// The wire name, e.g. `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Control => "control",
            Self::Admin => "admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(scope: &[Scope], sessions: &[&str]) -> Claims {
        Claims {
            sub: "u".into(),
            exp: 2,
            iat: 1,
            nbf: None,
            scope: scope.to_vec(),
            sessions: sessions.iter().map(|s| s.to_string()).collect(),
            project: None,
        }
    }

    #[test]
    fn higher_scopes_imply_lower_ones() {
        let admin = claims(&[Scope::Admin], &[]);
        assert!(
            admin.has_scope(Scope::Read)
                && admin.has_scope(Scope::Write)
                && admin.has_scope(Scope::Admin)
        );
        let write = claims(&[Scope::Write], &[]);
        assert!(write.has_scope(Scope::Read) && write.has_scope(Scope::Write));
        assert!(!write.has_scope(Scope::Admin));
        let read = claims(&[Scope::Read], &[]);
        assert!(read.has_scope(Scope::Read) && !read.has_scope(Scope::Write));
        assert!(!claims(&[], &[]).has_scope(Scope::Read));
    }

    #[test]
    fn control_is_granted_by_control_and_admin_only_and_grants_read() {
        let granted_by = |scope| claims(&[scope], &[]).has_scope(Scope::Control);
        assert!(granted_by(Scope::Control) && granted_by(Scope::Admin));
        assert!(!granted_by(Scope::Write) && !granted_by(Scope::Read));
        let control = claims(&[Scope::Control], &[]);
        assert!(control.has_scope(Scope::Read));
        assert!(!control.has_scope(Scope::Write) && !control.has_scope(Scope::Admin));
    }

    #[test]
    fn sessions_are_listed_or_wildcarded() {
        let some = claims(&[Scope::Read], &["a", "b"]);
        assert!(some.allows_session("a") && some.allows_session("b"));
        assert!(!some.allows_session("c"));
        assert!(claims(&[Scope::Read], &["*"]).allows_session("anything"));
        assert!(!claims(&[Scope::Read], &[]).allows_session("a"));
    }

    #[test]
    fn missing_scope_and_sessions_grant_nothing() {
        let claims: Claims = serde_json::from_str(r#"{"sub":"u","exp":2,"iat":1}"#).unwrap();
        assert!(!claims.has_scope(Scope::Read));
        assert!(!claims.allows_session("a"));
    }
}
