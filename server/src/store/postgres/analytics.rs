//! Analytics in PostgreSQL: one `GROUP BY` over `sessions` per report. The day is the first
//! ten characters of `started_at` (the stored RFC 3339 UTC text, see the migration), as on
//! SQLite, so a day is a UTC day on every backend.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{CostRow, GroupBy, SessionStatsRow, UsageRow};
use async_trait::async_trait;
use sqlx::postgres::PgRow;

use super::{PostgresStore, get, get_uint};
use crate::store::analytics::derive_rates;
use crate::store::error::db;
use crate::store::session_catalog::ACTIVE_STATUSES;
use crate::store::{Analytics, StoreError, TimeRange};

/// `WHERE` conditions on `started_at` for a range, and their values in order.
fn range_condition(range: &TimeRange) -> (String, Vec<&str>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(from) = &range.from {
        values.push(from.as_str());
        conditions.push(format!("started_at >= ${}", values.len()));
    }
    if let Some(to) = &range.to {
        values.push(to.as_str());
        conditions.push(format!("started_at < ${}", values.len()));
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
impl Analytics for PostgresStore {
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
        let sql = grouped_sql(group, &aggregates, &range_sql);
        self.grouped(&sql, values, "sessions_by", |row| {
            let mut stats = SessionStatsRow {
                key: get(row, "k")?,
                sessions: get_uint(row, "sessions")?,
                completed: get_uint(row, "completed")?,
                failed: get_uint(row, "failed")?,
                cancelled: get_uint(row, "cancelled")?,
                interrupted: get_uint(row, "interrupted")?,
                active: get_uint(row, "active")?,
                success_rate: None,
                avg_duration_ms: None,
                total_duration_ms: get_uint(row, "total_duration_ms")?,
            };
            derive_rates(&mut stats, get_uint(row, "timed_sessions")?);
            Ok(stats)
        })
        .await
    }
}

impl PostgresStore {
    async fn grouped<T>(
        &self,
        sql: &str,
        values: Vec<&str>,
        op: &'static str,
        decode: impl Fn(&PgRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut select = sqlx::query(sql);
        for value in values {
            select = select.bind(value);
        }
        select
            .fetch_all(&self.pool)
            .await
            .map_err(db(op))?
            .iter()
            .map(decode)
            .collect()
    }
}
