//! [`SqlStore`]: the store on a SQL database, written once for SQLite and PostgreSQL. The four
//! concerns are generic over the database (`events`, `sessions`, `projects`, `analytics`, one
//! trait each), over the statements and rows of `rows`; what differs is a [`Dialect`]:
//! how a statement's placeholders are written, and how a batch is appended (the group commit:
//! SQLite's padded multi-row `INSERT`, PostgreSQL's one `UNNEST` statement), in the backends'
//! own directories, with how they connect.
//!
//! The generic impls each state the same bounds (the `where` clauses below `SqlStore`): what
//! sqlx needs to run a statement on `DB`, and the Rust types bound and read. Rust does not
//! carry such bounds with a trait, so each impl says them again; both databases meet them.

mod analytics;
mod events;
mod projects;
pub(crate) mod rows;
mod sessions;

use std::borrow::Cow;
use std::fmt::Write;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};

use super::error::db;
use super::{Backend, ChangeFeed, FileCursor, StoreError, StoredEvent};

/// How long a health check waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// The store on one SQL database: every concern of the store in it.
pub struct SqlStore<DB: Database> {
    /// Where writes go: SQLite's single writer connection, PostgreSQL's pool.
    pub(crate) writer: Pool<DB>,
    /// Where reads go: SQLite's read-only connections, PostgreSQL's same pool.
    pub(crate) reader: Pool<DB>,
    /// SQLite's WAL checkpointer (PostgreSQL checkpoints on its own); it stops when the store
    /// is closed or dropped.
    pub(crate) checkpointer: Option<super::sqlite::Checkpointer>,
}

/// What one SQL database does its own way.
#[async_trait]
pub trait Dialect: Database {
    /// `sql`, written with `?` placeholders, as this database takes it.
    fn sql(sql: &str) -> Cow<'_, str>;

    /// The rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// [`EventLog::commit`](super::EventLog::commit): the batch and the cursors in one
    /// transaction.
    async fn commit(
        store: &SqlStore<Self>,
        batch: &[StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError>;

    /// [`EventLog::is_shared`](super::EventLog::is_shared).
    const SHARED: bool = false;

    /// [`Backend::change_feed`]; none for a database only one server writes.
    fn change_feed(_store: &SqlStore<Self>) -> Option<Box<dyn ChangeFeed>> {
        None
    }

    /// [`EventLog::append_at_head`](super::EventLog::append_at_head); a database only one
    /// server writes keeps the offsets its sequencer gave.
    async fn append_at_head(
        store: &SqlStore<Self>,
        batch: &mut [StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        Self::commit(store, batch, cursors).await
    }
}

impl<DB: Database> SqlStore<DB> {
    /// The read connections, for `db copy`.
    pub(crate) fn reader(&self) -> &Pool<DB> {
        &self.reader
    }

    /// The write connections, for `db copy`.
    pub(crate) fn writer(&self) -> &Pool<DB> {
        &self.writer
    }
}

impl<DB> SqlStore<DB>
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
    async fn begin(&self, op: &'static str) -> Result<Transaction<'static, DB>, StoreError> {
        self.writer.begin().await.map_err(db(op))
    }

    /// Runs a `DELETE ... WHERE <key> = ?`; true when it removed the row.
    async fn delete_by_key(
        &self,
        sql: &'static str,
        key: &str,
        op: &'static str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(&DB::sql(sql))
            .bind(key)
            .execute(&self.writer)
            .await
            .map_err(db(op))?;
        Ok(DB::rows_affected(&done) == 1)
    }
}

/// Raises a session's summary head to `offset`; a session without a summary row is left as
/// it is (its head is then its last stored event's).
async fn raise_head<DB>(
    tx: &mut Transaction<'static, DB>,
    session_id: &str,
    offset: u64,
    op: &'static str,
) -> Result<(), StoreError>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    sqlx::query(&DB::sql(
        "UPDATE sessions SET head_offset = ? WHERE id = ? AND head_offset < ?",
    ))
    .bind(int(offset))
    .bind(session_id)
    .bind(int(offset))
    .execute(&mut **tx)
    .await
    .map_err(db(op))?;
    Ok(())
}

/// A session's last stored offset.
async fn last_offset<DB>(
    tx: &mut Transaction<'static, DB>,
    session_id: &str,
    op: &'static str,
) -> Result<Option<u64>, StoreError>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Decode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    let last: Option<i64> = sqlx::query_scalar(&DB::sql(
        r#"SELECT MAX("offset") FROM events WHERE session_id = ?"#,
    ))
    .bind(session_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(db(op))?;
    last.map(|o| uint(o, "offset")).transpose()
}

#[async_trait]
impl<DB> Backend for SqlStore<DB>
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
    fn change_feed(&self) -> Option<Box<dyn ChangeFeed>> {
        DB::change_feed(self)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let ping = sqlx::query("SELECT 1").execute(&self.reader);
        match tokio::time::timeout(PING_TIMEOUT, ping).await {
            Ok(done) => done.map(drop).map_err(db("ping")),
            Err(_) => Err(StoreError::Database {
                op: "ping",
                source: sqlx::Error::PoolTimedOut,
            }),
        }
    }

    async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
        }
        // Readers first: SQLite's last connection to close checkpoints the WAL.
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// Offsets and counts are `u64` in Rust and `BIGINT` (signed) in SQL; nothing real comes near
/// the limit, and a client's `after: u64::MAX` still means "after everything".
pub(crate) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(crate) fn uint(value: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(what)(format!("negative: {value}")))
}

/// A JSON column (stored as text) back into its value.
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what)(e.to_string()))
}

/// `sql` with its `?` placeholders numbered `$1`, `$2`, ... for PostgreSQL. The statements
/// here have no `?` inside a string literal.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            write!(out, "${n}").expect("writing to a String");
        } else {
            out.push(c);
        }
    }
    out
}

/// The columns of a row of either database, as the store's types, a failure being a
/// [`StoreError`].
pub trait Columns {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn text_opt(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn uint(&self, column: &'static str) -> Result<u64, StoreError>;
    fn uint_opt(&self, column: &'static str) -> Result<Option<u64>, StoreError>;
    fn float(&self, column: &str) -> Result<f64, StoreError>;
    fn float_opt(&self, column: &str) -> Result<Option<f64>, StoreError>;
}

impl<R: Row> Columns for R
where
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    fn text(&self, column: &str) -> Result<String, StoreError> {
        self.try_get(column).map_err(db("decode"))
    }

    fn text_opt(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(db("decode"))
    }

    fn uint(&self, column: &'static str) -> Result<u64, StoreError> {
        uint(self.try_get(column).map_err(db("decode"))?, column)
    }

    fn uint_opt(&self, column: &'static str) -> Result<Option<u64>, StoreError> {
        let value: Option<i64> = self.try_get(column).map_err(db("decode"))?;
        value.map(|v| uint(v, column)).transpose()
    }

    fn float(&self, column: &str) -> Result<f64, StoreError> {
        self.try_get(column).map_err(db("decode"))
    }

    fn float_opt(&self, column: &str) -> Result<Option<f64>, StoreError> {
        self.try_get(column).map_err(db("decode"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("UPDATE t SET a = ? WHERE b = ? AND c IN (?, ?)"),
            "UPDATE t SET a = $1 WHERE b = $2 AND c IN ($3, $4)"
        );
    }
}
