//! Decode + map throughput of the ingest pipeline (`IngestPipeline`: `JsonlDecoder` then
//! `ClaudeMapper`), single-threaded, over the Claude Code fixtures and over a generated
//! transcript of ~100k typical 1-2 KB lines.
//!
//! ```text
//! cargo bench -p agentcast-server --bench ingest
//! ```
//!
//! Each input is fed in 64 KiB chunks, as a child's stdout arrives, and the events of each
//! chunk are dropped before the next (the sequencer takes them in the server). Every
//! measurement is the median of several runs; a run repeats a small input until it has taken
//! a measurable time. The target is 200,000 lines/s per core for typical lines.
//! `AGENTCAST_BENCH_LINES` changes the size of the generated transcript.

use std::hint::black_box;
use std::time::{Duration, Instant};

use agentcast_server::ingest::testing::claude_fixture_files;
use agentcast_server::ingest::{IngestLimits, IngestPipeline, JsonlDecoder, SessionContext};
use agentcast_shared::SessionSource;

const CHUNK: usize = 64 * 1024;
const RUNS: usize = 7;
const MIN_RUN: Duration = Duration::from_millis(300);

fn main() {
    let lines: usize = std::env::var("AGENTCAST_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    println!("ingest throughput, one core, median of {RUNS} runs, {CHUNK}-byte chunks");
    println!(
        "{:<58} {:>9} {:>10} {:>13} {:>9} {:>13}",
        "input", "lines", "avg bytes", "lines/s", "MB/s", "decode lines/s"
    );

    // Where the fixtures are absent, a notice says so and only the generated input runs.
    for path in claude_fixture_files().unwrap_or_default() {
        let bytes = std::fs::read(&path).expect("fixture is readable");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        report(&name, &bytes);
    }

    let transcript = generate(lines);
    report(
        &format!("generated transcript ({lines} lines, mixed types)"),
        &transcript,
    );
}

fn report(name: &str, input: &[u8]) {
    let lines = input.iter().filter(|&&b| b == b'\n').count().max(1);
    let full = median(|| run_pipeline(input));
    let decode = median(|| run_decoder(input));
    let secs = full.as_secs_f64();
    println!(
        "{:<58} {:>9} {:>10} {:>13.0} {:>9.1} {:>13.0}",
        name,
        lines,
        input.len() / lines,
        lines as f64 / secs,
        input.len() as f64 / secs / 1e6,
        lines as f64 / decode.as_secs_f64(),
    );
}

/// The median time of one pass over the input: each run repeats the pass until it took
/// `MIN_RUN` and is divided by the number of passes.
fn median(mut pass: impl FnMut()) -> Duration {
    pass(); // warm-up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let mut passes = 0u32;
            while start.elapsed() < MIN_RUN {
                pass();
                passes += 1;
            }
            start.elapsed() / passes
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn run_pipeline(input: &[u8]) {
    let mut pipeline = IngestPipeline::with_clock(
        SessionContext::new("bench", SessionSource::Pipe),
        IngestLimits::default(),
        Box::new(|| 1_795_514_400_000),
    );
    let mut events = Vec::new();
    for chunk in input.chunks(CHUNK) {
        pipeline.push_bytes(chunk, &mut events);
        black_box(&events);
        events.clear();
    }
    pipeline.finish(&mut events);
    black_box(pipeline.stats());
}

fn run_decoder(input: &[u8]) {
    let mut decoder = JsonlDecoder::new(IngestLimits::DEFAULT_MAX_LINE_BYTES);
    let mut count = 0u64;
    for chunk in input.chunks(CHUNK) {
        decoder.push(chunk, |line| {
            black_box(&line);
            count += 1;
        });
    }
    black_box(count);
}

/// A deterministic transcript of a long agent session: init, then turns of thinking, text,
/// tool calls (Bash, Read, Edit, Grep, TodoWrite, a sub-agent) and their results, with usage
/// on every assistant line, a few streamed deltas, and a result at the end. Lines are
/// mostly 1-2 KB.
fn generate(lines: usize) -> Vec<u8> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(lines * 1400);
    out.push_str(r#"{"type":"system","subtype":"init","cwd":"/home/dev/project","session_id":"9b1c","tools":["Task","Bash","Glob","Grep","Read","Edit","Write","TodoWrite","WebFetch"],"mcp_servers":[],"model":"claude-sonnet-4-5","permissionMode":"default","claude_code_version":"2.1.7","uuid":"u0"}"#);
    out.push('\n');
    let mut n = 1;
    let mut message = 0u64;
    while n < lines.saturating_sub(1) {
        message += 1;
        let id = format!("msg_{message:020}");
        let parent = if rng.below(10) == 0 {
            r#""toolu_task""#
        } else {
            "null"
        };
        match rng.below(10) {
            0..=2 => {
                let text = prose_between(&mut rng, 900, 900);
                out.push_str(&assistant(
                    &id,
                    parent,
                    &format!(r#"[{{"type":"text","text":"{text}"}}]"#),
                ));
                n += 1;
            }
            3 => {
                let text = prose_between(&mut rng, 800, 800);
                out.push_str(&assistant(
                    &id,
                    parent,
                    &format!(r#"[{{"type":"thinking","thinking":"{text}","signature":"EqQBCkgIARABGAIiQL7v"}}]"#),
                ));
                n += 1;
            }
            4 => {
                // A streamed block: deltas, then the assembled line.
                out.push_str(&format!(
                    r#"{{"type":"stream_event","event":{{"type":"message_start","message":{{"id":"{id}","model":"claude-sonnet-4-5","content":[],"usage":{{"input_tokens":12,"output_tokens":1}}}}}},"parent_tool_use_id":null}}"#
                ));
                out.push('\n');
                let mut whole = String::new();
                for _ in 0..4 {
                    let piece = prose_between(&mut rng, 200, 200);
                    whole.push_str(&piece);
                    out.push_str(&format!(
                        r#"{{"type":"stream_event","event":{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":"{piece}"}}}},"parent_tool_use_id":null,"uuid":"c3f1a2b4-8d9e-4f00-a1b2-c3d4e5f60718"}}"#
                    ));
                    out.push('\n');
                }
                out.push_str(&assistant(
                    &id,
                    "null",
                    &format!(r#"[{{"type":"text","text":"{whole}"}}]"#),
                ));
                n += 6;
            }
            _ => {
                let tool_id = format!("toolu_{message:020}");
                let (name, input) = tool_input(&mut rng);
                out.push_str(&assistant(
                    &id,
                    parent,
                    &format!(r#"[{{"type":"tool_use","id":"{tool_id}","name":"{name}","input":{input}}}]"#),
                ));
                let result = prose_between(&mut rng, 700, 1200);
                let is_error = rng.below(20) == 0;
                out.push_str(&format!(
                    r#"{{"type":"user","message":{{"role":"user","content":[{{"tool_use_id":"{tool_id}","type":"tool_result","content":"{result}","is_error":{is_error}}}]}},"parent_tool_use_id":{parent},"session_id":"9b1c","uuid":"5e284258-93a1-4f50-986f-50fa6ee58435"}}"#
                ));
                out.push('\n');
                n += 2;
            }
        }
    }
    out.push_str(r#"{"type":"result","subtype":"success","is_error":false,"duration_ms":3600000,"duration_api_ms":3000000,"num_turns":4000,"result":"Done.","session_id":"9b1c","total_cost_usd":42.5,"usage":{"input_tokens":100000,"cache_creation_input_tokens":2000000,"cache_read_input_tokens":90000000,"output_tokens":800000}}"#);
    out.push('\n');
    out.into_bytes()
}

fn assistant(id: &str, parent: &str, content: &str) -> String {
    format!(
        r#"{{"type":"assistant","message":{{"id":"{id}","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":{content},"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":12,"cache_creation_input_tokens":800,"cache_read_input_tokens":24000,"output_tokens":180,"service_tier":"standard"}}}},"parent_tool_use_id":{parent},"session_id":"9b1c","uuid":"2f21a2b4-8398-44a5-9a44-b01dd2ba10d3"}}"#
    ) + "\n"
}

fn tool_input(rng: &mut XorShift) -> (&'static str, String) {
    match rng.below(6) {
        0 => (
            "Bash",
            format!(
                r#"{{"command":"cargo test -p agentcast-server -- {}","description":"Run the tests"}}"#,
                prose(rng, 40)
            ),
        ),
        1 => (
            "Read",
            r#"{"file_path":"/home/dev/project/server/src/ingest/claude/mod.rs"}"#.into(),
        ),
        2 => (
            "Edit",
            format!(
                r#"{{"file_path":"/home/dev/project/src/lib.rs","old_string":"{}","new_string":"{}"}}"#,
                prose(rng, 300),
                prose(rng, 300)
            ),
        ),
        3 => (
            "TodoWrite",
            r#"{"todos":[{"content":"Read the design","status":"completed","activeForm":"Reading the design"},{"content":"Write the decoder","status":"in_progress","activeForm":"Writing the decoder"},{"content":"Write the mapper","status":"pending","activeForm":"Writing the mapper"},{"content":"Benchmark","status":"pending","activeForm":"Benchmarking"}]}"#.into(),
        ),
        4 => (
            "Task",
            format!(
                r#"{{"subagent_type":"Explore","description":"Find the parser","prompt":"{}"}}"#,
                prose(rng, 400)
            ),
        ),
        _ => (
            "Grep",
            r#"{"pattern":"fn map_line","path":"/home/dev/project","output_mode":"content"}"#
                .into(),
        ),
    }
}

/// `prose` of `min` to `min + spread` bytes.
fn prose_between(rng: &mut XorShift, min: usize, spread: u64) -> String {
    let len = min + rng.below(spread) as usize;
    prose(rng, len)
}

/// About `len` bytes of JSON-escaped text that reads like an agent's: words, code, quotes,
/// newlines, and a non-ASCII character now and then.
fn prose(rng: &mut XorShift, len: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "decoder",
        "splits",
        "bytes",
        "into",
        "lines",
        "and",
        "each",
        "line",
        "becomes",
        "typed",
        "events",
        "for",
        "session",
        "tool_use",
        "result",
        "`cargo test`",
        "fn",
        "map()",
        "->",
        "Vec<Event>",
        "error",
        "ok",
        "let",
        "mut",
        "\\\"quoted\\\"",
        "\\n",
        "\\n    ",
        "über",
        "naïve",
        "→",
        "✓",
        "{",
        "}",
        "42",
        "src/main.rs:17",
    ];
    let mut text = String::with_capacity(len + 16);
    while text.len() < len {
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        text.push(' ');
    }
    text
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
