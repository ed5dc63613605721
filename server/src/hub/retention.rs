//! Retention: the store keeps at most `retention_max_events` events per session (trimmed by
//! the session's sequencer as it commits) and none older than `retention_max_age_hours`
//! (trimmed by a sweep every ten minutes). Trimming removes the oldest events only; a client
//! asking for older offsets gets `session.recovered {recovered: false}`.

use std::time::Duration;

use crate::store::{Retention, TrimScope};

use super::Hub;

/// How often the age limit is applied to every session.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// A sequencer trims its session again after this share of the cap has been added.
pub(crate) fn trim_step(retention: &Retention) -> Option<u64> {
    retention
        .max_events_per_session
        .map(|max| (max / 100).max(1))
}

/// Trims one session down to the event cap; logs what it removed.
pub(crate) async fn trim_session(hub: &Hub, session_id: &str) {
    let retention = Retention {
        max_age: None,
        ..hub.settings().retention()
    };
    match hub
        .store()
        .events()
        .trim(TrimScope::Session(session_id), &retention)
        .await
    {
        Ok(report) if report.events_removed > 0 => {
            tracing::info!(
                session.id = session_id,
                removed = report.events_removed,
                "trimmed the oldest events (retention_max_events)"
            );
        }
        Ok(_) => {}
        Err(err) => tracing::error!(%err, session.id = session_id, "trimming failed"),
    }
}

/// Applies the age limit to every session every ten minutes, until aborted.
pub async fn sweep(hub: Hub) {
    let retention = Retention {
        max_events_per_session: None,
        ..hub.settings().retention()
    };
    if retention.is_unlimited() {
        return;
    }
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        match hub.store().events().trim(TrimScope::All, &retention).await {
            Ok(report) if report.events_removed > 0 => tracing::info!(
                sessions = report.sessions,
                removed = report.events_removed,
                "trimmed events older than retention_max_age_hours"
            ),
            Ok(_) => {}
            Err(err) => tracing::error!(%err, "the retention sweep failed"),
        }
    }
}
