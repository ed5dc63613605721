//! The benchmark agent: a stand-in for Claude Code that speaks its control protocol on
//! stdin/stdout as `agentcast serve` drives it in control mode (server/src/control/
//! protocol.rs), and does nothing else. It answers `initialize`, waits for the first `user`
//! prompt, prints `system/init`, then asks `can_use_tool` once per slot of a fixed schedule,
//! one request at a time (each waits for its `control_response`), with an ordinary
//! assistant text line half a slot later (the reference, stamped in its text), then prints a
//! `result` and waits for more prompts (each answered with a `result`) until its stdin ends.
//! At the end it writes when each request was written and its answer read
//! ([`AgentReport`]) to the `--bench-report=` file.
//!
//! The server runs only `claude` commands in control mode and adds its own flags (`-p
//! --input-format stream-json ...`), so the binary is installed under the name `claude` and
//! takes its own options as `--bench-NAME=VALUE` (one argument each: the server's command
//! parser keeps an unknown `--flag=value` whole), ignoring the others.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sched::{waited_ms, waited_ns};
use crate::loadgen::unix_micros;

/// The text of a reference line starts with this, then the unix micros of its writing.
pub const REFERENCE_STAMP: &str = "written_us=";
/// The prefix of every request id; the request's number follows.
pub const REQUEST_PREFIX: &str = "bench-";
/// The prompt that starts the requests (any first prompt does).
pub const BENCH_PROMPT: &str = "run the control benchmark";

/// What the agent is asked to do, from its `--bench-*=` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentOptions {
    /// Requests not measured, asked first (the client may still be connecting).
    pub warmup: u64,
    /// Measured requests, after the warm-up.
    pub requests: u64,
    /// Slots per second: request i is due at start + i / rate.
    pub rate: f64,
    /// Where the report goes.
    pub report: PathBuf,
    /// A CPU to move to (`taskset -cp`), away from the server's.
    pub cpu: Option<u32>,
}

/// Why the agent cannot run.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("--bench-{0}: {1}")]
    BadOption(&'static str, String),
    #[error("missing --bench-report=FILE")]
    NoReport,
    #[error(
        "not started in control mode (no --input-format stream-json --permission-prompt-tool \
         stdio)"
    )]
    NotControlled,
    #[error("stdin ended while request {0} waited for its answer")]
    Unanswered(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("writing the report: {0}")]
    Report(#[from] serde_json::Error),
}

impl AgentOptions {
    /// Reads `--bench-*=` among `args` (the program name excluded); other arguments are
    /// the server's and are checked only for control mode.
    pub fn parse(args: &[String]) -> Result<Self, AgentError> {
        let has = |flag: &str, value: &str| args.windows(2).any(|w| w[0] == flag && w[1] == value);
        if !has("--input-format", "stream-json") || !has("--permission-prompt-tool", "stdio") {
            return Err(AgentError::NotControlled);
        }
        let mut options = AgentOptions {
            warmup: 20,
            requests: 500,
            rate: 100.0,
            report: PathBuf::new(),
            cpu: None,
        };
        let mut report = None;
        for arg in args {
            let Some((name, value)) = arg
                .strip_prefix("--bench-")
                .and_then(|rest| rest.split_once('='))
            else {
                continue;
            };
            let bad = |name: &'static str| AgentError::BadOption(name, value.to_owned());
            match name {
                "warmup" => options.warmup = value.parse().map_err(|_| bad("warmup"))?,
                "requests" => options.requests = value.parse().map_err(|_| bad("requests"))?,
                "rate" => {
                    options.rate = value
                        .parse()
                        .ok()
                        .filter(|r: &f64| r.is_finite() && *r > 0.0)
                        .ok_or_else(|| bad("rate"))?
                }
                "cpu" => options.cpu = Some(value.parse().map_err(|_| bad("cpu"))?),
                "report" => report = Some(PathBuf::from(value)),
                _ => {}
            }
        }
        options.report = report.ok_or(AgentError::NoReport)?;
        Ok(options)
    }
}

/// One request as the agent saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSample {
    pub request_id: String,
    /// Unix micros just before the request line was written.
    pub written_us: u64,
    /// Unix micros just after its answer was read.
    pub answered_us: u64,
    /// The answer allowed the tool.
    pub allowed: bool,
}

/// What the agent writes to `--bench-report=` when its stdin ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentReport {
    pub warmup: u64,
    pub requests: Vec<AgentSample>,
    /// The CPU it moved to, if it did.
    pub cpu: Option<u32>,
    /// Milliseconds it was runnable but waiting for a CPU while it asked.
    pub waited_ms: Option<f64>,
}

impl AgentReport {
    /// Reads a report file's text.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Runs the agent on this process's stdin and stdout.
pub fn run(options: &AgentOptions) -> Result<(), AgentError> {
    let cpu = options.cpu.filter(|cpu| move_to_cpu(*cpu));
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    let mut agent = Agent {
        input: stdin,
        output: stdout,
        line: String::new(),
        prompts: 0,
    };
    let mut report = AgentReport {
        warmup: options.warmup,
        requests: Vec::new(),
        cpu,
        waited_ms: None,
    };
    while let Some(message) = agent.next_message()? {
        if message["type"] != "user" {
            continue;
        }
        if agent.prompts == 1 {
            agent.init()?;
            let before = waited_ns("self");
            report.requests = agent.ask_all(options)?;
            report.waited_ms = waited_ms(before, waited_ns("self"));
        }
        agent.result()?;
    }
    std::fs::write(&options.report, serde_json::to_vec(&report)?)?;
    Ok(())
}

/// `taskset -cp CPU <own pid>`; `false` (said on stderr) when it cannot.
fn move_to_cpu(cpu: u32) -> bool {
    let moved = std::process::Command::new("taskset")
        .args(["-cp", &cpu.to_string(), &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !moved {
        eprintln!("control bench agent: could not move to CPU {cpu}");
    }
    moved
}

struct Agent<R, W> {
    input: R,
    output: W,
    line: String,
    /// `user` lines read so far.
    prompts: u64,
}

impl<R: BufRead, W: Write> Agent<R, W> {
    /// The next JSON line of stdin, after answering the server's own control requests;
    /// `None` at the end of stdin.
    fn next_message(&mut self) -> Result<Option<Value>, AgentError> {
        loop {
            self.line.clear();
            if self.input.read_line(&mut self.line)? == 0 {
                return Ok(None);
            }
            let Ok(message) = serde_json::from_str::<Value>(&self.line) else {
                continue; // not a line of the protocol: Claude Code ignores it too
            };
            match message["type"].as_str() {
                Some("control_request") => {
                    // initialize, interrupt: acknowledged (there is no turn to stop).
                    let id = message["request_id"].clone();
                    self.write(&json!({"type": "control_response", "response": {
                        "subtype": "success", "request_id": id, "response": {}}}))?;
                }
                Some("user") => {
                    self.prompts += 1;
                    return Ok(Some(message));
                }
                _ => return Ok(Some(message)),
            }
        }
    }

    fn init(&mut self) -> Result<(), AgentError> {
        let cwd = std::env::current_dir()
            .unwrap_or_default()
            .display()
            .to_string();
        self.write(&json!({"type": "system", "subtype": "init", "cwd": cwd,
            "session_id": "control-bench", "tools": ["Bash"], "model": "control-bench",
            "permissionMode": "default", "claude_code_version": "2.1.328"}))
    }

    /// Every request in its slot, each with its reference line half a slot later.
    fn ask_all(&mut self, options: &AgentOptions) -> Result<Vec<AgentSample>, AgentError> {
        let total = options.warmup + options.requests;
        let slot = Duration::from_secs_f64(1.0 / options.rate);
        let start = Instant::now();
        let mut samples = Vec::with_capacity(total.min(1 << 20) as usize);
        for i in 0..total {
            sleep_until(start + slot.mul_f64(i as f64));
            samples.push(self.ask(i)?);
            sleep_until(start + slot.mul_f64(i as f64 + 0.5));
            let written_us = unix_micros();
            self.write(&json!({"type": "assistant", "message": {
                "id": format!("msg_bench_{i}"), "type": "message", "role": "assistant",
                "model": "control-bench", "stop_reason": null,
                "content": [{"type": "text", "text": format!("{REFERENCE_STAMP}{written_us}; line {i}")}]},
                "parent_tool_use_id": null, "session_id": "control-bench"}))?;
        }
        Ok(samples)
    }

    /// Asks request `i` and waits for its answer.
    fn ask(&mut self, i: u64) -> Result<AgentSample, AgentError> {
        let request_id = format!("{REQUEST_PREFIX}{i}");
        let line = json!({"type": "control_request", "request_id": request_id, "request": {
            "subtype": "can_use_tool", "tool_name": "Bash", "display_name": "Bash",
            "input": {"command": format!("touch bench-{i}.txt"), "description": "A benchmark request"},
            "description": "A benchmark request", "permission_suggestions": [],
            "tool_use_id": format!("toolu_bench_{i}")}});
        let written_us = unix_micros();
        self.write(&line)?;
        loop {
            let Some(message) = self.next_message()? else {
                return Err(AgentError::Unanswered(request_id));
            };
            let answered_us = unix_micros();
            let response = &message["response"];
            if message["type"] == "control_response" && response["request_id"] == request_id {
                return Ok(AgentSample {
                    request_id,
                    written_us,
                    answered_us,
                    allowed: response["response"]["behavior"] == "allow",
                });
            }
        }
    }

    fn result(&mut self) -> Result<(), AgentError> {
        self.write(
            &json!({"type": "result", "subtype": "success", "is_error": false,
            "num_turns": 1, "result": "done", "session_id": "control-bench",
            "total_cost_usd": 0}),
        )
    }

    fn write(&mut self, value: &Value) -> Result<(), AgentError> {
        let mut line = value.to_string();
        line.push('\n');
        self.output.write_all(line.as_bytes())?;
        self.output.flush()?;
        Ok(())
    }
}

fn sleep_until(due: Instant) {
    let now = Instant::now();
    if due > now {
        std::thread::sleep(due - now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    const CONTROL: &str = "-p --input-format stream-json --output-format stream-json \
                           --permission-prompt-tool stdio";

    #[test]
    fn options_come_from_bench_arguments_among_the_servers() {
        let given = format!(
            "--bench-requests=7 --bench-warmup=2 --bench-rate=50.5 --bench-cpu=1 \
             --bench-report=/tmp/r.json --bench-future=x --verbose {CONTROL}"
        );
        let options = AgentOptions::parse(&args(&given)).unwrap();
        assert_eq!(
            options,
            AgentOptions {
                warmup: 2,
                requests: 7,
                rate: 50.5,
                report: "/tmp/r.json".into(),
                cpu: Some(1),
            }
        );
        let bad = format!("--bench-report=r --bench-rate=0 {CONTROL}");
        assert!(matches!(
            AgentOptions::parse(&args(&bad)),
            Err(AgentError::BadOption("rate", _))
        ));
        assert!(matches!(
            AgentOptions::parse(&args(CONTROL)),
            Err(AgentError::NoReport)
        ));
        assert!(matches!(
            AgentOptions::parse(&args("--bench-report=r -p")),
            Err(AgentError::NotControlled)
        ));
    }

    /// The agent against a scripted stdin: it acknowledges `initialize`, asks once per
    /// slot after the first prompt, reads each answer, and ends its turns with `result`.
    #[test]
    fn it_speaks_the_control_protocol() {
        let stdin = [
            r#"{"type":"control_request","request_id":"init-1","request":{"subtype":"initialize"}}"#,
            r#"{"type":"user","message":{"role":"user","content":"go"}}"#,
            r#"{"type":"control_response","response":{"subtype":"success","request_id":"bench-0","response":{"behavior":"allow","updatedInput":{}}}}"#,
            "not json",
            r#"{"type":"control_response","response":{"subtype":"success","request_id":"bench-1","response":{"behavior":"deny","message":"no"}}}"#,
            r#"{"type":"user","message":{"role":"user","content":"again"}}"#,
        ]
        .join("\n");
        let mut agent = Agent {
            input: stdin.as_bytes(),
            output: Vec::new(),
            line: String::new(),
            prompts: 0,
        };
        let options = AgentOptions {
            warmup: 1,
            requests: 1,
            rate: 1000.0,
            report: PathBuf::new(),
            cpu: None,
        };
        assert_eq!(agent.next_message().unwrap().unwrap()["type"], "user");
        agent.init().unwrap();
        let samples = agent.ask_all(&options).unwrap();
        agent.result().unwrap();
        assert_eq!(agent.next_message().unwrap().unwrap()["type"], "user");
        assert!(agent.next_message().unwrap().is_none());
        assert_eq!(agent.prompts, 2);
        let ids: Vec<_> = samples.iter().map(|s| s.request_id.as_str()).collect();
        assert_eq!(ids, ["bench-0", "bench-1"]);
        assert!(samples[0].allowed && !samples[1].allowed);
        assert!(samples.iter().all(|s| s.answered_us >= s.written_us));

        let written = String::from_utf8(agent.output).unwrap();
        let lines: Vec<Value> = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kinds: Vec<String> = lines
            .iter()
            .map(|l| {
                let subtype = l["request"]["subtype"]
                    .as_str()
                    .or(l["subtype"].as_str())
                    .unwrap_or("");
                format!("{}/{subtype}", l["type"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "control_response/",
                "system/init",
                "control_request/can_use_tool",
                "assistant/",
                "control_request/can_use_tool",
                "assistant/",
                "result/success",
            ]
        );
        assert_eq!(lines[0]["response"]["request_id"], "init-1");
        assert_eq!(lines[2]["request_id"], "bench-0");
        let text = lines[3]["message"]["content"][0]["text"].as_str().unwrap();
        assert!(text.starts_with(REFERENCE_STAMP), "{text}");
    }
}
