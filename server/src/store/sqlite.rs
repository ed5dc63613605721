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
//! run alongside the writer on their own snapshot. The busy timeout only matters when another
//! process holds the database (a second server, the `sqlite3` shell).
//!
//! SQL: portable except where noted, so that PostgreSQL can follow behind the same trait:
//! `?` placeholders are SQLite's (`$1` in PostgreSQL) and the pragmas are SQLite's by nature;
//! everything else (`ON CONFLICT ... DO UPDATE`, `RETURNING`, `CASE`, `SUBSTR`, `CAST(... AS
//! BIGINT)`) is shared by both.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use agentcast_shared::SessionState;
use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use super::analytics::{CostRow, GroupBy, SessionStatsRow, TimeRange, UsageRow};
use super::error::{db, db_or_conflict};
use super::session::{ACTIVE_STATUSES, parse_source, parse_status, source_str};
use super::{
    Checkpoint, Direction, EventPage, EventQuery, EventStore, McpServer, Project, Retention,
    SessionFilter, SessionRecord, StoreError, StoredEvent, TrimReport, TrimScope, now_ts,
    now_unix_millis,
};

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
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
        }
    }
}

/// The SQLite event store.
pub struct SqliteStore {
    /// A pool of exactly one connection: every write goes through it, one at a time.
    writer: SqlitePool,
    /// Read-only connections.
    reader: SqlitePool,
}

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

const SESSION_COLUMNS: &str = "id, label, project_id, source, command, cwd, model, status, \
     started_at, ended_at, duration_ms, head_offset, total_cost_usd, input_tokens, \
     output_tokens, cache_read_tokens, cache_creation_tokens";

/// [`SESSION_COLUMNS`] to read: `append_batch` does not touch `sessions` (one statement less
/// per session and batch), so the head is the greater of the summary's and the last stored
/// event's. Trimming and deleting raise the summary's before they remove events.
const SESSION_SELECT: &str = r#"id, label, project_id, source, command, cwd, model, status,
     started_at, ended_at, duration_ms,
     CASE WHEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
               > head_offset
          THEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
          ELSE head_offset END AS head_offset,
     total_cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens"#;

impl SqliteStore {
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
            // After a checkpoint, cut the WAL back to 64 MiB rather than keep its peak size.
            .pragma("journal_size_limit", (64 * 1024 * 1024).to_string());
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            // A local file does not drop connections: no ping before each use, no recycling.
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(write)
            .await
            .map_err(db("open"))?;
        MIGRATOR.run(&writer).await?;
        // The writer created the file and switched it to WAL, which is persistent; readers
        // need not (and, read-only, could not) set it.
        let reader = SqlitePoolOptions::new()
            .max_connections(options.read_connections.max(1))
            .test_before_acquire(false)
            .connect_with(common.read_only(true))
            .await
            .map_err(db("open"))?;
        Ok(SqliteStore { writer, reader })
    }

    async fn begin(&self, op: &'static str) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.writer.begin().await.map_err(db(op))
    }
}

/// Offsets and counts are `u64` in Rust and `BIGINT` (signed) in SQL; nothing real comes near
/// the limit, and a client's `after: u64::MAX` still means "after everything".
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn uint(value: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::corrupt(what)(format!("negative: {value}")))
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(column).map_err(db("decode"))
}

fn get_uint(row: &SqliteRow, column: &'static str) -> Result<u64, StoreError> {
    uint(get::<i64>(row, column)?, column)
}

fn json_column<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt(what)(e.to_string()))
}

fn session_from_row(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
    let command: Option<String> = get(row, "command")?;
    Ok(SessionRecord {
        id: get(row, "id")?,
        label: get(row, "label")?,
        project_id: get(row, "project_id")?,
        source: parse_source(&get::<String>(row, "source")?)?,
        command: command
            .map(|c| json_column(&c, "session command"))
            .transpose()?,
        cwd: get(row, "cwd")?,
        model: get(row, "model")?,
        status: parse_status(&get::<String>(row, "status")?)?,
        started_at: get(row, "started_at")?,
        ended_at: get(row, "ended_at")?,
        duration_ms: get::<Option<i64>>(row, "duration_ms")?
            .map(|d| uint(d, "duration_ms"))
            .transpose()?,
        head_offset: get_uint(row, "head_offset")?,
        total_cost_usd: get(row, "total_cost_usd")?,
        input_tokens: get_uint(row, "input_tokens")?,
        output_tokens: get_uint(row, "output_tokens")?,
        cache_read_tokens: get_uint(row, "cache_read_tokens")?,
        cache_creation_tokens: get_uint(row, "cache_creation_tokens")?,
    })
}

fn checkpoint_from_row(row: &SqliteRow) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        id: get(row, "id")?,
        session_id: get(row, "session_id")?,
        label: get(row, "label")?,
        offset: get_uint(row, "offset")?,
        created_at: get(row, "created_at")?,
    })
}

fn project_from_row(row: &SqliteRow) -> Result<Project, StoreError> {
    Ok(Project {
        id: get(row, "id")?,
        name: get(row, "name")?,
        settings: json_column(&get::<String>(row, "settings")?, "project settings")?,
        created_at: get(row, "created_at")?,
    })
}

fn mcp_server_from_row(row: &SqliteRow) -> Result<McpServer, StoreError> {
    Ok(McpServer {
        name: get(row, "name")?,
        command: get(row, "command")?,
        args: json_column(&get::<String>(row, "args")?, "mcp server args")?,
        env: json_column(&get::<String>(row, "env")?, "mcp server env")?,
        created_at: get(row, "created_at")?,
    })
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

/// Raises a session's summary head to `offset`; a session without a summary row is left as
/// it is (its head is then its last stored event's).
async fn raise_head(
    tx: &mut Transaction<'static, Sqlite>,
    session_id: &str,
    offset: u64,
    op: &'static str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET head_offset = ? WHERE id = ? AND head_offset < ?")
        .bind(int(offset))
        .bind(session_id)
        .bind(int(offset))
        .execute(&mut **tx)
        .await
        .map_err(db(op))?;
    Ok(())
}

async fn last_offset(
    tx: &mut Transaction<'static, Sqlite>,
    session_id: &str,
    op: &'static str,
) -> Result<Option<u64>, StoreError> {
    let last: Option<i64> =
        sqlx::query_scalar(r#"SELECT MAX("offset") FROM events WHERE session_id = ?"#)
            .bind(session_id)
            .fetch_one(&mut **tx)
            .await
            .map_err(db(op))?;
    last.map(|o| uint(o, "offset")).transpose()
}

/// `WHERE` conditions on `started_at` for a range, and their values in order.
fn range_condition(range: &TimeRange) -> (String, Vec<&str>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = &range.from {
        conditions.push("started_at >= ?");
        values.push(from.as_str());
    }
    if let Some(to) = &range.to {
        conditions.push("started_at < ?");
        values.push(to.as_str());
    }
    if conditions.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", conditions.join(" AND ")), values)
    }
}

/// The SQL of a group key.
fn group_key(group: GroupBy) -> &'static str {
    match group {
        GroupBy::Day => "SUBSTR(started_at, 1, 10)",
        GroupBy::Model => "model",
        GroupBy::Project => "project_id",
    }
}

/// `SELECT <key> AS k, <aggregates> FROM sessions <range> GROUP BY <key>`, ordered by key with
/// the `NULL` group last (SQLite sorts `NULL` first and PostgreSQL last: say it).
fn grouped_sql(group: GroupBy, aggregates: &str, range_sql: &str) -> String {
    let key = group_key(group);
    format!(
        "SELECT {key} AS k, {aggregates} FROM sessions {range_sql} GROUP BY {key} \
         ORDER BY CASE WHEN {key} IS NULL THEN 1 ELSE 0 END, {key}"
    )
}

#[async_trait]
impl EventStore for SqliteStore {
    #[tracing::instrument(level = "trace", skip_all, fields(events = batch.len()))]
    async fn append_batch(&self, batch: &[StoredEvent]) -> Result<(), StoreError> {
        const OP: &str = "append_batch";
        if batch.is_empty() {
            return Ok(());
        }
        if batch.len() <= MAX_INSERT_ROWS {
            return insert_events(&self.writer, batch, batch.len()).await;
        }
        let mut tx = self.begin(OP).await?;
        for chunk in batch.chunks(MAX_INSERT_ROWS) {
            insert_events(&mut *tx, chunk, batch.len()).await?;
        }
        tx.commit().await.map_err(db(OP))
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
            .map(|row| {
                Ok(StoredEvent {
                    session_id: session_id.clone(),
                    offset: get_uint(row, "offset")?,
                    kind: get(row, "type")?,
                    ts: get(row, "ts")?,
                    data_json: get(row, "data")?,
                })
            })
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

    async fn upsert_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        const OP: &str = "upsert_session";
        let command = s
            .command
            .as_ref()
            .map(|c| serde_json::to_string(c).expect("strings serialize"));
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET \
                 label = excluded.label, project_id = excluded.project_id, \
                 source = excluded.source, command = excluded.command, cwd = excluded.cwd, \
                 model = excluded.model, status = excluded.status, \
                 started_at = excluded.started_at, ended_at = excluded.ended_at, \
                 duration_ms = excluded.duration_ms, \
                 head_offset = CASE WHEN excluded.head_offset > sessions.head_offset \
                     THEN excluded.head_offset ELSE sessions.head_offset END, \
                 total_cost_usd = excluded.total_cost_usd, \
                 input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, \
                 cache_read_tokens = excluded.cache_read_tokens, \
                 cache_creation_tokens = excluded.cache_creation_tokens"
        );
        sqlx::query(&sql)
            .bind(&s.id)
            .bind(&s.label)
            .bind(&s.project_id)
            .bind(source_str(s.source))
            .bind(command)
            .bind(&s.cwd)
            .bind(&s.model)
            .bind(s.status.as_str())
            .bind(&s.started_at)
            .bind(&s.ended_at)
            .bind(s.duration_ms.map(int))
            .bind(int(s.head_offset))
            .bind(s.total_cost_usd)
            .bind(int(s.input_tokens))
            .bind(int(s.output_tokens))
            .bind(int(s.cache_read_tokens))
            .bind(int(s.cache_creation_tokens))
            .execute(&self.writer)
            .await
            .map_err(db(OP))?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql =
            format!("SELECT {SESSION_SELECT} FROM sessions WHERE id = ? AND deleted_at IS NULL");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_session"))?
            .as_ref()
            .map(session_from_row)
            .transpose()
    }

    async fn list_sessions(
        &self,
        filter: SessionFilter,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let status = match filter {
            SessionFilter::Active => "AND status IN (?, ?, ?)",
            SessionFilter::All => "",
        };
        let sql = format!(
            "SELECT {SESSION_SELECT} FROM sessions WHERE deleted_at IS NULL {status} \
             ORDER BY started_at DESC, id LIMIT ?"
        );
        let mut select = sqlx::query(&sql);
        if filter == SessionFilter::Active {
            for state in ACTIVE_STATUSES {
                select = select.bind(state.as_str());
            }
        }
        select
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await
            .map_err(db("list_sessions"))?
            .iter()
            .map(session_from_row)
            .collect()
    }

    async fn mark_interrupted_on_startup(&self) -> Result<Vec<String>, StoreError> {
        const OP: &str = "mark_interrupted_on_startup";
        let rows = sqlx::query(
            r#"UPDATE sessions SET status = ?,
                   ended_at = COALESCE(ended_at, (
                       SELECT ts FROM events WHERE events.session_id = sessions.id
                       ORDER BY "offset" DESC LIMIT 1))
               WHERE status IN (?, ?, ?)
               RETURNING id, deleted_at"#,
        )
        .bind(SessionState::Interrupted.as_str())
        .bind(ACTIVE_STATUSES[0].as_str())
        .bind(ACTIVE_STATUSES[1].as_str())
        .bind(ACTIVE_STATUSES[2].as_str())
        .fetch_all(&self.writer)
        .await
        .map_err(db(OP))?;
        let mut ids = Vec::new();
        for row in &rows {
            if get::<Option<String>>(row, "deleted_at")?.is_none() {
                ids.push(get::<String>(row, "id")?);
            }
        }
        ids.sort();
        Ok(ids)
    }

    async fn delete_session(&self, id: &str) -> Result<bool, StoreError> {
        const OP: &str = "delete_session";
        let mut tx = self.begin(OP).await?;
        if let Some(last) = last_offset(&mut tx, id, OP).await? {
            raise_head(&mut tx, id, last, OP).await?;
        }
        let marked =
            sqlx::query("UPDATE sessions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
                .bind(now_ts())
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db(OP))?
                .rows_affected();
        for sql in [
            "DELETE FROM events WHERE session_id = ?",
            "DELETE FROM checkpoints WHERE session_id = ?",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db(OP))?;
        }
        tx.commit().await.map_err(db(OP))?;
        Ok(marked == 1)
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
            let mut cutoff = retention.count_cutoff(last);
            if let Some(age_cutoff) = &age_cutoff {
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
                let young_cutoff = match young {
                    Some(offset) => uint(offset, "offset")?.saturating_sub(1),
                    None => last,
                };
                cutoff = cutoff.max(young_cutoff);
            }
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

    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<(), StoreError> {
        const OP: &str = "add_checkpoint";
        sqlx::query(
            r#"INSERT INTO checkpoints (id, session_id, label, "offset", created_at)
               VALUES (?, ?, ?, ?, ?)"#,
        )
        .bind(&c.id)
        .bind(&c.session_id)
        .bind(&c.label)
        .bind(int(c.offset))
        .bind(&c.created_at)
        .execute(&self.writer)
        .await
        .map_err(db_or_conflict(OP, "checkpoint", || c.id.clone()))?;
        Ok(())
    }

    async fn get_checkpoint(&self, id: &str) -> Result<Option<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints WHERE id = ?"#,
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db("get_checkpoint"))?
        .as_ref()
        .map(checkpoint_from_row)
        .transpose()
    }

    async fn list_checkpoints(&self, session_id: &str) -> Result<Vec<Checkpoint>, StoreError> {
        sqlx::query(
            r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints
               WHERE session_id = ? ORDER BY "offset", id"#,
        )
        .bind(session_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db("list_checkpoints"))?
        .iter()
        .map(checkpoint_from_row)
        .collect()
    }

    async fn delete_checkpoint(&self, id: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM checkpoints WHERE id = ?",
            id,
            "delete_checkpoint",
        )
        .await
    }

    async fn create_project(&self, p: &Project) -> Result<(), StoreError> {
        const OP: &str = "create_project";
        sqlx::query("INSERT INTO projects (id, name, settings, created_at) VALUES (?, ?, ?, ?)")
            .bind(&p.id)
            .bind(&p.name)
            .bind(p.settings.to_string())
            .bind(&p.created_at)
            .execute(&self.writer)
            .await
            .map_err(db_or_conflict(OP, "project", || p.id.clone()))?;
        Ok(())
    }

    async fn get_project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        sqlx::query("SELECT id, name, settings, created_at FROM projects WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_project"))?
            .as_ref()
            .map(project_from_row)
            .transpose()
    }

    async fn list_projects(&self) -> Result<Vec<Project>, StoreError> {
        sqlx::query("SELECT id, name, settings, created_at FROM projects ORDER BY id")
            .fetch_all(&self.reader)
            .await
            .map_err(db("list_projects"))?
            .iter()
            .map(project_from_row)
            .collect()
    }

    async fn update_project_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        const OP: &str = "update_project_settings";
        let updated = sqlx::query("UPDATE projects SET settings = ? WHERE id = ?")
            .bind(settings.to_string())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db(OP))?
            .rows_affected();
        Ok(updated == 1)
    }

    async fn add_mcp_server(&self, s: &McpServer) -> Result<(), StoreError> {
        const OP: &str = "add_mcp_server";
        sqlx::query(
            "INSERT INTO mcp_servers (name, command, args, env, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&s.name)
        .bind(&s.command)
        .bind(serde_json::to_string(&s.args).expect("strings serialize"))
        .bind(serde_json::to_string(&s.env).expect("a string map serializes"))
        .bind(&s.created_at)
        .execute(&self.writer)
        .await
        .map_err(db_or_conflict(OP, "mcp server", || s.name.clone()))?;
        Ok(())
    }

    async fn get_mcp_server(&self, name: &str) -> Result<Option<McpServer>, StoreError> {
        sqlx::query("SELECT name, command, args, env, created_at FROM mcp_servers WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("get_mcp_server"))?
            .as_ref()
            .map(mcp_server_from_row)
            .transpose()
    }

    async fn list_mcp_servers(&self) -> Result<Vec<McpServer>, StoreError> {
        sqlx::query("SELECT name, command, args, env, created_at FROM mcp_servers ORDER BY name")
            .fetch_all(&self.reader)
            .await
            .map_err(db("list_mcp_servers"))?
            .iter()
            .map(mcp_server_from_row)
            .collect()
    }

    async fn delete_mcp_server(&self, name: &str) -> Result<bool, StoreError> {
        self.delete_by_key(
            "DELETE FROM mcp_servers WHERE name = ?",
            name,
            "delete_mcp_server",
        )
        .await
    }

    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let (range_sql, values) = range_condition(range);
        // CAST: PostgreSQL's SUM of BIGINT is NUMERIC.
        let sql = grouped_sql(
            group,
            "COUNT(*) AS sessions, \
             CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, \
             CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, \
             CAST(SUM(cache_read_tokens) AS BIGINT) AS cache_read_tokens, \
             CAST(SUM(cache_creation_tokens) AS BIGINT) AS cache_creation_tokens",
            &range_sql,
        );
        self.grouped(&sql, values, "usage_by", |row| {
            Ok(UsageRow {
                key: get(row, "k")?,
                sessions: get_uint(row, "sessions")?,
                input_tokens: get_uint(row, "input_tokens")?,
                output_tokens: get_uint(row, "output_tokens")?,
                cache_read_tokens: get_uint(row, "cache_read_tokens")?,
                cache_creation_tokens: get_uint(row, "cache_creation_tokens")?,
            })
        })
        .await
    }

    async fn costs_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<CostRow>, StoreError> {
        let (range_sql, values) = range_condition(range);
        let sql = grouped_sql(
            group,
            "COUNT(*) AS sessions, \
             CAST(COALESCE(SUM(total_cost_usd), 0) AS DOUBLE PRECISION) AS total_cost_usd",
            &range_sql,
        );
        self.grouped(&sql, values, "costs_by", |row| {
            Ok(CostRow {
                key: get(row, "k")?,
                sessions: get_uint(row, "sessions")?,
                total_cost_usd: get(row, "total_cost_usd")?,
            })
        })
        .await
    }

    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError> {
        let (range_sql, values) = range_condition(range);
        let count = |status: SessionState| {
            format!(
                "CAST(SUM(CASE WHEN status = '{0}' THEN 1 ELSE 0 END) AS BIGINT) AS {0}",
                status.as_str()
            )
        };
        let aggregates = [
            "COUNT(*) AS sessions".to_owned(),
            count(SessionState::Completed),
            count(SessionState::Failed),
            count(SessionState::Cancelled),
            count(SessionState::Interrupted),
            format!(
                "CAST(SUM(CASE WHEN status IN ('{}', '{}', '{}') THEN 1 ELSE 0 END) AS BIGINT) \
                 AS active",
                ACTIVE_STATUSES[0].as_str(),
                ACTIVE_STATUSES[1].as_str(),
                ACTIVE_STATUSES[2].as_str(),
            ),
            "COUNT(duration_ms) AS timed_sessions".to_owned(),
            "CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS total_duration_ms".to_owned(),
        ]
        .join(", ");
        let sql = grouped_sql(group, &aggregates, &range_sql);
        self.grouped(&sql, values, "sessions_by", |row| {
            Ok(SessionStatsRow {
                key: get(row, "k")?,
                sessions: get_uint(row, "sessions")?,
                completed: get_uint(row, "completed")?,
                failed: get_uint(row, "failed")?,
                cancelled: get_uint(row, "cancelled")?,
                interrupted: get_uint(row, "interrupted")?,
                active: get_uint(row, "active")?,
                timed_sessions: get_uint(row, "timed_sessions")?,
                total_duration_ms: get_uint(row, "total_duration_ms")?,
            })
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(db("ping"))?;
        Ok(())
    }

    async fn close(&self) {
        // Readers first: the last connection to close checkpoints the WAL into the database.
        self.reader.close().await;
        self.writer.close().await;
    }
}

impl SqliteStore {
    async fn delete_by_key(
        &self,
        sql: &'static str,
        key: &str,
        op: &'static str,
    ) -> Result<bool, StoreError> {
        let deleted = sqlx::query(sql)
            .bind(key)
            .execute(&self.writer)
            .await
            .map_err(db(op))?
            .rows_affected();
        Ok(deleted == 1)
    }

    async fn grouped<T>(
        &self,
        sql: &str,
        values: Vec<&str>,
        op: &'static str,
        decode: impl Fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut select = sqlx::query(sql);
        for value in values {
            select = select.bind(value);
        }
        select
            .fetch_all(&self.reader)
            .await
            .map_err(db(op))?
            .iter()
            .map(decode)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // Readers are read-only.
            let err = sqlx::query("DELETE FROM events")
                .execute(&store.reader)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("readonly"), "{err}");
            store.close().await;
        }
    }
}
