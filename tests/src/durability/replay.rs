//! `replay`: fills a session with N events, then times clients that connect with handshake
//! auth `{"offset": 0}` until they have every event and `session.recovered`.
//!
//! The replay's clock starts before the TCP connect, so it includes the handshake and the
//! server finding the history, and stops at the last event received (`session.recovered`
//! follows it at once). Offsets must arrive 1, 2, ... with no gap.

use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::events::{Events, Received};
use super::publisher::Publisher;
use super::report::{ReplayReport, ReplayRun};
use super::{ReplayArgs, left};
use crate::loadgen::conn::Target;
use crate::loadgen::packet::Packet;

pub(crate) async fn run(args: &ReplayArgs) -> anyhow::Result<ReplayReport> {
    let common = &args.common;
    if args.events == 0 || args.batch == 0 || args.inflight == 0 || args.replays == 0 {
        bail!("--events, --batch, --inflight and --replays must be positive");
    }
    let deadline = common.deadline();
    let ns = common.namespace();

    // Fill the session; every ack means the publish was committed.
    let target = Target::new(&common.url, &ns, None)?;
    let mut publisher = Publisher::connect(&target, common.text, deadline).await?;
    let fill_started = Instant::now();
    let total = args.events.div_ceil(args.batch);
    let (mut sent, mut acked, mut published) = (0u64, 0u64, 0u64);
    while acked < total {
        while sent < total && sent - acked < args.inflight {
            let count = args.batch.min(args.events - published);
            publisher.publish(count, false).await?;
            sent += 1;
            published += count;
        }
        if publisher.read_ack(deadline).await?.is_some() {
            acked += 1;
        }
    }
    let fill_s = fill_started.elapsed().as_secs_f64();
    drop(publisher);

    let auth = serde_json::json!({ "offset": 0 }).to_string();
    let target = Target::new(&common.url, &ns, Some(auth))?;
    let events = Events::new(common.text);
    let mut replays = Vec::with_capacity(args.replays);
    for _ in 0..args.replays {
        replays.push(replay(&target, &events, deadline).await?);
    }
    Ok(ReplayReport {
        events: args.events,
        fill_s,
        fill_events_per_s: args.events as f64 / fill_s.max(1e-9),
        errors: replays.iter().map(ReplayRun::errors).sum(),
        replays,
    })
}

/// One client recovering from offset 0.
async fn replay(target: &Target, events: &Events, deadline: Instant) -> anyhow::Result<ReplayRun> {
    let started = Instant::now();
    let mut ws = target
        .connect(left(deadline, "connecting the replaying client")?)
        .await
        .context("connecting the replaying client")?;
    let connect_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut run = ReplayRun {
        received: 0,
        recovered: false,
        to: 0,
        connect_ms,
        first_event_ms: 0.0,
        duration_s: 0.0,
        recovered_ms: 0.0,
        events_per_s: 0.0,
        mb_per_s: 0.0,
        bytes_per_event: 0.0,
        gaps: 0,
        reorders: 0,
        malformed: 0,
        other: 0,
    };
    let (mut next, mut bytes) = (1u64, 0u64);
    let mut last_event = started.elapsed();
    loop {
        let msg = tokio::time::timeout(left(deadline, "replaying")?, ws.next())
            .await
            .with_context(|| format!("timed out replaying, at offset {}", next - 1))?
            .with_context(|| format!("closed during the replay, at offset {}", next - 1))??;
        let Message::Text(text) = msg else { continue };
        match target.codec.parse(text.as_str()) {
            Packet::Event(payload) => match events.read(&target.codec, payload) {
                Received::Text { offset, .. } => {
                    last_event = started.elapsed();
                    if run.received == 0 {
                        run.first_event_ms = last_event.as_secs_f64() * 1e3;
                    }
                    run.received += 1;
                    bytes += text.len() as u64;
                    if offset < next {
                        run.reorders += 1;
                    } else {
                        run.gaps += u64::from(offset > next);
                        next = offset + 1;
                    }
                }
                Received::Recovered { recovered, to } => {
                    run.recovered_ms = started.elapsed().as_secs_f64() * 1e3;
                    run.recovered = recovered;
                    run.to = to;
                    break;
                }
                Received::Malformed => run.malformed += 1,
                Received::Other => run.other += 1,
            },
            Packet::Ping => ws.send(Message::text("3")).await?,
            Packet::Disconnected | Packet::Close => {
                bail!("disconnected during the replay, at offset {}", next - 1)
            }
            _ => {}
        }
    }
    let _ = ws.close(None).await;
    run.duration_s = last_event.as_secs_f64().max(1e-9);
    run.events_per_s = run.received as f64 / run.duration_s;
    run.mb_per_s = bytes as f64 / run.duration_s / 1e6;
    run.bytes_per_event = bytes as f64 / run.received.max(1) as f64;
    Ok(run)
}
