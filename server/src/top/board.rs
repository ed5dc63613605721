//! What `top` knows about the sessions: the sessions list and the open permission requests
//! folded exactly as the dashboard folds them (`agentcast_shared::view`: `Sessions`,
//! `OpenRequests`, `needing`), plus the tools running in the sessions it follows; turned
//! into the table's rows on each frame.

use std::collections::{BTreeMap, HashMap};

use agentcast_shared::rest::SessionRecord;
use agentcast_shared::view::format;
use agentcast_shared::view::needs_you::{OpenRequests, needing};
use agentcast_shared::view::sessions::{SessionText, Sessions};
use agentcast_shared::{Envelope, Event, SessionState};

use super::table::{Row, RunningTool};

/// The most tools kept open per session: a `tool.started` whose `tool.completed` never came
/// must not grow the map for ever.
const MAX_OPEN_TOOLS: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Board {
    sessions: Sessions,
    open: OpenRequests,
    tools: HashMap<String, SessionTools>,
}

/// The tools of one followed session.
#[derive(Debug, Default)]
struct SessionTools {
    /// The offset of the last tool event applied: a seed from history and the live stream
    /// may overlap, and an event must count once.
    offset: u64,
    /// Open calls by `tool_use_id`.
    open: BTreeMap<String, RunningTool>,
}

impl Board {
    /// Takes a fresh `GET /api/sessions` answer (the dashboard's merge: sessions the hub
    /// told us about meanwhile stay).
    pub(crate) fn loaded(&mut self, list: Vec<SessionRecord>) {
        self.sessions.merge_loaded(list);
    }

    /// Applies an event of the hub namespace; true when the table may have changed.
    pub(crate) fn apply_hub(&mut self, envelope: &Envelope) -> bool {
        let listed = self.sessions.apply(envelope);
        let requests = self.open.apply(envelope);
        if envelope.kind == agentcast_shared::SESSION_ENDED {
            self.tools.remove(&envelope.session_id);
        }
        listed || requests
    }

    /// Applies a `tool.*` event of a followed session (older or repeated offsets are
    /// skipped); true when its running tool changed.
    pub(crate) fn apply_tool(&mut self, envelope: &Envelope) -> bool {
        let tools = self.tools.entry(envelope.session_id.clone()).or_default();
        if envelope.offset <= tools.offset {
            return false;
        }
        tools.offset = envelope.offset;
        match envelope.event() {
            Ok(Event::ToolStarted(started)) => {
                let started_ms = format::parse_ts_millis(&envelope.ts).unwrap_or(0);
                tools.open.insert(
                    started.tool_use_id,
                    RunningTool {
                        name: started.name,
                        started_ms,
                    },
                );
                if tools.open.len() > MAX_OPEN_TOOLS
                    && let Some(oldest) = tools
                        .open
                        .iter()
                        .min_by_key(|(_, tool)| tool.started_ms)
                        .map(|(id, _)| id.clone())
                {
                    tools.open.remove(&oldest);
                }
                true
            }
            Ok(Event::ToolCompleted(done)) => tools.open.remove(&done.tool_use_id).is_some(),
            _ => false,
        }
    }

    /// Stops tracking the tools of a session no longer followed.
    pub(crate) fn forget_tools(&mut self, session: &str) {
        self.tools.remove(session);
    }

    /// The sessions to follow for their tools, at most `max`: those that may run one now
    /// (starting, running, waiting; not idle nor ended). The ones `following` already are
    /// kept while they run, the free places go to the most recently active: under a steady
    /// stream of events over many sessions, "the most active" changes every instant, and
    /// following it would join and leave namespaces all the time.
    pub(crate) fn to_follow(&self, following: impl Fn(&str) -> bool, max: usize) -> Vec<String> {
        let mut running: Vec<_> = self
            .sessions
            .entries()
            .iter()
            .filter(|e| {
                matches!(
                    e.record.status,
                    SessionState::Starting | SessionState::Running | SessionState::Waiting
                )
            })
            .collect();
        running.sort_by_key(|e| std::cmp::Reverse(e.active_ms));
        let (kept, others): (Vec<_>, Vec<_>) =
            running.into_iter().partition(|e| following(&e.record.id));
        kept.into_iter()
            .chain(others)
            .take(max)
            .map(|e| e.record.id.clone())
            .collect()
    }

    /// Every session as a row, in no particular order (the table orders them).
    pub(crate) fn rows(&self) -> Vec<Row> {
        let needing = needing(&self.sessions, &self.open);
        self.sessions
            .entries()
            .iter()
            .map(|entry| {
                let record = &entry.record;
                let tool = if record.status.is_active() {
                    self.tools.get(&record.id).and_then(|tools| {
                        // The latest call still open: what the session is doing now.
                        tools.open.values().max_by_key(|t| t.started_ms).cloned()
                    })
                } else {
                    None
                };
                Row {
                    id: record.id.clone(),
                    status: record.status,
                    needs_you: needing.get(&record.id).copied().unwrap_or(0),
                    agent: record.agent.map_or("", |a| a.as_str()).to_owned(),
                    project: record.project_id.clone().unwrap_or_default(),
                    label: record.title().to_owned(),
                    tool,
                    tokens: record.tokens(),
                    cost_usd: record.total_cost_usd,
                    started_ms: entry.started_ms,
                    active_ms: entry.active_ms,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn envelope(session: &str, offset: u64, kind: &str, data: serde_json::Value) -> Envelope {
        Envelope {
            offset,
            session_id: session.into(),
            ts: format!("2026-11-24T10:00:{offset:02}.000Z"),
            kind: kind.into(),
            data,
        }
    }

    fn started(session: &str, offset: u64) -> Envelope {
        envelope(
            session,
            offset,
            "session.started",
            json!({"session_id": session, "source": "publish", "agent": "claude",
                   "started_at": "2026-11-24T10:00:00.000Z"}),
        )
    }

    fn tool(offset: u64, kind: &str, id: &str, name: &str) -> Envelope {
        envelope(
            "s",
            offset,
            kind,
            json!({"tool_use_id": id, "name": name, "input": {}, "output_preview": "",
                   "output_bytes": 0}),
        )
    }

    fn row<'a>(rows: &'a [Row], id: &str) -> &'a Row {
        rows.iter().find(|r| r.id == id).unwrap()
    }

    #[test]
    fn hub_events_and_followed_tools_make_the_rows() {
        let mut board = Board::default();
        assert!(board.apply_hub(&started("s", 1)));
        assert!(board.apply_hub(&started("t", 1)));
        assert!(board.apply_hub(&envelope(
            "s",
            2,
            "usage.updated",
            json!({"model": "m", "input_tokens": 5, "output_tokens": 7, "total_cost_usd": 0.25})
        )));
        let rows = board.rows();
        let s = row(&rows, "s");
        assert_eq!(
            (s.status, s.agent.as_str(), s.tokens, s.cost_usd),
            (SessionState::Starting, "claude", 12, Some(0.25))
        );

        // A permission request: s needs you, t does not.
        assert!(board.apply_hub(&envelope(
            "s",
            3,
            "permission.requested",
            json!({"request_id": "r1", "tool_name": "Bash", "input": {},
                   "expires_at": "2026-11-24T10:10:00.000Z"})
        )));
        let rows = board.rows();
        assert_eq!(
            (row(&rows, "s").needs_you, row(&rows, "t").needs_you),
            (1, 0)
        );

        // Tools: the latest open call is the current one; a repeated offset counts once.
        assert!(board.apply_tool(&tool(4, "tool.started", "a", "Read")));
        assert!(board.apply_tool(&tool(5, "tool.started", "b", "Bash")));
        assert!(!board.apply_tool(&tool(5, "tool.started", "b", "Bash")));
        assert_eq!(row(&board.rows(), "s").tool.as_ref().unwrap().name, "Bash");
        assert!(board.apply_tool(&tool(6, "tool.completed", "b", "Bash")));
        let rows = board.rows();
        let current = row(&rows, "s").tool.as_ref().unwrap();
        assert_eq!(current.name, "Read");
        assert_eq!(
            current.started_ms,
            format::parse_ts_millis("2026-11-24T10:00:04.000Z").unwrap()
        );
        assert!(board.apply_tool(&tool(7, "tool.completed", "a", "Read")));
        assert_eq!(row(&board.rows(), "s").tool, None);

        // Ending forgets its tools and its requests.
        board.apply_tool(&tool(8, "tool.started", "c", "Bash"));
        assert!(board.apply_hub(&envelope(
            "s",
            9,
            "session.ended",
            json!({"status": "completed"})
        )));
        let rows = board.rows();
        assert_eq!(
            (row(&rows, "s").needs_you, &row(&rows, "s").tool),
            (0, &None)
        );
        let nobody = |_: &str| false;
        assert_eq!(board.to_follow(nobody, 10), ["t"], "only running sessions");
        assert!(board.to_follow(nobody, 0).is_empty());
    }

    #[test]
    fn followed_sessions_stay_while_they_run() {
        let mut board = Board::default();
        for (n, id) in ["a", "b", "c"].into_iter().enumerate() {
            board.apply_hub(&started(id, 1));
            let running = envelope(
                id,
                2 + n as u64,
                "session.status",
                json!({"status": "running"}),
            );
            board.apply_hub(&running);
        }
        // The most recently active first: c, b.
        assert_eq!(board.to_follow(|_| false, 2), ["c", "b"]);
        // a is followed already: it keeps its place although c and b are more recent.
        assert_eq!(board.to_follow(|id| id == "a", 2), ["a", "c"]);
        // Idle or ended sessions run no tool.
        board.apply_hub(&envelope(
            "c",
            9,
            "session.status",
            json!({"status": "idle"}),
        ));
        board.apply_hub(&envelope(
            "a",
            9,
            "session.ended",
            json!({"status": "completed"}),
        ));
        assert_eq!(board.to_follow(|id| id == "a", 2), ["b"]);
    }

    #[test]
    fn open_tools_are_bounded() {
        let mut board = Board::default();
        board.apply_hub(&started("s", 1));
        for n in 0..(MAX_OPEN_TOOLS as u64 + 10) {
            board.apply_tool(&tool(n + 2, "tool.started", &format!("t{n}"), "Bash"));
        }
        assert_eq!(board.tools["s"].open.len(), MAX_OPEN_TOOLS);
        board.forget_tools("s");
        assert!(board.tools.is_empty());
    }
}
