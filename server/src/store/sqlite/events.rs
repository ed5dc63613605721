//! The event log in SQLite: the `events` table, appended to in padded multi-row `INSERT`s,
//! and `collector_files`, the transcript read positions committed with them.

use std::sync::OnceLock;

use async_trait::async_trait;
use sqlx::{Sqlite, Transaction};

use super::{SqliteStore, last_offset, raise_head};
use crate::clock::{now_ts, now_unix_millis};
use crate::store::error::{db, db_or_conflict};
use crate::store::sql::{CURSOR_SELECT, cursor_from_row, event_from_row, int, uint};
use crate::store::{
    Direction, EventLog, EventPage, EventQuery, FileCursor, Retention, StoreError, StoredEvent,
    TrimReport, TrimScope,
};

/// The rows of one `INSERT` at most (5 parameters a row, SQLite allows 32766).
const MAX_INSERT_ROWS: usize = 1024;

/// The `INSERT` of up to `rows` events, `rows` a power of two: the batch is bound first and
/// the rest of the rows are NULLs that the `WHERE` drops.
///
/// Why padded: each statement is a round trip to sqlx's SQLite worker thread (~40 us here), so
/// one statement per batch beats one per row (6x) or one per power-of-two chunk (+15-40%,
/// measured by the bench), while eleven statement texts (1, 2, 4, ... 1024 rows) stay prepared
/// in the connection's cache whatever sizes group commit produces. A batch that fits one
/// statement needs no BEGIN and COMMIT either: a statement is a transaction by itself.
/// `VALUES` names its columns `column1`.. in SQLite and PostgreSQL alike (PostgreSQL will want
/// the parameters cast, `$1::text`).
fn insert_events_sql(rows: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    let texts = SQL.get_or_init(|| {
        (0..=MAX_INSERT_ROWS.ilog2())
            .map(|power| {
                let values = vec!["(?, ?, ?, ?, ?)"; 1 << power].join(", ");
                format!(
                    r#"INSERT INTO events (session_id, "offset", type, ts, data)
                       SELECT column1, column2, column3, column4, column5
                       FROM (VALUES {values}) AS padded WHERE column1 IS NOT NULL"#
                )
            })
            .collect()
    });
    debug_assert!(rows.is_power_of_two() && rows <= MAX_INSERT_ROWS);
    &texts[rows.ilog2() as usize]
}

/// One `INSERT` of `chunk` (at most [`MAX_INSERT_ROWS`] events), padded to a power of two;
/// `batch_len` names the batch in a conflict.
async fn insert_events<'e, E>(
    executor: E,
    chunk: &[StoredEvent],
    batch_len: usize,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = Sqlite>,
{
    let rows = chunk.len().next_power_of_two();
    let mut insert = sqlx::query(insert_events_sql(rows));
    for event in chunk {
        insert = insert
            .bind(&*event.session_id)
            .bind(int(event.offset))
            .bind(event.kind.as_str())
            .bind(event.ts.as_str())
            .bind(event.data_json.as_str());
    }
    for _ in chunk.len()..rows {
        insert = insert
            .bind(None::<&str>)
            .bind(None::<i64>)
            .bind(None::<&str>)
            .bind(None::<&str>)
            .bind(None::<&str>);
    }
    insert
        .execute(executor)
        .await
        .map_err(db_or_conflict("append_batch", "event", || {
            format!("(session, offset) of a batch of {batch_len}")
        }))?;
    Ok(())
}

/// Stores a transcript file's read position, replacing the one of its path.
async fn upsert_cursor(
    tx: &mut Transaction<'static, Sqlite>,
    cursor: &FileCursor,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO collector_files (path, agent, session_id, position, file_id, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (path) DO UPDATE SET agent = excluded.agent, \
             session_id = excluded.session_id, position = excluded.position, \
             file_id = excluded.file_id, updated_at = excluded.updated_at",
    )
    .bind(&cursor.path)
    .bind(cursor.agent.as_str())
    .bind(&cursor.session_id)
    .bind(int(cursor.position))
    .bind(&cursor.file_id)
    .bind(now_ts())
    .execute(&mut **tx)
    .await
    .map_err(db("append_batch"))?;
    Ok(())
}

#[async_trait]
impl EventLog for SqliteStore {
    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len(), cursors = cursors.len()))]
    async fn commit(
        &self,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        const OP: &str = "append_batch";
        if batch.is_empty() && cursors.is_empty() {
            return Ok(());
        }
        // One statement is a transaction by itself: no BEGIN and COMMIT round trips.
        if batch.len() <= MAX_INSERT_ROWS && cursors.is_empty() {
            return insert_events(&self.writer, batch, batch.len()).await;
        }
        let mut tx = self.begin(OP).await?;
        for chunk in batch.chunks(MAX_INSERT_ROWS) {
            insert_events(&mut *tx, chunk, batch.len()).await?;
        }
        for cursor in cursors {
            upsert_cursor(&mut tx, cursor).await?;
        }
        tx.commit().await.map_err(db(OP))
    }

    async fn file_cursors(&self) -> Result<Vec<FileCursor>, StoreError> {
        sqlx::query(CURSOR_SELECT)
            .fetch_all(&self.reader)
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
        let mut sql = String::from(
            r#"SELECT "offset", type, ts, data FROM events WHERE session_id = ? AND "offset" > ?"#,
        );
        if query.before.is_some() {
            sql.push_str(r#" AND "offset" < ?"#);
        }
        if let Some(types) = query.types {
            if types.is_empty() {
                return Ok(EventPage::default());
            }
            sql.push_str(" AND type IN (");
            sql.push_str(&vec!["?"; types.len()].join(", "));
            sql.push(')');
        }
        sql.push_str(match query.direction {
            Direction::Forward => r#" ORDER BY "offset" LIMIT ?"#,
            Direction::Backward => r#" ORDER BY "offset" DESC LIMIT ?"#,
        });
        let mut select = sqlx::query(&sql).bind(session_id).bind(int(query.after));
        if let Some(before) = query.before {
            select = select.bind(int(before));
        }
        for kind in query.types.unwrap_or_default() {
            select = select.bind(*kind);
        }
        // One more than asked tells whether there is more.
        let rows = select
            .bind(i64::from(query.limit) + 1)
            .fetch_all(&self.reader)
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
        let head: i64 = sqlx::query_scalar(
            r#"SELECT COALESCE(MAX(h), 0) FROM (
                   SELECT head_offset AS h FROM sessions WHERE id = ?
                   UNION ALL
                   SELECT MAX("offset") AS h FROM events WHERE session_id = ?
               ) AS heads"#,
        )
        .bind(session_id)
        .bind(session_id)
        .fetch_one(&self.reader)
        .await
        .map_err(db("head_offset"))?;
        uint(head, "head_offset")
    }

    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError> {
        let first: Option<i64> =
            sqlx::query_scalar(r#"SELECT MIN("offset") FROM events WHERE session_id = ?"#)
                .bind(session_id)
                .fetch_one(&self.reader)
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
                .fetch_all(&self.reader)
                .await
                .map_err(db(OP))?,
        };
        // One transaction per session: the writer is never held for the whole sweep.
        for id in ids {
            let mut tx = self.begin(OP).await?;
            let Some(last) = last_offset(&mut tx, &id, OP).await? else {
                continue;
            };
            let first_young = match &age_cutoff {
                None => None,
                Some(age_cutoff) => {
                    // Walks from the oldest event and stops at the first young one: the cost is
                    // the number of events about to go, not the session's length.
                    let young: Option<i64> = sqlx::query_scalar(
                        r#"SELECT "offset" FROM events WHERE session_id = ? AND ts >= ?
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
                sqlx::query(r#"DELETE FROM events WHERE session_id = ? AND "offset" <= ?"#)
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
