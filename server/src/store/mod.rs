//! The event store (DESIGN.md section 4): every sequenced event, the sessions' summaries, and
//! the small catalogs around them (checkpoints, projects, MCP servers), behind one object-safe
//! trait, [`EventStore`], that the hub holds as `Arc<dyn EventStore>`.
//!
//! - `sqlite`: [`SqliteStore`], the embedded default: `agentcast.db` in the data directory,
//!   WAL, one writer connection and a few readers, migrations from `server/migrations`.
//! - `memory`: [`MemoryStore`], `durability = "memory"`: the same behaviour without a disk,
//!   for benchmarks and tests.
//! - `event`: [`StoredEvent`] (one event as stored, and the envelope it rebuilds),
//!   [`EventQuery`] and [`EventPage`] (history and replay reads).
//! - `session`: [`SessionRecord`], a session's summary and totals, and [`SessionFilter`].
//! - `retention`: [`Retention`], [`TrimScope`] and [`TrimReport`]: removing the oldest events.
//! - `catalog`: [`Checkpoint`], [`Project`], [`McpServer`].
//! - `analytics`: usage, costs and session outcomes grouped by day, model or project.
//! - `error`: [`StoreError`].
//!
//! The store keeps two invariants the recovery protocol relies on: a session's stored events
//! are always a contiguous run of offsets (trimming only removes a prefix, so
//! [`EventStore::first_offset`] moves and no hole ever opens), and [`EventStore::head_offset`]
//! never goes back, not even when trimming or a delete removed every event, so offsets
//! continue from it after a restart.
//!
//! ```no_run
//! # async fn demo(data_dir: &std::path::Path) -> Result<(), agentcast_server::store::StoreError> {
//! use agentcast_server::store::{self, Durability, EventQuery, StoredEvent};
//!
//! let store = store::open(data_dir, Durability::Normal).await?;
//! let event = StoredEvent {
//!     session_id: "s1".into(),
//!     offset: 1,
//!     kind: "output.text".into(),
//!     ts: "2026-11-24T10:00:00.123Z".into(),
//!     data_json: r#"{"message_id":"m1","text":"hi","delta":false}"#.into(),
//! };
//! store.append_batch(std::slice::from_ref(&event)).await?;
//! let page = store.read_events("s1", &EventQuery::after(0)).await?;
//! assert_eq!(page.events, [event]);
//! # Ok(()) }
//! ```

mod analytics;
mod catalog;
mod error;
mod event;
mod memory;
mod retention;
mod session;
mod sqlite;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

pub use analytics::{CostRow, GroupBy, SessionStatsRow, TimeRange, UsageRow};
pub use catalog::{Checkpoint, McpServer, Project};
pub use error::StoreError;
pub use event::{Direction, EventPage, EventQuery, StoredEvent};
pub use memory::MemoryStore;
pub use retention::{Retention, TrimReport, TrimScope};
pub use session::{SessionFilter, SessionRecord};
pub use sqlite::{DB_FILE, SqliteOptions, SqliteStore, Synchronous};

/// Where events go and how much a crash can take with it (`durability` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// No database: events live in memory and are gone at exit (benchmarks, tests).
    Memory,
    /// SQLite, WAL, `synchronous = NORMAL`: a committed batch survives a crash or SIGKILL of
    /// the server; the last commits before a power loss or OS crash may be lost (the database
    /// stays consistent either way). The default.
    #[default]
    Normal,
    /// SQLite, WAL, `synchronous = FULL`: every commit is fsynced, so it also survives a
    /// power loss, at the cost of one fsync per batch.
    Full,
}

/// Opens the store `durability` asks for: [`MemoryStore`], or [`SqliteStore`] on
/// [`DB_FILE`] in `data_dir` (created if missing, migrated to the current schema).
pub async fn open(
    data_dir: &Path,
    durability: Durability,
) -> Result<Arc<dyn EventStore>, StoreError> {
    let synchronous = match durability {
        Durability::Memory => return Ok(Arc::new(MemoryStore::new())),
        Durability::Normal => Synchronous::Normal,
        Durability::Full => Synchronous::Full,
    };
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let options = SqliteOptions {
        synchronous,
        ..SqliteOptions::default()
    };
    Ok(Arc::new(
        SqliteStore::open(&data_dir.join(DB_FILE), options).await?,
    ))
}

/// The event store. Object-safe (`Arc<dyn EventStore>`); every method is one short
/// transaction, safe to call from any task.
///
/// Not-found is not an error: reads return `None` or an empty page, deletes return `false`.
/// A [`StoreError::Database`] carries the full detail for the log; callers answer a generic
/// 500. A session that was deleted is gone for every reader here except the analytics, which
/// keep counting what it cost.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    // ----- events -----

    /// Stores a batch of events, of any number of sessions, in one transaction (group
    /// commit): when this returns `Ok` every event of the batch is durable (to the
    /// [`Durability`] chosen), and on `Err` none is. An offset already stored for its session
    /// fails the whole batch with [`StoreError::Conflict`]. The store does not check for
    /// gaps: the session's sequencer is the only writer and assigns offsets.
    async fn append_batch(&self, batch: &[StoredEvent]) -> Result<(), StoreError>;

    /// One page of a session's events, in offset order (see [`EventQuery`]).
    async fn read_events(
        &self,
        session_id: &str,
        query: &EventQuery<'_>,
    ) -> Result<EventPage, StoreError>;

    /// The highest offset ever stored for the session (0 for none): a sequencer continues
    /// from it after a restart. Trimming and deleting do not lower it.
    async fn head_offset(&self, session_id: &str) -> Result<u64, StoreError>;

    /// The oldest offset still stored, `None` when no event is. A replay from a client's
    /// offset below it cannot be complete (`session.recovered {recovered: false}`).
    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError>;

    // ----- sessions -----

    /// Inserts or replaces a session's summary (called on lifecycle and usage events).
    /// `head_offset` only moves forward; a deleted session stays deleted.
    async fn upsert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// A session's summary; `None` if unknown or deleted.
    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError>;

    /// Sessions, newest `started_at` first, at most `limit`; deleted ones are left out.
    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError>;

    /// After a crash or restart: every session still starting, running or idle becomes
    /// `interrupted`, with `ended_at` set to its last stored event's `ts` (when it has none).
    /// Returns the ids of those not deleted, sorted, so the hub can announce them.
    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError>;

    /// Soft delete: the summary row stays, marked deleted (the analytics keep its totals and
    /// its head offset stays, so a reused id never restarts at 1), while its events and
    /// checkpoints are removed (a deleted transcript is not kept around). `false` if the
    /// session was unknown or already deleted.
    async fn delete_session(&self, id: &str) -> Result<bool, StoreError>;

    // ----- retention -----

    /// Removes the oldest events of one or every session, down to `retention`'s cap and age.
    async fn trim(
        &self,
        scope: TrimScope<'_>,
        retention: &Retention,
    ) -> Result<TrimReport, StoreError>;

    // ----- checkpoints -----

    /// Stores a checkpoint; [`StoreError::Conflict`] if its id exists.
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// A checkpoint by id.
    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError>;
    /// A session's checkpoints, by offset.
    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError>;
    /// Removes a checkpoint; `false` if unknown.
    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError>;

    // ----- projects -----

    /// Stores a new project; [`StoreError::Conflict`] if its id exists.
    async fn create_project(&self, project: &Project) -> Result<(), StoreError>;
    /// A project by id.
    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError>;
    /// Every project, by id.
    async fn list_projects(&self) -> Result<Vec<Project>, StoreError>;
    /// Replaces a project's settings; `false` if unknown.
    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError>;

    // ----- MCP servers -----

    /// Stores an MCP server; [`StoreError::Conflict`] if its name exists.
    async fn add_mcp_server(&self, server: &McpServer) -> Result<(), StoreError>;
    /// An MCP server by name.
    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError>;
    /// Every MCP server, by name.
    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError>;
    /// Removes an MCP server; `false` if unknown.
    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError>;

    // ----- analytics (over the sessions' totals, never over events) -----

    /// Tokens per group, sessions started in `range`.
    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError>;
    /// Cost per group, sessions started in `range`.
    async fn costs_by(&self, group: GroupBy, range: &TimeRange)
    -> Result<Vec<CostRow>, StoreError>;
    /// Session counts, outcomes and durations per group, sessions started in `range`.
    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError>;

    // ----- operations -----

    /// A cheap round trip to the database, for `GET /health`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Waits for the store's connections to finish and closes them (at shutdown); later calls
    /// fail.
    async fn close(&self);
}

/// Milliseconds since the Unix epoch, now: the clock of `deleted_at` and of retention by age.
pub(crate) fn now_unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Now, in the wire's timestamp format.
pub(crate) fn now_ts() -> String {
    agentcast_shared::format_ts_millis(now_unix_millis())
}
