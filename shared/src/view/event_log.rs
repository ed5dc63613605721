//! The session's events as the dashboard holds them: ordered by offset, each offset once, with
//! the gaps that are still missing. Live events, replays and history pages all go through here,
//! so "apply an envelope only if its offset is new" is written once.

use crate::Envelope;

/// What [`EventLog::push`] did with an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// The next offset: appended at the head.
    Appended,
    /// Beyond the next offset: appended, and the offsets between are now a gap.
    AppendedAfterGap {
        /// The first offset missing.
        missing_from: u64,
        /// The last offset missing.
        missing_to: u64,
    },
    /// Already held (a replay overlapping what we had): ignored.
    Duplicate,
    /// Offset 0: a control event (`session.recovered`), never part of the stream.
    Ephemeral,
    /// Below the head and not held: an older event (a history page), inserted in order.
    Inserted,
}

/// Envelopes in offset order, without duplicates.
#[derive(Debug, Default, Clone)]
pub struct EventLog {
    events: Vec<Envelope>,
}

impl EventLog {
    /// Applies one envelope (see [`Pushed`]).
    pub fn push(&mut self, envelope: Envelope) -> Pushed {
        if envelope.is_ephemeral() {
            return Pushed::Ephemeral;
        }
        let head = self.head();
        if envelope.offset > head {
            let pushed = if head > 0 && envelope.offset > head + 1 {
                Pushed::AppendedAfterGap {
                    missing_from: head + 1,
                    missing_to: envelope.offset - 1,
                }
            } else if head == 0 && envelope.offset > 1 {
                // A first event that is not offset 1: the beginning is missing (a live join
                // without replay, or a trimmed history).
                Pushed::AppendedAfterGap {
                    missing_from: 1,
                    missing_to: envelope.offset - 1,
                }
            } else {
                Pushed::Appended
            };
            self.events.push(envelope);
            return pushed;
        }
        match self.position(envelope.offset) {
            Ok(_) => Pushed::Duplicate,
            Err(at) => {
                self.events.insert(at, envelope);
                Pushed::Inserted
            }
        }
    }

    /// Inserts a page of (older) events at once: one merge instead of one insert each.
    /// Returns how many were new.
    pub fn merge(&mut self, page: Vec<Envelope>) -> usize {
        let before = self.events.len();
        let head = self.head();
        let (older, newer): (Vec<_>, Vec<_>) = page
            .into_iter()
            .filter(|e| !e.is_ephemeral())
            .partition(|e| e.offset <= head);
        if !older.is_empty() {
            self.events.extend(older);
            self.events.sort_by_key(|e| e.offset);
            self.events.dedup_by_key(|e| e.offset);
        }
        for envelope in newer {
            self.push(envelope);
        }
        self.events.len() - before
    }

    /// The highest offset held (0 when empty): what a reconnect asks the server to replay after.
    pub fn head(&self) -> u64 {
        self.events.last().map_or(0, |e| e.offset)
    }

    /// The lowest offset held (0 when empty): where "load older" pages back from.
    pub fn first(&self) -> u64 {
        self.events.first().map_or(0, |e| e.offset)
    }

    /// True when offsets before [`EventLog::first`] exist on the server.
    pub fn has_older(&self) -> bool {
        self.first() > 1
    }

    /// How many events are held.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events held, in offset order.
    pub fn events(&self) -> &[Envelope] {
        &self.events
    }

    /// The event at `index` in offset order (a row of the table).
    pub fn get(&self, index: usize) -> Option<&Envelope> {
        self.events.get(index)
    }

    /// Missing offset ranges (inclusive) between the first and the head: what a
    /// `recovered: false` left out, to be paged in.
    pub fn gaps(&self) -> Vec<(u64, u64)> {
        self.events
            .windows(2)
            .filter(|pair| pair[1].offset > pair[0].offset + 1)
            .map(|pair| (pair[0].offset + 1, pair[1].offset - 1))
            .collect()
    }

    /// Forgets everything: the server's offsets no longer match ours (a wiped history).
    pub fn clear(&mut self) {
        self.events.clear();
    }

    fn position(&self, offset: u64) -> Result<usize, usize> {
        self.events.binary_search_by_key(&offset, |e| e.offset)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn env(offset: u64, kind: &str, data: serde_json::Value) -> Envelope {
        Envelope {
            offset,
            session_id: "s1".into(),
            ts: crate::format_ts_millis(1_795_514_400_000 + offset * 100),
            kind: kind.into(),
            data,
        }
    }

    fn stderr(offset: u64) -> Envelope {
        env(
            offset,
            "output.stderr",
            json!({"line": format!("l{offset}")}),
        )
    }

    fn offsets(log: &EventLog) -> Vec<u64> {
        log.events().iter().map(|e| e.offset).collect()
    }

    #[test]
    fn live_then_overlapping_replay_has_no_duplicates() {
        let mut log = EventLog::default();
        assert_eq!(log.push(stderr(1)), Pushed::Appended);
        assert_eq!(log.push(stderr(2)), Pushed::Appended);
        // A reconnect replays from our head; the server may resend what we hold.
        assert_eq!(log.push(stderr(2)), Pushed::Duplicate);
        assert_eq!(log.push(stderr(3)), Pushed::Appended);
        assert_eq!(offsets(&log), [1, 2, 3]);
        assert_eq!(log.head(), 3);
        assert!(log.gaps().is_empty());
    }

    #[test]
    fn a_jump_is_reported_as_a_gap_and_filled_by_a_page() {
        let mut log = EventLog::default();
        log.push(stderr(1));
        assert_eq!(
            log.push(stderr(5)),
            Pushed::AppendedAfterGap {
                missing_from: 2,
                missing_to: 4
            }
        );
        assert_eq!(log.gaps(), [(2, 4)]);
        assert_eq!(
            log.merge(vec![stderr(2), stderr(3), stderr(4), stderr(5)]),
            3
        );
        assert_eq!(offsets(&log), [1, 2, 3, 4, 5]);
        assert!(log.gaps().is_empty());
    }

    #[test]
    fn older_pages_go_before_and_newer_after() {
        let mut log = EventLog::default();
        log.push(stderr(10));
        assert!(log.has_older());
        assert_eq!(log.merge(vec![stderr(7), stderr(8), stderr(9)]), 3);
        assert_eq!(log.push(stderr(8)), Pushed::Duplicate);
        assert_eq!(log.push(stderr(11)), Pushed::Appended);
        assert_eq!(log.merge(vec![stderr(11), stderr(12)]), 1);
        assert_eq!(offsets(&log), [7, 8, 9, 10, 11, 12]);
        assert_eq!(log.first(), 7);
    }

    #[test]
    fn control_events_are_not_stored() {
        let mut log = EventLog::default();
        let recovered = env(
            0,
            "session.recovered",
            json!({"recovered": true, "from": 1, "to": 0}),
        );
        assert_eq!(log.push(recovered), Pushed::Ephemeral);
        assert!(log.is_empty());
        assert_eq!(
            log.push(stderr(3)),
            Pushed::AppendedAfterGap {
                missing_from: 1,
                missing_to: 2
            }
        );
        log.clear();
        assert_eq!(log.head(), 0);
    }
}
