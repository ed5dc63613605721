//! The publishing connection: unsubscribed from every type first, so the server does not
//! send it the events it publishes (the subscriber under measurement should be the only
//! receiver), then `publish` commands with acks.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use memchr::memmem::Finder;
use tokio_tungstenite::tungstenite::Message;

use super::events::Events;
use super::left;
use crate::loadgen::conn::{Target, Ws};
use crate::loadgen::packet::{Codec, Packet, number_after_key};
use crate::loadgen::unix_micros;

pub(crate) struct Publisher {
    ws: Ws,
    codec: Arc<Codec>,
    events: Events,
    next_ack_id: u64,
    buf: String,
    /// Unix micros each publish was sent at, by ack id - 1 (ack ids count from 1).
    sent_us: Vec<u64>,
    /// Send-to-ack time of each acked publish, in microseconds.
    pub(crate) ack_us: Vec<u32>,
    /// The highest `head_offset` an ack reported: the session's last offset (the soak checks
    /// that every client reached it).
    pub(crate) head_offset: u64,
    head_key: Finder<'static>,
}

impl Publisher {
    /// Connects and unsubscribes from every type.
    pub(crate) async fn connect(
        target: &Target,
        text_chars: usize,
        deadline: Instant,
    ) -> anyhow::Result<Self> {
        let ws = target
            .connect(left(deadline, "connecting the publisher")?)
            .await
            .context("connecting the publisher")?;
        let mut publisher = Self {
            ws,
            codec: target.codec.clone(),
            events: Events::new(text_chars),
            next_ack_id: 1,
            buf: String::new(),
            sent_us: Vec::new(),
            ack_us: Vec::new(),
            head_offset: 0,
            head_key: Finder::new(b"\"head_offset\":"),
        };
        let id = publisher.next_id();
        let mut packet = String::new();
        publisher.codec.begin_event_with_ack(&mut packet, id);
        packet.push_str(r#"["unsubscribe",{"patterns":["*"]}]"#);
        publisher.ws.send(Message::text(packet)).await?;
        while publisher.read_ack(deadline).await? != Some(id) {}
        // Only publishes are measured.
        publisher.ack_us.clear();
        Ok(publisher)
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_ack_id;
        self.next_ack_id += 1;
        self.sent_us.push(unix_micros());
        id
    }

    /// Sends one `publish` of `count` events stamped with the send time (0 marks warm-up
    /// events, which are not measured).
    pub(crate) async fn publish(&mut self, count: u64, warm_up: bool) -> anyhow::Result<()> {
        let id = self.next_id();
        let sent_us = if warm_up {
            0
        } else {
            self.sent_us[id as usize - 1]
        };
        self.buf.clear();
        self.events
            .publish(&self.codec, &mut self.buf, id, count, sent_us);
        self.ws.send(Message::text(self.buf.as_str())).await?;
        Ok(())
    }

    /// Reads one message: `Some(id)` for a successful ack, `None` for anything else (pings);
    /// an error ack, a closed connection or the deadline is an error.
    pub(crate) async fn read_ack(&mut self, deadline: Instant) -> anyhow::Result<Option<u64>> {
        let msg = tokio::time::timeout(left(deadline, "waiting for an ack")?, self.ws.next())
            .await
            .context("timed out waiting for an ack")?
            .context("the publisher's connection closed")??;
        let Message::Text(text) = msg else {
            return Ok(None);
        };
        match self.codec.parse(text.as_str()) {
            Packet::Ack { id, payload } if payload.starts_with(r#"[{"ok""#) => {
                if let Some(sent) = self.sent_us.get((id as usize).wrapping_sub(1)) {
                    let took = unix_micros().saturating_sub(*sent).min(u64::from(u32::MAX));
                    self.ack_us.push(took as u32);
                }
                if let Some(head) = number_after_key(&self.head_key, payload.as_bytes()) {
                    self.head_offset = self.head_offset.max(head);
                }
                Ok(Some(id))
            }
            Packet::Ack { id, payload } => bail!("command {id} failed: {payload}"),
            Packet::Ping => {
                self.ws.send(Message::text("3")).await?;
                Ok(None)
            }
            Packet::Disconnected | Packet::Close => bail!("the publisher was disconnected"),
            _ => Ok(None),
        }
    }
}
