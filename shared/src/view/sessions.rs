//! The sessions list: loaded from `GET /api/sessions`, then kept current by the hub namespace
//! `/` (`session.started`, `session.status`, `session.ended`, `usage.updated`). A session is
//! `shared`'s [`SessionRecord`], the REST contract's; [`SessionText`] adds what the list shows
//! of it. Sessions are kept in arrival order with an index by id, so a hub event costs one
//! lookup even with thousands of sessions; `session_groups` orders and groups them for the view.

use std::collections::HashMap;

use crate::rest::SessionRecord;
use crate::{AgentNotification, Envelope, Event, SessionState};

use super::format;

/// What the sessions list shows of a session.
pub trait SessionText {
    /// Its label, or its id when it has none.
    fn title(&self) -> &str;
    /// Its duration: final once ended, measured up to `now_ms` (Unix milliseconds) while it
    /// starts or runs, and none while idle (an imported transcript is idle since its last
    /// line, maybe months ago: the time since its start would say nothing).
    fn duration_text(&self, now_ms: u64) -> String;
    /// Input + output tokens.
    fn tokens(&self) -> u64;
    /// Where it comes from, as the session's header shows it: (`agent`, `claude`),
    /// (`source`, `transcript`), (`branch`, `main`), (`version`, `2.1.328`), those known.
    fn origin(&self) -> Vec<(&'static str, String)>;
}

impl SessionText for SessionRecord {
    fn title(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }

    fn duration_text(&self, now_ms: u64) -> String {
        match self.duration_ms {
            Some(ms) => format::duration(ms),
            None if matches!(self.status, SessionState::Starting | SessionState::Running) => {
                format::parse_ts_millis(&self.started_at)
                    .map(|start| format::duration(now_ms.saturating_sub(start)))
                    .unwrap_or_default()
            }
            None => String::new(),
        }
    }

    fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    fn origin(&self) -> Vec<(&'static str, String)> {
        [
            ("agent", self.agent.map(|a| a.as_str().to_owned())),
            ("source", Some(self.source.as_str().to_owned())),
            ("branch", self.git_branch.clone()),
            ("version", self.cli_version.clone()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
    }
}

/// Which states the sessions list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every session.
    #[default]
    All,
    /// The sessions not ended yet ([`SessionState::is_active`]).
    Active,
    /// The sessions that completed.
    Completed,
    /// The sessions that ended badly: failed, cancelled or interrupted.
    Failed,
}

impl StatusFilter {
    /// The options of the filter, in the order shown.
    pub const ALL: [StatusFilter; 4] = [
        StatusFilter::All,
        StatusFilter::Active,
        StatusFilter::Completed,
        StatusFilter::Failed,
    ];

    /// The filter as a `<select>` value: `all`, `active`, `completed`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Active => "active",
            StatusFilter::Completed => "completed",
            StatusFilter::Failed => "failed",
        }
    }

    /// The filter named by [`StatusFilter::as_str`]; anything else is `All`.
    pub fn parse(text: &str) -> StatusFilter {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .unwrap_or_default()
    }

    /// True when a session in `state` passes.
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

/// A session and the times the list orders it by.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEntry {
    /// The session, as the REST list gave it and the hub's events changed it since.
    pub record: SessionRecord,
    /// When it started (Unix milliseconds; 0 when the timestamp is unreadable).
    pub started_ms: u64,
    /// When something last happened to it: its start, its end, or the latest hub event.
    pub active_ms: u64,
}

impl SessionEntry {
    fn new(record: SessionRecord) -> Self {
        let started_ms = format::parse_ts_millis(&record.started_at).unwrap_or(0);
        let ended_ms = record
            .ended_at
            .as_deref()
            .and_then(format::parse_ts_millis)
            .unwrap_or(0);
        SessionEntry {
            record,
            started_ms,
            active_ms: started_ms.max(ended_ms),
        }
    }
}

/// Every session the caller may see, in the order they became known, indexed by id.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sessions {
    entries: Vec<SessionEntry>,
    index: HashMap<String, usize>,
}

impl Sessions {
    /// The list of a REST answer (`GET /api/sessions`).
    pub fn new(list: Vec<SessionRecord>) -> Self {
        let mut sessions = Sessions::default();
        for record in list {
            sessions.insert(SessionEntry::new(record));
        }
        sessions
    }

    /// Adds a session, or replaces the one with its id.
    fn insert(&mut self, entry: SessionEntry) {
        match self.index.get(&entry.record.id) {
            Some(&at) => self.entries[at] = entry,
            None => {
                self.index
                    .insert(entry.record.id.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    /// Takes a fresh REST answer, keeping sessions only the hub has told us about so far (one
    /// that started while the request was on its way) and the activity the hub reported.
    pub fn merge_loaded(&mut self, loaded: Vec<SessionRecord>) {
        let mut merged = Sessions::default();
        for record in loaded {
            let mut entry = SessionEntry::new(record);
            if let Some(known) = self.entry(&entry.record.id) {
                entry.active_ms = entry.active_ms.max(known.active_ms);
            }
            merged.insert(entry);
        }
        for entry in self.entries.drain(..) {
            if !merged.index.contains_key(&entry.record.id) {
                merged.insert(entry);
            }
        }
        *self = merged;
    }

    /// True when no session is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every session with its times, in the order they became known.
    pub fn entries(&self) -> &[SessionEntry] {
        &self.entries
    }

    fn entry(&self, id: &str) -> Option<&SessionEntry> {
        self.index.get(id).map(|&at| &self.entries[at])
    }

    /// The session with `id`, if it is known.
    pub fn get(&self, id: &str) -> Option<&SessionRecord> {
        self.entry(id).map(|e| &e.record)
    }

    /// Applies a batch of hub events; true when the list changed.
    pub fn apply_all(&mut self, batch: &[Envelope]) -> bool {
        let mut changed = false;
        for envelope in batch {
            changed |= self.apply(envelope);
        }
        changed
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
            session.cwd = started.cwd.clone();
            session.agent = started.agent;
            session.agent_session_id = started.agent_session_id.clone();
            session.cli_version = started.cli_version.clone();
            session.git_branch = started.git_branch.clone();
            session.head_offset = envelope.offset;
            let mut entry = SessionEntry::new(session);
            entry.active_ms = entry
                .active_ms
                .max(format::parse_ts_millis(&envelope.ts).unwrap_or(0));
            self.insert(entry);
            return true;
        }
        let Some(&at) = self.index.get(id) else {
            return false;
        };
        let entry = &mut self.entries[at];
        let session = &mut entry.record;
        session.head_offset = session.head_offset.max(envelope.offset);
        match event {
            Event::SessionStatus(status) => session.status = status.status,
            Event::SessionEnded(ended) => {
                session.status = ended.status;
                session.duration_ms = ended.duration_ms.or(session.duration_ms);
                session.total_cost_usd = ended.total_cost_usd.or(session.total_cost_usd);
                session.ended_at = Some(envelope.ts.clone());
            }
            Event::UsageUpdated(usage) => {
                session.input_tokens = usage.input_tokens;
                session.output_tokens = usage.output_tokens;
                session.cache_read_tokens = usage.cache_read_tokens;
                session.cache_creation_tokens = usage.cache_creation_tokens;
                session.total_cost_usd = Some(usage.total_cost_usd);
                session.model = usage.model.or(session.model.take());
            }
            Event::AgentNotification(note) if note.kind == AgentNotification::TITLE => {
                session.label = Some(note.message);
            }
            Event::SessionStarted(started) => {
                session.label = started.label.or(session.label.take());
                session.model = started.model.or(session.model.take());
                session.agent = started.agent.or(session.agent);
                session.cli_version = started.cli_version.or(session.cli_version.take());
                session.git_branch = started.git_branch.or(session.git_branch.take());
            }
            _ => return false,
        }
        if let Some(ts) = format::parse_ts_millis(&envelope.ts) {
            entry.active_ms = entry.active_ms.max(ts);
        }
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rest::SessionList;
    use crate::view::session_groups::{SessionQuery, groups};
    use serde_json::json;

    pub(crate) fn hub(session: &str, kind: &str, data: serde_json::Value) -> Envelope {
        Envelope {
            offset: 2,
            session_id: session.into(),
            ts: "2026-11-24T10:00:01.000Z".into(),
            kind: kind.into(),
            data,
        }
    }

    /// `GET /api/sessions` as the server answers it: every field, `null` where absent.
    pub(crate) fn listed() -> Sessions {
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

    /// Every session, newest start first.
    pub(crate) fn newest_first(sessions: &Sessions) -> Vec<&SessionRecord> {
        let mut all: Vec<&SessionEntry> = sessions.entries().iter().collect();
        all.sort_by_key(|e| std::cmp::Reverse(e.started_ms));
        all.into_iter().map(|e| &e.record).collect()
    }

    /// The sessions a status filter and a search keep, group after group.
    fn filtered(sessions: &Sessions, status: StatusFilter, search: &str) -> Vec<String> {
        let query = SessionQuery {
            status,
            search: search.into(),
            ..SessionQuery::default()
        };
        groups(sessions, &query, &HashMap::new())
            .into_iter()
            .flat_map(|g| g.sessions)
            .collect()
    }

    #[test]
    fn rest_list_is_newest_first_and_filters() {
        let sessions = listed();
        assert_eq!(filtered(&sessions, StatusFilter::All, ""), ["new", "old"]);
        let newest: Vec<&str> = newest_first(&sessions)
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(newest, ["new", "old"]);
        assert_eq!(filtered(&sessions, StatusFilter::Active, ""), ["new"]);
        assert_eq!(filtered(&sessions, StatusFilter::Completed, ""), ["old"]);
        assert!(filtered(&sessions, StatusFilter::Failed, "").is_empty());
        assert_eq!(filtered(&sessions, StatusFilter::All, "DATES"), ["old"]);
        assert_eq!(filtered(&sessions, StatusFilter::All, "web"), ["new"]);
        assert_eq!(filtered(&sessions, StatusFilter::All, "opus"), ["new"]);
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
        let mut idle = sessions.get("new").unwrap().clone();
        idle.status = SessionState::Idle;
        assert_eq!(
            idle.duration_text(start + 12_000),
            "",
            "no clock while idle"
        );
        assert_eq!(sessions.get("old").unwrap().tokens(), 1200);
        assert_eq!(
            sessions.get("old").unwrap().origin(),
            [("source", "run".to_owned())]
        );
    }

    #[test]
    fn hub_events_add_and_update_rows() {
        let mut sessions = listed();
        assert!(sessions.apply(&hub("s3", "session.started", json!({
            "session_id": "s3", "label": "Live", "source": "demo", "started_at": "2026-11-24T11:00:00.000Z"}))));
        assert_eq!(newest_first(&sessions)[0].id, "s3");
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
        // A title arriving late relabels the row; other notifications do not.
        assert!(sessions.apply(&hub(
            "s3",
            "agent.notification",
            json!({"kind": "title", "message": "Parser fix"})
        )));
        assert_eq!(sessions.get("s3").unwrap().title(), "Parser fix");
        assert!(!sessions.apply(&hub(
            "s3",
            "agent.notification",
            json!({"kind": "notification", "message": "hello"})
        )));
        assert_eq!(sessions.get("s3").unwrap().title(), "Parser fix");
        // A REST answer that does not know s3 yet keeps it.
        let mut reloaded = sessions.clone();
        reloaded.merge_loaded(newest_first(&listed()).into_iter().cloned().collect());
        assert_eq!(reloaded.entries().len(), 3);
        assert_eq!(newest_first(&reloaded)[0].id, "s3");
        // Unknown sessions and uninteresting events change nothing.
        assert!(!sessions.apply(&hub("nope", "session.status", json!({"status": "running"}))));
        assert!(!sessions.apply(&hub("s3", "system.stats", json!({}))));
    }
}
