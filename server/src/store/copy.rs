//! `agentcast db copy`: a data directory's history, from its SQLite database into PostgreSQL
//! ([`copy_sqlite_to_postgres`]), table by table, so that a server started with
//! `--database-url` on the target serves the same sessions with the same offsets.
//!
//! Every row is copied as stored, deleted sessions (the analytics count them) and the
//! collectors' file positions (so collecting resumes where it was) included. Safety:
//!
//! - The source is read in one read transaction: a snapshot, consistent even while a server
//!   writes to it (what it commits afterwards is not copied; stop it first to move everything).
//!   Its schema is brought up to date first, as a server start would.
//! - The target is written in one transaction: a copy that fails leaves it as it was, and a
//!   second run starts over.
//! - A target that holds anything is refused, unless `replace` says to empty it first (in the
//!   same transaction).

use std::path::{Path, PathBuf};

use futures_util::TryStreamExt;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Row, Transaction};

use super::{Backend, StoreError, SynchronousCommit};
use super::{DB_FILE, DatabaseUrl, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore};

/// Rows per `INSERT` into the target.
const CHUNK: usize = 5_000;

/// What went wrong in a copy.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("no SQLite database at {0} (give a data directory holding {DB_FILE}, or the file)")]
    NoSource(PathBuf),
    #[error(
        "the target already holds {rows} rows: refusing to mix histories (pass --replace to \
         empty it first)"
    )]
    NotEmpty { rows: i64 },
    #[error("copying {table}: {source}")]
    Table {
        table: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rows copied, per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub sessions: u64,
    pub events: u64,
    pub checkpoints: u64,
    pub projects: u64,
    pub mcp_servers: u64,
    pub file_cursors: u64,
}

/// A column's SQL type, as both databases store it.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Float,
}

/// A table: its columns (in both schemas) and the order rows are copied in.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    order_by: &'static str,
}

use Kind::{Float, Int, Text};

const TABLES: [Table; 6] = [
    Table {
        name: "sessions",
        columns: &[
            ("id", Text),
            ("label", Text),
            ("project_id", Text),
            ("source", Text),
            ("command", Text),
            ("cwd", Text),
            ("model", Text),
            ("status", Text),
            ("started_at", Text),
            ("ended_at", Text),
            ("duration_ms", Int),
            ("head_offset", Int),
            ("total_cost_usd", Float),
            ("input_tokens", Int),
            ("output_tokens", Int),
            ("cache_read_tokens", Int),
            ("cache_creation_tokens", Int),
            ("deleted_at", Text),
            ("agent", Text),
            ("agent_session_id", Text),
            ("cli_version", Text),
            ("git_branch", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "events",
        columns: &[
            ("session_id", Text),
            ("\"offset\"", Int),
            ("type", Text),
            ("ts", Text),
            ("data", Text),
        ],
        order_by: "session_id, \"offset\"",
    },
    Table {
        name: "checkpoints",
        columns: &[
            ("id", Text),
            ("session_id", Text),
            ("label", Text),
            ("\"offset\"", Int),
            ("created_at", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "projects",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("settings", Text),
            ("created_at", Text),
            ("path", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "mcp_servers",
        columns: &[
            ("name", Text),
            ("command", Text),
            ("args", Text),
            ("env", Text),
            ("created_at", Text),
        ],
        order_by: "name",
    },
    Table {
        name: "collector_files",
        columns: &[
            ("path", Text),
            ("agent", Text),
            ("session_id", Text),
            ("position", Int),
            ("file_id", Text),
            ("updated_at", Text),
        ],
        order_by: "path",
    },
];

/// The SQLite database `from` names: a data directory (its [`DB_FILE`]), the file itself, or
/// a `sqlite://` URL of either.
pub fn sqlite_source(from: &str) -> Result<PathBuf, CopyError> {
    let path = Path::new(
        from.strip_prefix("sqlite://")
            .or_else(|| from.strip_prefix("sqlite:"))
            .unwrap_or(from),
    );
    let file = if path.is_dir() {
        path.join(DB_FILE)
    } else {
        path.to_owned()
    };
    if file.is_file() {
        Ok(file)
    } else {
        Err(CopyError::NoSource(file))
    }
}

/// Copies the SQLite database at `from` into the PostgreSQL database at `to` (see the module
/// doc); `progress` is called with each table's name and rows copied so far.
pub async fn copy_sqlite_to_postgres(
    from: &Path,
    to: &DatabaseUrl,
    replace: bool,
    mut progress: impl FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    let source = SqliteStore::open(from, SqliteOptions::default()).await?;
    let target = PostgresStore::open(
        to,
        PostgresOptions {
            synchronous_commit: SynchronousCommit::On,
            ..PostgresOptions::default()
        },
    )
    .await?;
    let table_error = |table| move |source| CopyError::Table { table, source };
    let mut tx = target
        .writer()
        .begin()
        .await
        .map_err(table_error("target"))?;
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    if replace {
        sqlx::query(&format!("TRUNCATE {}", names.join(", ")))
            .execute(&mut *tx)
            .await
            .map_err(table_error("target"))?;
    } else {
        let counts: Vec<String> = names
            .iter()
            .map(|name| format!("(SELECT COUNT(*) FROM {name})"))
            .collect();
        let rows: i64 = sqlx::query_scalar(&format!("SELECT {}", counts.join(" + ")))
            .fetch_one(&mut *tx)
            .await
            .map_err(table_error("target"))?;
        if rows > 0 {
            return Err(CopyError::NotEmpty { rows });
        }
    }
    // One read transaction: every table from the same snapshot.
    let mut snapshot = source
        .reader()
        .begin()
        .await
        .map_err(table_error("source"))?;
    let mut copied = Vec::new();
    for table in &TABLES {
        let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
        let select = format!(
            "SELECT {} FROM {} ORDER BY {}",
            columns.join(", "),
            table.name,
            table.order_by
        );
        let mut rows = sqlx::query(&select).fetch(&mut *snapshot);
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut count = 0;
        while let Some(row) = rows.try_next().await.map_err(table_error(table.name))? {
            chunk.push(row);
            if chunk.len() == CHUNK {
                count += insert(&mut tx, table, &chunk).await?;
                chunk.clear();
                progress(table.name, count);
            }
        }
        count += insert(&mut tx, table, &chunk).await?;
        progress(table.name, count);
        copied.push(count);
    }
    drop(snapshot);
    tx.commit().await.map_err(table_error("target"))?;
    source.close().await;
    target.close().await;
    Ok(CopyReport {
        sessions: copied[0],
        events: copied[1],
        checkpoints: copied[2],
        projects: copied[3],
        mcp_servers: copied[4],
        file_cursors: copied[5],
    })
}

/// One `INSERT ... SELECT FROM UNNEST(...)` of `rows` into `table`: a column's values as one
/// array, whatever the number of rows.
async fn insert(
    tx: &mut Transaction<'static, Postgres>,
    table: &Table,
    rows: &[SqliteRow],
) -> Result<u64, CopyError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let error = |source| CopyError::Table {
        table: table.name,
        source,
    };
    let mut arrays = Vec::new();
    let mut names = Vec::new();
    let mut arguments = PgArguments::default();
    for (i, (name, kind)) in table.columns.iter().enumerate() {
        names.push(*name);
        let cast = match kind {
            Text => "text[]",
            Int => "bigint[]",
            Float => "double precision[]",
        };
        arrays.push(format!("${}::{cast}", i + 1));
        let added = match kind {
            Text => column::<String>(rows, i).and_then(|v| add(&mut arguments, v)),
            Int => column::<i64>(rows, i).and_then(|v| add(&mut arguments, v)),
            Float => column::<f64>(rows, i).and_then(|v| add(&mut arguments, v)),
        };
        added.map_err(error)?;
    }
    let sql = format!(
        "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
        table.name,
        names.join(", "),
        arrays.join(", ")
    );
    let inserted = sqlx::query_with(&sql, arguments)
        .execute(&mut **tx)
        .await
        .map_err(error)?;
    Ok(inserted.rows_affected())
}

/// Column `i` of every row.
fn column<T>(rows: &[SqliteRow], i: usize) -> Result<Vec<Option<T>>, sqlx::Error>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    rows.iter().map(|row| row.try_get(i)).collect()
}

fn add<T>(arguments: &mut PgArguments, values: Vec<Option<T>>) -> Result<(), sqlx::Error>
where
    T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + sqlx::postgres::PgHasArrayType,
{
    use sqlx::Arguments;
    arguments.add(values).map_err(sqlx::Error::Encode)
}
