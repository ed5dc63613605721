//! [`StoreError`]: what can go wrong in the store.

use std::path::PathBuf;

/// An error of the event store.
///
/// [`Database`](Self::Database), [`Connect`](Self::Connect), [`Migrate`](Self::Migrate),
/// [`Io`](Self::Io) and [`Corrupt`](Self::Corrupt) are the server's fault: their `Display`
/// carries the whole detail for the log, and a caller answers a generic 500 without it.
/// [`Conflict`](Self::Conflict) is the caller's (a 409).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed an operation.
    #[error("database error in {op}: {source}")]
    Database {
        /// The store operation, e.g. `append_batch`.
        op: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// The database server could not be reached, or refused the login, when the store was
    /// opened. `target` is `host:port/database`: never the password.
    #[error("cannot connect to PostgreSQL at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date when the store was opened.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The key exists already: an event's `(session_id, offset)`, a checkpoint's or project's
    /// id, an MCP server's name.
    #[error("{what} {key} already exists")]
    Conflict {
        /// `event`, `checkpoint`, `project` or `mcp server`.
        what: &'static str,
        key: String,
    },
    /// A stored value does not decode (a JSON column that does not parse, an unknown status).
    #[error("corrupt {what} in the store: {detail}")]
    Corrupt { what: &'static str, detail: String },
}

impl StoreError {
    /// A corrupt stored value, for `map_err`.
    pub(crate) fn corrupt(what: &'static str) -> impl FnOnce(String) -> StoreError {
        move |detail| StoreError::Corrupt { what, detail }
    }
}

/// Wraps a database error with the operation it broke, for `map_err`.
pub(crate) fn db(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { op, source }
}

/// [`db`], except that a unique-key violation becomes [`StoreError::Conflict`] on `key`.
pub(crate) fn db_or_conflict(
    op: &'static str,
    what: &'static str,
    key: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| match source.as_database_error() {
        Some(e) if e.is_unique_violation() => StoreError::Conflict { what, key: key() },
        _ => StoreError::Database { op, source },
    }
}
