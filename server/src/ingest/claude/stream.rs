//! Streamed text against the assembled message: [`StreamDedup`].
//!
//! With `--include-partial-messages` the CLI sends each text and thinking block twice: as
//! `stream_event` deltas while the model writes it, and whole in an `assistant` line, which
//! arrives before the block's `content_block_stop` (fixture 03). Clients append the deltas, so
//! the whole block must not be sent again. The dedup keeps, per streamed block, the text sent
//! so far; the assembled block then adds only what the deltas missed (usually nothing), and
//! deltas that arrive after it add only what it did not already carry.
//!
//! Deltas name their block by index and their message only through the `message_start` that
//! opened it, so streams are tracked per lane: the main agent, or one sub-agent
//! (`parent_tool_use_id`), whose streams may interleave with the main one.

use std::collections::VecDeque;

/// Messages remembered per lane: the assembled line of a message may come after the next
/// message started streaming, but not much later.
const MESSAGES_PER_LANE: usize = 4;

/// Lanes remembered: the main agent and the sub-agents that streamed last.
const LANES: usize = 16;

/// The kind of a streamed block that carries text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    Text,
    Thinking,
}

#[derive(Debug)]
struct Lane {
    parent: Option<String>,
    /// Newest last; the last one is the message the lane's deltas belong to.
    messages: VecDeque<StreamedMessage>,
}

#[derive(Debug)]
struct StreamedMessage {
    id: String,
    blocks: Vec<StreamedBlock>,
}

#[derive(Debug)]
struct StreamedBlock {
    index: u64,
    kind: TextKind,
    /// The block's text as sent to clients so far.
    sent: String,
    /// Bytes of the block received as deltas (may trail `sent` once the assembled block
    /// arrived).
    streamed: usize,
    /// The assembled block was matched with this one.
    assembled: bool,
}

/// A piece of streamed text to emit as a delta.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    /// The message the piece belongs to, when its `message_start` was seen.
    pub message_id: Option<&'a str>,
    pub text: &'a str,
}

/// What to do with an assembled block.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Assembled<'a> {
    /// It was not streamed: emit it whole.
    NotStreamed,
    /// It was streamed: emit this remainder as a delta (the deltas missed it).
    Rest(&'a str),
    /// It was streamed entirely: emit nothing.
    Covered,
}

/// Per-session stream state; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct StreamDedup {
    lanes: VecDeque<Lane>,
}

impl StreamDedup {
    /// `message_start`: the lane's deltas now belong to message `id`.
    pub(crate) fn message_start(&mut self, parent: Option<&str>, id: &str) {
        let lane = self.lane(parent);
        if lane.messages.back().is_some_and(|m| m.id == id) {
            return;
        }
        if lane.messages.len() >= MESSAGES_PER_LANE {
            lane.messages.pop_front();
        }
        lane.messages.push_back(StreamedMessage {
            id: id.to_owned(),
            blocks: Vec::new(),
        });
    }

    /// A text or thinking delta (or the initial text of `content_block_start`) of block
    /// `index` of the lane's current message: the part to emit, if any.
    pub(crate) fn delta<'a>(
        &'a mut self,
        parent: Option<&str>,
        index: u64,
        kind: TextKind,
        text: &'a str,
    ) -> Option<Piece<'a>> {
        if text.is_empty() {
            return None;
        }
        let lane = self.lane(parent);
        let Some(message) = lane.messages.back_mut() else {
            // A delta without its message_start (the stream was cut in): nothing to match
            // the assembled block against, so emit it as it is.
            return Some(Piece {
                message_id: None,
                text,
            });
        };
        let pos = match message
            .blocks
            .iter()
            .position(|b| b.index == index && b.kind == kind)
        {
            Some(pos) => pos,
            None => {
                message.blocks.push(StreamedBlock {
                    index,
                    kind,
                    sent: String::new(),
                    streamed: 0,
                    assembled: false,
                });
                message.blocks.len() - 1
            }
        };
        let block = &mut message.blocks[pos];
        let start = block.streamed;
        block.streamed += text.len();
        let end = block.streamed;
        let sent_len = block.sent.len();
        if end <= sent_len {
            // The assembled block already carried this part.
            return None;
        }
        let skip = sent_len.saturating_sub(start);
        if !text.is_char_boundary(skip) {
            return None;
        }
        let new = &text[skip..];
        let from = block.sent.len();
        block.sent.push_str(new);
        Some(Piece {
            message_id: Some(message.id.as_str()),
            text: &block.sent[from..],
        })
    }

    /// An assembled text or thinking block of message `id`: whether and what to emit.
    pub(crate) fn assembled<'a>(
        &mut self,
        id: Option<&str>,
        kind: TextKind,
        text: &'a str,
    ) -> Assembled<'a> {
        let Some(id) = id else {
            return Assembled::NotStreamed;
        };
        let Some(message) = self
            .lanes
            .iter_mut()
            .flat_map(|lane| lane.messages.iter_mut())
            .find(|m| m.id == id)
        else {
            return Assembled::NotStreamed;
        };
        // The first streamed block of this kind not yet matched whose text agrees with it;
        // blocks come in order, and each assembled line carries the blocks after the last.
        let unmatched = message.blocks.iter_mut().find(|b| {
            b.kind == kind
                && !b.assembled
                && (text.starts_with(b.sent.as_str()) || b.sent.starts_with(text))
        });
        if let Some(block) = unmatched {
            block.assembled = true;
            if text.len() > block.sent.len() {
                let rest = &text[block.sent.len()..];
                block.sent.push_str(rest);
                return Assembled::Rest(rest);
            }
            return Assembled::Covered;
        }
        // A line repeating a block already matched (a CLI that resends the whole message).
        if message
            .blocks
            .iter()
            .any(|b| b.kind == kind && b.assembled && b.sent == text)
        {
            return Assembled::Covered;
        }
        Assembled::NotStreamed
    }

    /// The message the lane is streaming, when its `message_start` was seen.
    pub(crate) fn current_message(&self, parent: Option<&str>) -> Option<&str> {
        let lane = self.lanes.iter().find(|l| l.parent.as_deref() == parent)?;
        lane.messages.back().map(|m| m.id.as_str())
    }

    fn lane(&mut self, parent: Option<&str>) -> &mut Lane {
        let pos = match self
            .lanes
            .iter()
            .position(|l| l.parent.as_deref() == parent)
        {
            Some(pos) => pos,
            None => {
                if self.lanes.len() >= LANES {
                    self.lanes.pop_front();
                }
                self.lanes.push_back(Lane {
                    parent: parent.map(str::to_owned),
                    messages: VecDeque::new(),
                });
                self.lanes.len() - 1
            }
        };
        &mut self.lanes[pos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(dedup: &mut StreamDedup, index: u64, text: &str) -> Option<String> {
        dedup
            .delta(None, index, TextKind::Text, text)
            .map(|p| p.text.to_owned())
    }

    #[test]
    fn an_assembled_block_after_its_deltas_adds_nothing() {
        let mut dedup = StreamDedup::default();
        dedup.message_start(None, "m1");
        assert_eq!(piece(&mut dedup, 0, "P").as_deref(), Some("P"));
        assert_eq!(piece(&mut dedup, 0, "ONG").as_deref(), Some("ONG"));
        assert_eq!(
            dedup.assembled(Some("m1"), TextKind::Text, "PONG"),
            Assembled::Covered
        );
        // Another message, or no id: not streamed.
        assert_eq!(
            dedup.assembled(Some("m2"), TextKind::Text, "PONG"),
            Assembled::NotStreamed
        );
        assert_eq!(
            dedup.assembled(None, TextKind::Text, "PONG"),
            Assembled::NotStreamed
        );
    }

    #[test]
    fn what_the_deltas_missed_is_sent_once() {
        let mut dedup = StreamDedup::default();
        dedup.message_start(None, "m");
        piece(&mut dedup, 0, "Hel");
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Text, "Hello world"),
            Assembled::Rest("lo world")
        );
        // Deltas still in flight after the assembled block: already sent.
        assert_eq!(piece(&mut dedup, 0, "lo wo"), None);
        assert_eq!(piece(&mut dedup, 0, "rld"), None);
        // Beyond what the assembled block held: the new part only.
        assert_eq!(piece(&mut dedup, 0, "!!").as_deref(), Some("!!"));
    }

    #[test]
    fn blocks_are_matched_by_kind_and_order() {
        let mut dedup = StreamDedup::default();
        dedup.message_start(None, "m");
        dedup.delta(None, 0, TextKind::Thinking, "hmm");
        piece(&mut dedup, 1, "first");
        piece(&mut dedup, 3, "second");
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Thinking, "hmm"),
            Assembled::Covered
        );
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Text, "first"),
            Assembled::Covered
        );
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Text, "second"),
            Assembled::Covered
        );
        // The whole message again (a CLI that repeats earlier blocks).
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Text, "first"),
            Assembled::Covered
        );
        assert_eq!(
            dedup.assembled(Some("m"), TextKind::Text, "third"),
            Assembled::NotStreamed
        );
    }

    #[test]
    fn lanes_keep_interleaved_streams_apart() {
        let mut dedup = StreamDedup::default();
        dedup.message_start(None, "main");
        dedup.message_start(Some("task1"), "sub");
        piece(&mut dedup, 0, "main text");
        let sub = dedup
            .delta(Some("task1"), 0, TextKind::Text, "sub text")
            .unwrap();
        assert_eq!(sub.message_id, Some("sub"));
        assert_eq!(
            dedup.assembled(Some("sub"), TextKind::Text, "sub text"),
            Assembled::Covered
        );
        assert_eq!(
            dedup.assembled(Some("main"), TextKind::Text, "main text"),
            Assembled::Covered
        );
    }

    #[test]
    fn a_delta_without_its_message_start_is_emitted() {
        let mut dedup = StreamDedup::default();
        let p = dedup.delta(None, 0, TextKind::Text, "x").unwrap();
        assert_eq!(p.message_id, None);
        assert_eq!(dedup.delta(None, 0, TextKind::Text, ""), None);
    }

    #[test]
    fn state_is_bounded() {
        let mut dedup = StreamDedup::default();
        for lane in 0..100 {
            let parent = lane.to_string();
            for m in 0..10 {
                dedup.message_start(Some(&parent), &format!("{lane}-{m}"));
            }
        }
        assert_eq!(dedup.lanes.len(), LANES);
        assert!(
            dedup
                .lanes
                .iter()
                .all(|l| l.messages.len() <= MESSAGES_PER_LANE)
        );
    }
}
