//! The event log in PostgreSQL: the `events` table and `collector_files`, both written by one
//! statement per batch.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{PostgresStore, last_offset, raise_head};
use crate::clock::{now_ts, now_unix_millis};
use crate::store::error::{db, db_or_conflict};
use crate::store::sql::{CURSOR_SELECT, cursor_from_row, event_from_row, int, uint};
use crate::store::{
    Direction, EventLog, EventPage, EventQuery, FileCursor, Retention, StoreError, StoredEvent,
    TrimReport, TrimScope,
};

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

/// One page of events forward (`$3`: `before` or NULL, `$4`: the types or NULL).
const READ_FORWARD_SQL: &str = r#"
    SELECT "offset", type, ts, data FROM events
    WHERE session_id = $1 AND "offset" > $2
        AND ($3::bigint IS NULL OR "offset" < $3) AND ($4::text[] IS NULL OR type = ANY($4))
    ORDER BY "offset" LIMIT $5"#;

/// [`READ_FORWARD_SQL`] from the other end.
const READ_BACKWARD_SQL: &str = r#"
    SELECT "offset", type, ts, data FROM events
    WHERE session_id = $1 AND "offset" > $2
        AND ($3::bigint IS NULL OR "offset" < $3) AND ($4::text[] IS NULL OR type = ANY($4))
    ORDER BY "offset" DESC LIMIT $5"#;

#[async_trait]
impl EventLog for PostgresStore {
    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len(), cursors = cursors.len()))]
    async fn commit(
        &self,
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
            .execute(&self.pool)
            .await
            .map_err(db_or_conflict("append_batch", "event", || {
                format!("(session, offset) of a batch of {}", batch.len())
            }))?;
        Ok(())
    }

    async fn file_cursors(&self) -> Result<Vec<FileCursor>, StoreError> {
        sqlx::query(CURSOR_SELECT)
            .fetch_all(&self.pool)
            .await
            .map_err(db("file_cursors"))?
            .iter()
            .map(cursor_from_row)
            .collect()
    }

    async fn read_events(
        &self,
        session_id: &str,
        query: &EventQuery<'_>,
    ) -> Result<EventPage, StoreError> {
        if query.types.is_some_and(|types| types.is_empty()) {
            return Ok(EventPage::default());
        }
        let sql = match query.direction {
            Direction::Forward => READ_FORWARD_SQL,
            Direction::Backward => READ_BACKWARD_SQL,
        };
        // One more than asked tells whether there is more.
        let rows = sqlx::query(sql)
            .bind(session_id)
            .bind(int(query.after))
            .bind(query.before.map(int))
            .bind(query.types)
            .bind(i64::from(query.limit) + 1)
            .fetch_all(&self.pool)
            .await
            .map_err(db("read_events"))?;
        let has_more = rows.len() > query.limit as usize;
        let session_id: std::sync::Arc<str> = session_id.into();
        let mut events = rows
            .iter()
            .take(query.limit as usize)
            .map(|row| event_from_row(row, &session_id))
            .collect::<Result<Vec<_>, StoreError>>()?;
        if query.direction == Direction::Backward {
            events.reverse();
        }
        Ok(EventPage { events, has_more })
    }

    async fn head_offset(&self, session_id: &str) -> Result<u64, StoreError> {
        // GREATEST ignores NULLs: no summary row, or no events.
        let head: i64 = sqlx::query_scalar(
            r#"SELECT COALESCE(GREATEST(
                   (SELECT head_offset FROM sessions WHERE id = $1),
                   (SELECT MAX("offset") FROM events WHERE session_id = $1)), 0)"#,
        )
        .bind(session_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db("head_offset"))?;
        uint(head, "head_offset")
    }

    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError> {
        let first: Option<i64> =
            sqlx::query_scalar(r#"SELECT MIN("offset") FROM events WHERE session_id = $1"#)
                .bind(session_id)
                .fetch_one(&self.pool)
                .await
                .map_err(db("first_offset"))?;
        first.map(|o| uint(o, "offset")).transpose()
    }

    async fn trim(
        &self,
        scope: TrimScope<'_>,
        retention: &Retention,
    ) -> Result<TrimReport, StoreError> {
        const OP: &str = "trim";
        let mut report = TrimReport::default();
        if retention.is_unlimited() {
            return Ok(report);
        }
        let age_cutoff = retention.age_cutoff(now_unix_millis());
        let ids: Vec<String> = match scope {
            TrimScope::Session(id) => vec![id.to_owned()],
            TrimScope::All => sqlx::query_scalar("SELECT DISTINCT session_id FROM events")
                .fetch_all(&self.pool)
                .await
                .map_err(db(OP))?,
        };
        // One transaction per session, as on SQLite.
        for id in ids {
            let mut tx = self.begin(OP).await?;
            let Some(last) = last_offset(&mut tx, &id, OP).await? else {
                continue;
            };
            let first_young = match &age_cutoff {
                None => None,
                Some(age_cutoff) => {
                    // The first young event: the cost is the events about to go (see SQLite's).
                    let young: Option<i64> = sqlx::query_scalar(
                        r#"SELECT "offset" FROM events WHERE session_id = $1 AND ts >= $2
                       ORDER BY "offset" LIMIT 1"#,
                    )
                    .bind(&id)
                    .bind(age_cutoff)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db(OP))?;
                    Some(young.map(|o| uint(o, "offset")).transpose()?)
                }
            };
            let cutoff = retention.cutoff(last, first_young);
            if cutoff == 0 {
                continue;
            }
            raise_head(&mut tx, &id, last, OP).await?;
            let removed =
                sqlx::query(r#"DELETE FROM events WHERE session_id = $1 AND "offset" <= $2"#)
                    .bind(&id)
                    .bind(int(cutoff))
                    .execute(&mut *tx)
                    .await
                    .map_err(db(OP))?
                    .rows_affected();
            tx.commit().await.map_err(db(OP))?;
            if removed > 0 {
                report.sessions += 1;
                report.events_removed += removed;
            }
        }
        Ok(report)
    }
}
