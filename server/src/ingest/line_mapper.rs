//! [`LineMapper`]: what every mapper of an agent's JSONL is to its reader. Claude Code's
//! stream-json ([`ClaudeMapper`](super::ClaudeMapper)) is one; each transcript format a
//! collector reads (a Claude Code transcript, a Codex rollout) is another, so a new agent
//! kind is one new mapper.

use agentcast_shared::Event;

use super::{Mapped, NotJson};

/// Turns the lines of one stream (a process's stdout, a transcript file) into typed events,
/// keeping what correlates them (tool calls and their results, sub-agents, usage totals).
/// One per stream; `Send` so a reader task can own it.
pub trait LineMapper: Send {
    /// Maps one complete line (without its line ending) read at `now_ms` (Unix
    /// milliseconds), appending its events to `out`. An error only when the line is not
    /// JSON; nothing is appended then.
    fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson>;
}

impl LineMapper for super::ClaudeMapper {
    fn map_line(
        &mut self,
        line: &str,
        now_ms: u64,
        out: &mut Vec<Event>,
    ) -> Result<Mapped, NotJson> {
        super::ClaudeMapper::map_line(self, line, now_ms, out)
    }
}
