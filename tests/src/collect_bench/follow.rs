//! `follow`: the latency from a line appended to a live transcript to its event at a
//! Socket.IO client of the session.
//!
//! The transcript must already be collected (its session exists). A subscriber joins the
//! session's namespace; then a writer appends one assistant entry per period (line i is due at
//! start + i / rate), shaped as Claude Code writes them: its own message id and uuid, the
//! session's cwd and id, the time of writing. The entry's text starts with
//! `written_us=<unix micros>;`, stamped just before the write, and the mapper turns it into an
//! `output.text` whose text starts the same way: the subscriber reads the stamp back with a
//! substring search. Writer and subscriber run in this one process, so they share the clock.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::SinkExt;
use memchr::memmem::Finder;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;

use super::FollowArgs;
use crate::durability::Quantiles;
use crate::http::Api;
use crate::loadgen::conn::{Incoming, Target, Ws, next_text};
use crate::loadgen::packet::{Codec, Packet, number_after_key};
use crate::loadgen::{latency_us, unix_micros};

/// What precedes the stamp's digits in a received `output.text`.
const STAMP: &[u8] = b"\"text\":\"written_us=";
/// How long the subscriber may still take for the last lines once all are written.
const DRAIN: Duration = Duration::from_secs(10);
/// How often the session is looked up while waiting for the server to import the transcript.
const LOOKUP_EVERY: Duration = Duration::from_millis(20);

/// One `follow` run.
#[derive(Debug, Serialize)]
pub struct FollowReport {
    pub rate: u32,
    /// Lines appended over the span from the first to the last write.
    pub achieved_rate: f64,
    pub lines: u64,
    /// Of those, the lines whose event the subscriber received.
    pub received: u64,
    /// Write to the subscriber's receive of the line's `output.text`.
    pub latency: Quantiles,
    /// Received events that were not a stamped `output.text` (a status change is one).
    pub other_events: u64,
    /// Why the subscription ended early, if it did.
    pub first_error: Option<String>,
}

pub(crate) async fn run(args: &FollowArgs) -> anyhow::Result<FollowReport> {
    if args.rate == 0 || args.lines == 0 {
        bail!("--rate and --lines must be positive");
    }
    let deadline = Instant::now() + Duration::from_secs(args.timeout_s);
    let cwd = transcript_cwd(&args.transcript)?;
    wait_for_session(&args.url, &args.session, deadline).await?;

    let target = Target::new(&args.url, &format!("/sessions/{}", args.session), None)?;
    let ws = target.connect(left(deadline)?).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut subscriber = tokio::spawn(subscribe(ws, target.codec.clone(), args.lines, stop_rx));

    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&args.transcript)
        .with_context(|| format!("opening {}", args.transcript.display()))?;
    let period = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let start = tokio::time::Instant::now();
    let (mut first_us, mut last_us) = (0, 0);
    for i in 0..args.lines {
        left(deadline)?;
        tokio::time::sleep_until(start + period.mul_f64(i as f64)).await;
        let written_us = unix_micros();
        let line = assistant_entry(&args.session, &cwd, i, written_us);
        // One write of the whole line: the collector never sees half of it at a notification.
        file.write_all(line.as_bytes())
            .with_context(|| format!("appending to {}", args.transcript.display()))?;
        if i == 0 {
            first_us = written_us;
        }
        last_us = written_us;
    }

    let drain = DRAIN.min(left(deadline)?);
    let seen = match tokio::time::timeout(drain, &mut subscriber).await {
        Ok(seen) => seen?,
        Err(_) => {
            let _ = stop_tx.send(true);
            subscriber.await?
        }
    };
    let mut latencies = seen.latencies_us;
    latencies.sort_unstable();
    let span_s = last_us.saturating_sub(first_us) as f64 / 1e6;
    Ok(FollowReport {
        rate: args.rate,
        achieved_rate: if span_s > 0.0 {
            (args.lines - 1) as f64 / span_s
        } else {
            0.0
        },
        lines: args.lines,
        received: latencies.len() as u64,
        latency: Quantiles::of(&latencies),
        other_events: seen.other,
        first_error: seen.ended,
    })
}

/// One assistant text entry as Claude Code 2.1 writes it (the fields of the fixtures'
/// entries), with its newline.
fn assistant_entry(session: &str, cwd: &str, i: u64, written_us: u64) -> String {
    let entry = serde_json::json!({
        "parentUuid": null,
        "isSidechain": false,
        "message": {
            "id": format!("msg_bench_{i}"),
            "type": "message",
            "role": "assistant",
            "model": "claude-opus-5-5",
            "content": [{
                "type": "text",
                "text": format!("written_us={written_us}; line {i} of the follow benchmark."),
            }],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {
                "input_tokens": 100,
                "cache_creation_input_tokens": 10,
                "cache_read_input_tokens": 50,
                "output_tokens": 42,
                "service_tier": "standard",
            },
        },
        "type": "assistant",
        "uuid": format!("00000000-0000-4000-8000-{i:012}"),
        "timestamp": agentcast_shared::format_ts_millis(written_us / 1000),
        "userType": "external",
        "entrypoint": "sdk-cli",
        "cwd": cwd,
        "sessionId": session,
        "version": "2.1.328",
        "gitBranch": "HEAD",
    });
    format!("{entry}\n")
}

/// The `cwd` of the transcript's first entry that has one.
fn transcript_cwd(path: &std::path::Path) -> anyhow::Result<String> {
    let content =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    content
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|entry| entry["cwd"].as_str().map(str::to_owned))
        .with_context(|| format!("{}: no entry has a cwd", path.display()))
}

/// Waits until the server has imported the transcript: its session exists.
async fn wait_for_session(url: &str, session: &str, deadline: Instant) -> anyhow::Result<()> {
    let api = Api::new(url.trim_end_matches('/'));
    loop {
        if api.get(&format!("/api/sessions/{session}")).await.status == 200 {
            return Ok(());
        }
        if Instant::now() + LOOKUP_EVERY >= deadline {
            bail!("timed out: the session {session} was never imported");
        }
        tokio::time::sleep(LOOKUP_EVERY).await;
    }
}

/// What the subscriber saw.
struct Seen {
    latencies_us: Vec<u32>,
    other: u64,
    ended: Option<String>,
}

/// Reads until `expected` stamped events arrived, `stop` flips or the connection ends.
async fn subscribe(
    mut ws: Ws,
    codec: std::sync::Arc<Codec>,
    expected: u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Seen {
    let stamp = Finder::new(STAMP);
    let mut seen = Seen {
        latencies_us: Vec::with_capacity(expected.min(1 << 20) as usize),
        other: 0,
        ended: None,
    };
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
            Packet::Event(payload) => match number_after_key(&stamp, payload.as_bytes()) {
                Some(written_us) => seen.latencies_us.push(latency_us(written_us, now)),
                None => seen.other += 1,
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

/// Time left before `deadline`, or an error.
fn left(deadline: Instant) -> anyhow::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        bail!("timed out");
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appended_entry_is_one_json_line_carrying_its_stamp() {
        let line = assistant_entry("s-1", "/home/dev/app", 7, 1_764_000_000_123_456);
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(entry["type"], "assistant");
        assert_eq!(entry["sessionId"], "s-1");
        assert_eq!(entry["message"]["id"], "msg_bench_7");
        let text = entry["message"]["content"][0]["text"].as_str().unwrap();
        assert!(text.starts_with("written_us=1764000000123456;"));
        // What the subscriber gets back: the stamp after the text key.
        let received = format!(r#"["output.text",{{"offset":3,"data":{{"text":"{text}"}}}}]"#);
        let stamp = Finder::new(STAMP);
        assert_eq!(
            number_after_key(&stamp, received.as_bytes()),
            Some(1_764_000_000_123_456)
        );
    }
}
