//! The event log in SQL: reads, heads and retention over the `events` table, and
//! `collector_files`; the group commit is the [`Dialect`]'s.

use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::rows::{CURSOR_SELECT, cursor_from_row, event_from_row};
use super::{Columns, Dialect, SqlStore, int, last_offset, raise_head, uint};
use crate::clock::now_unix_millis;
use crate::store::error::db;
use crate::store::{
    Direction, EventLog, EventPage, EventQuery, FileCursor, Retention, StoreError, StoredEvent,
    TrimReport, TrimScope,
};

#[async_trait]
impl<DB> EventLog for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> Option<f64>: Encode<'q, DB>,
    f64: Type<DB>,
    DB::Row: Columns,
    usize: ColumnIndex<DB::Row>,
{
    async fn commit(
        &self,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        DB::commit(self, batch, cursors).await
    }

    fn is_shared(&self) -> bool {
        DB::SHARED
    }

    async fn append_at_head(
        &self,
        batch: &mut [StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        DB::append_at_head(self, batch, cursors).await
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
        let sql = DB::sql(&sql);
        let sql = DB::sql(&sql);
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
        let head: i64 = sqlx::query_scalar(&DB::sql(
            r#"SELECT COALESCE(MAX(h), 0) FROM (
                   SELECT head_offset AS h FROM sessions WHERE id = ?
                   UNION ALL
                   SELECT MAX("offset") AS h FROM events WHERE session_id = ?
               ) AS heads"#,
        ))
        .bind(session_id)
        .bind(session_id)
        .fetch_one(&self.reader)
        .await
        .map_err(db("head_offset"))?;
        uint(head, "head_offset")
    }

    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError> {
        let first: Option<i64> = sqlx::query_scalar(&DB::sql(
            r#"SELECT MIN("offset") FROM events WHERE session_id = ?"#,
        ))
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
                    let young: Option<i64> = sqlx::query_scalar(&DB::sql(
                        r#"SELECT "offset" FROM events WHERE session_id = ? AND ts >= ?
                       ORDER BY "offset" LIMIT 1"#,
                    ))
                    .bind(id.as_str())
                    .bind(age_cutoff.as_str())
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
            let done = sqlx::query(&DB::sql(
                r#"DELETE FROM events WHERE session_id = ? AND "offset" <= ?"#,
            ))
            .bind(id.as_str())
            .bind(int(cutoff))
            .execute(&mut *tx)
            .await
            .map_err(db(OP))?;
            let removed = DB::rows_affected(&done);
            tx.commit().await.map_err(db(OP))?;
            if removed > 0 {
                report.sessions += 1;
                report.events_removed += removed;
            }
        }
        Ok(report)
    }
}
