//! The sessions list: loaded from `GET /api/sessions`, then kept current by the hub namespace
//! `/` (`session.started`, `session.status`, `session.ended`, `usage.updated`), filtered by
//! status and a search text. A session is `shared`'s [`SessionRecord`], the REST contract's;
//! [`SessionText`] adds what the list shows of it.

use agentcast_shared::rest::SessionRecord;
use agentcast_shared::{Envelope, Event, SessionState};

use super::format;

/// What the sessions list shows of a session.
pub trait SessionText {
    /// Its label, or its id when it has none.
    fn title(&self) -> &str;
    /// Its duration: final once ended, else measured up to `now_ms` (Unix milliseconds).
    fn duration_text(&self, now_ms: u64) -> String;
    /// Input + output tokens.
    fn tokens(&self) -> u64;
}

impl SessionText for SessionRecord {
    fn title(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }

    fn duration_text(&self, now_ms: u64) -> String {
        match self.duration_ms {
            Some(ms) => format::duration(ms),
            None if self.status.is_active() => format::parse_ts_millis(&self.started_at)
                .map(|start| format::duration(now_ms.saturating_sub(start)))
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Active,
    Completed,
    Failed,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 4] = [
        StatusFilter::All,
        StatusFilter::Active,
        StatusFilter::Completed,
        StatusFilter::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Active => "active",
            StatusFilter::Completed => "completed",
            StatusFilter::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> StatusFilter {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .unwrap_or_default()
    }

    pub fn admits(self, state: SessionState) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Active => state.is_active(),
            StatusFilter::Completed => state == SessionState::Completed,
            // Everything that ended badly.
            StatusFilter::Failed => matches!(
                state,
                SessionState::Failed | SessionState::Cancelled | SessionState::Interrupted
            ),
        }
    }
}

/// Every session the caller may see, newest first.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sessions {
    list: Vec<SessionRecord>,
}

impl Sessions {
    pub fn new(mut list: Vec<SessionRecord>) -> Self {
        list.sort_by(|a, b| b.started_at.cmp(&a.started_at));
        Sessions { list }
    }

    /// Takes a fresh REST answer, keeping sessions only the hub has told us about so far (one
    /// that started while the request was on its way).
    pub fn merge_loaded(&mut self, loaded: Vec<SessionRecord>) {
        let only_live = self
            .list
            .drain(..)
            .filter(|s| !loaded.iter().any(|l| l.id == s.id))
            .collect::<Vec<_>>();
        let all = loaded.into_iter().chain(only_live).collect();
        *self = Sessions::new(all);
    }

    pub fn all(&self) -> &[SessionRecord] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&SessionRecord> {
        self.list.iter().find(|s| s.id == id)
    }

    /// The sessions that pass the status filter and contain `search` (case-insensitive) in
    /// their id, label, project or model.
    pub fn filtered(&self, status: StatusFilter, search: &str) -> Vec<&SessionRecord> {
        let search = search.trim().to_lowercase();
        self.list
            .iter()
            .filter(|s| status.admits(s.status))
            .filter(|s| {
                search.is_empty()
                    || [
                        Some(&s.id),
                        s.label.as_ref(),
                        s.project_id.as_ref(),
                        s.model.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|field| field.to_lowercase().contains(&search))
            })
            .collect()
    }

    /// Applies a hub event; true when the list changed.
    pub fn apply(&mut self, envelope: &Envelope) -> bool {
        let Ok(event) = envelope.event() else {
            return false;
        };
        let id = envelope.session_id.as_str();
        if let Event::SessionStarted(started) = &event
            && self.get(id).is_none()
        {
            let mut session = SessionRecord::new(
                id,
                started.source,
                SessionState::Starting,
                started.started_at.clone(),
            );
            session.label = started.label.clone();
            session.project_id = started.project_id.clone();
            session.model = started.model.clone();
            session.head_offset = envelope.offset;
            self.list.insert(0, session);
            return true;
        }
        let Some(session) = self.list.iter_mut().find(|s| s.id == id) else {
            return false;
        };
        session.head_offset = session.head_offset.max(envelope.offset);
        match event {
            Event::SessionStatus(status) => session.status = status.status,
            Event::SessionEnded(ended) => {
                session.status = ended.status;
                session.duration_ms = ended.duration_ms.or(session.duration_ms);
                session.total_cost_usd = ended.total_cost_usd.or(session.total_cost_usd);
            }
            Event::UsageUpdated(usage) => {
                session.input_tokens = usage.input_tokens;
                session.output_tokens = usage.output_tokens;
                session.cache_read_tokens = usage.cache_read_tokens;
                session.cache_creation_tokens = usage.cache_creation_tokens;
                session.total_cost_usd = Some(usage.total_cost_usd);
                session.model = usage.model.or(session.model.take());
            }
            Event::SessionStarted(started) => {
                session.label = started.label.or(session.label.take());
                session.model = started.model.or(session.model.take());
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::rest::SessionList;
    use serde_json::json;

    fn hub(session: &str, kind: &str, data: serde_json::Value) -> Envelope {
        Envelope {
            offset: 2,
            session_id: session.into(),
            ts: "2026-11-24T10:00:01.000Z".into(),
            kind: kind.into(),
            data,
        }
    }

    /// `GET /api/sessions` as the server answers it: every field, `null` where absent.
    fn listed() -> Sessions {
        let body = json!({"sessions": [
            {"id": "old", "label": "Fix dates", "project_id": null, "source": "run", "command": null,
             "cwd": null, "model": null, "status": "completed", "started_at": "2026-11-24T09:00:00.000Z",
             "ended_at": null, "duration_ms": 65000, "head_offset": 40, "total_cost_usd": 0.5,
             "input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 0,
             "cache_creation_tokens": 0, "process_running": false},
            {"id": "new", "label": null, "project_id": "web", "source": "demo", "command": null,
             "cwd": null, "model": "opus", "status": "running", "started_at": "2026-11-24T10:00:00.000Z",
             "ended_at": null, "duration_ms": null, "head_offset": 3, "total_cost_usd": null,
             "input_tokens": 0, "output_tokens": 0, "cache_read_tokens": 0,
             "cache_creation_tokens": 0, "process_running": true}
        ]});
        let list: SessionList = serde_json::from_value(body).unwrap();
        Sessions::new(list.sessions.into_iter().map(|view| view.record).collect())
    }

    #[test]
    fn rest_list_is_newest_first_and_filters() {
        let sessions = listed();
        let ids = |v: Vec<&SessionRecord>| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(sessions.filtered(StatusFilter::All, "")),
            ["new", "old"]
        );
        assert_eq!(ids(sessions.filtered(StatusFilter::Active, "")), ["new"]);
        assert_eq!(ids(sessions.filtered(StatusFilter::Completed, "")), ["old"]);
        assert!(sessions.filtered(StatusFilter::Failed, "").is_empty());
        assert_eq!(ids(sessions.filtered(StatusFilter::All, "DATES")), ["old"]);
        assert_eq!(ids(sessions.filtered(StatusFilter::All, "web")), ["new"]);
        assert_eq!(ids(sessions.filtered(StatusFilter::All, "opus")), ["new"]);
        assert_eq!(StatusFilter::parse("failed"), StatusFilter::Failed);
        assert_eq!(StatusFilter::parse("??"), StatusFilter::All);
    }

    #[test]
    fn durations_run_until_the_end() {
        let sessions = listed();
        assert_eq!(sessions.get("old").unwrap().duration_text(0), "1 m 05 s");
        let start = format::parse_ts_millis("2026-11-24T10:00:00.000Z").unwrap();
        assert_eq!(
            sessions.get("new").unwrap().duration_text(start + 12_000),
            "12.0 s"
        );
        assert_eq!(sessions.get("old").unwrap().tokens(), 1200);
    }

    #[test]
    fn hub_events_add_and_update_rows() {
        let mut sessions = listed();
        assert!(sessions.apply(&hub("s3", "session.started", json!({
            "session_id": "s3", "label": "Live", "source": "demo", "started_at": "2026-11-24T11:00:00.000Z"}))));
        assert_eq!(sessions.all()[0].id, "s3");
        assert!(sessions.apply(&hub("s3", "session.status", json!({"status": "running"}))));
        assert!(sessions.apply(&hub(
            "s3",
            "usage.updated",
            json!({
            "model": "m", "input_tokens": 5, "output_tokens": 7, "total_cost_usd": 0.25})
        )));
        let s3 = sessions.get("s3").unwrap();
        assert_eq!(
            (s3.status, s3.tokens(), s3.total_cost_usd),
            (SessionState::Running, 12, Some(0.25))
        );
        assert!(sessions.apply(&hub(
            "s3",
            "session.ended",
            json!({"status": "failed", "duration_ms": 900})
        )));
        assert_eq!(sessions.get("s3").unwrap().status, SessionState::Failed);
        assert_eq!(sessions.get("s3").unwrap().duration_text(0), "900 ms");
        // A REST answer that does not know s3 yet keeps it.
        let mut reloaded = sessions.clone();
        reloaded.merge_loaded(listed().all().to_vec());
        assert_eq!(reloaded.all().len(), 3);
        assert_eq!(reloaded.all()[0].id, "s3");
        // Unknown sessions and uninteresting events change nothing.
        assert!(!sessions.apply(&hub("nope", "session.status", json!({"status": "running"}))));
        assert!(!sessions.apply(&hub("s3", "system.stats", json!({}))));
    }
}
