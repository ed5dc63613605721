//! `latency`: events at a steady rate, one per `publish`, and the send-to-receive time of each
//! at a subscriber of the same session.
//!
//! The publisher sends on a fixed schedule (event i is due at start + i / rate) and stamps
//! each event when it actually goes out, so a late timer shifts a send, not its measure. It
//! does not wait for acks between sends; too many outstanding acks (the server falling behind
//! the rate) pause it and count as stalls. Publisher and subscriber run in this one process,
//! so they share the clock.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use futures_util::SinkExt;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use super::events::{Events, Received};
use super::publisher::Publisher;
use super::report::{LatencyErrors, LatencyReport, Quantiles};
use super::{LatencyArgs, left};
use crate::loadgen::conn::{Incoming, Target, Ws, next_text};
use crate::loadgen::packet::{Codec, Packet};
use crate::loadgen::{latency_us, unix_micros};

/// Un-acked publishes at most: a second of events at the default rate.
const MAX_INFLIGHT: u64 = 1000;
/// How long the subscriber may still take for the last events once every publish is acked.
const DRAIN: Duration = Duration::from_secs(10);

pub(crate) async fn run(args: &LatencyArgs) -> anyhow::Result<LatencyReport> {
    let common = &args.common;
    let seconds_ok = args.seconds.is_finite() && args.seconds > 0.0;
    let warmup_ok = args.warmup_seconds.is_finite() && args.warmup_seconds >= 0.0;
    if args.rate == 0 || !seconds_ok || !warmup_ok {
        bail!("--rate and --seconds must be positive, --warmup-seconds not negative");
    }
    let deadline = common.deadline();
    let target = Target::new(&common.url, &common.namespace(), None)?;
    let warm = (f64::from(args.rate) * args.warmup_seconds).round() as u64;
    let measured = (f64::from(args.rate) * args.seconds).round().max(1.0) as u64;

    // The subscriber first, so that it is in the session's rooms before the first event.
    let ws = target
        .connect(left(deadline, "connecting the subscriber")?)
        .await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut subscriber = tokio::spawn(subscribe(
        ws,
        target.codec.clone(),
        Events::new(common.text),
        measured,
        stop_rx,
    ));
    let mut publisher = Publisher::connect(&target, common.text, deadline).await?;

    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let start = tokio::time::Instant::now();
    let (total, mut sent, mut acked, mut stalls) = (warm + measured, 0u64, 0u64, 0u64);
    let (mut first_measured_us, mut last_sent_us) = (0, 0);
    while sent < total {
        left(deadline, "publishing")?;
        let due = start + period.mul_f64(sent as f64);
        if tokio::time::Instant::now() < due {
            tokio::select! {
                ack = publisher.read_ack(deadline) => if ack?.is_some() { acked += 1 },
                _ = tokio::time::sleep_until(due) => {}
            }
            continue;
        }
        if sent - acked >= MAX_INFLIGHT {
            stalls += 1;
            if publisher.read_ack(deadline).await?.is_some() {
                acked += 1;
            }
            continue;
        }
        publisher.publish(1, sent < warm).await?;
        last_sent_us = unix_micros();
        if sent == warm {
            first_measured_us = last_sent_us;
        }
        sent += 1;
    }
    while acked < sent {
        if publisher.read_ack(deadline).await?.is_some() {
            acked += 1;
        }
    }

    let drain = DRAIN.min(left(deadline, "waiting for the subscriber")?);
    let stats = match tokio::time::timeout(drain, &mut subscriber).await {
        Ok(stats) => stats?,
        Err(_) => {
            let _ = stop_tx.send(true);
            subscriber.await?
        }
    };
    let mut latencies = stats.latencies_us;
    latencies.sort_unstable();
    let mut ack = publisher.ack_us.split_off(0);
    ack.sort_unstable();
    let received = latencies.len() as u64;
    let mut error_detail = stats.errors;
    error_detail.missing = measured.saturating_sub(received);
    let span_s = last_sent_us.saturating_sub(first_measured_us) as f64 / 1e6;
    Ok(LatencyReport {
        rate: args.rate,
        achieved_rate: if span_s > 0.0 {
            (measured - 1) as f64 / span_s
        } else {
            0.0
        },
        events: measured,
        received,
        latency: Quantiles::of(&latencies),
        ack: Quantiles::of(&ack),
        stalls,
        errors: error_detail.total(),
        error_detail,
        first_error: stats.ended,
    })
}

/// What the subscriber saw.
struct Seen {
    latencies_us: Vec<u32>,
    errors: LatencyErrors,
    /// Why the connection ended early, if it did.
    ended: Option<String>,
}

/// Reads until `expected` measured events arrived, `stop` flips or the connection ends.
async fn subscribe(
    mut ws: Ws,
    codec: Arc<Codec>,
    events: Events,
    expected: u64,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen {
        latencies_us: Vec::with_capacity(expected.min(1 << 22) as usize),
        errors: LatencyErrors::default(),
        ended: None,
    };
    let mut last_offset = 0;
    let stopped = stop.wait_for(|stop| *stop);
    tokio::pin!(stopped);
    while (seen.latencies_us.len() as u64) < expected {
        let text = match next_text(&mut ws, stopped.as_mut()).await {
            Incoming::Text(text) => text,
            Incoming::Stopped => break,
            Incoming::Ended(why) => {
                seen.ended = Some(format!("subscriber: {why}"));
                break;
            }
        };
        let now = unix_micros();
        match codec.parse(text.as_str()) {
            Packet::Event(payload) => match events.read(&codec, payload) {
                Received::Text { offset, sent_us } => {
                    match offset.cmp(&(last_offset + 1)) {
                        std::cmp::Ordering::Less => seen.errors.reorders += 1,
                        std::cmp::Ordering::Greater if last_offset > 0 => seen.errors.gaps += 1,
                        _ => {}
                    }
                    last_offset = last_offset.max(offset);
                    // 0: a warm-up event, not measured.
                    if sent_us > 0 {
                        seen.latencies_us.push(latency_us(sent_us, now));
                    }
                }
                Received::Malformed => seen.errors.malformed += 1,
                Received::Recovered { .. } | Received::Other => seen.errors.other += 1,
            },
            Packet::Ping => {
                if let Err(e) = ws.send(Message::text("3")).await {
                    seen.ended = Some(format!("subscriber: websocket error: {e}"));
                    break;
                }
            }
            Packet::Disconnected | Packet::Close => {
                seen.ended = Some("subscriber: disconnected by the server".into());
                break;
            }
            _ => {}
        }
    }
    seen
}
