//! [`Analytics`] over the sessions' totals (`GET /api/analytics/usage|costs|sessions`):
//! tokens, costs and outcomes grouped by day, model or project. They read the `sessions`
//! rows only, never the events, so they stay cheap however long the history. The rows are
//! the REST contract's ([`UsageRow`], [`CostRow`], [`SessionStatsRow`]).
//!
//! Deleted sessions are counted: what they cost was spent.

use agentcast_shared::SessionState;
use agentcast_shared::rest::{CostRow, GroupBy, SessionRecord, SessionStatsRow, UsageRow};
use async_trait::async_trait;

use super::StoreError;

/// Reports over the sessions' records, deleted ones included.
#[async_trait]
pub trait Analytics: Send + Sync + 'static {
    /// Tokens per group, sessions started in `range`.
    async fn usage_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<UsageRow>, StoreError>;
    /// Cost per group, sessions started in `range`.
    async fn costs_by(&self, group: GroupBy, range: &TimeRange)
    -> Result<Vec<CostRow>, StoreError>;
    /// Session counts, outcomes and durations per group, sessions started in `range`.
    async fn sessions_by(
        &self,
        group: GroupBy,
        range: &TimeRange,
    ) -> Result<Vec<SessionStatsRow>, StoreError>;
}

/// Which sessions count: those whose `started_at` is in `[from, to)`. The bounds are compared
/// as strings with the stored RFC 3339 timestamps, so a date works as a bound too:
/// `from: 2026-11-01, to: 2026-12-01` is November.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl TimeRange {
    pub(crate) fn contains(&self, started_at: &str) -> bool {
        self.from.as_deref().is_none_or(|from| started_at >= from)
            && self.to.as_deref().is_none_or(|to| started_at < to)
    }
}

/// A session's group key.
pub(crate) fn key(group: GroupBy, session: &SessionRecord) -> Option<String> {
    match group {
        GroupBy::Day => Some(session.started_at.chars().take(10).collect()),
        GroupBy::Model => session.model.clone(),
        GroupBy::Project => session.project_id.clone(),
    }
}

/// Groups `sessions` in Rust the way the SQL `GROUP BY` does (the memory store's analytics):
/// one accumulator per key, rows ordered by key with the `None` group last.
pub(crate) fn group<'a, T>(
    sessions: impl Iterator<Item = &'a SessionRecord>,
    group: GroupBy,
    range: &TimeRange,
    mut new: impl FnMut(Option<String>) -> T,
    mut add: impl FnMut(&mut T, &SessionRecord),
) -> Vec<T> {
    let mut groups: std::collections::BTreeMap<Option<String>, T> = Default::default();
    for session in sessions.filter(|s| range.contains(&s.started_at)) {
        let key = key(group, session);
        let acc = groups.entry(key.clone()).or_insert_with(|| new(key));
        add(acc, session);
    }
    // A BTreeMap puts `None` first; SQL here orders it last.
    let none = groups.remove(&None);
    groups.into_values().chain(none).collect()
}

/// A group's row with nothing counted yet.
pub(crate) fn empty_stats(key: Option<String>) -> SessionStatsRow {
    SessionStatsRow {
        key,
        sessions: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        interrupted: 0,
        active: 0,
        success_rate: None,
        avg_duration_ms: None,
        total_duration_ms: 0,
    }
}

/// Folds one session into its group's counts; `timed` counts the sessions that reported a
/// duration (the mean's divisor, see [`derive_rates`]).
pub(crate) fn add_outcome(row: &mut SessionStatsRow, timed: &mut u64, session: &SessionRecord) {
    row.sessions += 1;
    match session.status {
        SessionState::Completed => row.completed += 1,
        SessionState::Failed => row.failed += 1,
        SessionState::Cancelled => row.cancelled += 1,
        SessionState::Interrupted => row.interrupted += 1,
        SessionState::Starting
        | SessionState::Running
        | SessionState::Idle
        | SessionState::Waiting => row.active += 1,
    }
    if let Some(duration) = session.duration_ms {
        *timed += 1;
        row.total_duration_ms += duration;
    }
}

/// Fills in a row's figures that follow from its counts: the success rate (completed over
/// ended; `None` when none has ended) and the mean duration of the `timed_sessions` that
/// reported one.
pub(crate) fn derive_rates(row: &mut SessionStatsRow, timed_sessions: u64) {
    let ended = row.completed + row.failed + row.cancelled + row.interrupted;
    row.success_rate = (ended > 0).then(|| row.completed as f64 / ended as f64);
    row.avg_duration_ms =
        (timed_sessions > 0).then(|| row.total_duration_ms as f64 / timed_sessions as f64);
}
