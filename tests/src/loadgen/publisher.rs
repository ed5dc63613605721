//! The publisher: one more connection on the same namespace that emits `publish` with acks.
//!
//! It keeps at most `inflight` publishes un-acked and, when `max_lag` is set, waits while the
//! average subscriber is more than `max_lag` events behind what was published. Without that
//! second bound a server that relays faster than one core of load generator can read would
//! queue without limit, and the numbers would measure queues (and agentcast's slow-consumer
//! disconnects) rather than fan-out. Both servers get exactly the same publisher.
//!
//! The publisher's socket is subscribed like any other (both servers subscribe a new socket to
//! every type), so it also receives every event; it reads and ignores them.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::conn::Ws;
use super::packet::{Codec, Packet};
use super::subscriber::Progress;
use super::unix_micros;

/// How the measured events are published.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pacing {
    /// Events per `publish`.
    pub(crate) batch: u64,
    /// Un-acked publishes at most.
    pub(crate) inflight: u64,
    /// Average subscriber lag (events) at most; 0 for no bound.
    pub(crate) max_lag: u64,
}

/// What publishing took.
#[derive(Debug, Default)]
pub(crate) struct PublishStats {
    pub(crate) publishes: u64,
    /// Unix micros of the first measured publish.
    pub(crate) first_sent_us: u64,
    /// Unix micros of the last ack.
    pub(crate) last_ack_us: u64,
}

pub(crate) struct Publisher {
    ws: Ws,
    codec: Arc<Codec>,
    event_type: String,
    pad: String,
    next_ack_id: u64,
    next_seq: u64,
    buf: String,
}

impl Publisher {
    pub(crate) fn new(ws: Ws, codec: Arc<Codec>, event_type: &str, pad_bytes: usize) -> Self {
        Self {
            ws,
            codec,
            event_type: event_type.to_string(),
            pad: "x".repeat(pad_bytes),
            next_ack_id: 1,
            next_seq: 1,
            buf: String::new(),
        }
    }

    /// Publishes one warm-up event (`sent_us` 0) and waits for its ack.
    pub(crate) async fn warm_up(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let id = self.send_publish(1, Some(0)).await?;
        tokio::time::timeout(timeout, async {
            loop {
                if self.read_one().await? == Some(id) {
                    return Ok(());
                }
            }
        })
        .await
        .context("no ack for the warm-up publish")?
    }

    /// Publishes `events` measured events under `pacing`; returns after the last ack.
    pub(crate) async fn run(
        &mut self,
        events: u64,
        pacing: Pacing,
        progress: &Progress,
    ) -> anyhow::Result<PublishStats> {
        let mut stats = PublishStats::default();
        let (mut sent, mut acked, mut published) = (0u64, 0u64, 0u64);
        let total = events.div_ceil(pacing.batch);
        while acked < total {
            let mut blocked_by_lag = false;
            while sent < total && sent - acked < pacing.inflight {
                if pacing.max_lag > 0 {
                    let alive = progress.alive().max(1) as u64;
                    let behind = published.saturating_sub(progress.delivered.load(Relaxed) / alive);
                    if behind >= pacing.max_lag {
                        blocked_by_lag = true;
                        break;
                    }
                }
                let n = pacing.batch.min(events - published);
                self.feed_publish(n, None).await?;
                if sent == 0 {
                    stats.first_sent_us = unix_micros();
                }
                sent += 1;
                published += n;
            }
            self.ws.flush().await?;
            if blocked_by_lag {
                // Deliveries are counted by the other tasks of this process: look again soon.
                tokio::select! {
                    got = self.read_one() => if got?.is_some() { acked += 1 },
                    _ = tokio::time::sleep(Duration::from_millis(1)) => {}
                }
            } else if self.read_one().await?.is_some() {
                acked += 1;
            }
        }
        stats.publishes = sent;
        stats.last_ack_us = unix_micros();
        Ok(stats)
    }

    /// Reads one message: `Some(ack id)` for a successful publish ack, `None` for anything else
    /// (events, pings); an error ack or a closed connection is an error.
    async fn read_one(&mut self) -> anyhow::Result<Option<u64>> {
        let msg = self
            .ws
            .next()
            .await
            .context("the publisher's connection closed")??;
        let Message::Text(text) = msg else {
            return Ok(None);
        };
        match self.codec.parse(text.as_str()) {
            Packet::Ack { id, payload } => {
                if payload.starts_with(r#"[{"ok""#) {
                    Ok(Some(id))
                } else {
                    bail!("publish {id} failed: {payload}")
                }
            }
            Packet::Ping => {
                self.ws.send(Message::text("3")).await?;
                Ok(None)
            }
            Packet::Disconnected | Packet::Close => bail!("the publisher was disconnected"),
            _ => Ok(None),
        }
    }

    async fn send_publish(&mut self, events: u64, sent_us: Option<u64>) -> anyhow::Result<u64> {
        let id = self.feed_publish(events, sent_us).await?;
        self.ws.flush().await?;
        Ok(id)
    }

    /// Queues `42/ns,<id>["publish",{"events":[...]}]`; `sent_us` defaults to now.
    async fn feed_publish(&mut self, events: u64, sent_us: Option<u64>) -> anyhow::Result<u64> {
        use std::fmt::Write as _;
        let id = self.next_ack_id;
        self.next_ack_id += 1;
        let sent_us = sent_us.unwrap_or_else(unix_micros);
        self.buf.clear();
        self.codec.begin_event_with_ack(&mut self.buf, id);
        self.buf.push_str(r#"["publish",{"events":["#);
        for i in 0..events {
            if i > 0 {
                self.buf.push(',');
            }
            // Writing into a String cannot fail.
            let _ = write!(
                self.buf,
                r#"{{"type":"{}","data":{{"tool_use_id":"b{}","name":"bench","input":{{"sent_us":{},"pad":"{}"}}}}}}"#,
                self.event_type, self.next_seq, sent_us, self.pad
            );
            self.next_seq += 1;
        }
        self.buf.push_str("]}]");
        self.ws.feed(Message::text(self.buf.as_str())).await?;
        Ok(id)
    }
}
