//! [`ServiceError`]: why a service refused or failed a request.

use crate::hub::HubError;
use crate::store::StoreError;

/// What went wrong in a service. The first four are the caller's (a 4xx, the message shown
/// as it is); [`Hub`](Self::Hub) says what the hub said; [`Store`](Self::Store) is ours (a
/// 500 whose detail goes to the log only).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServiceError {
    /// A field or parameter of the request is invalid; the message names it.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// No such session, project or MCP server.
    #[error("no {what} {key}")]
    NotFound { what: &'static str, key: String },
    /// The id or name is taken.
    #[error("{what} {key} exists")]
    Exists { what: &'static str, key: String },
    /// The session was deleted (it keeps its head offset, so it is not unknown).
    #[error("session {0} was deleted")]
    Deleted(String),
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// An invalid field, for `Err(...)`.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// No such `what` (`session`, `project`, `MCP server`) with this key.
    pub(crate) fn not_found(what: &'static str, key: &str) -> Self {
        ServiceError::NotFound {
            what,
            key: key.to_owned(),
        }
    }
}
