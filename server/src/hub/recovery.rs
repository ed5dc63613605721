//! Recovery: a client that connects with auth `{offset}` first receives every event after that
//! offset, in order, then live events, with no gap, no duplicate and no interleaving
//! (DESIGN.md section 2).
//!
//! The socket is in no room while this runs. The bulk of the replay is sent here, outside the
//! sequencer, up to the head read at the start; then the sequencer, the only emitter of the
//! session, sends what was published meanwhile from its tail and joins the socket to its rooms
//! in one step between two of its own emits (`Sequencer::catch_up`).

use std::time::Duration;

use std::sync::Arc;

use agentcast_shared::{ALL_EVENT_TYPES, Event, SESSION_RECOVERED, SessionRecovered};
use serde_json::value::RawValue;
use socketioxide::SendError;
use socketioxide_core::adapter::errors::SocketError;

use super::session::SessionHandle;
use super::tail::TailEntry;
use super::{Hub, emit, slow_consumer};
use crate::socket::{Sock, subscriptions};
use crate::store::{EventQuery, StoreError};

/// Events copied out of the tail at a time (the tail lock is held only for the copy).
const PAGE: usize = 256;
/// Pause before retrying an emit into a full send buffer during the replay.
const FULL_PAUSE: Duration = Duration::from_millis(2);

/// How far a catch-up got: pure arithmetic, kept apart from the socket to be testable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    /// The client's offset: it has everything up to here.
    pub requested: u64,
    /// The last offset the replay went through (sent, or skipped by the type filter).
    pub through: u64,
    /// The first offset the history still held, when it no longer held `requested + 1`.
    pub gap_until: Option<u64>,
    /// The client's offset was beyond the session's head: its offsets come from another
    /// history (a wiped data directory, another server). It is replayed the whole session
    /// and told `recovered: false, from: 1`, so it knows to start over.
    pub ahead: bool,
}

impl Progress {
    pub fn new(requested: u64) -> Self {
        Self {
            requested,
            through: requested,
            gap_until: None,
            ahead: false,
        }
    }

    /// A catch-up from `requested` to a session at `head`: from the start when the client
    /// claims more than the session has (see [`Progress::ahead`]).
    pub fn towards(requested: u64, head: u64) -> Self {
        if requested > head {
            Self {
                ahead: true,
                ..Self::new(0)
            }
        } else {
            Self::new(requested)
        }
    }

    /// The history continues at `first`: anything between `through` and it is gone.
    pub fn resume_at(&mut self, first: u64) {
        if first > self.through.saturating_add(1) {
            self.gap_until.get_or_insert(first);
            self.through = first - 1;
        }
    }

    /// What `session.recovered` says once the socket is at `head`.
    pub fn recovered(&self, head: u64) -> SessionRecovered {
        SessionRecovered {
            recovered: self.gap_until.is_none() && !self.ahead,
            from: self.gap_until.unwrap_or(self.requested.saturating_add(1)),
            to: head,
        }
    }
}

/// A replay handed to the sequencer to finish.
pub(crate) struct CatchUp {
    pub socket: Sock,
    pub progress: Progress,
}

/// Replays what the history holds after `requested` up to the current head (from the store,
/// then from the tail once it reaches back far enough), then asks the sequencer to finish.
/// Runs as its own task.
pub(crate) async fn recover(hub: Hub, socket: Sock, session: SessionHandle, requested: u64) {
    let patience = slow_consumer::patience(&hub);
    session.resumed().await;
    let head = session.head_offset();
    tracing::debug!(session.id = session.id(), requested, head, "replaying");
    let mut progress = Progress::towards(requested, head);
    while progress.through < head {
        let tail_first = session.tail_first();
        let page = if tail_first.is_some_and(|first| first <= progress.through + 1) {
            session.tail_after(progress.through, PAGE)
        } else {
            let before = tail_first.unwrap_or(head + 1);
            match stored_entries(&hub, session.id(), progress.through, before).await {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(%err, "reading the history for a replay failed");
                    Vec::new()
                }
            }
        };
        let Some(first) = page.first() else {
            match tail_first {
                // Nothing stored below the tail: the history resumes where the tail starts.
                Some(first) if first > progress.through + 1 => {
                    progress.resume_at(first);
                    continue;
                }
                _ => break,
            }
        };
        progress.resume_at(first.offset);
        for entry in page.iter().take_while(|e| e.offset <= head) {
            if let Err(err) = send_patiently(&socket, entry, patience).await {
                slow_consumer::send_failed(&hub, socket, &err);
                return;
            }
            progress.through = entry.offset;
        }
    }
    tracing::debug!(
        session.id = session.id(),
        ?progress,
        "replayed; the sequencer finishes"
    );
    if let Err(err) = session.catch_up(CatchUp { socket, progress }).await {
        tracing::debug!(%err, "catch-up not finished");
    }
}

/// Stored events of a session with `after < offset < before`, at most one page, as tail
/// entries (the envelopes live clients received).
pub(crate) async fn stored_entries(
    hub: &Hub,
    session_id: &str,
    after: u64,
    before: u64,
) -> Result<Vec<TailEntry>, StoreError> {
    let query = EventQuery {
        before: Some(before),
        limit: PAGE as u32,
        ..EventQuery::after(after)
    };
    let page = hub.store().read_events(session_id, &query).await?;
    let mut entries = Vec::with_capacity(page.events.len());
    for stored in page.events {
        // A type this build does not know (a newer server wrote it) cannot be named: skip it.
        let Some(kind) = ALL_EVENT_TYPES.iter().find(|t| **t == stored.kind) else {
            continue;
        };
        entries.push(TailEntry {
            offset: stored.offset,
            kind,
            payload: Arc::from(stored.envelope_json()?),
        });
    }
    Ok(entries)
}

/// Sends one replayed event if the socket wants its type, waiting while its buffer is full.
/// The error when the buffer stayed full for `patience`, or when the socket is gone.
async fn send_patiently(
    socket: &Sock,
    entry: &TailEntry,
    patience: Duration,
) -> Result<(), SendError> {
    if !subscriptions::wanted(socket).contains(entry.kind) {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match socket.emit(entry.kind, &*entry.payload) {
            Err(SendError::Socket(SocketError::InternalChannelFull))
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(FULL_PAUSE).await
            }
            sent => return sent,
        }
    }
}

/// The `session.recovered` control event (offset 0) that ends a catch-up.
pub(crate) fn recovered_payload(session_id: &str, progress: &Progress, head: u64) -> Box<RawValue> {
    emit::envelope_json(
        0,
        session_id,
        &Event::SessionRecovered(progress.recovered(head)),
    )
}

/// The name `session.recovered` is emitted under.
pub(crate) const RECOVERED: &str = SESSION_RECOVERED;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_history_recovers_from_the_next_offset() {
        let mut progress = Progress::new(10);
        progress.resume_at(11);
        progress.through = 20;
        assert_eq!(
            progress.recovered(20),
            SessionRecovered {
                recovered: true,
                from: 11,
                to: 20
            }
        );
    }

    #[test]
    fn a_trimmed_history_reports_where_it_resumed() {
        let mut progress = Progress::new(10);
        progress.resume_at(15);
        assert_eq!(progress.through, 14);
        progress.resume_at(18); // trimmed again during the replay: the first gap is reported
        assert_eq!(
            progress.recovered(30),
            SessionRecovered {
                recovered: false,
                from: 15,
                to: 30
            }
        );
    }

    #[test]
    fn an_offset_beyond_the_head_replays_everything_as_not_recovered() {
        let progress = Progress::towards(u64::MAX, 25);
        assert_eq!((progress.requested, progress.through), (0, 0));
        assert_eq!(
            progress.recovered(25),
            SessionRecovered {
                recovered: false,
                from: 1,
                to: 25
            }
        );
        assert!(!Progress::towards(25, 25).ahead);
    }

    #[test]
    fn nothing_missed_is_recovered() {
        assert_eq!(
            Progress::new(7).recovered(7),
            SessionRecovered {
                recovered: true,
                from: 8,
                to: 7
            }
        );
    }
}
