//! The transcript: what the agent said and what it was told, folded from events. Streamed
//! `output.text` / `output.thinking` deltas of one `message_id` become one entry that grows; the
//! assembled (non-delta) block of the same message replaces it, so text is never doubled.

use std::collections::HashMap;

use crate::{
    Envelope, Event, PermissionDecision, PermissionResolved, ResolvedReason, SessionState,
};

use super::format;
use super::request_preview;

/// What an entry of the transcript is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// Text the assistant wrote.
    Assistant,
    /// Shown folded: one line until opened.
    Thinking,
    /// A prompt the agent was given.
    User,
    /// Lines the agent process wrote to stderr (consecutive lines share an entry).
    Stderr,
    /// A malformed input line, a process error, a failed session: highlighted.
    Error,
    /// The session's start and end, in a muted line.
    System,
    /// Offsets missing between two events held (trimmed by retention, or not paged in yet).
    Gap,
    /// A permission the agent asked for, and who answered it how.
    Permission,
}

impl EntryKind {
    /// The CSS class and `data-kind` of the entry.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Assistant => "assistant",
            EntryKind::Thinking => "thinking",
            EntryKind::User => "user",
            EntryKind::Stderr => "stderr",
            EntryKind::Error => "error",
            EntryKind::System => "system",
            EntryKind::Gap => "gap",
            EntryKind::Permission => "permission",
        }
    }
}

/// One entry of the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// A prompt, the assistant's text, an error...
    pub kind: EntryKind,
    /// What it says (streamed text grows as its deltas arrive).
    pub text: String,
    /// The offset of the event that opened the entry: a stable key for the list.
    pub offset: u64,
    /// Set while deltas may still arrive (a streamed message whose final block has not come).
    pub streaming: bool,
    /// The Task this was said inside, for sub-agent output.
    pub parent_tool_use_id: Option<String>,
    /// Who sent a prompt through agentcast (a token's subject); `None` for the agent's own
    /// record of a prompt.
    pub by: Option<String>,
}

/// Entries in event order.
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    entries: Vec<Entry>,
    /// `(kind, message_id)` -> index of its entry, so a delta finds the entry it extends.
    open: HashMap<(EntryKind, String), usize>,
    /// The offset of the last event folded in, to see a gap before the next.
    last_offset: u64,
    /// What each permission request asked (`request_preview::summary`), by id, for the line
    /// that says how it was answered.
    asked: HashMap<String, String>,
}

impl Transcript {
    /// The entries, in event order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Folds one event in; events that say nothing to a reader are skipped.
    pub fn apply(&mut self, envelope: &Envelope) {
        let Ok(event) = envelope.event() else {
            return;
        };
        let offset = envelope.offset;
        if self.last_offset > 0 && offset > self.last_offset + 1 {
            let (from, to) = (self.last_offset + 1, offset - 1);
            let text = if from == to {
                format!("Event {from} is missing")
            } else {
                format!("Events {from} to {to} are missing")
            };
            self.push(EntryKind::Gap, text, from);
        }
        self.last_offset = self.last_offset.max(offset);
        match event {
            Event::OutputText(t) => self.message(
                EntryKind::Assistant,
                t.message_id,
                t.text,
                t.delta,
                t.parent_tool_use_id,
                offset,
            ),
            Event::OutputThinking(t) => self.message(
                EntryKind::Thinking,
                t.message_id,
                t.text,
                t.delta,
                t.parent_tool_use_id,
                offset,
            ),
            Event::UserPrompt(p) => {
                self.push(EntryKind::User, p.text, offset);
                if let Some(last) = self.entries.last_mut() {
                    last.by = p.by;
                }
            }
            Event::PermissionRequested(r) => {
                let asked = request_preview::summary(&r);
                self.push(EntryKind::Permission, format!("Asks: {asked}"), offset);
                self.asked.insert(r.request_id, asked);
            }
            Event::PermissionResolved(r) => {
                let asked = self.asked.get(&r.request_id).cloned();
                self.push(EntryKind::Permission, answered(&r, asked), offset);
            }
            Event::OutputStderr(s) => match self.entries.last_mut() {
                Some(last) if last.kind == EntryKind::Stderr => {
                    last.text.push('\n');
                    last.text.push_str(&s.line);
                }
                _ => self.push(EntryKind::Stderr, s.line, offset),
            },
            Event::AgentError(e) => {
                let at = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                self.push(
                    EntryKind::Error,
                    format!("{}: {}{at}", e.code, e.message),
                    offset,
                );
            }
            Event::SessionStarted(s) => {
                let model = s.model.map(|m| format!(" with {m}")).unwrap_or_default();
                let label = s.label.unwrap_or(s.session_id);
                self.push(
                    EntryKind::System,
                    format!("Session {label} started{model}"),
                    offset,
                );
            }
            Event::SessionEnded(end) => {
                self.close_streams();
                let mut text = format!("Session {}", end.status.as_str());
                if let Some(ms) = end.duration_ms {
                    text += &format!(" after {}", format::duration(ms));
                }
                if let Some(turns) = end.num_turns {
                    text += &format!(", {turns} turns");
                }
                if let Some(usd) = end.total_cost_usd {
                    text += &format!(", {}", format::cost(usd));
                }
                if let Some(message) = end.message {
                    text += &format!(": {message}");
                }
                let kind = match end.status {
                    SessionState::Failed | SessionState::Interrupted => EntryKind::Error,
                    _ => EntryKind::System,
                };
                self.push(kind, text, offset);
            }
            Event::SessionStatus(s) if s.status == SessionState::Failed => {
                let message = s.message.unwrap_or_else(|| "session failed".into());
                self.push(EntryKind::Error, message, offset);
            }
            _ => {}
        }
    }

    fn message(
        &mut self,
        kind: EntryKind,
        message_id: Option<String>,
        text: String,
        delta: bool,
        parent: Option<String>,
        offset: u64,
    ) {
        let Some(id) = message_id else {
            self.push(kind, text, offset);
            if let Some(last) = self.entries.last_mut() {
                last.parent_tool_use_id = parent;
            }
            return;
        };
        let key = (kind, id);
        if let Some(&index) = self.open.get(&key) {
            let entry = &mut self.entries[index];
            if delta {
                entry.text.push_str(&text);
            } else {
                // The assembled block is the whole message: it replaces the deltas.
                entry.text = text;
                entry.streaming = false;
            }
            return;
        }
        self.open.insert(key, self.entries.len());
        self.entries.push(Entry {
            kind,
            text,
            offset,
            streaming: delta,
            parent_tool_use_id: parent,
            by: None,
        });
    }

    fn push(&mut self, kind: EntryKind, text: String, offset: u64) {
        // A new kind of entry means the previous streamed message is over for the reader.
        self.close_streams();
        self.entries.push(Entry {
            kind,
            text,
            offset,
            streaming: false,
            parent_tool_use_id: None,
            by: None,
        });
    }

    fn close_streams(&mut self) {
        for entry in &mut self.entries {
            entry.streaming = false;
        }
    }
}

/// `Allowed by alice: Bash: touch x`, `Denied by agentcast (no answer in time): ...`,
/// `Left to the terminal by agentcast (no answer in time): ...`.
fn answered(resolved: &PermissionResolved, asked: Option<String>) -> String {
    let decision = match resolved.decision {
        PermissionDecision::Allow => "Allowed",
        PermissionDecision::Deny => "Denied",
        // A hook in approve mode: Claude Code asks in its own terminal.
        PermissionDecision::Ask => "Left to the terminal",
    };
    let why = match resolved.reason {
        ResolvedReason::Answered => "",
        ResolvedReason::Timeout => " (no answer in time)",
        ResolvedReason::SessionEnded => " (the session ended)",
        ResolvedReason::Cancelled => " (withdrawn by the agent)",
    };
    let mut text = format!("{decision} by {}{why}", resolved.by);
    if let Some(asked) = asked {
        text += &format!(": {asked}");
    }
    if let Some(message) = &resolved.message {
        text += &format!(" (\"{message}\")");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    fn fold(events: &[Envelope]) -> Vec<(EntryKind, String)> {
        let mut transcript = Transcript::default();
        for e in events {
            transcript.apply(e);
        }
        transcript
            .entries()
            .iter()
            .map(|e| (e.kind, e.text.clone()))
            .collect()
    }

    fn text(offset: u64, id: &str, text: &str, delta: bool) -> Envelope {
        env(
            offset,
            "output.text",
            json!({"message_id": id, "text": text, "delta": delta}),
        )
    }

    #[test]
    fn missing_offsets_are_marked_where_they_are_missing() {
        let events = [
            text(1, "a", "before", false),
            text(5, "b", "after", false),
            text(7, "c", "later", false),
        ];
        assert_eq!(
            fold(&events),
            [
                (EntryKind::Assistant, "before".into()),
                (EntryKind::Gap, "Events 2 to 4 are missing".into()),
                (EntryKind::Assistant, "after".into()),
                (EntryKind::Gap, "Event 6 is missing".into()),
                (EntryKind::Assistant, "later".into()),
            ]
        );
        // A history that starts late (older pages not loaded) is not a gap.
        assert_eq!(
            fold(&events[1..2]),
            [(EntryKind::Assistant, "after".into())]
        );
    }

    #[test]
    fn deltas_of_one_message_grow_one_entry() {
        let folded = fold(&[
            env(1, "user.prompt", json!({"text": "fix it"})),
            text(2, "m1", "Hello ", true),
            env(
                3,
                "output.thinking",
                json!({"message_id": "m1", "text": "hmm", "delta": true}),
            ),
            text(4, "m1", "world", true),
        ]);
        assert_eq!(
            folded,
            [
                (EntryKind::User, "fix it".into()),
                (EntryKind::Assistant, "Hello world".into()),
                (EntryKind::Thinking, "hmm".into()),
            ]
        );
    }

    #[test]
    fn the_assembled_block_replaces_its_deltas() {
        let mut transcript = Transcript::default();
        transcript.apply(&text(1, "m1", "Hel", true));
        assert!(transcript.entries()[0].streaming);
        transcript.apply(&text(2, "m1", "Hello.", false));
        assert_eq!(transcript.entries().len(), 1);
        assert_eq!(transcript.entries()[0].text, "Hello.");
        assert!(!transcript.entries()[0].streaming);
    }

    #[test]
    fn messages_without_id_and_different_ids_are_separate() {
        let folded = fold(&[
            text(1, "m1", "a", true),
            text(2, "m2", "b", true),
            env(3, "output.text", json!({"text": "c"})),
            env(4, "output.text", json!({"text": "d"})),
        ]);
        let texts: Vec<_> = folded.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
    }

    #[test]
    fn stderr_lines_group_and_errors_stand_out() {
        let folded = fold(&[
            env(1, "output.stderr", json!({"line": "warn: a"})),
            env(2, "output.stderr", json!({"line": "warn: b"})),
            env(
                3,
                "agent.error",
                json!({"code": "malformed_line", "message": "not JSON", "line": 7}),
            ),
            env(
                4,
                "session.ended",
                json!({"status": "failed", "duration_ms": 1500, "exit_code": 1}),
            ),
        ]);
        assert_eq!(
            folded,
            [
                (EntryKind::Stderr, "warn: a\nwarn: b".into()),
                (EntryKind::Error, "malformed_line: not JSON (line 7)".into()),
                (EntryKind::Error, "Session failed after 1.5 s".into()),
            ]
        );
    }

    #[test]
    fn permissions_say_what_was_asked_and_who_answered() {
        let mut transcript = Transcript::default();
        let events = [
            env(
                1,
                "user.prompt",
                json!({"text": "make a file", "by": "alice"}),
            ),
            env(
                2,
                "permission.requested",
                json!({"request_id": "r1", "tool_name": "Bash", "input": {"command": "touch approved.txt"},
                       "expires_at": "2026-11-24T10:10:00.000Z"}),
            ),
            env(
                3,
                "permission.resolved",
                json!({"request_id": "r1", "decision": "deny", "by": "bob", "reason": "answered",
                       "message": "not now"}),
            ),
            env(
                4,
                "permission.resolved",
                json!({"request_id": "r0", "decision": "deny", "by": "agentcast", "reason": "timeout"}),
            ),
        ];
        for e in &events {
            transcript.apply(e);
        }
        let entries = transcript.entries();
        assert_eq!(entries[0].by.as_deref(), Some("alice"));
        let texts: Vec<_> = entries[1..]
            .iter()
            .map(|e| (e.kind, e.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (EntryKind::Permission, "Asks: Bash: touch approved.txt"),
                (
                    EntryKind::Permission,
                    "Denied by bob: Bash: touch approved.txt (\"not now\")"
                ),
                (
                    EntryKind::Permission,
                    "Denied by agentcast (no answer in time)"
                ),
            ]
        );
    }

    #[test]
    fn tools_and_usage_are_not_transcript_entries() {
        let folded = fold(&[
            env(
                1,
                "tool.started",
                json!({"tool_use_id": "t", "name": "Bash", "input": {}}),
            ),
            env(
                2,
                "usage.updated",
                json!({"input_tokens": 1, "output_tokens": 2, "total_cost_usd": 0.1}),
            ),
        ]);
        assert!(folded.is_empty());
    }
}
