//! The event store (DESIGN.md section 4): every sequenced event, the sessions' records, and
//! the small catalogs around them, split by concern into four object-safe traits, each with
//! one file per implementation:
//!
//! - `event_log`: [`EventLog`], the session streams: appends (group commit, with the
//!   collectors' file positions: `cursor`, [`FileCursor`]), pages of events, head and first
//!   offsets, retention trimming.
//! - `session_catalog`: [`SessionCatalog`], the sessions' records (summary and totals, the
//!   shared [`SessionRecord`](agentcast_shared::rest::SessionRecord)), their soft delete, and
//!   checkpoints.
//! - `project_catalog`: [`ProjectCatalog`], projects and MCP servers.
//! - `analytics`: [`Analytics`], usage, costs and session outcomes grouped by day, model or
//!   project, over the records only.
//!
//! [`Store`], what [`open`] returns and the hub holds, hands out each part
//! ([`Store::events`], [`Store::sessions`], [`Store::projects`], [`Store::analytics`]); one
//! [`Backend`] (a database) implements all four traits plus [`Backend::ping`] and
//! [`Backend::close`], and [`Store::new`] takes any backend:
//!
//! - `sql`: [`SqlStore`], the four concerns on a SQL database, written once (one file per
//!   concern, the shared statements and rows in `rows`), over a `Dialect` that says how the
//!   database takes placeholders and appends a batch:
//!   - `sqlite`: [`SqliteStore`], the embedded default: `agentcast.db` in the data directory,
//!     WAL, one writer connection and a few readers, migrations from `server/migrations`;
//!   - `postgres`: [`PostgresStore`], `--database-url postgres://...`: a PostgreSQL server,
//!     one pool of connections, migrations from `server/migrations-postgres`; `durability`
//!     sets its `synchronous_commit`.
//! - `memory`: [`MemoryStore`], `durability = "memory"`: the same behaviour without a disk,
//!   for benchmarks and tests.
//!
//! A new SQL database is a directory beside `sqlite` and `postgres` (`mod.rs` to connect,
//! `events.rs` for its `Dialect`), and its migrations; any other backend is a directory with
//! the five files of `memory` (`mod.rs` and one per concern). Either way: one arm in
//! [`open`], and one line in `tests.rs`, which runs the behavioural suite against it.
//!
//! Beside them: `database_url` ([`DatabaseUrl`], a connection URL whose password never shows),
//! `copy` ([`copy_sqlite_to_postgres`], `agentcast db copy`), `event` ([`StoredEvent`], one
//! event as stored: the envelope's columns, which `hub::envelope` turns back into the bytes
//! clients get; [`EventQuery`] and [`EventPage`]), `retention` ([`Retention`],
//! [`TrimScope`], [`TrimReport`]) and `error` ([`StoreError`]). The records the store keeps are the REST
//! contract's types (`agentcast_shared::rest`): a session, a checkpoint, a project, an MCP
//! server and an analytics row are defined once, there.
//!
//! The store keeps two invariants the recovery protocol relies on: a session's stored events
//! are always a contiguous run of offsets (trimming only removes a prefix, so
//! [`EventLog::first_offset`] moves and no hole ever opens), and [`EventLog::head_offset`]
//! never goes back, not even when trimming or a delete removed every event, so offsets
//! continue from it after a restart.
//!
//! ```no_run
//! # async fn demo(data_dir: &std::path::Path) -> Result<(), agentcast_server::store::StoreError> {
//! use agentcast_server::store::{self, Durability, EventQuery, StoredEvent};
//!
//! let store = store::open(data_dir, Durability::Normal, None).await?;
//! let event = StoredEvent {
//!     session_id: "s1".into(),
//!     offset: 1,
//!     kind: "output.text".into(),
//!     ts: "2026-11-24T10:00:00.123Z".into(),
//!     data_json: r#"{"message_id":"m1","text":"hi","delta":false}"#.into(),
//! };
//! store.events().append_batch(std::slice::from_ref(&event)).await?;
//! let page = store.events().read_events("s1", &EventQuery::after(0)).await?;
//! assert_eq!(page.events, [event]);
//! # Ok(()) }
//! ```

mod analytics;
mod change_feed;
mod copy;
mod cursor;
mod database_url;
mod error;
mod event;
mod event_log;
mod memory;
mod postgres;
mod project_catalog;
mod retention;
mod session_catalog;
mod sql;
mod sqlite;

#[cfg(test)]
mod shared_tests;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

pub use analytics::{Analytics, TimeRange};
pub use change_feed::{Appended, Change, ChangeFeed};
pub use copy::{CopyError, CopyReport, copy_sqlite_to_postgres, sqlite_source};
pub use cursor::FileCursor;
pub use database_url::{DatabaseUrl, redact_url};
pub use error::StoreError;
pub use event::{Direction, EventPage, EventQuery, StoredEvent};
pub use event_log::EventLog;
pub use memory::MemoryStore;
pub use postgres::{PostgresOptions, PostgresStore, SynchronousCommit};
pub use project_catalog::ProjectCatalog;
pub use retention::{Retention, TrimReport, TrimScope};
pub use session_catalog::{SessionCatalog, SessionKey};
pub use sql::SqlStore;
pub use sqlite::{DB_FILE, SqliteOptions, SqliteStore, Synchronous};

/// Where events go and how much a crash can take with it (`durability` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// No database: events live in memory and are gone at exit (benchmarks, tests).
    Memory,
    /// SQLite, WAL, `synchronous = NORMAL`: a committed batch survives a crash or SIGKILL of
    /// the server; the last commits before a power loss or OS crash may be lost (the database
    /// stays consistent either way). The default. On PostgreSQL, `synchronous_commit = off`:
    /// the same promise, PostgreSQL's crash taking the place of the OS's.
    #[default]
    Normal,
    /// SQLite, WAL, `synchronous = FULL`: every commit is fsynced, so it also survives a
    /// power loss, at the cost of one fsync per batch. On PostgreSQL, `synchronous_commit =
    /// on`: flushed to its WAL (and synchronous standbys) before the batch is broadcast.
    Full,
}

/// Opens the store `durability` and `database_url` ask for: [`MemoryStore`],
/// [`PostgresStore`] on the URL, or [`SqliteStore`] on [`DB_FILE`] in `data_dir` (created if
/// missing); a database is migrated to the current schema. (The configuration refuses
/// `memory` with a URL.)
pub async fn open(
    data_dir: &Path,
    durability: Durability,
    database_url: Option<&DatabaseUrl>,
) -> Result<Store, StoreError> {
    let synchronous = match (durability, database_url) {
        (Durability::Memory, _) => return Ok(Store::new(Arc::new(MemoryStore::new()))),
        (Durability::Normal | Durability::Full, Some(url)) => {
            let options = PostgresOptions {
                synchronous_commit: match durability {
                    Durability::Full => SynchronousCommit::On,
                    _ => SynchronousCommit::Off,
                },
                ..PostgresOptions::default()
            };
            return Ok(Store::new(Arc::new(
                PostgresStore::open(url, options).await?,
            )));
        }
        (Durability::Normal, None) => Synchronous::Normal,
        (Durability::Full, None) => Synchronous::Full,
    };
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let options = SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    };
    let sqlite = SqliteStore::open(&data_dir.join(DB_FILE), options).await?;
    Ok(Store::new(Arc::new(sqlite)))
}

/// One database behind every part of the store: the four concerns, and the connection's
/// own operations. Implementing it (and the four traits) is all a new backend does.
#[async_trait]
pub trait Backend: EventLog + SessionCatalog + ProjectCatalog + Analytics {
    /// A cheap round trip to the database, for `GET /health`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Waits for the store's connections to finish and closes them (at shutdown); later calls
    /// fail.
    async fn close(&self);

    /// What other servers append, for a store several servers share
    /// ([`EventLog::is_shared`]); `None` for one only this server writes.
    fn change_feed(&self) -> Option<Box<dyn ChangeFeed>> {
        None
    }
}

/// The store: one backend, seen through each concern. Cheap to clone (`Arc`s inside); built
/// once by [`open`] and handed down.
///
/// Every method of the parts is one short transaction, safe to call from any task.
/// Not-found is not an error: reads return `None` or an empty page, deletes return `false`.
/// A [`StoreError::Database`] carries the full detail for the log; callers answer a generic
/// 500. A session that was deleted is gone for every reader here except the analytics, which
/// keep counting what it cost.
#[derive(Clone)]
pub struct Store {
    events: Arc<dyn EventLog>,
    sessions: Arc<dyn SessionCatalog>,
    projects: Arc<dyn ProjectCatalog>,
    analytics: Arc<dyn Analytics>,
    backend: Arc<dyn Backend>,
}

impl Store {
    /// The store of one backend.
    pub fn new<B: Backend>(backend: Arc<B>) -> Self {
        Store {
            events: backend.clone(),
            sessions: backend.clone(),
            projects: backend.clone(),
            analytics: backend.clone(),
            backend,
        }
    }

    /// The session streams.
    pub fn events(&self) -> &Arc<dyn EventLog> {
        &self.events
    }

    /// The sessions' records and checkpoints.
    pub fn sessions(&self) -> &Arc<dyn SessionCatalog> {
        &self.sessions
    }

    /// Projects and MCP servers.
    pub fn projects(&self) -> &Arc<dyn ProjectCatalog> {
        &self.projects
    }

    /// Reports over the sessions' records.
    pub fn analytics(&self) -> &Arc<dyn Analytics> {
        &self.analytics
    }

    /// A cheap round trip to the database, for `GET /health`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.backend.ping().await
    }

    /// What other servers append to a shared store (see [`Backend::change_feed`]).
    pub fn change_feed(&self) -> Option<Box<dyn ChangeFeed>> {
        self.backend.change_feed()
    }

    /// Closes the database's connections (at shutdown); later calls fail.
    pub async fn close(&self) {
        self.backend.close().await;
    }
}
