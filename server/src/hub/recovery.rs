//! Recovery: a client that connects with auth `{offset}` first receives every event after that
//! offset, in order, then live events, with no gap, no duplicate and no interleaving
//! (DESIGN.md section 2). The whole algorithm is here:
//!
//! 1. [`replay`], a task of its own: the bulk of the history, from the store and then the
//!    session's tail, up to the head read at its start, sent while the client is in no room.
//! 2. [`finish`], run by the session's sequencer (the only emitter of the session) between two
//!    of its broadcasts: what was committed meanwhile, then `session.recovered`, then the
//!    client joins its rooms, all while nothing else can be emitted to it.
//!
//! Both read the history through [`History::next_page`]; [`Progress`] is the arithmetic of
//! where a catch-up got and what `session.recovered` says.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::{ALL_EVENT_TYPES, Event, SESSION_RECOVERED, SessionRecovered};

use super::delivery::{Recipient, SendFailure};
use super::session::SessionHandle;
use super::tail::{Tail, TailEntry};
use super::{Hub, envelope};
use crate::store::{EventQuery, StoreError};

/// Events copied out of the tail or read from the store at a time (the tail lock is held
/// only for the copy).
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

    /// Takes one page of the history: where it starts tells whether something was lost.
    /// An empty page while short of `head` means the history holds nothing more up to it.
    fn start_page(&mut self, page: &[TailEntry], head: u64) {
        match page.first() {
            Some(first) => self.resume_at(first.offset),
            None => self.resume_at(head.saturating_add(1)),
        }
    }
}

/// A replay handed to the sequencer to finish.
pub(crate) struct CatchUp {
    pub recipient: Arc<dyn Recipient>,
    pub progress: Progress,
}

/// A session's history as a replay reads it: its in-memory tail, and the store below it.
pub(crate) struct History<'a> {
    pub hub: &'a Hub,
    pub session_id: &'a str,
    pub tail: &'a Mutex<Tail>,
}

impl History<'_> {
    /// Up to a page of the events after `after`, at most `head`, in order: from the tail when
    /// it holds `after + 1`, else from the store below the tail's first offset. When the store
    /// holds nothing there (trimmed, or it failed: logged), the history resumes at the tail.
    /// Empty when nothing after `after` is held.
    pub async fn next_page(&self, after: u64, head: u64) -> Vec<TailEntry> {
        let tail_first = self.tail().first_offset();
        if tail_first.is_none_or(|first| first > after + 1) {
            let before = tail_first.unwrap_or(head + 1);
            match self.stored(after, before).await {
                Ok(page) if !page.is_empty() => return page,
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(%err, session.id = self.session_id, "reading the history for a replay failed")
                }
            }
        }
        let from = tail_first.map_or(after, |first| after.max(first - 1));
        let mut page = self.tail().after(from, PAGE);
        page.retain(|entry| entry.offset <= head);
        page
    }

    fn tail(&self) -> std::sync::MutexGuard<'_, Tail> {
        self.tail.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stored events with `after < offset < before`, at most a page, as the envelopes live
    /// clients received.
    async fn stored(&self, after: u64, before: u64) -> Result<Vec<TailEntry>, StoreError> {
        let query = EventQuery {
            before: Some(before),
            limit: PAGE as u32,
            ..EventQuery::after(after)
        };
        let page = self
            .hub
            .store()
            .events()
            .read_events(self.session_id, &query)
            .await?;
        let mut entries = Vec::with_capacity(page.events.len());
        for stored in page.events {
            // A type this build does not know (a newer server wrote it) cannot be named: skip it.
            let Some(kind) = ALL_EVENT_TYPES.iter().find(|t| **t == stored.kind) else {
                continue;
            };
            entries.push(TailEntry {
                offset: stored.offset,
                kind,
                payload: Arc::from(envelope::of_stored(&stored)?),
            });
        }
        Ok(entries)
    }
}

/// Step 1: replays what the history holds after `requested` up to the head at the start,
/// then hands the rest to the sequencer ([`finish`]). Runs as its own task.
pub(crate) async fn replay(
    hub: Hub,
    recipient: Arc<dyn Recipient>,
    session: SessionHandle,
    requested: u64,
) {
    session.resumed().await;
    let head = session.head_offset();
    tracing::debug!(session.id = session.id(), requested, head, "replaying");
    let history = History {
        hub: &hub,
        session_id: session.id(),
        tail: &session.shared.tail,
    };
    let patience = hub.delivery().patience();
    let replayed = &hub.stats().events_replayed;
    let mut progress = Progress::towards(requested, head);
    while progress.through < head {
        let page = history.next_page(progress.through, head).await;
        progress.start_page(&page, head);
        for entry in &page {
            let wanted = recipient.wanted().contains(entry.kind);
            if wanted {
                if let Err(failure) = send_patiently(&*recipient, entry, patience).await {
                    gave_up(&*recipient, failure);
                    return;
                }
                replayed.fetch_add(1, Ordering::Relaxed);
            }
            progress.through = entry.offset;
        }
    }
    tracing::debug!(
        session.id = session.id(),
        ?progress,
        "replayed; the sequencer finishes"
    );
    if let Err(err) = session
        .catch_up(CatchUp {
            recipient,
            progress,
        })
        .await
    {
        tracing::debug!(%err, "catch-up not finished");
    }
}

/// Step 2, run by the session's sequencer at `head` between two of its broadcasts: sends
/// what was committed since the replay's head, tells the client how the recovery went and
/// joins it to its rooms. Nothing can be emitted in between: the sequencer is the only
/// emitter of the session, and the client's subscriptions are held still meanwhile.
pub(crate) async fn finish(history: &History<'_>, head: u64, catch_up: CatchUp) {
    let CatchUp {
        recipient,
        mut progress,
    } = catch_up;
    if !recipient.is_connected() {
        return;
    }
    let replayed = &history.hub.stats().events_replayed;
    // Read before going live: the store is not read while the subscriptions are held.
    let mut pages = Vec::new();
    let mut after = progress.through;
    while after < head {
        let page = history.next_page(after, head).await;
        let last = page.last().map(|entry| entry.offset);
        pages.push(page);
        match last {
            Some(last) => after = last,
            None => break, // the history holds nothing more up to the head
        }
    }
    let outcome = recipient.go_live(&mut |wanted| {
        for page in &pages {
            progress.start_page(page, head);
            for entry in page {
                if wanted.contains(entry.kind) {
                    recipient.send(entry.kind, &entry.payload)?;
                    replayed.fetch_add(1, Ordering::Relaxed);
                }
                progress.through = entry.offset;
            }
        }
        let recovered = Event::SessionRecovered(progress.recovered(head));
        recipient.send(
            SESSION_RECOVERED,
            &envelope::ephemeral(history.session_id, &recovered),
        )
    });
    if let Err(failure) = outcome {
        gave_up(&*recipient, failure);
    }
}

/// Sends one replayed event, waiting while the client's buffer is full, for at most
/// `patience`.
async fn send_patiently(
    recipient: &dyn Recipient,
    entry: &TailEntry,
    patience: Duration,
) -> Result<(), SendFailure> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match recipient.send(entry.kind, &entry.payload) {
            Err(SendFailure::Full) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(FULL_PAUSE).await
            }
            sent => return sent,
        }
    }
}

/// A catch-up that could not deliver: a full buffer is a slow consumer (disconnected, it
/// recovers by offset when it returns); a client that is gone needs nothing.
fn gave_up(recipient: &dyn Recipient, failure: SendFailure) {
    match failure {
        SendFailure::Full => recipient.drop_slow(),
        SendFailure::Closed => {
            tracing::debug!(
                socket.id = recipient.id(),
                "the client left during its catch-up"
            )
        }
    }
}

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

    #[test]
    fn a_history_that_holds_nothing_more_is_not_recovered() {
        let mut progress = Progress::new(3);
        progress.start_page(&[], 9);
        assert_eq!(progress.through, 9);
        assert_eq!(
            progress.recovered(9),
            SessionRecovered {
                recovered: false,
                from: 10,
                to: 9
            }
        );
    }
}
