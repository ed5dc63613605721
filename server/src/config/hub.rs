//! The hub: how much one publish may carry, each session's queue and in-memory tail, the
//! group commit of its sequencer, how much history it keeps, and the `system.stats` and
//! `system.error` intervals.
//! Retention sits here rather than with the store's settings because the hub applies it (a
//! sequencer trims its session as it commits; the hub sweeps old events).

use std::time::Duration;

use super::group::settings_group;
use super::values::{hours_unless_zero, millis, positive, unlimited_if_zero};
use crate::store::Retention;

settings_group! {
    /// What the hub and its sequencers work with.
    HubSettings from HubArgs and HubFile, heading "Sessions";
    /// Most events one `publish` command may carry.
    max_events_per_publish -> max_events_per_publish: usize {
        flag: "max-events-per-publish", env: "AGENTCAST_MAX_EVENTS_PER_PUBLISH", value_name: "N",
        input: usize, default: 1000, check: positive,
    }
    /// Capacity of each session's sequencer queue, in publish batches.
    session_queue -> session_queue: usize {
        flag: "session-queue", env: "AGENTCAST_SESSION_QUEUE", value_name: "N",
        input: usize, default: 256, check: positive,
    }
    /// Events of each session kept in memory so a reconnecting client catches up without the
    /// disk (at most what retention keeps: a recovery answers the same before and after a
    /// restart).
    tail_events -> tail_events: usize {
        flag: "tail-events", env: "AGENTCAST_TAIL_EVENTS", value_name: "N",
        input: usize, default: 4096,
    }
    /// Most events committed to the store in one transaction (group commit).
    commit_max_events -> commit_max_events: usize {
        flag: "commit-max-events", env: "AGENTCAST_COMMIT_MAX_EVENTS", value_name: "N",
        input: usize, default: 500, check: positive,
    }
    /// Time a commit waits for more events to join it, in ms; 0 commits what has accumulated
    /// while the previous commit ran.
    commit_linger_ms -> commit_linger: Duration {
        flag: "commit-linger-ms", env: "AGENTCAST_COMMIT_LINGER_MS", value_name: "MS",
        input: u64, default: 0, convert: millis,
    }
    /// Events kept per session in the store; the oldest are trimmed beyond it (a client asking
    /// for older offsets gets `session.recovered {recovered: false}`); 0 keeps all.
    retention_max_events -> retention_max_events: Option<u64> {
        flag: "retention-max-events", env: "AGENTCAST_RETENTION_MAX_EVENTS", value_name: "N",
        input: u64, default: 1_000_000, convert: unlimited_if_zero,
    }
    /// Events older than this many hours are trimmed (checked every 10 minutes); 0 keeps all.
    retention_max_age_hours -> retention_max_age: Option<Duration> {
        flag: "retention-max-age-hours", env: "AGENTCAST_RETENTION_MAX_AGE_HOURS",
        value_name: "HOURS", input: u64, default: 720, convert: hours_unless_zero,
    }
    /// Interval of the system.stats event on the hub namespace, in ms.
    stats_interval_ms -> stats_interval: Duration {
        flag: "stats-interval-ms", env: "AGENTCAST_STATS_INTERVAL_MS", value_name: "MS",
        input: u64, default: 2000, check: positive, convert: millis,
    }
    /// Least time between two system.error events of one component (store, collector,
    /// limits), in ms; those in between are counted in the next one's `suppressed`.
    system_error_interval_ms -> system_error_interval: Duration {
        flag: "system-error-interval-ms", env: "AGENTCAST_SYSTEM_ERROR_INTERVAL_MS",
        value_name: "MS", input: u64, default: 5000, convert: millis,
    }
}

impl HubSettings {
    /// How much history the store keeps per session.
    pub fn retention(&self) -> Retention {
        Retention {
            max_events_per_session: self.retention_max_events,
            max_age: self.retention_max_age,
        }
    }

    /// The tail serves recoveries without the disk: it must not hold more than retention
    /// keeps, or a recovery would answer differently before and after a restart.
    pub(crate) fn fit_tail_to_retention(&mut self) {
        if let Some(max) = self.retention_max_events {
            self.tail_events = self
                .tail_events
                .min(usize::try_from(max).unwrap_or(usize::MAX));
        }
    }
}
