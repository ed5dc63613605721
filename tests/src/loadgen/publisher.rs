//! The publisher: one more connection on the same namespace that emits `publish` with acks.
//!
//! Closed loop (the default): it keeps at most `inflight` publishes un-acked and, when
//! `max_lag` is set, waits while the average subscriber is more than `max_lag` events behind
//! what was published. Without that second bound a server that relays faster than one core of
//! load generator can read would queue without limit, and the numbers would measure queues
//! (and agentcast's slow-consumer disconnects) rather than fan-out. Open loop (`rate`): one
//! publish every `batch / rate` seconds on a fixed schedule, whatever the acks do, so latency
//! is measured at a known load rather than at saturation. Both servers get exactly the same
//! publisher.
//!
//! What it publishes: agentcast gets events (`{type, data}`) and builds the envelopes; a bare
//! relay (the Node reference) gets the envelopes themselves, byte for byte those agentcast
//! sends for the same events (offsets from 1, the same `ts` format, the same `data`), and
//! only relays them.
//!
//! The publisher's socket is subscribed like any other (both servers subscribe a new socket to
//! every type), so it also receives every event; it reads and ignores them.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use agentcast_shared::format_ts_millis;
use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
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
    /// Events per second on a fixed schedule (open loop; `inflight` and `max_lag` then do
    /// not apply); 0 for closed loop.
    pub(crate) rate: u64,
}

/// What a `publish` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Form {
    /// `{type, data}`: the server builds the envelopes (agentcast).
    Events,
    /// The envelopes agentcast would send for those events, for a bare relay; `session_id`
    /// is the namespace's.
    Envelopes { session_id: String },
}

/// Where a measured run stands.
#[derive(Debug, Default)]
struct Tally {
    /// Publishes sent, and acked.
    sent: u64,
    acked: u64,
    /// Events in the publishes sent.
    published: u64,
}

pub(crate) struct Publisher {
    ws: Ws,
    codec: Arc<Codec>,
    form: Form,
    event_type: String,
    pad: String,
    next_ack_id: u64,
    /// Numbers the events (their `tool_use_id`) and, for a relay, is their offset: the
    /// session is new, so agentcast gives the n-th event offset n.
    next_seq: u64,
    buf: String,
}

impl Publisher {
    pub(crate) fn new(
        ws: Ws,
        codec: Arc<Codec>,
        form: Form,
        event_type: &str,
        pad_bytes: usize,
    ) -> Self {
        Self {
            ws,
            codec,
            form,
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
    ) -> anyhow::Result<()> {
        if pacing.rate > 0 {
            return self.run_at_rate(events, pacing).await;
        }
        let mut tally = Tally::default();
        let total = events.div_ceil(pacing.batch);
        while tally.acked < total {
            let mut blocked_by_lag = false;
            while tally.sent < total && tally.sent - tally.acked < pacing.inflight {
                if pacing.max_lag > 0 {
                    let alive = progress.alive().max(1) as u64;
                    let delivered = progress.delivered.load(Relaxed) / alive;
                    if tally.published.saturating_sub(delivered) >= pacing.max_lag {
                        blocked_by_lag = true;
                        break;
                    }
                }
                self.feed_next(events, pacing.batch, &mut tally).await?;
            }
            self.ws.flush().await?;
            if blocked_by_lag {
                // Deliveries are counted by the other tasks of this process: look again soon.
                tokio::select! {
                    got = self.read_one() => if got?.is_some() { tally.acked += 1 },
                    _ = tokio::time::sleep(Duration::from_millis(1)) => {}
                }
            } else if self.read_one().await?.is_some() {
                tally.acked += 1;
            }
        }
        Ok(())
    }

    /// Publishes `events` measured events, `pacing.batch` per publish, at `pacing.rate` events
    /// per second on a fixed schedule; returns after the last ack. A publish that is late
    /// (this process was busy) goes out at once, and is timed from when it went out.
    async fn run_at_rate(&mut self, events: u64, pacing: Pacing) -> anyhow::Result<()> {
        let mut tally = Tally::default();
        let total = events.div_ceil(pacing.batch);
        let period = Duration::from_secs_f64(pacing.batch as f64 / pacing.rate as f64);
        let start = Instant::now();
        while tally.acked < total {
            if tally.sent == total {
                tally.acked += u64::from(self.read_one().await?.is_some());
                continue;
            }
            let due = start + period.mul_f64(tally.sent as f64);
            tokio::select! {
                biased;
                () = tokio::time::sleep_until(due) => {
                    self.feed_next(events, pacing.batch, &mut tally).await?;
                    self.ws.flush().await?;
                }
                got = self.read_one() => tally.acked += u64::from(got?.is_some()),
            }
        }
        Ok(())
    }

    /// Queues the next measured publish (`batch` of the `events` at most) and counts it.
    async fn feed_next(
        &mut self,
        events: u64,
        batch: u64,
        tally: &mut Tally,
    ) -> anyhow::Result<()> {
        let n = batch.min(events - tally.published);
        self.feed_publish(n, None).await?;
        tally.sent += 1;
        tally.published += n;
        Ok(())
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
        // One `ts` per publish, as agentcast stamps a group commit.
        let ts = format_ts_millis(sent_us / 1000);
        self.buf.clear();
        self.codec.begin_event_with_ack(&mut self.buf, id);
        self.buf.push_str(r#"["publish",{"events":["#);
        for i in 0..events {
            if i > 0 {
                self.buf.push(',');
            }
            let seq = self.next_seq;
            // Writing into a String cannot fail.
            if let Form::Envelopes { session_id } = &self.form {
                let _ = write!(
                    self.buf,
                    r#"{{"offset":{seq},"session_id":"{session_id}","ts":"{ts}","#
                );
            } else {
                self.buf.push('{');
            }
            let _ = write!(
                self.buf,
                r#""type":"{}","data":{{"tool_use_id":"b{seq}","name":"bench","input":{{"sent_us":{sent_us},"pad":"{}"}}}}}}"#,
                self.event_type, self.pad
            );
            self.next_seq += 1;
        }
        self.buf.push_str("]}]");
        self.ws.feed(Message::text(self.buf.as_str())).await?;
        Ok(id)
    }
}
