//! [`SessionRecord`]: a session's summary and cumulative totals, one row of `sessions`.

use agentcast_shared::{SessionSource, SessionState, SessionSummary};

use super::StoreError;

/// A session as the store keeps it: what `session.started` said, the latest status, and the
/// totals that usage and end events carry. The hub folds events into it and calls
/// [`upsert_session`](super::EventStore::upsert_session) with the whole record; keeping the
/// totals here is what lets the analytics run without scanning events.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: String,
    pub label: Option<String>,
    pub project_id: Option<String>,
    pub source: SessionSource,
    /// The command line, when a process was started.
    pub command: Option<Vec<String>>,
    pub cwd: Option<String>,
    pub model: Option<String>,
    pub status: SessionState,
    /// RFC 3339 UTC with milliseconds; the analytics group days by its first ten characters.
    pub started_at: String,
    pub ended_at: Option<String>,
    /// From `session.ended`; the analytics' durations.
    pub duration_ms: Option<u64>,
    /// The highest offset stored; only moves forward (the store takes the larger one).
    pub head_offset: u64,
    /// Cumulative, as the last `usage.updated` or `session.ended` reported it.
    pub total_cost_usd: Option<f64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
}

impl SessionRecord {
    /// A session just seen: everything else empty or zero.
    pub fn new(
        id: impl Into<String>,
        source: SessionSource,
        status: SessionState,
        started_at: impl Into<String>,
    ) -> Self {
        SessionRecord {
            id: id.into(),
            label: None,
            project_id: None,
            source,
            command: None,
            cwd: None,
            model: None,
            status,
            started_at: started_at.into(),
            ended_at: None,
            duration_ms: None,
            head_offset: 0,
            total_cost_usd: None,
            input_tokens: 0,
            output_tokens: 0,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
        }
    }

    /// The line of the sessions list (`get_status` on `/`, `GET /api/sessions`).
    pub fn summary(&self) -> SessionSummary {
        SessionSummary {
            session_id: self.id.clone(),
            label: self.label.clone(),
            project_id: self.project_id.clone(),
            status: self.status,
            head_offset: self.head_offset,
            started_at: Some(self.started_at.clone()),
            model: self.model.clone(),
            total_cost_usd: self.total_cost_usd,
        }
    }
}

/// Which sessions [`list_sessions`](super::EventStore::list_sessions) returns
/// (`GET /api/sessions?status=active`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionFilter {
    /// Starting, running or idle.
    Active,
    /// Every session not deleted.
    #[default]
    All,
}

impl SessionFilter {
    pub(crate) fn admits(self, status: SessionState) -> bool {
        match self {
            SessionFilter::Active => status.is_active(),
            SessionFilter::All => true,
        }
    }
}

/// The statuses that may still produce events, as stored: what
/// [`mark_interrupted_on_startup`](super::EventStore::mark_interrupted_on_startup) ends.
pub(crate) const ACTIVE_STATUSES: [SessionState; 3] = [
    SessionState::Starting,
    SessionState::Running,
    SessionState::Idle,
];

/// The stored name of a source (its wire name, `run`, `pipe`, ...).
pub(crate) fn source_str(source: SessionSource) -> &'static str {
    match source {
        SessionSource::Run => "run",
        SessionSource::Pipe => "pipe",
        SessionSource::Http => "http",
        SessionSource::Hook => "hook",
        SessionSource::Demo => "demo",
        SessionSource::Publish => "publish",
    }
}

/// A stored source name back; the wire's serde names are the one definition.
pub(crate) fn parse_source(stored: &str) -> Result<SessionSource, StoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| StoreError::corrupt("session source")(format!("{stored:?}: {e}")))
}

/// A stored status name back.
pub(crate) fn parse_status(stored: &str) -> Result<SessionState, StoreError> {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .map_err(|e| StoreError::corrupt("session status")(format!("{stored:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_wire_names() {
        for source in [
            SessionSource::Run,
            SessionSource::Pipe,
            SessionSource::Http,
            SessionSource::Hook,
            SessionSource::Demo,
            SessionSource::Publish,
        ] {
            let wire = serde_json::to_value(source).unwrap();
            assert_eq!(wire, source_str(source));
            assert_eq!(parse_source(source_str(source)).unwrap(), source);
        }
        for status in [
            SessionState::Starting,
            SessionState::Running,
            SessionState::Idle,
            SessionState::Completed,
            SessionState::Failed,
            SessionState::Cancelled,
            SessionState::Interrupted,
        ] {
            assert_eq!(parse_status(status.as_str()).unwrap(), status);
        }
        assert!(matches!(
            parse_status("exploded"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
