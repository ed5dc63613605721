//! [`Audit`]: the handle every part of the server records with, and the thread that writes.
//!
//! Recording never blocks: it puts the event on a bounded queue (`try_send`) and returns. A
//! dedicated thread (not a runtime thread: file writes block) takes the queue in order, writes
//! each line and flushes whenever the queue is empty, so a burst is written together. When the
//! queue is full (the disk is slower than the events), the event is dropped and counted
//! ([`Audit::dropped`]), with a warning in the server log at the 1st, 2nd, 4th, 8th, ... drop;
//! the caller is never made to wait. [`Audit::flush`] waits until everything recorded before
//! it is written: the server's shutdown calls it, waiting the shutdown grace (at least a
//! second).

use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::event::{AuditEvent, Line};
use super::refusals::Refusals;

/// Lines the queue holds before it drops: about a megabyte of typical lines.
pub(crate) const QUEUE_LINES: usize = 4096;

/// Where the server records audit events. Cheap to clone; every clone feeds the same writer,
/// which stops once the last clone is dropped (after writing what is queued).
#[derive(Clone)]
pub struct Audit {
    /// `None`: the audit log is off.
    queue: Option<Arc<Queue>>,
    /// The refused tokens, counted whether or not the log is written.
    refusals: Arc<Refusals>,
}

struct Queue {
    tx: mpsc::Sender<Message>,
    /// Events dropped because the queue was full (or the writer had stopped).
    dropped: AtomicU64,
}

enum Message {
    Line {
        ts: String,
        event: AuditEvent,
    },
    /// Answered once every message before it is written and flushed.
    Flush(oneshot::Sender<()>),
}

/// Why [`Audit::flush`] could not wait for the writer.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit log writer has stopped")]
    WriterStopped,
}

impl Audit {
    /// Records nothing.
    pub fn off() -> Self {
        Self {
            queue: None,
            refusals: Arc::default(),
        }
    }

    /// Starts the writer thread on `out`, with a queue of `capacity` lines.
    pub(crate) fn start(out: Box<dyn Write + Send>, capacity: usize) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(capacity);
        std::thread::Builder::new()
            .name("audit-log".into())
            .spawn(move || write_lines(rx, out))?;
        Ok(Self {
            queue: Some(Arc::new(Queue {
                tx,
                dropped: AtomicU64::new(0),
            })),
            refusals: Arc::default(),
        })
    }

    /// Queues `event` with the current time; returns at once. A full queue drops the event
    /// (counted, and said in a warning): the service goes on, the operator sees it.
    pub fn record(&self, event: AuditEvent) {
        if let AuditEvent::TokenRefused { reason, .. } = &event {
            self.refusals.count(reason);
        }
        let Some(queue) = &self.queue else {
            return;
        };
        let name = event.name();
        let line = Message::Line {
            ts: crate::clock::now_ts(),
            event,
        };
        if let Err(err) = queue.tx.try_send(line) {
            let dropped = queue.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                let why = match err {
                    mpsc::error::TrySendError::Full(_) => "the queue is full",
                    mpsc::error::TrySendError::Closed(_) => "the writer has stopped",
                };
                tracing::warn!(
                    event = name,
                    reason = why,
                    dropped_so_far = dropped,
                    capacity = queue.tx.max_capacity(),
                    "audit log line dropped rather than waited for"
                );
            }
        }
    }

    /// Waits until every event recorded before this call is written and flushed. Unbounded:
    /// the caller bounds it (a stuck disk must not hold a shutdown forever).
    pub async fn flush(&self) -> Result<(), AuditError> {
        let Some(queue) = &self.queue else {
            return Ok(());
        };
        let (done, flushed) = oneshot::channel();
        queue
            .tx
            .send(Message::Flush(done))
            .await
            .map_err(|_| AuditError::WriterStopped)?;
        flushed.await.map_err(|_| AuditError::WriterStopped)
    }

    /// The tokens refused so far, by reason.
    pub fn refusals(&self) -> &Refusals {
        &self.refusals
    }

    /// Events dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.queue
            .as_ref()
            .map_or(0, |queue| queue.dropped.load(Ordering::Relaxed))
    }
}

/// The writer thread: until every [`Audit`] is dropped, writes what arrives, in order.
fn write_lines(mut rx: mpsc::Receiver<Message>, out: Box<dyn Write + Send>) {
    let mut out = BufWriter::new(out);
    while let Some(first) = rx.blocking_recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Line { ts, event } => write_line(&mut out, &ts, &event),
                Message::Flush(done) => {
                    flush(&mut out);
                    let _ = done.send(());
                }
            }
            next = rx.try_recv().ok();
        }
        flush(&mut out);
    }
}

/// A failed write is logged, never fatal.
fn write_line(out: &mut impl Write, ts: &str, event: &AuditEvent) {
    let written = serde_json::to_string(&Line { ts, event })
        .map_err(std::io::Error::from)
        .and_then(|mut text| {
            text.push('\n');
            out.write_all(text.as_bytes())
        });
    if let Err(err) = written {
        tracing::error!(%err, event = event.name(), "cannot write the audit log");
    }
}

fn flush(out: &mut impl Write) {
    if let Err(err) = out.flush() {
        tracing::error!(%err, "cannot write the audit log");
    }
}
