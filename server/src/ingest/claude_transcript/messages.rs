//! `user` and `assistant` entries: prompts, text, thinking, tool calls and usage.
//!
//! Claude Code 2.x writes an assistant message as one entry per content block, each with the
//! same message id and the message's usage repeated; a resumed or replayed file may write a
//! block again. So text is shown once per message ([`Shown`] remembers what each recent
//! message showed), tool calls once per id (`ToolTracker`), and usage is counted once per
//! message id (`UsageMeter` keeps the latest report of each).

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};

use agentcast_shared::{AgentNotification, Event};

use super::ClaudeTranscriptMapper;
use super::entries::Entry;
use super::subagents::TaskNotification;
use crate::ingest::claude::messages::{Block, Content, ToolUseResult};
use crate::ingest::claude::output;
use crate::ingest::claude::stream::TextKind;
use crate::ingest::claude::tool_result::{tool_answer, tool_call};
use crate::ingest::text::{label_of, preview};
use crate::ingest::user_text::user_text_event;

/// Messages whose shown blocks are remembered. The blocks of one message follow each other;
/// sub-agents written inline by older CLIs interleave a few.
const MESSAGES: usize = 32;

/// Prompts shown from a `queued_command` attachment, remembered so that the same prompt
/// written again as a `user` entry is not shown twice.
const QUEUED_PROMPTS: usize = 16;

/// What recent messages showed; see the module docs.
#[derive(Debug, Default)]
pub(super) struct Shown {
    /// Message id -> fingerprints of the text and thinking blocks shown, newest last.
    messages: VecDeque<(String, Vec<u64>)>,
    /// Prompts delivered by a `queued_command` attachment, newest last.
    queued: VecDeque<String>,
}

impl Shown {
    /// True the first time this block of message `id` is seen (always without an id).
    fn first_time(&mut self, id: Option<&str>, kind: TextKind, text: &str) -> bool {
        let Some(id) = id else {
            return true;
        };
        let mut hasher = DefaultHasher::new();
        (kind == TextKind::Thinking).hash(&mut hasher);
        text.hash(&mut hasher);
        let print = hasher.finish();
        let pos = match self.messages.iter().rposition(|(m, _)| m == id) {
            Some(pos) => pos,
            None => {
                if self.messages.len() >= MESSAGES {
                    self.messages.pop_front();
                }
                self.messages.push_back((id.to_owned(), Vec::new()));
                self.messages.len() - 1
            }
        };
        let prints = &mut self.messages[pos].1;
        if prints.contains(&print) {
            return false;
        }
        prints.push(print);
        true
    }

    /// A prompt shown from a queued command.
    pub(super) fn queued_prompt(&mut self, text: &str) {
        if self.queued.len() >= QUEUED_PROMPTS {
            self.queued.pop_front();
        }
        self.queued.push_back(text.to_owned());
    }

    /// True (once) when `text` was already shown from a queued command.
    fn was_queued(&mut self, text: &str) -> bool {
        match self.queued.iter().position(|q| q == text) {
            Some(pos) => {
                self.queued.remove(pos);
                true
            }
            None => false,
        }
    }
}

impl ClaudeTranscriptMapper {
    pub(super) fn assistant(
        &mut self,
        entry: &mut Entry<'_>,
        at: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        let Some(message) = entry.message.take() else {
            return false;
        };
        let parent = self.parent(entry);
        let parent = parent.as_deref();
        let id = message.id.as_deref();
        let mut known = true;
        match message.content {
            Content::Blocks(blocks) => {
                for block in blocks {
                    known &= self.assistant_block(&block, id, parent, at, out);
                }
            }
            Content::Text(text) => self.text(TextKind::Text, &text, id, parent, out),
            Content::None => {}
            Content::Other(_) => known = false,
        }
        // `<synthetic>` marks a message the CLI wrote itself (an API error), not a model.
        let model = message
            .model
            .as_deref()
            .filter(|m| !m.is_empty() && *m != "<synthetic>");
        if let Some(model) = model
            && self.subagent.is_none()
        {
            self.facts.model = Some(model.to_owned());
        }
        if let Some(usage) = &message.usage {
            self.usage.message(id, model, usage);
            // A sub-agent's usage is in the main transcript's totals (`cost-state`); its
            // own running totals would replace the session's.
            if self.subagent.is_none()
                && let Some(update) = self.usage.changed()
            {
                out.push(update.into());
            }
        }
        known
    }

    /// One block of an assistant message; false for a block type it does not know.
    fn assistant_block(
        &mut self,
        block: &Block<'_>,
        id: Option<&str>,
        parent: Option<&str>,
        at: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        match &*block.kind {
            "text" => {
                let text = block.text.as_deref().unwrap_or_default();
                self.text(TextKind::Text, text, id, parent, out);
            }
            "thinking" => {
                let text = block.thinking.as_deref().unwrap_or_default();
                self.text(TextKind::Thinking, text, id, parent, out);
            }
            "tool_use" | "server_tool_use" | "mcp_tool_use" => {
                let Some(call) = tool_call(block, parent, self.preview_bytes) else {
                    return false;
                };
                self.tools.start(call, at, out);
            }
            // The API-side result of a server tool: `web_search_tool_result`, ...
            kind if kind.ends_with("tool_result") => {
                let none = ToolUseResult::default();
                let Some(answer) = tool_answer(block, &none, parent, self.preview_bytes) else {
                    return false;
                };
                self.tools.complete(answer, at, out);
            }
            _ => return false,
        }
        true
    }

    /// A whole text or thinking block, unless this message showed it already.
    fn text(
        &mut self,
        kind: TextKind,
        text: &str,
        id: Option<&str>,
        parent: Option<&str>,
        out: &mut Vec<Event>,
    ) {
        if !text.is_empty() && self.shown.first_time(id, kind, text) {
            out.push(output(kind, id, text.to_owned(), false, parent));
        }
    }

    pub(super) fn user(&mut self, entry: &mut Entry<'_>, at: u64, out: &mut Vec<Event>) -> bool {
        let Some(message) = entry.message.take() else {
            return false;
        };
        let parent = self.parent(entry);
        match message.content {
            Content::Text(text) => {
                self.user_text(entry, &text, parent.as_deref(), at, out);
                true
            }
            Content::Blocks(blocks) => {
                let structured = Self::structured(entry, &blocks);
                let mut known = true;
                for block in &blocks {
                    known &= match &*block.kind {
                        "tool_result" => {
                            self.tool_result(block, &structured, parent.as_deref(), at, out)
                        }
                        "text" => {
                            let text = block.text.as_deref().unwrap_or_default();
                            self.user_text(entry, text, parent.as_deref(), at, out);
                            true
                        }
                        // Pictures the user attached: nothing to show as text.
                        "image" | "document" => true,
                        _ => false,
                    };
                }
                known
            }
            // No content (or a shape that is not one): nothing to show, kept as the line.
            Content::None | Content::Other(_) => false,
        }
    }

    /// Text of a `user` entry: the user's prompt, or what the CLI put in the user's turn.
    fn user_text(
        &mut self,
        entry: &Entry<'_>,
        text: &str,
        parent: Option<&str>,
        at: u64,
        out: &mut Vec<Event>,
    ) {
        let from_task = entry
            .origin
            .as_ref()
            .and_then(|o| o.kind.as_deref())
            .is_some_and(|kind| kind == "task-notification");
        if from_task || TaskNotification::is_one(text) {
            self.task_notification(text, at, out);
            return;
        }
        if entry.is_compact_summary == Some(true) {
            if let Some(summary) = preview(text, self.preview_bytes) {
                out.push(
                    AgentNotification {
                        kind: "compact_summary".into(),
                        message: summary,
                        title: None,
                        details: None,
                    }
                    .into(),
                );
            }
            return;
        }
        // A sub-agent's prompt is the call's input, shown by its delegation; meta text is
        // the CLI's, not the user's.
        let users = parent.is_none()
            && entry.is_sidechain != Some(true)
            && entry.is_meta != Some(true)
            && self.subagent.is_none();
        if users {
            self.prompt(text, out);
        }
    }

    /// A prompt of the user, once.
    pub(super) fn prompt(&mut self, text: &str, out: &mut Vec<Event>) {
        if text.is_empty() || self.shown.was_queued(text) {
            return;
        }
        if self.facts.first_prompt.is_none() {
            self.facts.first_prompt = label_of(text);
        }
        out.push(user_text_event(text.to_owned()));
    }
}
