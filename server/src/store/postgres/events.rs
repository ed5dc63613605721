//! PostgreSQL's [`Dialect`]: the shared statements' `?` placeholders numbered, and the group
//! commit, `events` and `collector_files` written by one statement per batch.

use std::borrow::Cow;
use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::Arguments;
use sqlx::Postgres;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgQueryResult};

use super::PostgresStore;
use super::feed::PgFeed;
use crate::clock::now_ts;
use crate::store::ChangeFeed;
use crate::store::error::{db, db_or_conflict};
use crate::store::sql::{Dialect, int, numbered, uint};
use crate::store::{FileCursor, StoreError, StoredEvent};

/// A whole group commit in one statement: the events as five arrays `UNNEST`ed into rows, and
/// the cursors as six more, upserted by a second data-modifying `WITH`. One statement is one
/// transaction (all of it or none), one round trip and one prepared plan whatever the batch's
/// size. A multi-row `VALUES` was as fast (within the noise, BENCHMARKS.md) but needs a
/// statement text per batch size and a bind per value.
const COMMIT_SQL: &str = r#"
    WITH appended AS (
        INSERT INTO events (session_id, "offset", type, ts, data)
        SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[])
    ), cursors AS (
        INSERT INTO collector_files (path, agent, session_id, position, file_id, updated_at)
        SELECT path, agent, session_id, position, file_id, $11
        FROM UNNEST($6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
            AS c (path, agent, session_id, position, file_id)
        ON CONFLICT (path) DO UPDATE SET agent = excluded.agent,
            session_id = excluded.session_id, position = excluded.position,
            file_id = excluded.file_id, updated_at = excluded.updated_at
    )
    SELECT 1"#;

/// The channel a shared store's appends are announced on (see `feed`).
pub(super) const CHANNEL: &str = "agentcast_events";

/// One session's group commit at the head the database has for it, in one statement: the
/// session's `session_heads` row is raised by the batch's size (and stays locked until the
/// commit, so another server's commit for the session waits for this one and continues after
/// it), the events are numbered below the new head, the cursors are upserted as in
/// [`COMMIT_SQL`], and the append is announced on [`CHANNEL`] as `<first> <last> <session>`:
/// PostgreSQL delivers a notification when its transaction commits, in commit order, and
/// never one of a transaction rolled back.
///
/// The row is raised by an `UPDATE`; only a session without one (its first commit, or history
/// from before the table or copied by `db copy`) is seeded from its stored head, since the two
/// lookups that seed it cost a third of a one-event commit (measured with pgbench: four
/// writers, one event each, 19k commits/s with the seed every time, 25k without).
const APPEND_AT_HEAD_SQL: &str = r#"
    WITH raised AS (
        UPDATE session_heads SET head = head + $2 WHERE session_id = $1 RETURNING head
    ), seeded AS (
        INSERT INTO session_heads (session_id, head)
        SELECT $1, $2 + GREATEST(
            (SELECT COALESCE(MAX("offset"), 0) FROM events WHERE session_id = $1),
            (SELECT COALESCE(MAX(head_offset), 0) FROM sessions WHERE id = $1))
        WHERE NOT EXISTS (SELECT 1 FROM raised)
        ON CONFLICT (session_id) DO UPDATE SET head = session_heads.head + $2
        RETURNING head
    ), head AS (
        SELECT head FROM raised UNION ALL SELECT head FROM seeded
    ), appended AS (
        INSERT INTO events (session_id, "offset", type, ts, data)
        SELECT $1, (SELECT head FROM head) - $2 + e.n, e.type, e.ts, e.data
        FROM UNNEST($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS e (type, ts, data, n)
    ), cursors AS (
        INSERT INTO collector_files (path, agent, session_id, position, file_id, updated_at)
        SELECT path, agent, session_id, position, file_id, $11
        FROM UNNEST($6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
            AS c (path, agent, session_id, position, file_id)
        ON CONFLICT (path) DO UPDATE SET agent = excluded.agent,
            session_id = excluded.session_id, position = excluded.position,
            file_id = excluded.file_id, updated_at = excluded.updated_at
    )
    SELECT head, pg_notify($12, (head - $2 + 1) || ' ' || head || ' ' || $1)::text
    FROM head"#;

#[async_trait]
impl Dialect for Postgres {
    fn sql(sql: &str) -> Cow<'_, str> {
        Cow::Owned(numbered(sql))
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    const SHARED: bool = true;

    fn change_feed(store: &PostgresStore) -> Option<Box<dyn ChangeFeed>> {
        Some(Box::new(PgFeed::new(store.writer())))
    }

    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len(), cursors = cursors.len()))]
    async fn append_at_head(
        store: &PostgresStore,
        batch: &mut [StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        let Some(session_id) = batch.first().map(|e| e.session_id.clone()) else {
            return Self::commit(store, batch, cursors).await;
        };
        debug_assert!(batch.iter().all(|e| e.session_id == session_id));
        let cursors = last_per_path(cursors);
        let count = batch.len() as i64;
        let mut args = PgArguments::default();
        let encoded = (|| {
            args.add(&*session_id)?;
            args.add(count)?;
            add_event_columns(&mut args, batch)?;
            add_cursors(&mut args, &cursors)?;
            args.add(CHANNEL)
        })();
        encoded
            .map_err(sqlx::Error::Encode)
            .map_err(db("append_at_head"))?;
        let head: i64 = sqlx::query_scalar_with(APPEND_AT_HEAD_SQL, args)
            .fetch_one(store.writer())
            .await
            .map_err(db_or_conflict("append_at_head", "event", || {
                format!("a batch of {} at the head of {session_id}", batch.len())
            }))?;
        let first = uint(head - count + 1, "session_heads.head")?;
        for (event, offset) in batch.iter_mut().zip(first..) {
            event.offset = offset;
        }
        Ok(())
    }

    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len(), cursors = cursors.len()))]
    async fn commit(
        store: &PostgresStore,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        if batch.is_empty() && cursors.is_empty() {
            return Ok(());
        }
        let cursors = last_per_path(cursors);
        let mut args = PgArguments::default();
        let encoded = (|| {
            args.add(batch.iter().map(|e| &*e.session_id).collect::<Vec<_>>())?;
            args.add(batch.iter().map(|e| int(e.offset)).collect::<Vec<_>>())?;
            add_event_columns(&mut args, batch)?;
            add_cursors(&mut args, &cursors)
        })();
        encoded
            .map_err(sqlx::Error::Encode)
            .map_err(db("append_batch"))?;
        sqlx::query_with(COMMIT_SQL, args)
            .execute(store.writer())
            .await
            .map_err(db_or_conflict("append_batch", "event", || {
                format!("(session, offset) of a batch of {}", batch.len())
            }))?;
        Ok(())
    }
}

/// Binds the events' `type`, `ts` and `data` as three arrays (both group commits).
fn add_event_columns(args: &mut PgArguments, batch: &[StoredEvent]) -> Result<(), BoxDynError> {
    args.add(batch.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())?;
    args.add(batch.iter().map(|e| e.ts.as_str()).collect::<Vec<_>>())?;
    args.add(
        batch
            .iter()
            .map(|e| e.data_json.as_str())
            .collect::<Vec<_>>(),
    )
}

/// Binds the cursors as five arrays and the time they are stored at (both group commits).
fn add_cursors(args: &mut PgArguments, cursors: &[&FileCursor]) -> Result<(), BoxDynError> {
    args.add(cursors.iter().map(|c| c.path.as_str()).collect::<Vec<_>>())?;
    args.add(cursors.iter().map(|c| c.agent.as_str()).collect::<Vec<_>>())?;
    args.add(
        cursors
            .iter()
            .map(|c| c.session_id.as_str())
            .collect::<Vec<_>>(),
    )?;
    args.add(cursors.iter().map(|c| int(c.position)).collect::<Vec<_>>())?;
    args.add(
        cursors
            .iter()
            .map(|c| c.file_id.as_deref())
            .collect::<Vec<_>>(),
    )?;
    args.add(now_ts())
}

/// An upsert may touch a row once per statement: the last cursor of a path wins, as it would
/// one statement after another.
fn last_per_path(cursors: &[FileCursor]) -> Vec<&FileCursor> {
    let cursors: BTreeMap<&str, &FileCursor> =
        cursors.iter().map(|c| (c.path.as_str(), c)).collect();
    cursors.into_values().collect()
}
