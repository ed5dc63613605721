//! The offset check every soak client keeps across its reconnects: each offset of its
//! session exactly once, in order, from 1.

use serde::{Deserialize, Serialize};

/// What went wrong in one client's stream of offsets. Every count should be 0.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetErrors {
    /// Offsets skipped (an offset `n` after `last` adds `n - last - 1`).
    pub gaps: u64,
    /// An offset received again (equal to the last one).
    pub duplicates: u64,
    /// An offset older than the last one.
    pub reorders: u64,
}

impl OffsetErrors {
    pub fn total(&self) -> u64 {
        self.gaps + self.duplicates + self.reorders
    }

    pub(crate) fn add(&mut self, other: &OffsetErrors) {
        self.gaps += other.gaps;
        self.duplicates += other.duplicates;
        self.reorders += other.reorders;
    }
}

/// The last offset applied and the errors seen; a reconnect resumes from [`Self::last`].
#[derive(Debug, Default, Clone)]
pub(crate) struct OffsetCheck {
    last: u64,
    pub(crate) errors: OffsetErrors,
}

impl OffsetCheck {
    /// The last offset applied (0 before the first): what a reconnect sends as `{offset}`.
    pub(crate) fn last(&self) -> u64 {
        self.last
    }

    /// Checks one received offset (ephemeral events, offset 0, are not checked). A gap is
    /// counted and the stream goes on from the new offset, so one lost event is one error,
    /// not an error for every event after it.
    pub(crate) fn observe(&mut self, offset: u64) {
        if offset == 0 {
            return;
        }
        match offset.cmp(&(self.last + 1)) {
            std::cmp::Ordering::Equal => self.last = offset,
            std::cmp::Ordering::Greater => {
                self.errors.gaps += offset - self.last - 1;
                self.last = offset;
            }
            std::cmp::Ordering::Less if offset == self.last => self.errors.duplicates += 1,
            std::cmp::Ordering::Less => self.errors.reorders += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(offsets: &[u64]) -> OffsetCheck {
        let mut check = OffsetCheck::default();
        offsets.iter().for_each(|&o| check.observe(o));
        check
    }

    #[test]
    fn a_gapless_stream_has_no_error() {
        let c = check(&[1, 2, 0, 3, 4]);
        assert_eq!(c.last(), 4);
        assert_eq!(c.errors, OffsetErrors::default());
    }

    #[test]
    fn counts_missing_offsets_once() {
        let c = check(&[1, 2, 5, 6]);
        assert_eq!(c.last(), 6);
        assert_eq!(c.errors.gaps, 2);
        assert_eq!(
            check(&[3]).errors.gaps,
            2,
            "the first offset of a session is 1"
        );
    }

    #[test]
    fn counts_duplicates_and_reorders() {
        let c = check(&[1, 2, 3, 3, 2, 4]);
        assert_eq!(c.last(), 4);
        assert_eq!(
            c.errors,
            OffsetErrors {
                gaps: 0,
                duplicates: 1,
                reorders: 1
            }
        );
        assert_eq!(c.errors.total(), 2);
    }
}
