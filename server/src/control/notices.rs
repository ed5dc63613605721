//! The events a permission request publishes, the same for a controlled session's driver and
//! a hook in approve mode: the session `waiting` while one is open, `permission.resolved`,
//! and `running` again once answered; and the message a denial gives when its answer had none.

use agentcast_shared::{
    Event, PermissionDecision, PermissionResolved, ResolvedReason, SessionState, SessionStatus,
};

/// Who answers when no person did (timeouts, the end of the session).
pub(crate) const SERVER: &str = "agentcast";

/// `session.status` `status` with a message.
pub(crate) fn status(status: SessionState, message: impl Into<String>) -> Event {
    SessionStatus {
        status,
        pid: None,
        message: Some(message.into()),
    }
    .into()
}

/// The session waits for a person: `tool` asks.
pub(crate) fn waiting(tool: &str) -> Event {
    status(SessionState::Waiting, format!("{tool} asks for permission"))
}

/// The session runs again: nothing waits any more.
pub(crate) fn answered() -> Event {
    status(SessionState::Running, "answered")
}

/// `permission.resolved`.
pub(crate) fn resolved(
    request_id: &str,
    decision: PermissionDecision,
    by: &str,
    reason: ResolvedReason,
    message: Option<String>,
) -> Event {
    PermissionResolved {
        request_id: request_id.to_owned(),
        decision,
        by: by.to_owned(),
        reason,
        message,
    }
    .into()
}

/// What a denial tells the agent: the person's message, or who denied it.
pub(crate) fn denial(message: Option<String>, by: &str) -> String {
    message
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("Denied by {by} through agentcast"))
}
