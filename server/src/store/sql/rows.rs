//! The statements the SQL backends share (with `?` placeholders, which a [`Dialect`](super::Dialect) writes
//! as its database does) and the rows they read decoded into the store's records through
//! [`Columns`]; the analytics' reports.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{
    Checkpoint, CostRow, GroupBy, McpServer, McpServerConfig, Project, SessionRecord,
    SessionStatsRow, UsageRow,
};

use super::{Columns, json_column};
use crate::store::analytics::derive_rates;
use crate::store::session_catalog::{ACTIVE_STATUSES, parse_agent, parse_source, parse_status};
use crate::store::{FileCursor, StoreError, StoredEvent, TimeRange};

// Sessions.

/// A session's record, read: `append_batch` does not touch `sessions` (one statement less
/// per session and batch), so the head is the greater of the summary's and the last stored
/// event's. Trimming and deleting raise the summary's before they remove events.
pub(crate) const SESSION_SELECT: &str = r#"SELECT id, label, project_id, source, command, cwd,
     model, status, started_at, ended_at, duration_ms,
     CASE WHEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
               > head_offset
          THEN (SELECT MAX("offset") FROM events WHERE events.session_id = sessions.id)
          ELSE head_offset END AS head_offset,
     total_cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
     agent, agent_session_id, cli_version, git_branch
     FROM sessions"#;

/// Inserts or replaces a session's record ([`bind_session!`] binds it); the head only moves
/// forward and `deleted_at` is left as it is.
pub(crate) const UPSERT_SESSION: &str = "INSERT INTO sessions (id, label, project_id, source, \
     command, cwd, model, status, started_at, ended_at, duration_ms, head_offset, \
     total_cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, \
     agent, agent_session_id, cli_version, git_branch) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
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
         cache_creation_tokens = excluded.cache_creation_tokens, \
         agent = excluded.agent, agent_session_id = excluded.agent_session_id, \
         cli_version = excluded.cli_version, git_branch = excluded.git_branch";

/// Binds a [`SessionRecord`] to [`UPSERT_SESSION`] (a macro: the query types of the two
/// databases differ).
macro_rules! bind_session {
    ($query:expr, $s:expr) => {{
        let s: &agentcast_shared::rest::SessionRecord = $s;
        let int = $crate::store::sql::int;
        $query
            .bind(s.id.as_str())
            .bind(s.label.as_deref())
            .bind(s.project_id.as_deref())
            .bind(s.source.as_str())
            .bind(
                s.command
                    .as_ref()
                    .map(|c| serde_json::to_string(c).expect("strings serialize")),
            )
            .bind(s.cwd.as_deref())
            .bind(s.model.as_deref())
            .bind(s.status.as_str())
            .bind(s.started_at.as_str())
            .bind(s.ended_at.as_deref())
            .bind(s.duration_ms.map(int))
            .bind(int(s.head_offset))
            .bind(s.total_cost_usd)
            .bind(int(s.input_tokens))
            .bind(int(s.output_tokens))
            .bind(int(s.cache_read_tokens))
            .bind(int(s.cache_creation_tokens))
            .bind(s.agent.map(|a| a.as_str()))
            .bind(s.agent_session_id.as_deref())
            .bind(s.cli_version.as_deref())
            .bind(s.git_branch.as_deref())
    }};
}
pub(crate) use bind_session;

/// A row of [`SESSION_SELECT`].
pub(crate) fn session_from_row(row: &impl Columns) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.text("id")?,
        label: row.text_opt("label")?,
        project_id: row.text_opt("project_id")?,
        source: parse_source(&row.text("source")?)?,
        command: row
            .text_opt("command")?
            .map(|c| json_column(&c, "session command"))
            .transpose()?,
        cwd: row.text_opt("cwd")?,
        model: row.text_opt("model")?,
        status: parse_status(&row.text("status")?)?,
        started_at: row.text("started_at")?,
        ended_at: row.text_opt("ended_at")?,
        duration_ms: row.uint_opt("duration_ms")?,
        head_offset: row.uint("head_offset")?,
        total_cost_usd: row.float_opt("total_cost_usd")?,
        input_tokens: row.uint("input_tokens")?,
        output_tokens: row.uint("output_tokens")?,
        cache_read_tokens: row.uint("cache_read_tokens")?,
        cache_creation_tokens: row.uint("cache_creation_tokens")?,
        agent: row
            .text_opt("agent")?
            .map(|a| parse_agent(&a))
            .transpose()?,
        agent_session_id: row.text_opt("agent_session_id")?,
        cli_version: row.text_opt("cli_version")?,
        git_branch: row.text_opt("git_branch")?,
    })
}

/// The columns of a checkpoint.
pub(crate) const CHECKPOINT_SELECT: &str =
    r#"SELECT id, session_id, label, "offset", created_at FROM checkpoints"#;

pub(crate) fn checkpoint_from_row(row: &impl Columns) -> Result<Checkpoint, StoreError> {
    Ok(Checkpoint {
        id: row.text("id")?,
        session_id: row.text("session_id")?,
        label: row.text_opt("label")?,
        offset: row.uint("offset")?,
        created_at: row.text("created_at")?,
    })
}

// Events and cursors.

/// The columns of a transcript file's read position, by path.
pub(crate) const CURSOR_SELECT: &str =
    "SELECT path, agent, session_id, position, file_id FROM collector_files ORDER BY path";

/// A row of `SELECT "offset", type, ts, data FROM events`, of `session_id`.
pub(crate) fn event_from_row(
    row: &impl Columns,
    session_id: &std::sync::Arc<str>,
) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        session_id: session_id.clone(),
        offset: row.uint("offset")?,
        kind: row.text("type")?,
        ts: row.text("ts")?,
        data_json: row.text("data")?,
    })
}

pub(crate) fn cursor_from_row(row: &impl Columns) -> Result<FileCursor, StoreError> {
    Ok(FileCursor {
        path: row.text("path")?,
        agent: parse_agent(&row.text("agent")?)?,
        session_id: row.text("session_id")?,
        position: row.uint("position")?,
        file_id: row.text_opt("file_id")?,
    })
}

// Projects and MCP servers.

/// A project's columns, and its live sessions counted.
pub(crate) const PROJECT_SELECT: &str = "SELECT id, name, settings, created_at, path, \
     (SELECT COUNT(*) FROM sessions s WHERE s.project_id = projects.id \
         AND s.deleted_at IS NULL) AS session_count \
     FROM projects";

pub(crate) const INSERT_PROJECT: &str =
    "INSERT INTO projects (id, name, settings, created_at, path) VALUES (?, ?, ?, ?, ?)";

pub(crate) fn project_from_row(row: &impl Columns) -> Result<Project, StoreError> {
    Ok(Project {
        id: row.text("id")?,
        name: row.text("name")?,
        settings: json_column(&row.text("settings")?, "project settings")?,
        created_at: row.text("created_at")?,
        path: row.text_opt("path")?,
        session_count: row.uint("session_count")?,
    })
}

pub(crate) const MCP_SERVER_SELECT: &str =
    "SELECT name, command, args, env, created_at FROM mcp_servers";

pub(crate) const INSERT_MCP_SERVER: &str =
    "INSERT INTO mcp_servers (name, command, args, env, created_at) VALUES (?, ?, ?, ?, ?)";

pub(crate) fn mcp_server_from_row(row: &impl Columns) -> Result<McpServer, StoreError> {
    Ok(McpServer {
        config: McpServerConfig {
            name: row.text("name")?,
            command: row.text("command")?,
            args: json_column(&row.text("args")?, "mcp server args")?,
            env: json_column(&row.text("env")?, "mcp server env")?,
        },
        created_at: row.text("created_at")?,
    })
}

/// An MCP server's JSON columns: `args` and `env` as text.
pub(crate) fn mcp_server_json(server: &McpServerConfig) -> (String, String) {
    (
        serde_json::to_string(&server.args).expect("strings serialize"),
        serde_json::to_string(&server.env).expect("a string map serializes"),
    )
}

// Analytics: one `GROUP BY` over `sessions` per report.

/// A report's statement and the values of its `?`s (the range's bounds, in order).
pub(crate) struct Grouped<'a> {
    pub sql: String,
    pub values: Vec<&'a str>,
}

/// `SELECT <key> AS k, <aggregates> FROM sessions <range> GROUP BY <key>`, ordered by key with
/// the `NULL` group last (SQLite sorts `NULL` first and PostgreSQL last: say it). The day is
/// the first ten characters of the stored RFC 3339 UTC `started_at`: a UTC day on both.
fn grouped<'a>(group: GroupBy, aggregates: &str, range: &'a TimeRange) -> Grouped<'a> {
    let key = match group {
        GroupBy::Day => "SUBSTR(started_at, 1, 10)",
        GroupBy::Model => "model",
        GroupBy::Project => "project_id",
    };
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
    let range_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    Grouped {
        sql: format!(
            "SELECT {key} AS k, {aggregates} FROM sessions {range_sql} GROUP BY {key} \
             ORDER BY CASE WHEN {key} IS NULL THEN 1 ELSE 0 END, {key}"
        ),
        values,
    }
}

/// Tokens per group. CAST: PostgreSQL's SUM of BIGINT is NUMERIC.
pub(crate) fn usage_sql(group: GroupBy, range: &TimeRange) -> Grouped<'_> {
    grouped(
        group,
        "COUNT(*) AS sessions, \
         CAST(SUM(input_tokens) AS BIGINT) AS input_tokens, \
         CAST(SUM(output_tokens) AS BIGINT) AS output_tokens, \
         CAST(SUM(cache_read_tokens) AS BIGINT) AS cache_read_tokens, \
         CAST(SUM(cache_creation_tokens) AS BIGINT) AS cache_creation_tokens",
        range,
    )
}

pub(crate) fn usage_row(row: &impl Columns) -> Result<UsageRow, StoreError> {
    Ok(UsageRow {
        key: row.text_opt("k")?,
        sessions: row.uint("sessions")?,
        input_tokens: row.uint("input_tokens")?,
        output_tokens: row.uint("output_tokens")?,
        cache_read_tokens: row.uint("cache_read_tokens")?,
        cache_creation_tokens: row.uint("cache_creation_tokens")?,
    })
}

/// Cost per group.
pub(crate) fn costs_sql(group: GroupBy, range: &TimeRange) -> Grouped<'_> {
    grouped(
        group,
        "COUNT(*) AS sessions, \
         CAST(COALESCE(SUM(total_cost_usd), 0) AS DOUBLE PRECISION) AS total_cost_usd",
        range,
    )
}

pub(crate) fn cost_row(row: &impl Columns) -> Result<CostRow, StoreError> {
    Ok(CostRow {
        key: row.text_opt("k")?,
        sessions: row.uint("sessions")?,
        total_cost_usd: row.float("total_cost_usd")?,
    })
}

/// Session counts, outcomes and durations per group.
pub(crate) fn sessions_sql(group: GroupBy, range: &TimeRange) -> Grouped<'_> {
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
            "CAST(SUM(CASE WHEN status IN ('{}', '{}', '{}', '{}') THEN 1 ELSE 0 END) \
             AS BIGINT) AS active",
            ACTIVE_STATUSES[0].as_str(),
            ACTIVE_STATUSES[1].as_str(),
            ACTIVE_STATUSES[2].as_str(),
            ACTIVE_STATUSES[3].as_str(),
        ),
        "COUNT(duration_ms) AS timed_sessions".to_owned(),
        "CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS total_duration_ms".to_owned(),
    ]
    .join(", ");
    grouped(group, &aggregates, range)
}

pub(crate) fn session_stats_row(row: &impl Columns) -> Result<SessionStatsRow, StoreError> {
    let mut stats = SessionStatsRow {
        key: row.text_opt("k")?,
        sessions: row.uint("sessions")?,
        completed: row.uint("completed")?,
        failed: row.uint("failed")?,
        cancelled: row.uint("cancelled")?,
        interrupted: row.uint("interrupted")?,
        active: row.uint("active")?,
        success_rate: None,
        avg_duration_ms: None,
        total_duration_ms: row.uint("total_duration_ms")?,
    };
    derive_rates(&mut stats, row.uint("timed_sessions")?);
    Ok(stats)
}
