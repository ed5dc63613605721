//! Analytics in memory: the SQL `GROUP BY`s, done in Rust over every record.

use agentcast_shared::rest::{CostRow, GroupBy, SessionStatsRow, UsageRow};
use async_trait::async_trait;

use super::MemoryStore;
use crate::store::analytics;
use crate::store::{Analytics, StoreError, TimeRange};

#[async_trait]
impl Analytics for MemoryStore {
    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let inner = self.lock();
        Ok(analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            |key| UsageRow {
                key,
                sessions: 0,
                input_tokens: 0,
                output_tokens: 0,
                cache_read_tokens: 0,
                cache_creation_tokens: 0,
            },
            |row, s| {
                row.sessions += 1;
                row.input_tokens += s.input_tokens;
                row.output_tokens += s.output_tokens;
                row.cache_read_tokens += s.cache_read_tokens;
                row.cache_creation_tokens += s.cache_creation_tokens;
            },
        ))
    }

    async fn costs_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<CostRow>, StoreError> {
        let inner = self.lock();
        Ok(analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            |key| CostRow {
                key,
                sessions: 0,
                total_cost_usd: 0.0,
            },
            |row, s| {
                row.sessions += 1;
                row.total_cost_usd += s.total_cost_usd.unwrap_or(0.0);
            },
        ))
    }

    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError> {
        let inner = self.lock();
        let groups = analytics::group(
            inner.sessions.values().map(|row| &row.record),
            group,
            range,
            |key| (analytics::empty_stats(key), 0),
            |(row, timed), session| analytics::add_outcome(row, timed, session),
        );
        Ok(groups
            .into_iter()
            .map(|(mut row, timed)| {
                analytics::derive_rates(&mut row, timed);
                row
            })
            .collect())
    }
}
