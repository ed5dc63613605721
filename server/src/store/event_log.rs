//! [`EventLog`]: the session streams, append-only but for retention.

use async_trait::async_trait;

use super::{
    EventPage, EventQuery, FileCursor, Retention, StoreError, StoredEvent, TrimReport, TrimScope,
};

/// Every sequenced event, per session, in offset order.
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    /// Stores a batch of events, of any number of sessions, and the read positions of the
    /// transcript files they came from, in one transaction (group commit): when this returns
    /// `Ok` every event and cursor of the batch is durable (to the
    /// [`Durability`](super::Durability) chosen), and on `Err` none is. An offset already
    /// stored for its session fails the whole batch with [`StoreError::Conflict`]. The store
    /// does not check for gaps: the session's sequencer is the only writer and assigns
    /// offsets. A cursor replaces the one stored for its path.
    async fn commit(&self, batch: &[StoredEvent], cursors: &[FileCursor])
    -> Result<(), StoreError>;

    /// True when other servers may append to this store's sessions too (PostgreSQL): their
    /// offsets are then assigned by [`append_at_head`](Self::append_at_head), and what the
    /// others append is announced by the [`ChangeFeed`](super::ChangeFeed).
    fn is_shared(&self) -> bool {
        false
    }

    /// True when a commit waits for nothing (the memory store): a sequencer then awaits it
    /// in place rather than in a task of its own that goes on while it broadcasts.
    fn commits_at_once(&self) -> bool {
        false
    }

    /// Commits one session's events after the last offset stored for it, renumbering `batch`
    /// (which its sequencer numbered from the head it knows) from there. In a store only this
    /// server writes, that head is the sequencer's and the offsets stay as given; in a
    /// [shared](Self::is_shared) store another server may have appended since, and the batch
    /// comes after its events: offsets stay gapless and in one order whichever servers write.
    /// Every event of `batch` must be of the same session.
    async fn append_at_head(
        &self,
        batch: &mut [StoredEvent],
        cursors: &[FileCursor],
    ) -> Result<(), StoreError> {
        self.commit(batch, cursors).await
    }

    /// [`commit`](Self::commit) without cursors.
    async fn append_batch(&self, batch: &[StoredEvent]) -> Result<(), StoreError> {
        self.commit(batch, &[]).await
    }

    /// Every transcript file's stored read position, by path.
    async fn file_cursors(&self) -> Result<Vec<FileCursor>, StoreError>;

    /// One page of a session's events, in offset order (see [`EventQuery`]).
    async fn read_events(
        &self,
        session_id: &str,
        query: &EventQuery<'_>,
    ) -> Result<EventPage, StoreError>;

    /// The highest offset ever stored for the session (0 for none): a sequencer continues
    /// from it after a restart. Trimming and deleting do not lower it.
    async fn head_offset(&self, session_id: &str) -> Result<u64, StoreError>;

    /// The oldest offset still stored, `None` when no event is. A replay from a client's
    /// offset below it cannot be complete (`session.recovered {recovered: false}`).
    async fn first_offset(&self, session_id: &str) -> Result<Option<u64>, StoreError>;

    /// Removes the oldest events of one or every session, down to `retention`'s cap and age.
    async fn trim(
        &self,
        scope: TrimScope<'_>,
        retention: &Retention,
    ) -> Result<TrimReport, StoreError>;
}
