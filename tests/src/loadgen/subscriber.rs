//! One subscribing client: reads every fanned-out event, checks offsets, records latency.
//!
//! One task per connection that owns its websocket and its statistics (no lock, no shared
//! write but a few relaxed counters the coordinator polls). Events are not parsed beyond the
//! offset and `sent_us`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use futures_util::SinkExt;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use super::conn::{Incoming, Ws, next_text};
use super::packet::{Codec, Packet};
use super::{latency_us, unix_micros};

/// Progress every connection reports, polled by the coordinator and by the publisher.
#[derive(Default)]
pub(crate) struct Progress {
    /// Connections that completed the namespace CONNECT.
    pub(crate) connected: AtomicUsize,
    /// Connections that could not connect.
    pub(crate) connect_failed: AtomicUsize,
    /// Connections that received at least one warm-up event (so are subscribed).
    pub(crate) warmed: AtomicUsize,
    /// Measured events received, over all connections.
    pub(crate) delivered: AtomicU64,
    /// Connections that received every measured event.
    pub(crate) finished: AtomicUsize,
    /// Connections that ended before receiving every measured event.
    pub(crate) lost: AtomicUsize,
    /// Unix micros of the latest delivery that completed a connection.
    pub(crate) last_finish_us: AtomicU64,
}

impl Progress {
    /// Connections still expected to finish.
    pub(crate) fn alive(&self) -> usize {
        self.connected
            .load(Relaxed)
            .saturating_sub(self.lost.load(Relaxed))
    }
}

/// What one connection saw; merged into the report.
#[derive(Default)]
pub(crate) struct ClientStats {
    pub(crate) measured: u64,
    pub(crate) gaps: u64,
    pub(crate) reorders: u64,
    pub(crate) duplicates: u64,
    pub(crate) malformed: u64,
    pub(crate) bytes: u64,
    pub(crate) messages: u64,
    /// Publish-to-receive latency of each measured event, in microseconds.
    pub(crate) latencies_us: Vec<u32>,
    /// Why the connection ended early, if it did.
    pub(crate) ended: Option<String>,
}

/// Reads until `stop` flips or the connection ends. `expected` measured events complete it.
pub(crate) async fn run(
    mut ws: Ws,
    codec: Arc<Codec>,
    progress: Arc<Progress>,
    expected: u64,
    mut stop: watch::Receiver<bool>,
) -> ClientStats {
    let mut stats = ClientStats {
        latencies_us: Vec::with_capacity(expected.min(1 << 20) as usize),
        ..ClientStats::default()
    };
    let mut last_offset: Option<u64> = None;
    let mut warmed = false;
    let stopped = stop.wait_for(|stop| *stop);
    tokio::pin!(stopped);
    loop {
        let text = match next_text(&mut ws, stopped.as_mut()).await {
            Incoming::Text(text) => text,
            Incoming::Stopped => break,
            Incoming::Ended(why) => {
                stats.ended = Some(why);
                break;
            }
        };
        stats.messages += 1;
        stats.bytes += text.len() as u64;
        match codec.parse(text.as_str()) {
            Packet::Event(payload) => {
                let Some(fields) = codec.event_fields(payload) else {
                    stats.malformed += 1;
                    continue;
                };
                match last_offset {
                    Some(last) if fields.offset == last + 1 => {}
                    Some(last) if fields.offset <= last => stats.reorders += 1,
                    Some(_) => stats.gaps += 1,
                    None => {}
                }
                last_offset = Some(last_offset.map_or(fields.offset, |l| l.max(fields.offset)));
                match fields.sent_us {
                    // The first warm-up event: proves this socket is subscribed.
                    Some(0) if !warmed => {
                        warmed = true;
                        progress.warmed.fetch_add(1, Relaxed);
                    }
                    Some(0) => {}
                    Some(sent_us) => {
                        let now = unix_micros();
                        stats.measured += 1;
                        if stats.measured > expected {
                            stats.duplicates += 1;
                            continue;
                        }
                        stats.latencies_us.push(latency_us(sent_us, now));
                        progress.delivered.fetch_add(1, Relaxed);
                        if stats.measured == expected {
                            progress.finished.fetch_add(1, Relaxed);
                            progress.last_finish_us.fetch_max(now, Relaxed);
                        }
                    }
                    // An event the server emitted on its own (a lifecycle event).
                    None => {}
                }
            }
            Packet::Ping => {
                if let Err(e) = ws.send(Message::text("3")).await {
                    stats.ended = Some(format!("websocket error: {e}"));
                    break;
                }
            }
            Packet::Disconnected => {
                stats.ended = Some("namespace disconnected by the server".into());
                break;
            }
            Packet::Close => {
                stats.ended = Some("engine.io close from the server".into());
                break;
            }
            _ => {}
        }
    }
    if stats.ended.is_some() && stats.measured < expected {
        progress.lost.fetch_add(1, Relaxed);
    }
    stats
}
