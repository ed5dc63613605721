//! The terminal's throughput benchmark (`cargo xtask bench watch`, issue 15 "Measure"):
//! whether `agentcast watch` keeps up with a session publishing 10,000 events/s, and with how
//! much memory, against a running `agentcast serve`.
//!
//! Each run has three phases, each on a fresh session with the same events at the same pace:
//! the reference (our Rust client in this process, counting envelopes: what the connection
//! and the client cost), then `agentcast watch SESSION --json`, then `agentcast watch
//! SESSION` printing lines. A watch's stdout is read here, line by line. Reported per phase:
//! events delivered per second over the publishing window, the lag of the last event after
//! the last publish was acknowledged, and for the watch process its peak RSS (sampled every
//! 20 ms) and CPU time.
//!
//! Every event is one line in either form (one-line texts, tool starts and ends), so lines
//! count events; the JSON phase also checks the offsets are 1, 2, 3, ... Loopback only;
//! every wait is bounded.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use agentcast_client::{Client, ClientConfig};
use agentcast_shared::Event;
use anyhow::{Context, bail};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::procfs;

/// The command line of `agentcast-watch-bench`.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "agentcast-watch-bench",
    about = "agentcast watch at a publishing rate: throughput, lag, memory; one JSON report on stdout."
)]
pub struct Cli {
    /// Server base URL as printed at startup (`http://127.0.0.1:PORT`); loopback only.
    #[arg(long)]
    pub url: String,
    /// A token with the write scope (publishes and watches); none with `--auth none`.
    #[arg(long)]
    pub token: Option<String>,
    /// The `agentcast` binary whose `watch` is measured.
    #[arg(long)]
    pub agentcast: PathBuf,
    /// Events published per phase.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Events published per second.
    #[arg(long, default_value_t = 10_000.0)]
    pub rate: f64,
    /// Events per publish command.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Bound on each phase, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
}

/// One phase's numbers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Phase {
    /// Events received (all of them, or the run failed).
    pub delivered: u64,
    /// Delivered events per second, from the first publish to the last event received.
    pub events_per_s: f64,
    /// The last event's arrival after the last publish was acknowledged, in ms.
    pub lag_ms: f64,
    /// The watch process's peak resident memory (KiB); none for the reference.
    pub peak_rss_kb: Option<u64>,
    /// The watch process's CPU time during the phase, in percent of one core.
    pub cpu_percent: Option<f64>,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WatchReport {
    pub events: u64,
    pub rate: f64,
    pub reference: Phase,
    pub json: Phase,
    pub lines: Phase,
}

#[derive(Clone, Copy, Debug)]
enum Consumer {
    Reference,
    Json,
    Lines,
}

/// Runs the three phases.
pub async fn run(cli: &Cli) -> anyhow::Result<WatchReport> {
    if !(cli.url.contains("://127.0.0.1") || cli.url.contains("://localhost")) {
        bail!("--url must be a loopback address: {}", cli.url);
    }
    let run_id = std::process::id();
    let mut phases = Vec::new();
    for consumer in [Consumer::Reference, Consumer::Json, Consumer::Lines] {
        let session = format!("watch-bench-{run_id}-{consumer:?}").to_lowercase();
        let phase = tokio::time::timeout(
            Duration::from_secs(cli.timeout_s),
            phase(cli, consumer, &session),
        )
        .await
        .with_context(|| format!("the {consumer:?} phase took over {} s", cli.timeout_s))??;
        phases.push(phase);
    }
    let lines = phases.pop().expect("three phases");
    let json = phases.pop().expect("three phases");
    let reference = phases.pop().expect("three phases");
    Ok(WatchReport {
        events: cli.events,
        rate: cli.rate,
        reference,
        json,
        lines,
    })
}

fn config(cli: &Cli) -> ClientConfig {
    let config = ClientConfig {
        ack_timeout: Duration::from_secs(30),
        ..ClientConfig::new(&cli.url)
    };
    match &cli.token {
        Some(token) => config.with_token(token.clone()),
        None => config,
    }
}

/// The `i`th event: a one-line text, a tool start or a tool end, about 200 bytes.
fn event(i: u64) -> Event {
    let value = match i % 3 {
        0 => json!({"type": "output.text", "data": {"text": format!(
            "event {i}: the agent explains what it is doing, in one line of about two hundred bytes, as a reply would read {}", "x".repeat(60))}}),
        1 => {
            json!({"type": "tool.started", "data": {"tool_use_id": format!("t{i}"), "name": "Bash",
                    "input": {"command": format!("cargo test --package agentcast-server -- case_{i}")}}})
        }
        _ => {
            json!({"type": "tool.completed", "data": {"tool_use_id": format!("t{}", i - 1), "name": "Bash",
                    "is_error": false, "output_preview": "test result: ok. 42 passed; 0 failed", "output_bytes": 36,
                    "duration_ms": 1200}})
        }
    };
    serde_json::from_value(value).expect("a valid event")
}

/// What a consumer saw: when each phase boundary happened.
struct Seen {
    count: u64,
    last: Instant,
}

async fn phase(cli: &Cli, consumer: Consumer, session: &str) -> anyhow::Result<Phase> {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<anyhow::Result<Seen>>();
    let expected = cli.events;
    let mut child = None;
    match consumer {
        Consumer::Reference => {
            let client = Client::connect(config(cli));
            let (_session, mut events) = client.session(session, Some(0));
            tokio::spawn(async move {
                let mut count = 0;
                let mut last = Instant::now();
                while let Some(envelope) = events.next().await {
                    if envelope.offset == 0 {
                        continue;
                    }
                    count += 1;
                    if envelope.offset != count {
                        let _ = done_tx.send(Err(anyhow::anyhow!(
                            "offset {} where {count} was due",
                            envelope.offset
                        )));
                        return;
                    }
                    last = Instant::now();
                    if count == expected {
                        break;
                    }
                }
                drop(client);
                let _ = done_tx.send(Ok(Seen { count, last }));
            });
        }
        Consumer::Json | Consumer::Lines => {
            let mut command = tokio::process::Command::new(&cli.agentcast);
            command
                .args(["watch", session, "--server", &cli.url, "--from-offset", "0"])
                .arg(if matches!(consumer, Consumer::Json) {
                    "--json"
                } else {
                    "--color=never"
                })
                .env(
                    "XDG_CONFIG_HOME",
                    std::env::temp_dir().join("agentcast-watch-bench-none"),
                )
                .env_remove("AGENTCAST_TOKEN")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .kill_on_drop(true);
            if let Some(token) = &cli.token {
                command.args(["--token", token]);
            }
            let mut spawned = command.spawn().context("starting agentcast watch")?;
            let stdout = spawned.stdout.take().context("the watch's stdout")?;
            let json = matches!(consumer, Consumer::Json);
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                let mut count = 0;
                let result = loop {
                    match lines.next_line().await {
                        Ok(Some(line)) => {
                            count += 1;
                            if json && offset_of(&line) != Some(count) {
                                break Err(anyhow::anyhow!(
                                    "line {count} is not offset {count}: {line}"
                                ));
                            }
                            if count == expected {
                                break Ok(Seen {
                                    count,
                                    last: Instant::now(),
                                });
                            }
                        }
                        Ok(None) => {
                            break Err(anyhow::anyhow!("the watch ended after {count} lines"));
                        }
                        Err(err) => break Err(err.into()),
                    }
                };
                let _ = done_tx.send(result);
            });
            child = Some(spawned);
        }
    }
    let pid = child.as_ref().and_then(|c| c.id());
    let cpu_before = pid.and_then(|pid| procfs::cpu_seconds(Some(pid)));

    // Peak memory, sampled while the phase runs.
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let sampler = tokio::spawn(async move {
        let mut peak = None;
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Some(kb) = pid.and_then(procfs::vm_rss_kb) {
                        peak = Some(peak.map_or(kb, |p: u64| p.max(kb)));
                    }
                }
                _ = stop_rx.changed() => return peak,
            }
        }
    });

    let (first, last_ack) = publish(cli, session).await?;
    let seen = done_rx.await.context("the consumer stopped")??;
    let cpu_after = pid.and_then(|pid| procfs::cpu_seconds(Some(pid)));
    let _ = stop_tx.send(true);
    let peak_rss_kb = sampler.await.unwrap_or(None);
    if let Some(mut child) = child {
        let _ = child.kill().await;
    }
    let window = seen.last.duration_since(first).as_secs_f64();
    let cpu_percent = match (cpu_before, cpu_after) {
        (Some(before), Some(after)) if window > 0.0 => Some(100.0 * (after - before) / window),
        _ => None,
    };
    Ok(Phase {
        delivered: seen.count,
        events_per_s: seen.count as f64 / window.max(1e-9),
        lag_ms: seen.last.saturating_duration_since(last_ack).as_secs_f64() * 1e3,
        peak_rss_kb,
        cpu_percent,
    })
}

/// Publishes the events in batches on a fixed schedule; returns when the first publish was
/// sent and when the last one was acknowledged.
async fn publish(cli: &Cli, session: &str) -> anyhow::Result<(Instant, Instant)> {
    let client = Client::connect(config(cli));
    let (publisher, _events) = client.session(session, None);
    let batches = cli.events.div_ceil(cli.batch as u64);
    let interval = Duration::from_secs_f64(cli.batch as f64 / cli.rate);
    let first = Instant::now();
    let mut next = 0;
    for batch in 0..batches {
        tokio::time::sleep_until((first + interval * batch as u32).into()).await;
        let end = (next + cli.batch as u64).min(cli.events);
        let events = (next..end).map(event).collect();
        next = end;
        publisher
            .publish(events)
            .await
            .with_context(|| format!("publish {batch}"))?;
    }
    let last_ack = Instant::now();
    client.close();
    Ok((first, last_ack))
}

/// The `"offset":N` at the start of an envelope line, without parsing the whole line.
fn offset_of(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("{\"offset\":")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_read_from_the_line_start() {
        assert_eq!(offset_of(r#"{"offset":42,"session_id":"s"}"#), Some(42));
        assert_eq!(offset_of(r#"{"session_id":"s","offset":42}"#), None);
    }

    #[test]
    fn every_event_is_one_line_of_text() {
        for i in 0..3 {
            let json = serde_json::to_string(&event(i + 1)).unwrap();
            assert!(!json.contains("\\n"), "{json}");
        }
    }
}
