//! [`PostgresStore`]: the store on a PostgreSQL server (`--database-url postgres://...`), for
//! a database that outlives one machine's disk and, later, more than one node (DESIGN.md
//! section 12). It behaves as [`SqliteStore`](super::SqliteStore) does: the same behavioural
//! suite runs against both.
//!
//! Durability: a commit is a PostgreSQL commit, and `durability` picks its
//! `synchronous_commit` ([`SynchronousCommit`]) the way it picks SQLite's `synchronous`:
//! `normal` is `off` (a committed batch survives the agentcast server crashing or being
//! SIGKILLed, since PostgreSQL has it; a crash of PostgreSQL or its host may lose the last
//! few hundred milliseconds of commits, never the database's consistency), `full` is `on`
//! (the commit is flushed to PostgreSQL's WAL, and to synchronous standbys if configured,
//! before it is acknowledged, so it is broadcast only once it would survive a power loss).
//!
//! Connections: one pool for reads and writes (PostgreSQL runs them concurrently, unlike
//! SQLite's single writer). Group commit makes each batch one statement
//! ([`events`](self::events)), so the pool is rarely busy.
//!
//! Files: this one connects and migrates (from `server/migrations-postgres`); `events` is
//! PostgreSQL's [`Dialect`](super::sql::Dialect): the group commit in one statement. Every
//! other statement is shared with SQLite, in `store::sql`, its `?` placeholders numbered
//! `$1`, `$2`, ... here.

mod events;
mod feed;

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, Connection, Postgres};

use super::sql::SqlStore;
use super::{DatabaseUrl, StoreError};

/// The schema, embedded at build time from `server/migrations-postgres`.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations-postgres");

/// When PostgreSQL acknowledges a commit (its `synchronous_commit`, set on every connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SynchronousCommit {
    /// `off`: survives the agentcast server crashing; PostgreSQL crashing may lose the last
    /// commits (up to three times its `wal_writer_delay`).
    #[default]
    Off,
    /// `on`: flushed (and replicated to synchronous standbys) before the commit returns.
    On,
}

/// How [`PostgresStore::open`] connects.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    pub synchronous_commit: SynchronousCommit,
    /// Connections at most, shared by reads and writes.
    pub max_connections: u32,
    /// How long an operation waits for a connection (a new one when the database was lost).
    pub acquire_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            synchronous_commit: SynchronousCommit::Off,
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The PostgreSQL store: every concern of the store in one database, one pool of
/// connections for reads and writes.
pub type PostgresStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to `url` and migrates the database to the current schema. An unreachable
    /// server or a refused login is [`StoreError::Connect`], naming `host:port/database`.
    pub async fn open(url: &DatabaseUrl, options: PostgresOptions) -> Result<Self, StoreError> {
        let synchronous_commit = match options.synchronous_commit {
            SynchronousCommit::Off => "off",
            SynchronousCommit::On => "on",
        };
        let connect = url
            .connect_options()
            .application_name("agentcast")
            .options([("synchronous_commit", synchronous_commit)]);
        // One connection first: its error is the cause (refused, unknown host, bad
        // password), where a pool's would only say that it timed out.
        let probe = tokio::time::timeout(options.acquire_timeout, connect.connect())
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
            .map_err(|source| StoreError::Connect {
                target: url.target().to_owned(),
                source,
            })?;
        probe.close().await.ok();
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_lazy_with(connect);
        // Several nodes may start at once: sqlx's migrator takes an advisory lock.
        MIGRATOR.run(&pool).await?;
        Ok(SqlStore {
            writer: pool.clone(),
            reader: pool,
            checkpointer: None,
        })
    }
}
