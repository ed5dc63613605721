//! The cursor of one session namespace: the last applied offset (sent as auth `{offset}` on
//! every reconnect, so the server replays what was missed) and the rule that drops
//! duplicates, which makes replay followed by live events exactly-once for the application.

/// What a session namespace has applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionCursor {
    /// The greatest offset applied, or the offset the application asked to start after.
    last: Option<u64>,
}

/// What to do with an incoming event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A new event in the stream (or an ephemeral one): give it to the application.
    Apply,
    /// Already applied (a replay overlapping what was received live): drop it.
    Duplicate,
}

impl SessionCursor {
    /// `after`: replay everything after this offset on the first connect (`Some(0)`: the whole
    /// history); `None`: live events only until something was applied.
    pub(crate) fn new(after: Option<u64>) -> Self {
        SessionCursor { last: after }
    }

    /// The `offset` of the handshake auth.
    pub(crate) fn auth_offset(&self) -> Option<u64> {
        self.last
    }

    /// Judges an event by its envelope's offset. Events without an offset (not envelopes) and
    /// ephemeral ones (offset 0, e.g. `session.recovered`) are never part of the stream.
    pub(crate) fn judge(&mut self, offset: Option<u64>) -> Verdict {
        match offset {
            None | Some(0) => Verdict::Apply,
            Some(offset) if self.last.is_some_and(|last| offset <= last) => Verdict::Duplicate,
            Some(offset) => {
                self.last = Some(offset);
                Verdict::Apply
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_overlapping_live_events_is_applied_once() {
        let mut cursor = SessionCursor::new(Some(0));
        let live: Vec<_> = [1, 2, 3].map(|o| cursor.judge(Some(o))).into();
        assert!(live.iter().all(|v| *v == Verdict::Apply));
        assert_eq!(cursor.auth_offset(), Some(3));
        // The server replays from 3 + 1, but a late duplicate of 2 or 3 is dropped.
        assert_eq!(cursor.judge(Some(3)), Verdict::Duplicate);
        assert_eq!(cursor.judge(Some(2)), Verdict::Duplicate);
        assert_eq!(cursor.judge(Some(4)), Verdict::Apply);
        assert_eq!(cursor.auth_offset(), Some(4));
    }

    #[test]
    fn ephemeral_and_offsetless_events_pass_without_moving_the_cursor() {
        let mut cursor = SessionCursor::new(Some(10));
        assert_eq!(cursor.judge(Some(0)), Verdict::Apply);
        assert_eq!(cursor.judge(None), Verdict::Apply);
        assert_eq!(cursor.auth_offset(), Some(10));
        assert_eq!(cursor.judge(Some(10)), Verdict::Duplicate);
    }

    #[test]
    fn live_only_until_the_first_event() {
        let mut cursor = SessionCursor::new(None);
        assert_eq!(cursor.auth_offset(), None);
        assert_eq!(cursor.judge(Some(57)), Verdict::Apply);
        assert_eq!(cursor.auth_offset(), Some(57));
    }
}
