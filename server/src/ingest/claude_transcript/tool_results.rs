//! `tool_result` blocks of `user` entries, with the entry's `toolUseResult`.
//!
//! The block's text is the result (bounded like stream-json's, by the shared `tool_answer`);
//! the structured result says more: an interrupted call failed, a `Task`/`Agent` call that
//! launched its sub-agent in the background (`isAsync`) has not finished its delegation, and
//! `agentId` names the sub-agent's transcript. Durations run from the call's entry to the
//! result's, by their timestamps.

use agentcast_shared::Event;

use super::ClaudeTranscriptMapper;
use super::entries::Entry;
use crate::ingest::claude::messages::{Block, ToolUseResult};
use crate::ingest::claude::tool_result::{structured_result, tool_answer};

impl ClaudeTranscriptMapper {
    /// The structured result of an entry's blocks: it belongs to the entry's one result.
    pub(super) fn structured<'a>(entry: &Entry<'a>, blocks: &[Block<'_>]) -> ToolUseResult<'a> {
        let results = blocks.iter().filter(|b| b.kind == "tool_result").count();
        structured_result(entry.tool_use_result.filter(|_| results == 1))
    }

    /// One `tool_result` block; false without a `tool_use_id`.
    pub(super) fn tool_result(
        &mut self,
        block: &Block<'_>,
        structured: &ToolUseResult<'_>,
        parent: Option<&str>,
        at: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        let Some(answer) = tool_answer(block, structured, parent, self.preview_bytes) else {
            return false;
        };
        if let Some(agent_id) = structured.agent_id.as_deref() {
            self.agents.insert(agent_id, &answer.id);
        }
        if structured.launched_in_background() {
            self.tools.mark_background(&answer.id);
        }
        self.tools.complete(answer, at, out);
        true
    }
}
