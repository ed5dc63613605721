//! Analytics in PostgreSQL: the shared reports (`store::sql`), one `GROUP BY` over `sessions`
//! each.

use agentcast_shared::rest::{CostRow, GroupBy, SessionStatsRow, UsageRow};
use async_trait::async_trait;
use sqlx::postgres::PgRow;

use super::PostgresStore;
use crate::store::error::db;
use crate::store::sql::{self, Grouped};
use crate::store::{Analytics, StoreError, TimeRange};

#[async_trait]
impl Analytics for PostgresStore {
    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let report = sql::usage_sql(group, range);
        self.grouped(report, "usage_by", sql::usage_row).await
    }

    async fn costs_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<CostRow>, StoreError> {
        let report = sql::costs_sql(group, range);
        self.grouped(report, "costs_by", sql::cost_row).await
    }

    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError> {
        let report = sql::sessions_sql(group, range);
        self.grouped(report, "sessions_by", sql::session_stats_row)
            .await
    }
}

impl PostgresStore {
    async fn grouped<T>(
        &self,
        report: Grouped<'_>,
        op: &'static str,
        decode: impl Fn(&PgRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let text = sql::numbered(&report.sql);
        let mut select = sqlx::query(&text);
        for value in report.values {
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
