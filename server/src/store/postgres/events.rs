//! PostgreSQL's [`Dialect`]: the shared statements' `?` placeholders numbered, and the group
//! commit, `events` and `collector_files` written by one statement per batch.

use std::borrow::Cow;
use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::Postgres;
use sqlx::postgres::PgQueryResult;

use super::PostgresStore;
use crate::clock::now_ts;
use crate::store::error::db_or_conflict;
use crate::store::sql::{Dialect, int, numbered};
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

#[async_trait]
impl Dialect for Postgres {
    fn sql(sql: &str) -> Cow<'_, str> {
        Cow::Owned(numbered(sql))
    }

    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
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
        // An upsert may touch a row once per statement: the last cursor of a path wins, as
        // it would one statement after another.
        let cursors: BTreeMap<&str, &FileCursor> =
            cursors.iter().map(|c| (c.path.as_str(), c)).collect();
        let cursors: Vec<&FileCursor> = cursors.into_values().collect();
        sqlx::query(COMMIT_SQL)
            .bind(batch.iter().map(|e| &*e.session_id).collect::<Vec<_>>())
            .bind(batch.iter().map(|e| int(e.offset)).collect::<Vec<_>>())
            .bind(batch.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())
            .bind(batch.iter().map(|e| e.ts.as_str()).collect::<Vec<_>>())
            .bind(
                batch
                    .iter()
                    .map(|e| e.data_json.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(cursors.iter().map(|c| c.path.as_str()).collect::<Vec<_>>())
            .bind(cursors.iter().map(|c| c.agent.as_str()).collect::<Vec<_>>())
            .bind(
                cursors
                    .iter()
                    .map(|c| c.session_id.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(cursors.iter().map(|c| int(c.position)).collect::<Vec<_>>())
            .bind(
                cursors
                    .iter()
                    .map(|c| c.file_id.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(now_ts())
            .execute(store.writer())
            .await
            .map_err(db_or_conflict("append_batch", "event", || {
                format!("(session, offset) of a batch of {}", batch.len())
            }))?;
        Ok(())
    }
}
