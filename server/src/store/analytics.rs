//! Analytics over the sessions' totals (`GET /api/analytics/usage|costs|sessions`): tokens,
//! costs and outcomes grouped by day, model or project. They read the `sessions` rows only,
//! never the events, so they stay cheap however long the history.
//!
//! Deleted sessions are counted: what they cost was spent.

use agentcast_shared::SessionState;

use super::SessionRecord;

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The UTC day a session started, `2026-11-24`.
    Day,
    /// The model a session reported; `None` for those that reported none.
    Model,
    /// The session's project; `None` for those without one.
    Project,
}

impl GroupBy {
    /// A session's group key.
    pub(crate) fn key(self, session: &SessionRecord) -> Option<String> {
        match self {
            GroupBy::Day => Some(session.started_at.chars().take(10).collect()),
            GroupBy::Model => session.model.clone(),
            GroupBy::Project => session.project_id.clone(),
        }
    }
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

/// Tokens of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// The day, model or project; `None` groups the sessions without one.
    pub key: Option<String>,
    pub sessions: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
}

/// Cost of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRow {
    pub key: Option<String>,
    pub sessions: u64,
    /// The sum of the sessions' cumulative costs (those without one count 0).
    pub total_cost_usd: f64,
}

/// Session counts and outcomes of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStatsRow {
    pub key: Option<String>,
    pub sessions: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub interrupted: u64,
    /// Still starting, running or idle.
    pub active: u64,
    /// Sessions that reported a duration, and the sum of their durations.
    pub timed_sessions: u64,
    pub total_duration_ms: u64,
}

impl SessionStatsRow {
    /// Mean duration of the sessions that reported one.
    pub fn avg_duration_ms(&self) -> Option<f64> {
        (self.timed_sessions > 0)
            .then(|| self.total_duration_ms as f64 / self.timed_sessions as f64)
    }

    /// Completed over ended (completed, failed, cancelled or interrupted); `None` when none
    /// has ended.
    pub fn success_rate(&self) -> Option<f64> {
        let ended = self.completed + self.failed + self.cancelled + self.interrupted;
        (ended > 0).then(|| self.completed as f64 / ended as f64)
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
        let key = group.key(session);
        let acc = groups.entry(key.clone()).or_insert_with(|| new(key));
        add(acc, session);
    }
    // A BTreeMap puts `None` first; SQL here orders it last.
    let none = groups.remove(&None);
    groups.into_values().chain(none).collect()
}

/// Folds one session into its group's outcome counts.
pub(crate) fn add_outcome(row: &mut SessionStatsRow, session: &SessionRecord) {
    row.sessions += 1;
    match session.status {
        SessionState::Completed => row.completed += 1,
        SessionState::Failed => row.failed += 1,
        SessionState::Cancelled => row.cancelled += 1,
        SessionState::Interrupted => row.interrupted += 1,
        SessionState::Starting | SessionState::Running | SessionState::Idle => row.active += 1,
    }
    if let Some(duration) = session.duration_ms {
        row.timed_sessions += 1;
        row.total_duration_ms += duration;
    }
}

impl SessionStatsRow {
    pub(crate) fn empty(key: Option<String>) -> Self {
        SessionStatsRow {
            key,
            sessions: 0,
            completed: 0,
            failed: 0,
            cancelled: 0,
            interrupted: 0,
            active: 0,
            timed_sessions: 0,
            total_duration_ms: 0,
        }
    }
}
