//! SQLite's [`Dialect`]: its placeholders are the shared statements' own, and the group
//! commit appends to `events` in padded multi-row `INSERT`s, with `collector_files`, the
//! transcript read positions, in the same transaction.

use std::sync::OnceLock;

use std::borrow::Cow;

use async_trait::async_trait;
use sqlx::sqlite::SqliteQueryResult;
use sqlx::{Sqlite, Transaction};

use super::SqliteStore;
use crate::clock::now_ts;
use crate::store::error::{db, db_or_conflict};
use crate::store::sql::{Dialect, int};
use crate::store::{FileCursor, StoreError, StoredEvent};

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
impl Dialect for Sqlite {
    fn sql(sql: &str) -> Cow<'_, str> {
        Cow::Borrowed(sql)
    }

    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len(), cursors = cursors.len()))]
    async fn commit(
        store: &SqliteStore,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        const OP: &str = "append_batch";
        if batch.is_empty() && cursors.is_empty() {
            return Ok(());
        }
        // One statement is a transaction by itself: no BEGIN and COMMIT round trips.
        if batch.len() <= MAX_INSERT_ROWS && cursors.is_empty() {
            return insert_events(store.writer(), batch, batch.len()).await;
        }
        let mut tx = store.writer().begin().await.map_err(db(OP))?;
        for chunk in batch.chunks(MAX_INSERT_ROWS) {
            insert_events(&mut *tx, chunk, batch.len()).await?;
        }
        for cursor in cursors {
            upsert_cursor(&mut tx, cursor).await?;
        }
        tx.commit().await.map_err(db(OP))
    }
}
