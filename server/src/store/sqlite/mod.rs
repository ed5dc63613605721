//! [`SqliteStore`]: the embedded store, `agentcast.db` in the data directory.
//!
//! Durability: the database is in WAL mode. A commit appends the transaction's pages to the
//! `-wal` file; with `synchronous = NORMAL` (the default, [`Synchronous::Normal`]) the WAL is
//! fsynced only at checkpoints, so a committed batch is in the operating system's hands when
//! `append_batch` returns: it survives the server crashing or being SIGKILLed (the tests kill
//! a writer mid-batch and check), while a power loss or kernel crash may lose the last
//! commits, never the database's consistency. [`Synchronous::Full`] fsyncs the WAL at every
//! commit and survives that too, for one fsync per batch (which group commit amortizes).
//!
//! Connections: one writer (a pool of one), so writes queue in the pool, in process, instead
//! of contending for SQLite's lock with busy retries; a few read-only readers, which WAL lets
//! run alongside the writer on their own snapshot; and the checkpointer's, which copies the
//! WAL back into the database so that commits never do (`checkpoint`). The busy timeout only matters when another
//! process holds the database (a second server, the `sqlite3` shell).
//!
//! Files: this one opens the database; `events` is SQLite's [`Dialect`](super::sql::Dialect)
//! (the group commit's padded `INSERT`). Every other statement is shared with PostgreSQL, in
//! `store::sql`: portable SQL (`ON CONFLICT ... DO UPDATE`, `RETURNING`, `CASE`, `SUBSTR`,
//! `CAST(... AS BIGINT)`) with `?` placeholders, which are SQLite's own.

mod checkpoint;
mod events;

use std::path::Path;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;
use super::error::db;
use super::sql::SqlStore;
pub(crate) use checkpoint::Checkpointer;

/// The database's file name in the data directory.
pub const DB_FILE: &str = "agentcast.db";

/// The schema, embedded at build time from `server/migrations`.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// When a commit reaches the disk (SQLite's `synchronous` pragma, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Survives a process crash or SIGKILL; the last commits may be lost to a power loss.
    #[default]
    Normal,
    /// Survives a power loss too: one fsync per commit.
    Full,
}

/// How [`SqliteStore::open`] sets up the database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub synchronous: Synchronous,
    /// How long a statement waits for a lock another process holds before failing.
    pub busy_timeout: Duration,
    /// Read-only connections for history, replay, lists and analytics.
    pub read_connections: u32,
    /// How often the WAL is checkpointed, off the commit path (see `checkpoint`).
    pub checkpoint_every: Duration,
    /// WAL pages past which a commit checkpoints the WAL itself, and the size the WAL file
    /// is cut back to. Under a steady stream of commits the checkpointer never finds the WAL
    /// fully copied between two of them, so SQLite never restarts it from its beginning:
    /// without this bound it grew without end (4 GB in 4 minutes at 1,000 events/s). With
    /// it, one commit per this many pages copies what the checkpointer has not yet (little)
    /// with no other commit under way, and the next commit restarts the WAL.
    pub wal_limit_pages: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
            checkpoint_every: Duration::from_millis(100),
            // 64 MiB of 8 KiB pages.
            wal_limit_pages: 8192,
        }
    }
}

/// The SQLite store: every concern of the store in one database file. Its writer is a pool of
/// exactly one connection (every write goes through it, one at a time), its reader a few
/// read-only connections.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating it if missing) the database file at `path` and migrates it to the
    /// current schema.
    pub async fn open(path: &Path, options: SqliteOptions) -> Result<Self, StoreError> {
        let common = SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(options.busy_timeout)
            // The schema has no foreign keys (see the migration); skip the checks.
            .foreign_keys(false);
        let synchronous = match options.synchronous {
            Synchronous::Normal => SqliteSynchronous::Normal,
            Synchronous::Full => SqliteSynchronous::Full,
        };
        let write = common
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            // 8 KiB pages: ~1 KB events fill fewer pages and the WAL takes half the writes
            // per byte of 4 KiB pages (+20-30% appends at batches of 100+ measured by the
            // bench); 16 KiB made small commits rewrite too much. Applies when the file is
            // created; an existing database keeps its page size.
            .page_size(8192)
            // When the WAL restarts, cut it back to its limit rather than keep its peak size.
            .pragma(
                "journal_size_limit",
                (u64::from(options.wal_limit_pages) * 8192).to_string(),
            )
            // Commits checkpoint only past the limit (see `wal_limit_pages`); until then the
            // checkpointer's own connection does.
            .pragma("wal_autocheckpoint", options.wal_limit_pages.to_string());
        let writer = one_connection()
            .connect_with(write)
            .await
            .map_err(db("open"))?;
        MIGRATOR.run(&writer).await?;
        // The writer created the file and switched it to WAL, which is persistent; readers
        // need not (and, read-only, could not) set it.
        let reader = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .test_before_acquire(false)
            .connect_with(common.clone().read_only(true))
            .await
            .map_err(db("open"))?;
        let checkpointer = Checkpointer::start(common, options.checkpoint_every).await?;
        Ok(SqlStore {
            writer,
            reader,
            checkpointer: Some(checkpointer),
        })
    }
}

/// A pool of exactly one connection, kept for the pool's life: the writer's and the
/// checkpointer's.
fn one_connection() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        // A local file does not drop connections: no ping before each use, no recycling.
        .test_before_acquire(false)
        .idle_timeout(None)
        .max_lifetime(None)
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::*;
    use crate::store::Backend;

    async fn pragma(store: &SqliteStore, name: &str) -> String {
        let row = sqlx::query(&format!("PRAGMA {name}"))
            .fetch_one(&store.writer)
            .await
            .unwrap();
        // `journal_mode` answers text, the others integers.
        row.try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string()))
            .unwrap()
    }

    #[tokio::test]
    async fn opens_in_wal_with_the_chosen_synchronous() {
        let dir = tempfile::tempdir().unwrap();
        for (synchronous, expected) in [(Synchronous::Normal, "1"), (Synchronous::Full, "2")] {
            let options = SqliteOptions {
                synchronous,
                ..SqliteOptions::default()
            };
            let store = SqliteStore::open(&dir.path().join(DB_FILE), options)
                .await
                .unwrap();
            assert_eq!(pragma(&store, "journal_mode").await, "wal");
            assert_eq!(pragma(&store, "synchronous").await, expected);
            assert_eq!(pragma(&store, "page_size").await, "8192");
            assert_eq!(pragma(&store, "busy_timeout").await, "5000");
            // Below the WAL's limit only the checkpointer checkpoints.
            assert_eq!(pragma(&store, "wal_autocheckpoint").await, "8192");
            assert_eq!(pragma(&store, "journal_size_limit").await, "67108864");
            // Readers are read-only.
            let err = sqlx::query("DELETE FROM events")
                .execute(&store.reader)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("readonly"), "{err}");
            store.close().await;
        }
    }

    /// A store in a fresh directory (kept alive by the returned guard), with an empty table of
    /// blobs for the tests to write through its writer.
    async fn store_with_filler(
        options: SqliteOptions,
    ) -> (tempfile::TempDir, std::path::PathBuf, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let store = SqliteStore::open(&path, options).await.unwrap();
        write(&store, "CREATE TABLE filler (data BLOB)").await;
        (dir, path, store)
    }

    /// One statement, one commit, through the writer.
    async fn write(store: &SqliteStore, sql: &str) {
        sqlx::query(sql).execute(&store.writer).await.unwrap();
    }

    #[tokio::test]
    async fn the_checkpointer_copies_commits_into_the_database_file() {
        let options = SqliteOptions {
            checkpoint_every: Duration::from_millis(10),
            ..SqliteOptions::default()
        };
        let (_dir, path, store) = store_with_filler(options).await;
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        // Half a megabyte through the writer, whose commits only append to the WAL.
        write(&store, "INSERT INTO filler VALUES (zeroblob(524288))").await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while size() < before + 524_288 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file stayed at {} bytes: no checkpoint in 10 s",
                size()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        store.close().await;
    }

    #[tokio::test]
    async fn the_wal_stays_bounded_under_a_steady_stream_of_commits() {
        let options = SqliteOptions {
            // A checkpoint always under way beside the commits, as under load.
            checkpoint_every: Duration::from_millis(1),
            wal_limit_pages: 64,
            ..SqliteOptions::default()
        };
        let (dir, _path, store) = store_with_filler(options).await;
        // 2,000 commits back to back, each rewriting a page or two: ~30 MB of WAL frames,
        // 500 KiB at most between two restarts.
        for _ in 0..2000 {
            write(&store, "INSERT INTO filler VALUES (randomblob(6000))").await;
        }
        let wal = std::fs::metadata(dir.path().join(format!("{DB_FILE}-wal")))
            .unwrap()
            .len();
        assert!(
            wal < 4 * 1024 * 1024,
            "the WAL grew to {wal} bytes over 2,000 commits: it never restarted"
        );
        store.close().await;
    }
}
