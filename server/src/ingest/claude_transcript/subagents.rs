//! Sub-agents: which `Task`/`Agent` call a sub-agent's transcript belongs to, and the news of
//! a background task.
//!
//! A sub-agent writes its own transcript, `<session>/subagents/agent-<id>.jsonl`, beside
//! `agent-<id>.meta.json` whose `toolUseId` is the call that started it
//! ([`subagent_parent`]). Without the meta file, the main transcript says it too: the call's
//! `toolUseResult.agentId` (and a background task's notification) name the agent id, which
//! [`AgentIds`] remembers for the collector to ask
//! ([`ClaudeTranscriptMapper::tool_use_id_of_agent`](super::ClaudeTranscriptMapper::tool_use_id_of_agent)).
//!
//! A background sub-agent's end arrives as a `<task-notification>` text (queued, then given
//! to the model as a user turn): [`TaskNotification`] reads it.

use std::collections::VecDeque;

use agentcast_shared::{AgentTask, AgentTaskStatus, DelegationStatus, Event};
use serde::Deserialize;

use crate::ingest::text::preview;

/// Agent ids remembered, at most (the oldest are forgotten first).
const AGENT_IDS: usize = 1024;

/// The `toolUseId` of a sub-agent's `agent-<id>.meta.json`: the `Task`/`Agent` call its
/// events nest under. `None` when the file is not JSON or does not say.
///
/// ```
/// use agentcast_server::ingest::claude_transcript::subagent_parent;
/// let meta = br#"{"agentType":"general-purpose","toolUseId":"toolu_task_1"}"#;
/// assert_eq!(subagent_parent(meta).as_deref(), Some("toolu_task_1"));
/// assert_eq!(subagent_parent(b"{}"), None);
/// ```
pub fn subagent_parent(meta_json: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        tool_use_id: Option<String>,
    }
    serde_json::from_slice::<Meta>(meta_json)
        .ok()?
        .tool_use_id
        .filter(|id| !id.is_empty())
}

/// Agent id -> the call that started it, as the main transcript told (bounded).
#[derive(Debug, Default)]
pub(crate) struct AgentIds {
    /// Oldest first; few enough that a scan is cheap.
    ids: VecDeque<(String, String)>,
}

impl AgentIds {
    pub(crate) fn insert(&mut self, agent_id: &str, tool_use_id: &str) {
        if self.get(agent_id).is_some() {
            return;
        }
        if self.ids.len() >= AGENT_IDS {
            self.ids.pop_front();
        }
        self.ids
            .push_back((agent_id.to_owned(), tool_use_id.to_owned()));
    }

    pub(crate) fn get(&self, agent_id: &str) -> Option<&str> {
        self.ids
            .iter()
            .rev()
            .find(|(agent, _)| agent == agent_id)
            .map(|(_, tool)| tool.as_str())
    }
}

/// A `<task-notification>`: a background task (a sub-agent, a background shell) stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TaskNotification<'a> {
    pub task_id: &'a str,
    pub tool_use_id: Option<&'a str>,
    pub status: AgentTaskStatus,
    pub summary: Option<&'a str>,
    pub output_file: Option<&'a str>,
}

impl<'a> TaskNotification<'a> {
    /// The notification in `text`, when it is one with a task id and a status it knows.
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        let body = text.trim_start().strip_prefix("<task-notification>")?;
        let status = match tag(body, "status")? {
            "completed" => AgentTaskStatus::Completed,
            "failed" => AgentTaskStatus::Failed,
            "stopped" | "killed" | "cancelled" => AgentTaskStatus::Stopped,
            _ => return None,
        };
        Some(TaskNotification {
            task_id: tag(body, "task-id")?,
            tool_use_id: tag(body, "tool-use-id"),
            status,
            // The result is what the sub-agent answered; the summary only says it finished.
            summary: tag(body, "result").or_else(|| tag(body, "summary")),
            output_file: tag(body, "output-file"),
        })
    }

    /// True when `text` is a task notification (a CLI turn, not the user's prompt), whether
    /// or not it is one [`parse`](Self::parse) reads.
    pub(crate) fn is_one(text: &str) -> bool {
        text.trim_start().starts_with("<task-notification>")
    }
}

/// Task notifications remembered, so that the one queued and the one given to the model
/// are reported once.
const NOTIFIED: usize = 64;

impl super::ClaudeTranscriptMapper {
    /// A `<task-notification>` text: `agent.task`, and the end of the background delegation
    /// it names, once per task and status. A text it cannot read is still no prompt.
    pub(super) fn task_notification(&mut self, text: &str, at: u64, out: &mut Vec<Event>) {
        let Some(note) = TaskNotification::parse(text) else {
            return;
        };
        let key = (note.task_id.to_owned(), note.status);
        if self.notified.contains(&key) {
            return;
        }
        if self.notified.len() >= NOTIFIED {
            self.notified.pop_front();
        }
        self.notified.push_back(key);
        if let Some(tool_use_id) = note.tool_use_id {
            self.agents.insert(note.task_id, tool_use_id);
        }
        let max = self.preview_bytes;
        out.push(
            AgentTask {
                task_id: note.task_id.to_owned(),
                tool_use_id: note.tool_use_id.map(str::to_owned),
                status: note.status,
                description: None,
                task_type: None,
                last_tool_name: None,
                summary: note.summary.and_then(|s| preview(s, max)),
                output_file: note.output_file.map(str::to_owned),
            }
            .into(),
        );
        let status = match note.status {
            AgentTaskStatus::Completed => DelegationStatus::Completed,
            _ => DelegationStatus::Failed,
        };
        if let Some(id) = note.tool_use_id {
            self.tools.end_delegation(id, status, at, out);
        }
    }
}

/// The trimmed text of the first `<name>...</name>` in `body`.
fn tag<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let len = body[start..].find(&close)?;
    Some(body[start..start + len].trim()).filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "<task-notification>\n<task-id>aaf2</task-id>\n<tool-use-id>toolu_task_1</tool-use-id>\n<output-file>/tmp/a.output</output-file>\n<status>completed</status>\n<summary>Agent \"Count\" finished</summary>\n<result>There are 2 files.</result>\n</task-notification>";

    #[test]
    fn a_notification_is_read() {
        let note = TaskNotification::parse(NOTE).unwrap();
        assert_eq!(
            note,
            TaskNotification {
                task_id: "aaf2",
                tool_use_id: Some("toolu_task_1"),
                status: AgentTaskStatus::Completed,
                summary: Some("There are 2 files."),
                output_file: Some("/tmp/a.output"),
            }
        );
        assert!(TaskNotification::is_one(NOTE));
        let failed = NOTE.replace("completed", "failed");
        assert_eq!(
            TaskNotification::parse(&failed).unwrap().status,
            AgentTaskStatus::Failed
        );
    }

    #[test]
    fn other_text_is_no_notification() {
        for text in [
            "please do the task thing",
            "<task-notification><status>completed</status></task-notification>",
            "<task-notification><task-id>a</task-id><status>weird</status>",
            "<task-notification><task-id>a</task-id><status>completed",
        ] {
            assert_eq!(TaskNotification::parse(text), None, "{text}");
        }
    }

    #[test]
    fn the_meta_file_names_the_call() {
        assert_eq!(
            subagent_parent(br#"{"toolUseId":"toolu_1","spawnDepth":1}"#).as_deref(),
            Some("toolu_1")
        );
        for meta in [
            &b"not json"[..],
            b"{}",
            br#"{"toolUseId":""}"#,
            br#"{"toolUseId":5}"#,
        ] {
            assert_eq!(subagent_parent(meta), None);
        }
    }

    #[test]
    fn agent_ids_are_bounded() {
        let mut ids = AgentIds::default();
        for i in 0..AGENT_IDS + 10 {
            ids.insert(&format!("a{i}"), &format!("t{i}"));
        }
        assert_eq!(ids.get("a0"), None);
        assert_eq!(
            ids.get(&format!("a{}", AGENT_IDS + 9)),
            Some(&*format!("t{}", AGENT_IDS + 9))
        );
    }
}
