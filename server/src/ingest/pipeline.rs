//! [`IngestPipeline`]: a [`JsonlDecoder`] feeding a [`ClaudeMapper`], with the clock and the
//! counters of one session. Sources (a child's stdout, an ndjson body, the socket `ingest`
//! command) push bytes or lines into it and hand the events it appends to the sequencer. A
//! line pushed whole that cannot be used is a [`PushLineError`] for the caller to report; in
//! a byte stream it becomes an `agent.error` and the stream goes on.

use std::sync::Arc;

use agentcast_shared::{AgentError, Event};

use super::claude::{ClaudeMapper, Mapped, NotJson};
use super::context::{IngestLimits, SessionContext};
use super::counters::IngestCounters;
use super::decoder::{Decoded, JsonlDecoder, LineErrorKind};
use super::text::{EXCERPT_BYTES, excerpt};

/// Unix milliseconds now; what a line is timestamped with.
pub type Clock = Box<dyn FnMut() -> u64 + Send>;

/// Counters of one pipeline, for logs and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IngestStats {
    /// Lines decoded and mapped (blank lines are not counted).
    pub lines: u64,
    /// Bytes received.
    pub bytes: u64,
    /// `agent.error` events emitted for input that could not be used.
    pub errors: u64,
    /// `agent.raw` events: lines of a type the mapper does not know.
    pub raw: u64,
    /// Events emitted in all.
    pub events: u64,
}

/// Why [`IngestPipeline::push_line`] refused a line. Its text is what the socket `ingest`
/// command reports for the line (`rejected[].error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushLineError {
    /// What the decoder rejects a line for; only [`LineErrorKind::TooLong`] here, since a
    /// `&str` is UTF-8.
    #[error(transparent)]
    Line(LineErrorKind),
    /// Not JSON; the number is the line's within the session.
    #[error("line {number} is not JSON: {reason}")]
    NotJson {
        /// The 1-based number of the line.
        number: u64,
        /// Where the parser found it broken.
        reason: NotJson,
    },
}

/// Bytes or lines of one session in, typed events out; see the module docs.
pub struct IngestPipeline {
    decoder: JsonlDecoder,
    mapper: ClaudeMapper,
    clock: Clock,
    stats: IngestStats,
    /// The server's counters over every session, when the server runs this pipeline.
    counters: Option<Arc<IngestCounters>>,
    max_line_bytes: usize,
}

impl std::fmt::Debug for IngestPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestPipeline")
            .field("decoder", &self.decoder)
            .field("mapper", &self.mapper)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl IngestPipeline {
    /// A pipeline for one session, timed by the wall clock.
    pub fn new(context: SessionContext, limits: IngestLimits) -> Self {
        Self::with_clock(context, limits, Box::new(crate::clock::now_unix_millis))
    }

    /// A pipeline timed by `clock` (Unix milliseconds), for deterministic tests.
    pub fn with_clock(context: SessionContext, limits: IngestLimits, clock: Clock) -> Self {
        IngestPipeline {
            decoder: JsonlDecoder::new(limits.max_line_bytes),
            mapper: ClaudeMapper::new(context, limits),
            clock,
            stats: IngestStats::default(),
            counters: None,
            max_line_bytes: limits.max_line_bytes,
        }
    }

    /// Also counts its lines and errors in the server's `counters`.
    pub fn counted_in(mut self, counters: Arc<IngestCounters>) -> Self {
        self.counters = Some(counters);
        self
    }

    /// Feeds a chunk of bytes, split anywhere; appends the events of every line it completes.
    pub fn push_bytes(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        self.push_bytes_diverting(chunk, out, |_, _| false);
    }

    /// [`push_bytes`](Self::push_bytes), offering each complete line to `divert` first (with
    /// the number of events in `out` at that point): a line it takes (returns true for) is
    /// not mapped. How the control lines of a controlled agent leave its output stream.
    pub fn push_bytes_diverting(
        &mut self,
        chunk: &[u8],
        out: &mut Vec<Event>,
        mut divert: impl FnMut(&str, usize) -> bool,
    ) {
        self.stats.bytes += chunk.len() as u64;
        let before = out.len();
        let Self {
            decoder,
            mapper,
            clock,
            stats,
            counters,
            ..
        } = self;
        let mut count = Count {
            stats,
            server: counters.as_deref(),
        };
        decoder.push(chunk, |decoded| {
            if let Decoded::Line { text, .. } = &decoded
                && divert(text, out.len())
            {
                return;
            }
            handle(decoded, mapper, clock, &mut count, out)
        });
        self.stats.events += (out.len() - before) as u64;
    }

    /// Feeds one complete line (the socket `ingest` command, tests); a trailing line ending
    /// is ignored. An error when it is not JSON or too long: no `agent.error` is emitted
    /// then, the caller reports the rejection. A blank line is accepted and ignored.
    pub fn push_line(&mut self, line: &str, out: &mut Vec<Event>) -> Result<(), PushLineError> {
        self.stats.bytes += line.len() as u64;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let number = self.decoder.count_line();
        let mut count = Count {
            stats: &mut self.stats,
            server: self.counters.as_deref(),
        };
        if line.len() > self.max_line_bytes {
            // Rejected, not an agent.error: the server counts it, the pipeline's `errors` not.
            if let Some(server) = count.server {
                server.error("line_too_long");
            }
            return Err(PushLineError::Line(LineErrorKind::TooLong {
                size: line.len() as u64,
                max: self.max_line_bytes,
            }));
        }
        if line.trim().is_empty() {
            return Ok(());
        }
        let before = out.len();
        let now = (self.clock)();
        let result = self.mapper.map_line(line, now, out);
        count.line();
        count.stats.events += (out.len() - before) as u64;
        match result {
            Ok(mapped) => {
                count.stats.raw += u64::from(mapped == Mapped::Raw);
                Ok(())
            }
            Err(reason) => {
                // Rejected, not an agent.error: as for a line too long above.
                if let Some(server) = count.server {
                    server.error("malformed_json");
                }
                Err(PushLineError::NotJson { number, reason })
            }
        }
    }

    /// End of input: maps an unterminated last line when it is complete JSON, and reports it
    /// as `agent.error` (`truncated_line`) when it is not.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        let before = out.len();
        let Self {
            decoder,
            mapper,
            clock,
            stats,
            counters,
            ..
        } = self;
        let mut count = Count {
            stats,
            server: counters.as_deref(),
        };
        decoder.finish(|decoded| handle(decoded, mapper, clock, &mut count, out));
        self.stats.events += (out.len() - before) as u64;
    }

    /// The counters so far.
    pub fn stats(&self) -> IngestStats {
        self.stats
    }

    /// True once the agent reported its `system/init` and `session.started` was emitted.
    pub fn session_started(&self) -> bool {
        self.mapper.has_started()
    }
}

/// Where a pipeline counts: its own [`IngestStats`], and the server's counters if any.
struct Count<'a> {
    stats: &'a mut IngestStats,
    server: Option<&'a IngestCounters>,
}

impl Count<'_> {
    fn line(&mut self) {
        self.stats.lines += 1;
        if let Some(server) = self.server {
            server.line();
        }
    }

    /// A line that became an `agent.error` of code `kind`.
    fn error(&mut self, kind: &str) {
        self.stats.errors += 1;
        if let Some(server) = self.server {
            server.error(kind);
        }
    }
}

fn handle(
    decoded: Decoded<'_>,
    mapper: &mut ClaudeMapper,
    clock: &mut Clock,
    count: &mut Count<'_>,
    out: &mut Vec<Event>,
) {
    match decoded {
        Decoded::Line { number, text } => {
            map_line(number, text, mapper, clock, count, out, |reason| {
                let message = PushLineError::NotJson { number, reason }.to_string();
                ("malformed_json", message)
            })
        }
        Decoded::Unterminated { number, text } => {
            map_line(number, text, mapper, clock, count, out, |reason| {
                let len = text.len();
                let message = format!(
                    "the input ended inside line {number} ({len} bytes, no newline): {reason}"
                );
                ("truncated_line", message)
            })
        }
        Decoded::Rejected(error) => {
            count.error(error.code());
            out.push(error.to_agent_error().into());
        }
    }
}

/// Maps one line; a line that is not JSON becomes an `agent.error` whose code and message
/// `describe` gives (from the parser's complaint), with the line number and its first bytes.
fn map_line(
    number: u64,
    text: &str,
    mapper: &mut ClaudeMapper,
    clock: &mut Clock,
    count: &mut Count<'_>,
    out: &mut Vec<Event>,
    describe: impl FnOnce(NotJson) -> (&'static str, String),
) {
    count.line();
    match mapper.map_line(text, clock(), out) {
        Ok(mapped) => count.stats.raw += u64::from(mapped == Mapped::Raw),
        Err(reason) => {
            let (code, message) = describe(reason);
            count.error(code);
            let error = AgentError {
                code: code.into(),
                message,
                line: Some(number),
                excerpt: Some(excerpt(text.as_bytes(), EXCERPT_BYTES)),
            };
            out.push(error.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testing::{get, kinds};
    use agentcast_shared::SessionSource;

    fn pipeline(max_line_bytes: usize) -> IngestPipeline {
        IngestPipeline::with_clock(
            SessionContext::new("s1", SessionSource::Pipe),
            IngestLimits {
                max_line_bytes,
                preview_bytes: 64,
            },
            Box::new(|| 1_000),
        )
    }

    const INIT: &str = r#"{"type":"system","subtype":"init","model":"m","cwd":"/w"}"#;

    #[test]
    fn a_line_that_is_not_json_is_an_error_with_its_number() {
        let mut p = pipeline(1024);
        let mut out = Vec::new();
        p.push_bytes(
            format!("{INIT}\n{{not json\n\n[1,2]\n").as_bytes(),
            &mut out,
        );
        assert_eq!(
            kinds(&out),
            [
                "session.started",
                "session.status",
                "agent.error",
                "agent.raw"
            ]
        );
        let err = get!(out[2], AgentError);
        assert_eq!((err.code.as_str(), err.line), ("malformed_json", Some(2)));
        assert!(err.message.contains("line 2"), "{}", err.message);
        assert_eq!(err.excerpt.as_deref(), Some("{not json"));
        assert_eq!(
            p.stats(),
            IngestStats {
                lines: 3,
                bytes: (INIT.len() + 18) as u64,
                errors: 1,
                raw: 1,
                events: 4
            }
        );
    }

    #[test]
    fn an_unterminated_last_line_is_mapped_when_whole_and_reported_when_not() {
        let mut p = pipeline(1024);
        let mut out = Vec::new();
        p.push_bytes(INIT.as_bytes(), &mut out);
        assert!(out.is_empty());
        p.finish(&mut out);
        assert_eq!(kinds(&out), ["session.started", "session.status"]);

        let mut p = pipeline(1024);
        let mut out = Vec::new();
        p.push_bytes(format!("{INIT}\n{{\"type\":\"assis").as_bytes(), &mut out);
        p.finish(&mut out);
        let err = get!(out[2], AgentError);
        assert_eq!((err.code.as_str(), err.line), ("truncated_line", Some(2)));
        assert!(
            err.message.contains("ended inside line 2"),
            "{}",
            err.message
        );
    }

    #[test]
    fn oversize_and_invalid_utf8_lines_are_errors_and_the_stream_goes_on() {
        let mut p = pipeline(100);
        let mut out = Vec::new();
        let long = format!("{{\"x\":\"{}\"}}", "a".repeat(500));
        p.push_bytes(format!("{long}\n").as_bytes(), &mut out);
        p.push_bytes(b"{\"a\":\"\xc3\x28\"}\n", &mut out);
        p.push_bytes(format!("{INIT}\n").as_bytes(), &mut out);
        assert_eq!(
            kinds(&out),
            [
                "agent.error",
                "agent.error",
                "session.started",
                "session.status"
            ]
        );
        assert_eq!(get!(out[0], AgentError).code, "line_too_long");
        assert!(get!(out[0], AgentError).message.contains("508 bytes"));
        assert_eq!(get!(out[1], AgentError).code, "invalid_utf8");
        assert_eq!(get!(out[1], AgentError).line, Some(2));
        assert_eq!(p.stats().errors, 2);
    }

    #[test]
    fn a_fifty_megabyte_line_is_one_error_with_the_default_limit() {
        let mut p = IngestPipeline::with_clock(
            SessionContext::new("s", SessionSource::Pipe),
            IngestLimits::default(),
            Box::new(|| 0),
        );
        let mut out = Vec::new();
        let block = vec![b'a'; 1 << 20];
        p.push_bytes(b"{\"type\":\"user\",\"x\":\"", &mut out);
        for _ in 0..50 {
            p.push_bytes(&block, &mut out);
        }
        p.push_bytes(format!("\"}}\n{INIT}\n").as_bytes(), &mut out);
        assert_eq!(
            kinds(&out),
            ["agent.error", "session.started", "session.status"]
        );
        let err = get!(out[0], AgentError);
        assert_eq!((err.code.as_str(), err.line), ("line_too_long", Some(1)));
        assert!(
            err.message
                .contains(&format!("{} bytes", 20 + 50 * (1 << 20) + 2)),
            "{}",
            err.message
        );
        assert!(
            err.excerpt
                .as_deref()
                .unwrap()
                .starts_with("{\"type\":\"user\",\"x\":\"aaa")
        );
    }

    #[test]
    fn push_line_rejects_without_an_event() {
        let mut p = pipeline(100);
        let mut out = Vec::new();
        assert_eq!(p.push_line(&format!("{INIT}\r\n"), &mut out), Ok(()));
        let err = p.push_line("{oops", &mut out).unwrap_err();
        assert!(matches!(err, PushLineError::NotJson { number: 2, .. }));
        let err = err.to_string();
        assert!(err.starts_with("line 2 is not JSON"), "{err}");
        let err = p.push_line(&"x".repeat(101), &mut out).unwrap_err();
        assert_eq!(
            err,
            PushLineError::Line(LineErrorKind::TooLong {
                size: 101,
                max: 100
            })
        );
        let err = err.to_string();
        assert!(err.contains("longer than the limit"), "{err}");
        assert_eq!(p.push_line("   ", &mut out), Ok(()));
        assert_eq!(p.push_line(r#"{"type":"new_thing"}"#, &mut out), Ok(()));
        assert_eq!(
            kinds(&out),
            ["session.started", "session.status", "agent.raw"]
        );
        assert_eq!(p.stats().errors, 0, "rejections are the caller's to report");
        assert_eq!(p.stats().raw, 1);
        assert!(p.session_started());
    }

    #[test]
    fn deeply_nested_json_is_a_clear_error_or_raw_never_a_crash() {
        let mut p = pipeline(16 * 1024 * 1024);
        let mut out = Vec::new();
        let depth = 100_000;
        // Deep inside a known field, deep at the top, and deep in a tool input.
        let mut lines = String::new();
        lines.push_str(&format!(
            "{{\"type\":\"system\",\"subtype\":\"init\",\"x\":{}{}}}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ));
        lines.push_str(&format!("{}{}\n", "[".repeat(depth), "]".repeat(depth)));
        lines.push_str(&format!(
            "{{\"type\":\"assistant\",\"message\":{{\"id\":\"m\",\"content\":[{{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"Bash\",\"input\":{}1{}}}]}}}}\n",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        ));
        lines.push_str(&format!("{}\n", "[".repeat(depth)));
        p.push_bytes(lines.as_bytes(), &mut out);
        assert_eq!(
            kinds(&out),
            [
                "session.started",
                "session.status",
                "agent.raw",
                "tool.started",
                "agent.error"
            ],
            "{:?}",
            out.iter()
                .filter(|e| e.kind() == "agent.error")
                .collect::<Vec<_>>()
        );
        let Event::ToolStarted(started) = &out[3] else {
            panic!()
        };
        assert!(
            started
                .input
                .as_str()
                .unwrap()
                .starts_with("{\"a\":{\"a\":")
        );
        assert!(started.input.as_str().unwrap().len() <= 64);
        assert_eq!(get!(out[4], AgentError).code, "malformed_json");
    }

    #[test]
    fn pipelines_and_hook_mappers_move_between_threads() {
        fn send<T: Send + 'static>() {}
        send::<IngestPipeline>();
        send::<crate::ingest::HookMapper>();
    }

    #[test]
    fn the_wall_clock_is_used_by_default() {
        let mut p = IngestPipeline::new(
            SessionContext::new("s", SessionSource::Run),
            IngestLimits::default(),
        );
        let mut out = Vec::new();
        p.push_bytes(format!("{INIT}\n").as_bytes(), &mut out);
        let Event::SessionStarted(started) = &out[0] else {
            panic!()
        };
        assert!(
            started.started_at.starts_with("20"),
            "{}",
            started.started_at
        );
    }
}
