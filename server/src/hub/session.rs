//! [`SessionHandle`]: a session as the rest of the server sees it: its id, the queue into its
//! sequencer and the little state `get_status` and the sessions list need.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use agentcast_shared::{
    AgentNotification, Event, SessionState, SessionStatusReport, SessionSummary,
};
use tokio::sync::{mpsc, oneshot};

use super::HubError;
use super::recovery::CatchUp;
use super::tail::Tail;
use crate::ingest::{
    HookContext, HookMapper, IngestCounters, IngestLimits, IngestPipeline, SessionContext,
};
use crate::store::FileCursor;
use agentcast_shared::SessionSource;
use agentcast_shared::rest::{SessionRecord, StreamIngest};

/// A batch handed to the sequencer; the reply carries the head offset after it.
pub(crate) struct PublishBatch {
    pub events: Vec<Event>,
    /// Where a collector's reading of a transcript file got with these events: committed in
    /// the same transaction.
    pub cursor: Option<FileCursor>,
    pub reply: oneshot::Sender<Result<u64, HubError>>,
}

/// True for the events [`apply`] folds into a session's summary: lifecycle and usage, and of
/// the agent's notifications (on the hub namespace too, for the sessions list) only a
/// `title`, which relabels the session.
pub(crate) fn in_summary(event: &Event) -> bool {
    match event {
        Event::AgentNotification(note) => note.kind == AgentNotification::TITLE,
        event => event.on_hub(),
    }
}

/// Folds one lifecycle, usage or title event into a session's summary.
pub(crate) fn apply(meta: &mut SessionRecord, event: &Event) {
    match event {
        Event::SessionStarted(started) => {
            meta.label = started.label.clone().or(meta.label.take());
            meta.project_id = started.project_id.clone().or(meta.project_id.take());
            meta.source = started.source;
            meta.command = started.command.clone().or(meta.command.take());
            meta.cwd = started.cwd.clone().or(meta.cwd.take());
            meta.started_at = started.started_at.clone();
            meta.model = started.model.clone().or(meta.model.take());
            meta.agent = started.agent.or(meta.agent);
            meta.agent_session_id = started
                .agent_session_id
                .clone()
                .or(meta.agent_session_id.take());
            meta.cli_version = started.cli_version.clone().or(meta.cli_version.take());
            meta.git_branch = started.git_branch.clone().or(meta.git_branch.take());
        }
        Event::SessionStatus(status) => meta.status = status.status,
        Event::SessionEnded(ended) => {
            meta.status = ended.status;
            meta.duration_ms = ended.duration_ms.or(meta.duration_ms);
            meta.total_cost_usd = ended.total_cost_usd.or(meta.total_cost_usd);
        }
        // A title that came after the start (the agent named the conversation, the user
        // renamed it): the newest wins over the first prompt the start had to go by.
        Event::AgentNotification(note) if note.kind == AgentNotification::TITLE => {
            meta.label = Some(note.message.clone());
        }
        Event::UsageUpdated(usage) => {
            meta.total_cost_usd = Some(usage.total_cost_usd);
            meta.model = usage.model.clone().or(meta.model.take());
            meta.input_tokens = usage.input_tokens;
            meta.output_tokens = usage.output_tokens;
            meta.cache_read_tokens = usage.cache_read_tokens;
            meta.cache_creation_tokens = usage.cache_creation_tokens;
        }
        _ => {}
    }
}

/// What the sequencer is asked to do, in order.
pub(crate) enum SequencerMsg {
    Publish(PublishBatch),
    /// End a reconnecting socket's catch-up (see `recovery`).
    CatchUp(CatchUp),
}

/// Shared between the handle and the sequencer.
pub(crate) struct SessionShared {
    /// Set once the sequencer has read where the store left the session (its head).
    pub resumed: AtomicBool,
    pub resumed_notify: tokio::sync::Notify,
    /// The last events sent, for catch-ups. A std mutex: pushes and short copies only.
    pub tail: Mutex<Tail>,
    pub head_offset: AtomicU64,
    /// The highest offset another server is known to have stored (a shared store's change
    /// feed), and the wake-up for the sequencer to read and broadcast up to it (`follow`).
    pub followed_head: AtomicU64,
    pub followed: tokio::sync::Notify,
    /// A std mutex: short reads and writes, never held across an await.
    /// What is known of the session besides its events, kept up to date by the sequencer
    /// from its lifecycle and usage events and stored as its summary.
    pub meta: Mutex<SessionRecord>,
    /// The mapper state of line sources (ndjson bodies, the socket `ingest` command), kept
    /// across requests so a tool_use and its tool_result may arrive in different ones. An
    /// async mutex: held while the lines' events are published, which serializes sources.
    pub lines: tokio::sync::Mutex<Option<IngestPipeline>>,
    /// The mapper state of hook payloads. A std mutex: mapping is synchronous.
    pub hooks: Mutex<Option<HookMapper>>,
    /// The server's ingest counters, which the line pipelines count in.
    pub ingest: Arc<IngestCounters>,
}

impl SessionShared {
    pub fn new(id: &str, tail_events: usize, ingest: Arc<IngestCounters>) -> Self {
        let meta = SessionRecord::new(id, SessionSource::Publish, SessionState::Starting, "");
        Self {
            resumed: AtomicBool::new(false),
            resumed_notify: tokio::sync::Notify::new(),
            tail: Mutex::new(Tail::new(tail_events)),
            head_offset: AtomicU64::new(0),
            followed_head: AtomicU64::new(0),
            followed: tokio::sync::Notify::new(),
            meta: Mutex::new(meta),
            lines: tokio::sync::Mutex::new(None),
            hooks: Mutex::new(None),
            ingest,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StreamIngestError<E> {
    #[error("reading the body failed: {0}")]
    Body(E),
    #[error("the body is larger than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    #[error(transparent)]
    Hub(#[from] HubError),
}

#[derive(Debug, thiserror::Error)]
pub enum IngestHookError {
    #[error(transparent)]
    Payload(crate::ingest::HookError),
    #[error(transparent)]
    Hub(#[from] HubError),
}

/// A session of the hub. Cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    pub(crate) id: Arc<str>,
    pub(crate) tx: mpsc::Sender<SequencerMsg>,
    pub(crate) shared: Arc<SessionShared>,
}

impl SessionHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn id_arc(&self) -> Arc<str> {
        self.id.clone()
    }

    pub fn head_offset(&self) -> u64 {
        self.shared.head_offset.load(Ordering::Acquire)
    }

    /// Another server has stored the session's events up to `last`: its sequencer reads those
    /// it has not broadcast from the store and broadcasts them, in offset order.
    pub(crate) fn follow_to(&self, last: u64) {
        let before = self.shared.followed_head.fetch_max(last, Ordering::AcqRel);
        if last > before {
            self.shared.followed.notify_one();
        }
    }

    fn meta(&self) -> SessionRecord {
        self.shared
            .meta
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The session's status; one that has not reported any yet is starting.
    /// The session's record as of now: its summary, totals and current head offset.
    pub fn record(&self) -> SessionRecord {
        let mut record = self.meta();
        record.head_offset = self.head_offset();
        record
    }

    pub fn status(&self) -> SessionState {
        self.meta().status
    }

    pub fn is_active(&self) -> bool {
        self.status().is_active()
    }

    /// Queues the events behind the ones already queued. Waits while the queue is full: this
    /// is the backpressure that slows a producer down when broadcasting falls behind.
    pub async fn publish(&self, events: Vec<Event>) -> Result<u64, HubError> {
        self.publish_read(events, None).await
    }

    /// Publishes what a collector read from a transcript file, and how far it read: the
    /// events and the cursor are committed in one transaction (a cursor alone too, for lines
    /// that carried nothing to show), so a restart resumes exactly after them.
    pub async fn publish_read(
        &self,
        events: Vec<Event>,
        cursor: Option<FileCursor>,
    ) -> Result<u64, HubError> {
        if events.is_empty() && cursor.is_none() {
            return Ok(self.head_offset());
        }
        let (reply, head) = oneshot::channel();
        let batch = PublishBatch {
            events,
            cursor,
            reply,
        };
        self.tx
            .send(SequencerMsg::Publish(batch))
            .await
            .map_err(|_| HubError::ShuttingDown)?;
        head.await.map_err(|_| HubError::ShuttingDown)?
    }

    /// A pipeline for this session, counted in the server's ingest counters.
    pub(crate) fn line_pipeline(
        &self,
        source: agentcast_shared::SessionSource,
        limits: &IngestLimits,
    ) -> IngestPipeline {
        let context = SessionContext::new(self.id.to_string(), source);
        self.counted(IngestPipeline::new(context, *limits))
    }

    /// `pipeline`, counted in the server's ingest counters.
    pub(crate) fn counted(&self, pipeline: IngestPipeline) -> IngestPipeline {
        pipeline.counted_in(self.shared.ingest.clone())
    }

    /// Maps lines through this session's line pipeline (created with `source` on first use)
    /// and publishes their events. `each` gets every line's mapping result, for reporting.
    pub async fn ingest_lines<'a>(
        &self,
        lines: impl IntoIterator<Item = &'a str>,
        source: agentcast_shared::SessionSource,
        limits: &IngestLimits,
        mut each: impl FnMut(usize, Result<(), crate::ingest::PushLineError>),
    ) -> Result<u64, HubError> {
        let mut pipeline = self.shared.lines.lock().await;
        let pipeline = pipeline.get_or_insert_with(|| self.line_pipeline(source, limits));
        let mut events = Vec::new();
        for (index, line) in lines.into_iter().enumerate() {
            each(index, pipeline.push_line(line, &mut events));
        }
        self.publish(events).await
    }

    /// Feeds raw bytes (an ndjson body, in chunks) through the session's line pipeline and
    /// publishes each chunk's events before taking the next: the body is never held whole.
    pub async fn ingest_stream<E>(
        &self,
        mut chunks: impl futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        source: agentcast_shared::SessionSource,
        limits: &IngestLimits,
        max_bytes: u64,
    ) -> Result<StreamIngest, StreamIngestError<E>> {
        use futures_util::StreamExt;
        let mut guard = self.shared.lines.lock().await;
        let pipeline = guard.get_or_insert_with(|| self.line_pipeline(source, limits));
        let before = pipeline.stats();
        let mut events = Vec::new();
        let mut bytes = 0u64;
        let mut head = self.head_offset();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(StreamIngestError::Body)?;
            bytes += chunk.len() as u64;
            if bytes > max_bytes {
                // What came before the limit is published; the rest is refused.
                pipeline.finish(&mut events);
                self.publish(std::mem::take(&mut events)).await?;
                return Err(StreamIngestError::TooLarge { max_bytes });
            }
            pipeline.push_bytes(&chunk, &mut events);
            head = self.publish(std::mem::take(&mut events)).await?;
        }
        // A body that ends without a newline still ends its last line.
        pipeline.finish(&mut events);
        head = self.publish(events).await.unwrap_or(head);
        let after = pipeline.stats();
        Ok(StreamIngest {
            lines: after.lines - before.lines,
            errors: after.errors - before.errors,
            bytes,
            head_offset: head,
        })
    }

    /// Maps one hook payload with this session's hook state and publishes its events. A
    /// session another source feeds takes only its status from hooks; so does a new one
    /// while `collecting` transcripts (its transcript will show the rest).
    pub async fn ingest_hook(
        &self,
        payload: &serde_json::Value,
        now_ms: u64,
        collecting: bool,
    ) -> Result<u64, IngestHookError> {
        // What the store knew of the session is in `meta` once resumed.
        self.resumed().await;
        let context = {
            let meta = self.meta();
            let started = !meta.started_at.is_empty();
            HookContext {
                started,
                state: meta.status,
                content: if started {
                    meta.source == SessionSource::Hook
                } else {
                    !collecting
                },
                ends: meta.source != SessionSource::Run,
            }
        };
        let mut events = Vec::new();
        {
            let mut hooks = self.shared.hooks.lock().unwrap_or_else(|e| e.into_inner());
            hooks
                .get_or_insert_with(HookMapper::new)
                .map_in(payload, &context, now_ms, &mut events)
                .map_err(IngestHookError::Payload)?;
        }
        Ok(self.publish(events).await?)
    }

    /// Waits until the sequencer knows the session's head (read from the store at its start).
    pub(crate) async fn resumed(&self) {
        loop {
            let notified = self.shared.resumed_notify.notified();
            if self.shared.resumed.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }

    /// Hands a replay to the sequencer to finish.
    pub(crate) async fn catch_up(&self, catch_up: CatchUp) -> Result<(), HubError> {
        self.tx
            .send(SequencerMsg::CatchUp(catch_up))
            .await
            .map_err(|_| HubError::ShuttingDown)
    }

    pub fn summary(&self) -> SessionSummary {
        self.record().summary()
    }

    pub fn status_report(&self, clients: u64) -> SessionStatusReport {
        SessionStatusReport {
            session_id: self.id.to_string(),
            status: Some(self.status()),
            head_offset: self.head_offset(),
            clients,
            watchers: Vec::new(),
            controllable: false,
            open_permissions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::SessionStarted;

    fn note(kind: &str, message: &str) -> Event {
        AgentNotification {
            kind: kind.into(),
            message: message.into(),
            title: None,
            details: None,
        }
        .into()
    }

    #[test]
    fn a_late_title_relabels_the_session() {
        let mut meta =
            SessionRecord::new("s", SessionSource::Transcript, SessionState::Running, "");
        let mut started = SessionStarted::new("s", SessionSource::Transcript, "t".into());
        started.label = Some("fix the parser please".into());
        apply(&mut meta, &started.into());
        assert_eq!(meta.label.as_deref(), Some("fix the parser please"));

        let other = note("permission_prompt", "Claude needs your permission");
        assert!(!in_summary(&other));
        apply(&mut meta, &other);
        assert_eq!(meta.label.as_deref(), Some("fix the parser please"));

        for title in ["Parser fix", "Parser work"] {
            let renamed = note(AgentNotification::TITLE, title);
            assert!(in_summary(&renamed), "the sequencer folds it in");
            apply(&mut meta, &renamed);
            assert_eq!(meta.label.as_deref(), Some(title), "the newest wins");
        }
    }
}
