//! `agentcast-top-bench`, the client of `cargo xtask bench top` (issue 15: "`top` with 1,000
//! sessions and 1,000 events/s stays under 5% of a core and redraws at most 10 times a
//! second"): publishes the sessions, runs `agentcast top` in a pane of a private tmux server
//! (it needs a terminal), then publishes events at the rate across all sessions over REST
//! (each session in turn: `usage.updated`, `tool.started`, `tool.completed`, so both the hub
//! and the followed sessions' namespaces carry them) and reads the CPU time `top` and, as the
//! reference, the server spent over that window from `/proc/PID/stat`. `top` is quit with
//! `q` and prints its frame count (`--print-frames`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::agents::poll_until;
use crate::agents::tmux::TmuxServer;
use crate::http::Api;

/// `/proc/PID/stat` counts CPU time in USER_HZ, 100 on Linux whatever the kernel's HZ.
const USER_HZ: f64 = 100.0;
/// Requests in flight at most while publishing.
const IN_FLIGHT: usize = 64;
/// The pane.
const PANE: &str = "top:0.0";

/// The options of `agentcast-top-bench`.
#[derive(Debug, clap::Parser)]
pub struct Cli {
    /// The server, `http://127.0.0.1:PORT` (no authentication).
    #[arg(long)]
    pub url: String,
    /// Its process id, for its CPU time (the reference).
    #[arg(long)]
    pub server_pid: u32,
    /// The `agentcast` binary whose `top` is measured.
    #[arg(long)]
    pub agentcast: PathBuf,
    #[arg(long, default_value_t = 1000)]
    pub sessions: u64,
    /// Events per second, across all sessions.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// The measured window.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
}

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub sessions: u64,
    pub events: u64,
    pub errors: u64,
    /// The measured window, in seconds.
    pub window_s: f64,
    pub events_per_s: f64,
    /// `top`'s CPU time over the window, in percent of one core.
    pub top_cpu_pct: f64,
    /// The server's, the reference.
    pub server_cpu_pct: f64,
    /// Frames `top` drew over its life, and how long that was.
    pub frames: u64,
    pub shown_s: f64,
    pub frames_per_s: f64,
}

pub async fn run(cli: Cli) -> anyhow::Result<Report> {
    let api = Arc::new(Api::new(cli.url.clone()));
    let ids: Vec<String> = (0..cli.sessions).map(|n| format!("bench-{n:04}")).collect();
    for chunk in ids.chunks(IN_FLIGHT) {
        let calls = chunk.iter().map(|id| {
            let started = json!({"type": "session.started", "data": {"session_id": id,
                "label": format!("load {id}"), "project_id": "bench", "source": "publish",
                "agent": "claude", "started_at": agentcast_server::clock::now_ts()}});
            let running = json!({"type": "session.status", "data": {"status": "running"}});
            publish(&api, id, vec![started, running])
        });
        for ok in futures_util::future::join_all(calls).await {
            ok?;
        }
    }

    let tmux = TmuxServer::new();
    let frames_file =
        std::env::temp_dir().join(format!("agentcast-top-bench-{}", std::process::id()));
    let script = format!(
        "exec '{}' top --server {} --max-fps 10 --print-frames 2>'{}'",
        cli.agentcast.display(),
        cli.url,
        frames_file.display()
    );
    tmux.new_session(
        "top",
        &std::env::temp_dir(),
        &[],
        "/bin/sh".as_ref(),
        &["-c", &script],
    )?;
    let all = format!("{} sessions", cli.sessions);
    tmux.wait_for_screen(PANE, &all, Duration::from_secs(60))
        .await?;
    let output = tmux
        .command()
        .args(["display-message", "-p", "-t", PANE, "#{pane_pid}"])
        .output()?;
    let top_pid: u32 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .context("top's pid")?;

    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let permits = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let (top_before, server_before) = (cpu_ticks(top_pid)?, cpu_ticks(cli.server_pid)?);
    let window_start = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    let per_tick = (cli.rate / 100).max(1);
    let mut k: u64 = 0;
    while window_start.elapsed() < Duration::from_secs(cli.seconds) {
        ticker.tick().await;
        for _ in 0..per_tick {
            let permit = permits.clone().acquire_owned().await?;
            let (session, round) = ((k % cli.sessions) as usize, k / cli.sessions);
            let event = event(round);
            let (api, id, sent, errors) = (
                api.clone(),
                ids[session].clone(),
                sent.clone(),
                errors.clone(),
            );
            tokio::spawn(async move {
                match publish(&api, &id, vec![event]).await {
                    Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                    Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                };
                drop(permit);
            });
            k += 1;
        }
    }
    // Every request answered (or failed) before the window closes.
    let _all = permits.acquire_many(IN_FLIGHT as u32).await?;
    let window = window_start.elapsed().as_secs_f64();
    let top_ticks = cpu_ticks(top_pid)? - top_before;
    let server_ticks = cpu_ticks(cli.server_pid)? - server_before;

    tmux.send_keys(PANE, &["q"])?;
    let line = poll_until(
        Duration::from_secs(10),
        "top's frame count",
        || {
            std::fs::read_to_string(&frames_file)
                .ok()
                .filter(|text| text.contains(" frames in "))
        },
        || tmux.capture(PANE).unwrap_or_default(),
    )
    .await?;
    let _ = std::fs::remove_file(&frames_file);
    // "agentcast top: N frames in S s"
    let words: Vec<&str> = line.split_whitespace().collect();
    let (Some(frames), Some(shown)) = (words.get(2), words.get(5)) else {
        bail!("unexpected frame count line: {line}");
    };
    let frames: u64 = frames.parse()?;
    let shown_s: f64 = shown.parse()?;
    let events = sent.load(Ordering::Relaxed);
    Ok(Report {
        sessions: cli.sessions,
        events,
        errors: errors.load(Ordering::Relaxed),
        window_s: window,
        events_per_s: events as f64 / window,
        top_cpu_pct: top_ticks as f64 / USER_HZ / window * 100.0,
        server_cpu_pct: server_ticks as f64 / USER_HZ / window * 100.0,
        frames,
        shown_s,
        frames_per_s: frames as f64 / shown_s,
    })
}

/// Round `round` of a session: its usage grows, a tool starts, the tool completes.
fn event(round: u64) -> Value {
    let tool = format!("t{}", round / 3);
    match round % 3 {
        0 => json!({"type": "usage.updated", "data": {"model": "m", "input_tokens": round * 100,
            "output_tokens": round, "total_cost_usd": round as f64 / 1000.0}}),
        1 => json!({"type": "tool.started", "data": {"tool_use_id": tool, "name": "Bash",
            "input": {"command": "cargo test"}}}),
        _ => json!({"type": "tool.completed", "data": {"tool_use_id": tool, "name": "Bash",
            "output_preview": "ok", "output_bytes": 2, "duration_ms": 1000}}),
    }
}

async fn publish(api: &Api, session: &str, events: Vec<Value>) -> anyhow::Result<()> {
    let answer = api
        .post(
            &format!("/api/sessions/{session}/publish"),
            json!({ "events": events }),
        )
        .await;
    if answer.status != 200 {
        bail!("publish to {session}: {} {}", answer.status, answer.text);
    }
    Ok(())
}

/// User plus system CPU time of `pid`, in USER_HZ ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces), from field 3 on.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("a stat line")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15, so 11 and 12 after the name.
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}
