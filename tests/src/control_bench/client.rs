//! The watching client: starts the benchmark agent in control mode (`POST /api/sessions`,
//! the agent installed as `claude`), watches its session from offset 0 and allows each
//! `permission.requested` the moment it arrives, noting when it arrived and when the answer
//! left; it times the reference `output.text` lines on the way. Once the agent has asked
//! everything and gone idle it ends the session, and after `session.ended` it reads the
//! agent's report and matches the two.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::Cli;
use super::agent::{AgentReport, BENCH_PROMPT, REFERENCE_STAMP};
use super::report::{ClientSample, ControlReport, match_samples};
use super::sched::{waited_ms, waited_ns};
use crate::durability::{Quantiles, left};
use crate::loadgen::conn::{Incoming, Target, Ws, next_text};
use crate::loadgen::packet::{Codec, Packet};
use crate::loadgen::{latency_us, unix_micros};

/// The answer to every request.
const ALLOW: &str = "allow";

pub(crate) async fn run(cli: &Cli) -> anyhow::Result<ControlReport> {
    if cli.requests == 0 || !(cli.rate.is_finite() && cli.rate > 0.0) {
        bail!("--requests and --rate must be positive");
    }
    let deadline = Instant::now() + Duration::from_secs(cli.timeout_s);
    let dir = std::env::temp_dir().join(format!(
        "agentcast-control-bench-{}-{}",
        std::process::id(),
        unix_micros()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = measure(cli, &dir, deadline).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(cli: &Cli, dir: &Path, deadline: Instant) -> anyhow::Result<ControlReport> {
    // The server runs only `claude` in control mode: the agent goes by that name here.
    let claude = dir.join("claude");
    let agent = cli
        .agent
        .canonicalize()
        .with_context(|| format!("the agent {}", cli.agent.display()))?;
    std::os::unix::fs::symlink(&agent, &claude)
        .with_context(|| format!("linking {} as {}", agent.display(), claude.display()))?;
    let report_file = dir.join("agent-report.json");
    let session = format!("control-bench-{}", unix_micros());
    start_agent(cli, &claude, &report_file, &session, dir).await?;

    let mut auth = json!({"offset": 0});
    if let Some(token) = &cli.token {
        auth["token"] = json!(token);
    }
    let target = Target::new(
        &cli.url,
        &format!("/sessions/{session}"),
        Some(auth.to_string()),
    )?;
    let ws = target.connect(left(deadline, "connecting")?).await?;
    let mut watcher = Watcher {
        ws,
        codec: &target.codec,
        total: cli.warmup + cli.requests,
        warmup: cli.warmup,
        samples: HashMap::new(),
        sent_at: HashMap::new(),
        ack_us: Vec::new(),
        reference_us: Vec::new(),
        refused: 0,
        first_error: None,
        next_ack: 0,
        end_ack: None,
    };
    let server_pid = cli.server_pid.map(|pid| pid.to_string());
    let server_before = server_pid.as_deref().and_then(waited_ns);
    let client_before = waited_ns("self");
    watcher.watch(deadline).await?;
    let client_waited_ms = waited_ms(client_before, waited_ns("self"));
    let server_waited_ms = waited_ms(server_before, server_pid.as_deref().and_then(waited_ns));

    let text = std::fs::read_to_string(&report_file).with_context(|| {
        format!(
            "reading the agent's report {} (did it fail? its stderr is the server's)",
            report_file.display()
        )
    })?;
    let agent = AgentReport::parse(&text).context("reading the agent's report")?;
    let matched = match_samples(&agent, &watcher.samples, cli.requests);
    watcher.ack_us.sort_unstable();
    watcher.reference_us.sort_unstable();
    let errors = matched.missing + matched.denied + watcher.refused;
    Ok(ControlReport {
        requests: cli.requests,
        warmup: cli.warmup,
        rate: cli.rate,
        measured: matched.round_trip.len() as u64,
        to_client: Quantiles::of(&matched.to_client),
        to_agent: Quantiles::of(&matched.to_agent),
        round_trip: Quantiles::of(&matched.round_trip),
        reference: Quantiles::of(&watcher.reference_us),
        reference_lines: watcher.reference_us.len() as u64,
        ack: Quantiles::of(&watcher.ack_us),
        agent_cpu: agent.cpu,
        server_waited_ms,
        client_waited_ms,
        agent_waited_ms: agent.waited_ms,
        errors,
        missing: matched.missing,
        denied: matched.denied,
        refused: watcher.refused,
        first_error: watcher.first_error,
    })
}

/// `POST /api/sessions`: the agent in control mode, with the benchmark prompt.
async fn start_agent(
    cli: &Cli,
    claude: &Path,
    report_file: &Path,
    session: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    let mut command = vec![
        claude.display().to_string(),
        format!("--bench-requests={}", cli.requests),
        format!("--bench-warmup={}", cli.warmup),
        format!("--bench-rate={}", cli.rate),
        format!("--bench-report={}", report_file.display()),
    ];
    if let Some(cpu) = cli.agent_cpu {
        command.push(format!("--bench-cpu={cpu}"));
    }
    let body = json!({"session_id": session, "command": command, "prompt": BENCH_PROMPT,
                      "cwd": dir, "label": "control benchmark"});
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/sessions", cli.url.trim_end_matches('/')))
        .timeout(Duration::from_secs(30))
        .json(&body);
    if let Some(token) = &cli.token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.context("POST /api/sessions")?;
    let status = response.status();
    if status.as_u16() != 201 {
        let text = response.text().await.unwrap_or_default();
        bail!("POST /api/sessions: {status}: {text}");
    }
    Ok(())
}

/// The watching connection and what it saw.
struct Watcher<'a> {
    ws: Ws,
    codec: &'a Codec,
    /// Requests the agent asks, warm-up included.
    total: u64,
    warmup: u64,
    samples: HashMap<String, ClientSample>,
    /// When each un-acked `permission.respond` left, by ack id.
    sent_at: HashMap<u64, u64>,
    ack_us: Vec<u32>,
    reference_us: Vec<u32>,
    refused: u64,
    first_error: Option<String>,
    next_ack: u64,
    /// The ack id of `end`, once sent.
    end_ack: Option<u64>,
}

impl Watcher<'_> {
    /// Answers every request until the session ended.
    async fn watch(&mut self, deadline: Instant) -> anyhow::Result<()> {
        loop {
            let wait = left(deadline, "waiting for the session to end")?;
            let timeout = std::pin::pin!(tokio::time::sleep(wait));
            let text = match next_text(&mut self.ws, timeout).await {
                Incoming::Text(text) => text,
                Incoming::Stopped => bail!("timed out waiting for the session to end"),
                Incoming::Ended(why) => bail!("the watcher's connection ended: {why}"),
            };
            let now = unix_micros();
            let ended = match self.codec.parse(text.as_str()) {
                Packet::Event(payload) => self.on_event(payload, now).await?,
                Packet::Ack { id, payload } => {
                    self.on_ack(id, payload, now);
                    false
                }
                Packet::Ping => {
                    self.ws.send(Message::text("3")).await?;
                    false
                }
                Packet::Disconnected | Packet::Close => bail!("disconnected by the server"),
                _ => false,
            };
            if ended {
                return Ok(());
            }
        }
    }

    /// Handles one event received at `now`; `true` once the session ended.
    async fn on_event(&mut self, payload: &str, now: u64) -> anyhow::Result<bool> {
        let (name, envelope): (String, Value) =
            serde_json::from_str(payload).context("an event that is not [name, envelope]")?;
        let data = &envelope["data"];
        match name.as_str() {
            "permission.requested" => {
                let id = data["request_id"].as_str().unwrap_or_default().to_owned();
                let answer = json!({"request_id": id, "decision": ALLOW});
                let (ack, text) = self.emit("permission.respond", answer);
                let sent_us = unix_micros();
                self.ws.send(Message::text(text)).await?;
                self.sent_at.insert(ack, sent_us);
                self.samples.insert(
                    id,
                    ClientSample {
                        received_us: now,
                        sent_us,
                    },
                );
            }
            "output.text" => {
                if let Some((line, written_us)) = data["text"].as_str().and_then(reference)
                    && line >= self.warmup
                {
                    self.reference_us.push(latency_us(written_us, now));
                }
            }
            // Idle after the last answer: the agent asked everything and ended its turn.
            "session.status"
                if data["status"] == "idle"
                    && self.end_ack.is_none()
                    && self.samples.len() as u64 >= self.total =>
            {
                let (ack, text) = self.emit("end", json!({}));
                self.end_ack = Some(ack);
                self.ws.send(Message::text(text)).await?;
            }
            "session.ended" => return Ok(true),
            _ => {}
        }
        Ok(false)
    }

    fn on_ack(&mut self, id: u64, payload: &str, now: u64) {
        let refused = !payload.starts_with("[{\"ok\"");
        if refused {
            self.refused += 1;
            self.first_error
                .get_or_insert_with(|| format!("ack {id}: {payload}"));
        }
        if Some(id) == self.end_ack {
            return;
        }
        if let Some(sent_us) = self.sent_at.remove(&id) {
            self.ack_us.push(latency_us(sent_us, now));
        }
    }

    /// The next ack id and the text of an EVENT with it.
    fn emit(&mut self, event: &str, arg: Value) -> (u64, String) {
        let id = self.next_ack;
        self.next_ack += 1;
        let mut text = String::new();
        self.codec.begin_event_with_ack(&mut text, id);
        text.push_str(&json!([event, arg]).to_string());
        (id, text)
    }
}

/// The line number and stamp of a reference text (`written_us=123; line 4`).
fn reference(text: &str) -> Option<(u64, u64)> {
    let rest = text.strip_prefix(REFERENCE_STAMP)?;
    let (stamp, rest) = rest.split_once("; line ")?;
    Some((rest.trim().parse().ok()?, stamp.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_lines_give_their_number_and_stamp() {
        assert_eq!(reference("written_us=1700; line 4"), Some((4, 1700)));
        assert_eq!(reference("written_us=x; line 4"), None);
        assert_eq!(reference("hello"), None);
    }
}
