//! [`IngestCounters`]: the lines the server's readers mapped and the lines they could not
//! use, by kind, over every session since the start (`/metrics`:
//! `agentcast_ingest_lines_total`, `agentcast_ingest_errors_total{kind}`). One per server,
//! shared by every [`IngestPipeline`](super::IngestPipeline) the server runs and by the
//! transcript collector's readers; a pipeline without it (`agentcast pipe` maps on the
//! client's side) counts only for itself.

use std::sync::atomic::{AtomicU64, Ordering};

/// The kinds of a line that could not be used: the `code` of the `agent.error` it becomes.
/// A fixed set: it is a label of `/metrics`.
pub const ERROR_KINDS: [&str; 4] = [
    "malformed_json",
    "truncated_line",
    "line_too_long",
    "invalid_utf8",
];

/// See the module docs.
#[derive(Debug, Default)]
pub struct IngestCounters {
    /// Lines decoded and given to a mapper (blank lines are not counted).
    lines: AtomicU64,
    /// Lines that could not be used, in [`ERROR_KINDS`] order.
    errors: [AtomicU64; ERROR_KINDS.len()],
}

impl IngestCounters {
    pub(crate) fn line(&self) {
        self.lines.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a line that could not be used; `kind` is one of [`ERROR_KINDS`] (another is
    /// a bug, counted nowhere rather than under a label of unbounded values).
    pub(crate) fn error(&self, kind: &str) {
        match ERROR_KINDS.iter().position(|k| *k == kind) {
            Some(i) => {
                self.errors[i].fetch_add(1, Ordering::Relaxed);
            }
            None => debug_assert!(false, "an ingest error kind not in ERROR_KINDS: {kind}"),
        }
    }

    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// `(kind, lines)` for every kind of [`ERROR_KINDS`], in its order.
    pub fn errors(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        ERROR_KINDS
            .iter()
            .zip(&self.errors)
            .map(|(kind, n)| (*kind, n.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_by_kind_and_every_kind_is_reported() {
        let counters = IngestCounters::default();
        counters.line();
        counters.line();
        counters.error("malformed_json");
        counters.error("line_too_long");
        counters.error("line_too_long");
        assert_eq!(counters.lines(), 2);
        let errors: Vec<_> = counters.errors().collect();
        assert_eq!(
            errors,
            [
                ("malformed_json", 1),
                ("truncated_line", 0),
                ("line_too_long", 2),
                ("invalid_utf8", 0)
            ]
        );
    }
}
