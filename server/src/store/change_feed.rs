//! [`ChangeFeed`]: what other servers append to a shared store (PostgreSQL with several
//! `agentcast serve` on it), as they commit it. Each server's sequencers broadcast their own
//! events; the feed tells a server which of its sessions another one has moved on, and the
//! sequencer reads those events from the store and broadcasts them in offset order
//! (`hub::follow`). The store stays the only source of events: a feed item carries offsets,
//! never events, so one that is missed (the feed's connection was lost) costs a read, not an
//! event.

use async_trait::async_trait;

/// A server appended events `first..=last` to a session (this server's own appends are
/// announced too; their sequencer has them already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub session_id: String,
    pub first: u64,
    pub last: u64,
}

/// One item of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Appended(Appended),
    /// The feed's connection is gone (the reason, for the log and `system.error`): appends are
    /// missed until [`Change::Resumed`]. The feed retries on its own.
    Lost(String),
    /// Listening, first at the start and then again after [`Change::Lost`]: what was appended
    /// before is only in the store.
    Resumed,
}

/// Appends by every server to a shared store, in commit order.
#[async_trait]
pub trait ChangeFeed: Send + 'static {
    /// The next change; waits for one. Never ends: a lost connection is an item, and the
    /// feed reconnects by itself.
    async fn next(&mut self) -> Change;
}

impl Appended {
    /// Reads `<first> <last> <session_id>`, the form the store announces; `None` for
    /// anything else.
    pub fn parse(payload: &str) -> Option<Appended> {
        let mut parts = payload.splitn(3, ' ');
        let first = parts.next()?.parse().ok()?;
        let last = parts.next()?.parse().ok()?;
        let session_id = parts.next()?;
        let valid = agentcast_shared::is_valid_session_id(session_id) && first >= 1;
        (valid && first <= last).then(|| Appended {
            session_id: session_id.to_owned(),
            first,
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Appended;

    #[test]
    fn an_announcement_reads_back_and_nothing_else_does() {
        let appended = Appended::parse("3 7 s-1.a_b").unwrap();
        assert_eq!((appended.first, appended.last), (3, 7));
        assert_eq!(appended.session_id, "s-1.a_b");
        for bad in [
            "", "3", "3 7", "x 7 s", "3 x s", "7 3 s", "0 3 s", "3 7 a b", "-1 2 s",
        ] {
            assert_eq!(Appended::parse(bad), None, "{bad:?}");
        }
    }
}
