//! The entries that are not messages: attachments, the prompt queue, the cost so far, titles
//! and system entries. Most are consumed for what they say about the session (its model, its
//! label, its totals); the table in the module docs says which become events.

use agentcast_shared::{AgentNotification, Event};
use serde_json::value::RawValue;

use super::ClaudeTranscriptMapper;
use super::entries::Entry;
use super::subagents::TaskNotification;
use crate::ingest::claude::messages::{Content, Usage};
use crate::ingest::claude::{compacted, to_value};
use crate::ingest::text::{label_of, truncate};

impl ClaudeTranscriptMapper {
    /// `attachment`: the model, a queued prompt; the rest (environment, date, listings of
    /// skills and tools, snapshots of the prompt) is the CLI's context for the model.
    pub(super) fn attachment(&mut self, entry: &Entry<'_>, at: u64, out: &mut Vec<Event>) -> bool {
        let Some(attachment) = &entry.attachment else {
            return false;
        };
        match attachment.kind.as_deref() {
            Some("model") => {
                let model = attachment
                    .identity
                    .as_ref()
                    .and_then(|identity| identity.model_id.as_deref())
                    .filter(|model| !model.is_empty());
                if let Some(model) = model {
                    self.usage.default_model(model);
                    if self.facts.model.is_none() && self.subagent.is_none() {
                        self.facts.model = Some(model.to_owned());
                    }
                }
                true
            }
            Some("queued_command") => {
                let Some(text) = attachment.prompt.and_then(text_of) else {
                    return false;
                };
                if TaskNotification::is_one(&text) {
                    self.task_notification(&text, at, out);
                } else if self.subagent.is_none() {
                    self.prompt(&text, out);
                    self.shown.queued_prompt(&text);
                }
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    /// `queue-operation`: prompts wait in the CLI's queue until the model takes them; the
    /// prompt is shown when it is given to the model (a `user` entry or a `queued_command`
    /// attachment), not when queued, so that it is shown once and only if it was sent. A
    /// task notification is news as soon as it is queued.
    pub(super) fn queue_operation(
        &mut self,
        entry: &Entry<'_>,
        at: u64,
        out: &mut Vec<Event>,
    ) -> bool {
        if entry.operation.as_deref() == Some("enqueue")
            && let Some(text) = entry.content.and_then(text_of)
            && TaskNotification::is_one(&text)
        {
            self.task_notification(&text, at, out);
        }
        entry.operation.is_some()
    }

    /// `cost-state`: the session's cost and tokens so far, sub-agents included: the floor
    /// of the totals (which the sum of the main transcript's messages does not reach when
    /// sub-agents ran).
    pub(super) fn cost_state(&mut self, entry: &Entry<'_>, out: &mut Vec<Event>) -> bool {
        if entry.total_cost_usd.is_none() && entry.model_usage.is_none() {
            return false;
        }
        let totals = entry.model_usage.as_ref().map(|models| {
            let sum = |field: fn(&Usage) -> Option<f64>| {
                models
                    .values()
                    .filter_map(field)
                    .filter(|v| v.is_finite())
                    .sum::<f64>()
            };
            Usage {
                input_tokens: Some(sum(|m| m.input_tokens)),
                output_tokens: Some(sum(|m| m.output_tokens)),
                cache_read_input_tokens: Some(sum(|m| m.cache_read_input_tokens)),
                cache_creation_input_tokens: Some(sum(|m| m.cache_creation_input_tokens)),
            }
        });
        self.usage.result(totals.as_ref(), entry.total_cost_usd);
        if self.subagent.is_none()
            && let Some(update) = self.usage.changed()
        {
            out.push(update.into());
        }
        true
    }

    /// `summary` (older CLIs), `custom-title` (`/rename`), `ai-title`: the session's label.
    /// Before the session started it is the label `session.started` carries; after, an
    /// `agent.notification` kind `title` says it changed (the hub relabels the session).
    /// The newest title wins, but a name the user gave is kept over a generated one: the CLI
    /// may write an `ai-title` after a `/rename`.
    pub(super) fn title(&mut self, entry: &Entry<'_>, out: &mut Vec<Event>) -> bool {
        let by_user = entry.kind == "custom-title";
        let title = match &*entry.kind {
            "summary" => entry.summary.as_deref(),
            "custom-title" => entry.custom_title.as_deref(),
            _ => entry.ai_title.as_deref(),
        };
        let Some(title) = title.and_then(label_of) else {
            return false;
        };
        if self.facts.title.as_deref() == Some(title.as_str())
            || (self.facts.title_by_user && !by_user)
        {
            return true;
        }
        self.facts.title_by_user = by_user;
        if self.started && self.subagent.is_none() {
            out.push(
                AgentNotification {
                    kind: AgentNotification::TITLE.into(),
                    message: title.clone(),
                    title: None,
                    details: None,
                }
                .into(),
            );
        }
        self.facts.title = Some(title);
        true
    }

    /// `system`: a compaction, a note with text (a local command's output, an API error),
    /// or the CLI's timing and hook bookkeeping.
    pub(super) fn system(&mut self, entry: &Entry<'_>, out: &mut Vec<Event>) -> bool {
        let subtype = entry.subtype.as_deref();
        if subtype == Some("compact_boundary") {
            out.push(compacted(entry.compact_metadata.and_then(to_value)));
            return true;
        }
        if let Some(text) = entry.content.and_then(text_of).filter(|t| !t.is_empty()) {
            out.push(
                AgentNotification {
                    kind: subtype.unwrap_or("system").to_owned(),
                    message: truncate(&text, self.preview_bytes).to_owned(),
                    title: None,
                    details: None,
                }
                .into(),
            );
            return true;
        }
        matches!(subtype, Some("turn_duration" | "stop_hook_summary"))
    }
}

/// The text of a string, or of text blocks joined by newlines; `None` for other JSON.
fn text_of(raw: &RawValue) -> Option<String> {
    match serde_json::from_str::<Content<'_>>(raw.get()).ok()? {
        Content::Text(text) => Some(text.into_owned()),
        Content::Blocks(blocks) => {
            let texts: Vec<&str> = blocks
                .iter()
                .filter_map(|b| (b.kind == "text").then_some(b.text.as_deref()).flatten())
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        Content::None | Content::Other(_) => None,
    }
}
