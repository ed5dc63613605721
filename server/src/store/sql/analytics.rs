//! Analytics in SQL: the reports of `rows`, one `GROUP BY` over `sessions` each.

use agentcast_shared::rest::{CostRow, GroupBy, SessionStatsRow, UsageRow};
use async_trait::async_trait;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::rows::{self, Grouped};
use super::{Columns, Dialect, SqlStore};
use crate::store::error::db;
use crate::store::{Analytics, StoreError, TimeRange};

#[async_trait]
impl<DB> Analytics for SqlStore<DB>
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
    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let report = rows::usage_sql(group, range);
        self.grouped(report, "usage_by", rows::usage_row).await
    }

    async fn costs_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<CostRow>, StoreError> {
        let report = rows::costs_sql(group, range);
        self.grouped(report, "costs_by", rows::cost_row).await
    }

    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError> {
        let report = rows::sessions_sql(group, range);
        self.grouped(report, "sessions_by", rows::session_stats_row)
            .await
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
    async fn grouped<T>(
        &self,
        report: Grouped<'_>,
        op: &'static str,
        decode: impl Fn(&DB::Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let text = DB::sql(&report.sql);
        let mut select = sqlx::query(&text);
        for value in report.values {
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
