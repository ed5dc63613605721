//! The WAL checkpointer: copies committed pages from the `-wal` file back into the database
//! from a connection of its own, so that no commit has to.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages, and
//! with `synchronous = NORMAL` that checkpoint is where the fsyncs happen: one commit in a few
//! hundred took milliseconds, which was the whole tail of the publish-to-client latency (p99
//! 11 ms at 1,000 events/s against a median of 0.6, BENCHMARKS.md). Instead this task runs
//! a PASSIVE checkpoint every [`SqliteOptions::checkpoint_every`](super::SqliteOptions): it
//! copies what no reader still needs, never waits for the writer or the readers, and the
//! writer restarts the WAL from its beginning once everything in it was copied. Under a steady
//! stream of commits that moment never comes (a commit always lands while the checkpoint
//! runs), so the writer still checkpoints itself past
//! [`SqliteOptions::wal_limit_pages`](super::SqliteOptions) (64 MiB): one commit in that many
//! pages, with little left to copy, and the WAL restarts. Durability is unchanged: a commit is
//! in the WAL when it returns, and a WAL not yet copied is replayed when the database is next
//! opened.

use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Row, SqlitePool};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::store::StoreError;
use crate::store::error::db;

/// WAL frames (pages) not yet copied past which a warning is logged: about 80 MiB of 8 KiB
/// pages. A PASSIVE checkpoint stops at the oldest page a reader still uses, so a reader that
/// never lets go (a long export) keeps the WAL growing until it does.
const BACKLOG_WARNING_FRAMES: i64 = 10_000;

/// The running checkpointer; dropping it (or [`Checkpointer::stop`]) ends the task.
pub(crate) struct Checkpointer {
    pool: SqlitePool,
    _stop: DropGuard,
}

impl Checkpointer {
    /// Opens its connection and starts checkpointing every `every`.
    pub async fn start(options: SqliteConnectOptions, every: Duration) -> Result<Self, StoreError> {
        let pool = super::one_connection()
            .connect_with(options)
            .await
            .map_err(db("open"))?;
        let token = CancellationToken::new();
        tokio::spawn(run(pool.clone(), every, token.clone()));
        Ok(Checkpointer {
            pool,
            _stop: token.drop_guard(),
        })
    }

    /// Ends the task and closes its connection.
    pub async fn stop(&self) {
        // Closing the pool makes the task's next checkpoint fail, and the task ends on that.
        self.pool.close().await;
    }
}

/// One PASSIVE checkpoint on `pool`'s connection; returns the WAL frames it could not copy
/// yet (a reader still uses them).
async fn checkpoint(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    let (wal_frames, copied_frames): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
    Ok(wal_frames - copied_frames)
}

async fn run(pool: SqlitePool, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut warned = false;
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match checkpoint(&pool).await {
            Ok(backlog) => {
                if backlog > BACKLOG_WARNING_FRAMES && !warned {
                    tracing::warn!(
                        backlog_frames = backlog,
                        "the SQLite WAL is not being copied back: a reader holds an old snapshot"
                    );
                }
                warned = backlog > BACKLOG_WARNING_FRAMES;
            }
            Err(_) if pool.is_closed() => return,
            Err(err) => tracing::warn!(%err, "SQLite WAL checkpoint failed; retrying"),
        }
    }
}
