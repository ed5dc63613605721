//! The sequencer: one task per session, the only emitter for its namespace. It assigns each
//! event the next offset, stores a group of events in one transaction (group commit), and only
//! then broadcasts them and keeps them in the session's tail: no client ever sees an event a
//! crash would lose, offsets are gapless, and every socket receives them in order. While it
//! broadcasts one group, the store already commits the next (`group_commit::Pending` holds what
//! waits for the store), so a commit's wait for the disk and for the store's thread does not
//! stall the broadcasts. It also ends the catch-up of reconnecting clients, between two of its
//! own broadcasts (`recovery::finish`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use agentcast_shared::{Event, Severity, format_ts_millis};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

use super::group_commit::Pending;
use super::recovery::{self, CatchUp, History};
use super::retention::{trim_session, trim_step};
use super::session::{PublishBatch, SequencerMsg, SessionHandle, SessionShared, apply, in_summary};
use super::tail::TailEntry;
use super::{Component, Hub, HubError, SESSION_NS_PREFIX, envelope};
use crate::clock::now_unix_millis;
use crate::config::HubSettings;
use crate::store::{Direction, EventQuery, FileCursor, StoreError, StoredEvent};

/// How long a sequencer waits to read again events another server stored, when reading them
/// failed.
const FOLLOW_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// The typed event of a stored one (another server's, to follow).
fn typed(stored: &StoredEvent) -> Result<Event, serde_json::Error> {
    let data: serde_json::Value = serde_json::from_str(&stored.data_json)?;
    Event::from_parts(&stored.kind, &data)
}

/// A group the store is done with, to broadcast (or to answer with the store's error).
struct Committed {
    group: Vec<PublishBatch>,
    /// With the offsets the store gave them.
    stored: Vec<StoredEvent>,
    ts: String,
    result: Result<(), StoreError>,
}

/// A group given to the store.
enum Committing {
    /// A store that [commits at once](crate::store::EventLog::commits_at_once), or a shared
    /// one: awaited in place, with no task and no trip through the scheduler.
    Done(Committed),
    /// A store of this server's own that waits (for its thread, the disk), in a task of its
    /// own.
    Waiting(JoinHandle<Committed>),
}

/// The commit in progress, once it is done (`None` if its task panicked: its publishers'
/// replies are dropped, which tells them it failed); never, when there is none. Cancel safe:
/// a commit still waiting stays in `committing`.
async fn finished(committing: &mut Option<Committing>) -> Option<Committed> {
    if let Some(Committing::Waiting(task)) = committing {
        let result = task.await;
        *committing = None;
        return result
            .inspect_err(|err| {
                tracing::error!(%err, "a group commit's task failed; its events were not published")
            })
            .ok();
    }
    match committing.take() {
        Some(Committing::Done(committed)) => Some(committed),
        _ => std::future::pending().await,
    }
}

pub(crate) struct Sequencer {
    id: Arc<str>,
    ns: String,
    hub: Hub,
    rx: mpsc::Receiver<SequencerMsg>,
    shared: Arc<SessionShared>,
    head: u64,
    /// The head at the last trim to the retention cap.
    trimmed_at: u64,
    /// The first offset of the append by another server this sequencer was started for.
    resume_below: Option<u64>,
}

/// The handle the hub keeps and the sequencer to spawn.
pub(crate) fn spawn_parts(
    id: Arc<str>,
    hub: Hub,
    limits: &HubSettings,
    resume_below: Option<u64>,
) -> (SessionHandle, Sequencer) {
    let (tx, rx) = mpsc::channel(limits.session_queue);
    let shared = Arc::new(SessionShared::new(
        &id,
        limits.tail_events,
        hub.stats().ingest.clone(),
    ));
    let handle = SessionHandle {
        id: id.clone(),
        tx,
        shared: shared.clone(),
    };
    let ns = format!("{SESSION_NS_PREFIX}{id}");
    (
        handle,
        Sequencer {
            id,
            ns,
            hub,
            rx,
            shared,
            head: 0,
            trimmed_at: 0,
            resume_below,
        },
    )
}

impl Sequencer {
    #[tracing::instrument(name = "sequencer", skip_all, fields(session.id = %self.id))]
    pub async fn run(mut self) {
        self.resume().await;
        let settings = self.hub.settings();
        let (linger, max_events) = (settings.commit_linger, settings.commit_max_events);
        // In a store of its own, the sequencer knows the offsets a commit will get, so the next
        // group goes to the store as soon as the one before it is committed, while that one is
        // broadcast. In a shared store another server may append in between, and a commit
        // learns its offsets only when it is done: one group at a time.
        let overlap = !self.hub.store().events().is_shared();
        let mut pending = Pending::default();
        let mut committing: Option<Committing> = None;
        let mut open = true;
        loop {
            let idle = committing.is_none();
            let due = pending.due(linger, max_events).filter(|_| idle);
            tokio::select! {
                // Its own work first: a commit also broadcasts what other servers stored
                // before it, so following cannot fall behind for long.
                biased;
                // `finished` leaves `committing` empty.
                committed = finished(&mut committing) => {
                    if let Some(committed) = committed {
                        let last = committed.stored.last().map(|e| e.offset);
                        if let Some(last) = last.filter(|_| overlap && committed.result.is_ok())
                            && pending.due(linger, max_events).is_some()
                        {
                            let group = pending.take_group();
                            committing = Some(self.begin(group, last).await);
                        }
                        self.publish(committed).await;
                    }
                }
                message = self.rx.recv(), if open && pending.accepts(max_events) => {
                    match message {
                        Some(message) => self.take(&mut pending, message),
                        None => open = false,
                    }
                    // Whatever else is already waiting joins the same group.
                    while open && pending.accepts(max_events) {
                        let Ok(message) = self.rx.try_recv() else { break };
                        self.take(&mut pending, message);
                    }
                }
                () = self.shared.followed.notified(), if idle && pending.is_empty() => {
                    let to = self.shared.followed_head.load(Ordering::Acquire);
                    self.follow(to).await;
                }
                // Built only when polled: most turns have no linger to wait for.
                () = async { if let Some(at) = due { sleep_until(at).await } }, if due.is_some() => {}
            }
            if committing.is_none() {
                if pending
                    .due(linger, max_events)
                    .is_some_and(|at| at <= Instant::now())
                {
                    let group = pending.take_group();
                    committing = Some(self.begin(group, self.head).await);
                } else if let Some(catch_up) = pending.take_catch_up() {
                    self.catch_up(catch_up).await;
                } else if !open && pending.is_empty() {
                    break;
                }
            }
        }
        tracing::debug!(head = self.head, "sequencer finished");
    }

    /// Moves a message from the queue into `pending`, counting the events it publishes.
    fn take(&self, pending: &mut Pending, message: SequencerMsg) {
        let events = pending.push(message, Instant::now());
        self.hub
            .stats()
            .events_ingested
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    /// Continues where the store left the session: its offsets and its summary. A session
    /// this server first hears of from another server's append starts just before that
    /// append, so it broadcasts it (`resume_below`).
    async fn resume(&mut self) {
        let store = self.hub.store();
        match store.events().head_offset(&self.id).await {
            Ok(head) => self.head = head,
            Err(err) => tracing::error!(%err, "cannot read the session's head offset"),
        }
        if let Some(first) = self.resume_below {
            self.head = self.head.min(first - 1);
        }
        self.shared.head_offset.store(self.head, Ordering::Release);
        match store.sessions().get_session(&self.id).await {
            Ok(Some(record)) => {
                *self.shared.meta.lock().unwrap_or_else(|e| e.into_inner()) = record
            }
            Ok(None) => {}
            Err(err) => tracing::error!(%err, "cannot read the session's summary"),
        }
        self.shared.resumed.store(true, Ordering::Release);
        self.shared.resumed_notify.notify_waiters();
    }

    /// Gives the group to the store with the offsets after `after`: in a task of its own,
    /// unless the store commits at once or is shared.
    async fn begin(&mut self, mut group: Vec<PublishBatch>, after: u64) -> Committing {
        self.link_project(&mut group).await;
        let ts = format_ts_millis(now_unix_millis());
        let mut stored: Vec<StoredEvent> = group
            .iter()
            .flat_map(|batch| &batch.events)
            .zip(after + 1..)
            .map(|(event, offset)| {
                envelope::stored_event(self.id.clone(), offset, ts.clone(), event)
            })
            .collect();
        let cursors: Vec<FileCursor> = group
            .iter()
            .filter_map(|batch| batch.cursor.clone())
            .collect();
        let events = self.hub.store().events().clone();
        let stats = self.hub.stats().clone();
        // A task only where it buys an overlap: a shared store commits one group at a time
        // (see `run`), and a task's extra hop costs a sequential publisher ~5-9 %.
        let in_place = events.commits_at_once() || events.is_shared();
        let commit = async move {
            let started = Instant::now();
            let result = events.append_at_head(&mut stored, &cursors).await;
            stats
                .commit_seconds
                .observe(started.elapsed().as_secs_f64());
            stats.commit_events.observe(stored.len() as f64);
            Committed {
                group,
                stored,
                ts,
                result,
            }
        };
        if in_place {
            Committing::Done(commit.await)
        } else {
            Committing::Waiting(tokio::spawn(commit))
        }
    }

    /// Broadcasts a committed group and answers its publishers, or tells them it failed.
    async fn publish(&mut self, committed: Committed) {
        let Committed {
            group,
            stored,
            ts,
            result,
        } = committed;
        let stats = self.hub.stats();
        if let Err(err) = result {
            tracing::error!(%err, events = stored.len(), "storing events failed; none was published");
            let message = format!("storing {} events failed: {err}", stored.len());
            stats
                .errors
                .report(Component::Store, Severity::Error, message);
            for batch in group {
                let _ = batch.reply.send(Err(HubError::Store));
            }
            return;
        }
        // In a shared store, other servers may have appended since this sequencer's head:
        // theirs go out first, and these after them.
        if let Some(first) = stored.first().filter(|e| e.offset > self.head + 1) {
            self.follow(first.offset - 1).await;
        }
        self.hub
            .stats()
            .events_in
            .fetch_add(stored.len() as u64, Ordering::Relaxed);
        let any_event = !stored.is_empty();
        let mut stored = stored.into_iter();
        // A session gets its summary row with its first events, so lists show it even when
        // no lifecycle event ever came; after that, lifecycle and usage events update it.
        let mut lifecycle = any_event && {
            let mut meta = self.shared.meta.lock().unwrap_or_else(|e| e.into_inner());
            let new = meta.started_at.is_empty();
            if new {
                meta.started_at = ts.clone();
            }
            new
        };
        let mut replies = Vec::with_capacity(group.len());
        for PublishBatch { events, reply, .. } in group {
            for (event, stored) in events.iter().zip(stored.by_ref()) {
                lifecycle |= in_summary(event);
                self.broadcast(event, &stored).await;
            }
            replies.push((reply, self.head));
        }
        // Before the replies, so a publisher that then reads the sessions list sees its own,
        // and a client that then recovers finds the retention applied.
        if lifecycle {
            self.store_summary().await;
        }
        if trim_step(&self.hub.settings().retention())
            .is_some_and(|step| self.head - self.trimmed_at >= step)
        {
            self.trimmed_at = self.head;
            trim_session(&self.hub, &self.id).await;
        }
        for (reply, head) in replies {
            // The publisher may have given up waiting; the events are out regardless.
            let _ = reply.send(Ok(head));
        }
    }

    /// A `session.started` gets the session's project before it is stored (`project`).
    async fn link_project(&self, group: &mut [PublishBatch]) {
        let starts = |batch: &PublishBatch| {
            batch
                .events
                .iter()
                .any(|e| matches!(e, Event::SessionStarted(_)))
        };
        if !group.iter().any(starts) {
            return;
        }
        let mut project = self
            .shared
            .meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .project_id
            .clone();
        for batch in group.iter_mut().filter(|batch| starts(batch)) {
            self.hub
                .projects()
                .link(&mut batch.events, &mut project)
                .await;
        }
    }

    /// Broadcasts, from the store, what other servers stored after this sequencer's head and
    /// up to `to`, in offset order. Their summary is theirs to store; this server keeps its
    /// copy of it up to date from the events it broadcasts. A read that fails is reported and
    /// tried again after [`FOLLOW_RETRY`] (or at the next append, if one comes first).
    async fn follow(&mut self, to: u64) {
        let store = self.hub.store().events().clone();
        while self.head < to {
            let query = EventQuery {
                after: self.head,
                before: Some(to + 1),
                types: None,
                // Bursts no larger than its own group commits: a client's send buffer that
                // takes those takes these.
                limit: self.hub.settings().commit_max_events.clamp(1, 1000) as u32,
                direction: Direction::Forward,
            };
            let page = match store.read_events(&self.id, &query).await {
                Ok(page) => page,
                Err(err) => {
                    let message = format!("reading events another server stored failed: {err}");
                    tracing::error!(%err, "reading events another server stored failed");
                    let errors = &self.hub.stats().errors;
                    errors.report(Component::Store, Severity::Error, message);
                    let shared = self.shared.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(FOLLOW_RETRY).await;
                        shared.followed.notify_one();
                    });
                    return;
                }
            };
            let Some(last) = page.events.last().map(|e| e.offset) else {
                // Trimmed or deleted before this server read them: nothing left to send.
                tracing::warn!(
                    from = self.head + 1,
                    to,
                    "events another server stored are gone from the store"
                );
                self.head = to;
                self.shared.head_offset.store(to, Ordering::Release);
                break;
            };
            for stored in &page.events {
                match typed(stored) {
                    Ok(event) => self.broadcast(&event, stored).await,
                    Err(err) => {
                        tracing::error!(%err, offset = stored.offset, kind = stored.kind, "an event another server stored cannot be read; skipped")
                    }
                }
            }
            self.head = self.head.max(last);
            self.hub
                .stats()
                .events_followed
                .fetch_add(page.events.len() as u64, Ordering::Relaxed);
        }
    }

    async fn broadcast(&mut self, event: &Event, stored: &StoredEvent) {
        self.head = stored.offset;
        let kind = event.kind();
        // Built from what was stored, so a replay sends the very same bytes.
        let payload: Arc<_> = match envelope::of_stored(stored) {
            Ok(payload) => Arc::from(payload),
            Err(err) => {
                // Our own serialization parsed back: cannot fail but for a serde bug.
                tracing::error!(%err, offset = stored.offset, "an event did not serialize");
                return;
            }
        };
        self.shared.head_offset.store(self.head, Ordering::Release);
        if in_summary(event) {
            apply(
                &mut self.shared.meta.lock().unwrap_or_else(|e| e.into_inner()),
                event,
            );
        }
        let delivery = self.hub.delivery();
        delivery.broadcast(&self.ns, kind, &payload).await;
        if event.on_hub() {
            delivery.broadcast("/", kind, &payload).await;
        }
        let entry = TailEntry {
            offset: self.head,
            kind,
            payload,
        };
        self.shared
            .tail
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
    }

    /// Keeps the stored summary of the session (lists, analytics) in step with its events.
    async fn store_summary(&self) {
        let mut record = self
            .shared
            .meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        record.head_offset = self.head;
        if let Err(err) = self.hub.store().sessions().upsert_session(&record).await {
            tracing::error!(%err, "storing the session summary failed");
            let message = format!("storing a session summary failed: {err}");
            let errors = &self.hub.stats().errors;
            errors.report(Component::Store, Severity::Error, message);
        }
    }

    /// Ends a reconnecting client's catch-up (`recovery::finish`) at this sequencer's head.
    async fn catch_up(&self, catch_up: CatchUp) {
        let history = History {
            hub: &self.hub,
            session_id: &self.id,
            tail: &self.shared.tail,
        };
        recovery::finish(&history, self.head, catch_up).await;
    }
}
