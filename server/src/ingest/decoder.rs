//! [`JsonlDecoder`]: bytes in any split, complete lines out.
//!
//! The decoder knows lines, not JSON: it joins chunks until a `\n`, drops the `\r` of a
//! CRLF, skips blank lines, checks UTF-8 and the length limit, and numbers lines from 1 as an
//! editor does (blank lines count). A partial line is not an error, it waits for its end; a
//! line over the limit is skipped as it streams by, keeping only its first bytes for the
//! report, so a 50 MB line costs no 50 MB.

use agentcast_shared::AgentError;

use super::text::{EXCERPT_BYTES, excerpt};

/// A line buffer that grew past this keeps no more than this once the line is done, so one
/// long line does not pin its memory for the rest of the session.
const RETAINED_CAPACITY: usize = 64 * 1024;

/// Splits a byte stream into lines; see the module docs.
#[derive(Debug)]
pub struct JsonlDecoder {
    max_line_bytes: usize,
    /// The bytes of the current line received so far (never more than the limit plus one).
    partial: Vec<u8>,
    /// Set while the current line is over the limit and being skipped.
    oversize: Option<Oversize>,
    /// Lines completed so far, blank ones included: the number of the last line.
    lines: u64,
}

/// A line over the limit, being skipped. What it reports does not depend on how the line
/// was split into chunks.
#[derive(Debug, Default)]
struct Oversize {
    /// Bytes of the line seen so far.
    size: u64,
    /// Its first bytes, for the report.
    head: Vec<u8>,
    /// The last byte seen is a `\r`: not part of the line if the `\n` comes next.
    ends_with_cr: bool,
}

impl Oversize {
    fn extend(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        self.size += bytes.len() as u64;
        let room = EXCERPT_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.ends_with_cr = last == b'\r';
    }

    /// The line's size without the `\r` of a CRLF.
    fn line_size(&self) -> u64 {
        self.size - u64::from(self.ends_with_cr)
    }
}

/// What the decoder yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A complete line: valid UTF-8, not blank, without its line ending.
    Line {
        /// Its 1-based number in the input.
        number: u64,
        /// The line.
        text: &'a str,
    },
    /// The last line, which the input ended without terminating ([`JsonlDecoder::finish`]).
    /// Whether it is whole is for the caller to judge (complete JSON or not).
    Unterminated {
        /// Its 1-based number in the input.
        number: u64,
        /// What arrived of it.
        text: &'a str,
    },
    /// A line that cannot be used; decoding goes on with the next one.
    Rejected(LineError),
}

/// A line the decoder rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {number}: {kind}")]
pub struct LineError {
    /// The 1-based number of the line.
    pub number: u64,
    /// What is wrong with it.
    pub kind: LineErrorKind,
    /// Its first bytes, lossily decoded.
    pub excerpt: String,
}

/// What is wrong with a rejected line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineErrorKind {
    /// Longer than the limit.
    #[error("line of {size} bytes is longer than the limit of {max} bytes; it was skipped")]
    TooLong {
        /// The line's size in bytes (what arrived of it, when the input ended inside it).
        size: u64,
        /// The limit.
        max: usize,
    },
    /// Not UTF-8.
    #[error("line is not valid UTF-8 (invalid byte at offset {valid_up_to})")]
    InvalidUtf8 {
        /// The length of its valid prefix.
        valid_up_to: usize,
    },
}

impl LineError {
    /// The stable `agent.error` code: `line_too_long` or `invalid_utf8`.
    pub fn code(&self) -> &'static str {
        match self.kind {
            LineErrorKind::TooLong { .. } => "line_too_long",
            LineErrorKind::InvalidUtf8 { .. } => "invalid_utf8",
        }
    }

    /// The `agent.error` that reports it.
    pub fn to_agent_error(&self) -> AgentError {
        AgentError {
            code: self.code().to_owned(),
            message: self.kind.to_string(),
            line: Some(self.number),
            excerpt: Some(self.excerpt.clone()),
        }
    }
}

impl JsonlDecoder {
    /// A decoder that rejects lines longer than `max_line_bytes` (line ending excluded).
    pub fn new(max_line_bytes: usize) -> Self {
        JsonlDecoder {
            max_line_bytes,
            partial: Vec::new(),
            oversize: None,
            lines: 0,
        }
    }

    /// The number of lines completed so far, blank ones included.
    pub fn line_count(&self) -> u64 {
        self.lines
    }

    /// Counts one line that arrived whole by another way (the socket `ingest` command) and
    /// returns its number, so numbers stay unique within a session.
    pub fn count_line(&mut self) -> u64 {
        self.lines += 1;
        self.lines
    }

    /// True while part of a line waits for its end.
    pub fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.oversize.is_some()
    }

    /// Feeds a chunk of bytes, split anywhere, and calls `sink` for each line it completes.
    pub fn push(&mut self, chunk: &[u8], mut sink: impl FnMut(Decoded<'_>)) {
        let mut rest = chunk;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            let (piece, after) = (&rest[..newline], &rest[newline + 1..]);
            self.lines += 1;
            let number = self.lines;
            if let Some(mut oversize) = self.oversize.take() {
                oversize.extend(piece);
                sink(Decoded::Rejected(self.skipped(number, &oversize)));
            } else if self.partial.is_empty() {
                // The whole line is in this chunk: decode it in place, no copy.
                self.complete(number, piece, &mut sink);
            } else if self.partial.len() + piece.len() > self.max_line_bytes + 1 {
                let mut oversize = self.start_oversize();
                oversize.extend(piece);
                sink(Decoded::Rejected(self.skipped(number, &oversize)));
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(piece);
                self.complete(number, &line, &mut sink);
                line.clear();
                self.partial = line;
                self.shrink_partial();
            }
            rest = after;
        }
        self.hold(rest);
    }

    /// End of input: yields what is left of an unterminated last line, if anything.
    pub fn finish(&mut self, mut sink: impl FnMut(Decoded<'_>)) {
        if let Some(oversize) = self.oversize.take() {
            self.lines += 1;
            sink(Decoded::Rejected(self.skipped(self.lines, &oversize)));
            return;
        }
        if self.partial.is_empty() {
            return;
        }
        self.lines += 1;
        let number = self.lines;
        let line = std::mem::take(&mut self.partial);
        let bytes = strip_cr(&line);
        if bytes.len() > self.max_line_bytes {
            sink(Decoded::Rejected(self.too_long(
                number,
                bytes.len() as u64,
                bytes,
            )));
        } else if !is_blank(bytes) {
            match std::str::from_utf8(bytes) {
                Ok(text) => sink(Decoded::Unterminated { number, text }),
                Err(err) => sink(Decoded::Rejected(invalid_utf8(number, bytes, &err))),
            }
        }
    }

    /// Keeps the start of a line whose end has not arrived, or counts it when it is over the
    /// limit.
    fn hold(&mut self, rest: &[u8]) {
        if rest.is_empty() {
            return;
        }
        if let Some(oversize) = &mut self.oversize {
            oversize.extend(rest);
            return;
        }
        // One byte of slack: the line may still end with the `\r` of a CRLF.
        if self.partial.len() + rest.len() > self.max_line_bytes + 1 {
            let mut oversize = self.start_oversize();
            oversize.extend(rest);
            self.oversize = Some(oversize);
        } else {
            self.partial.extend_from_slice(rest);
        }
    }

    /// Yields one complete line (without its `\n`).
    fn complete(&self, number: u64, line: &[u8], sink: &mut impl FnMut(Decoded<'_>)) {
        let bytes = strip_cr(line);
        if bytes.len() > self.max_line_bytes {
            sink(Decoded::Rejected(self.too_long(
                number,
                bytes.len() as u64,
                bytes,
            )));
        } else if !is_blank(bytes) {
            match std::str::from_utf8(bytes) {
                Ok(text) => sink(Decoded::Line { number, text }),
                Err(err) => sink(Decoded::Rejected(invalid_utf8(number, bytes, &err))),
            }
        }
    }

    /// Moves the partial line into an [`Oversize`] and frees its buffer.
    fn start_oversize(&mut self) -> Oversize {
        let mut oversize = Oversize::default();
        oversize.extend(&self.partial);
        self.reset_partial();
        oversize
    }

    /// The error for a line skipped as over the limit.
    fn skipped(&self, number: u64, oversize: &Oversize) -> LineError {
        let size = oversize.line_size();
        let head = &oversize.head[..oversize.head.len().min(size as usize)];
        self.too_long(number, size, head)
    }

    fn too_long(&self, number: u64, size: u64, head: &[u8]) -> LineError {
        LineError {
            number,
            kind: LineErrorKind::TooLong {
                size,
                max: self.max_line_bytes,
            },
            excerpt: excerpt(head, EXCERPT_BYTES),
        }
    }

    fn reset_partial(&mut self) {
        self.partial.clear();
        self.shrink_partial();
    }

    fn shrink_partial(&mut self) {
        if self.partial.capacity() > RETAINED_CAPACITY {
            self.partial.shrink_to(RETAINED_CAPACITY);
        }
    }
}

fn invalid_utf8(number: u64, bytes: &[u8], err: &std::str::Utf8Error) -> LineError {
    LineError {
        number,
        kind: LineErrorKind::InvalidUtf8 {
            valid_up_to: err.valid_up_to(),
        },
        excerpt: excerpt(bytes, EXCERPT_BYTES),
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// True for a line of only whitespace; it stops at the first other byte, so a JSON line
/// costs one comparison.
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An owned copy of what the decoder yields, to compare runs.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Out {
        Line(u64, String),
        End(u64, String),
        Err(LineError),
    }

    pub(crate) fn collect(decoder: &mut JsonlDecoder, chunks: &[&[u8]], finish: bool) -> Vec<Out> {
        let mut out = Vec::new();
        let mut sink = |d: Decoded<'_>| {
            out.push(match d {
                Decoded::Line { number, text } => Out::Line(number, text.to_owned()),
                Decoded::Unterminated { number, text } => Out::End(number, text.to_owned()),
                Decoded::Rejected(e) => Out::Err(e),
            })
        };
        for chunk in chunks {
            decoder.push(chunk, &mut sink);
        }
        if finish {
            decoder.finish(&mut sink);
        }
        out
    }

    fn decode(input: &[u8]) -> Vec<Out> {
        collect(&mut JsonlDecoder::new(1024), &[input], true)
    }

    fn line(n: u64, s: &str) -> Out {
        Out::Line(n, s.to_owned())
    }

    #[test]
    fn complete_lines_come_out_numbered() {
        assert_eq!(
            decode(b"{\"a\":1}\n{\"b\":2}\n"),
            [line(1, "{\"a\":1}"), line(2, "{\"b\":2}")]
        );
    }

    #[test]
    fn a_partial_line_waits_for_its_end() {
        let mut decoder = JsonlDecoder::new(1024);
        assert_eq!(collect(&mut decoder, &[b"{\"a\":"], false), []);
        assert!(decoder.has_partial());
        assert_eq!(
            collect(&mut decoder, &[b"1}\n{\"b\""], false),
            [line(1, "{\"a\":1}")]
        );
        assert_eq!(
            collect(&mut decoder, &[b":2}\n"], false),
            [line(2, "{\"b\":2}")]
        );
        assert!(!decoder.has_partial());
    }

    #[test]
    fn a_character_split_across_chunks_is_joined() {
        let text = "{\"t\":\"日本語 é 🎉\"}\n".as_bytes();
        for split in 0..text.len() {
            let (a, b) = text.split_at(split);
            let mut decoder = JsonlDecoder::new(1024);
            assert_eq!(
                collect(&mut decoder, &[a, b], true),
                [line(1, "{\"t\":\"日本語 é 🎉\"}")],
                "split at {split}"
            );
        }
    }

    #[test]
    fn crlf_and_blank_lines() {
        assert_eq!(
            decode(b"{\"a\":1}\r\n\r\n   \n\t\r\n{\"b\":2}\r\n\n"),
            [line(1, "{\"a\":1}"), line(5, "{\"b\":2}")]
        );
        // A `\r` split from its `\n` by a chunk boundary.
        let mut decoder = JsonlDecoder::new(1024);
        assert_eq!(
            collect(&mut decoder, &[b"{}\r", b"\n{}\r"], true),
            [line(1, "{}"), Out::End(2, "{}".into())]
        );
    }

    #[test]
    fn one_byte_chunks_give_the_same_lines() {
        let input = b"{\"a\":1}\r\n\n{\"b\":\"\xc3\xa9\"}\n\xff\xfe\n{\"c\":3}";
        let whole = decode(input);
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(collect(&mut JsonlDecoder::new(1024), &chunks, true), whole);
        assert_eq!(whole.len(), 4);
    }

    #[test]
    fn a_long_line_is_one_error_and_decoding_goes_on() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend(b"\n{\"b\":2}\n");
        for chunk_size in [1, 7, 100, 4096, input.len()] {
            let chunks: Vec<&[u8]> = input.chunks(chunk_size).collect();
            let out = collect(&mut JsonlDecoder::new(1024), &chunks, true);
            assert_eq!(out.len(), 3, "chunk size {chunk_size}");
            assert_eq!(out[0], line(1, "{\"a\":1}"));
            let Out::Err(err) = &out[1] else {
                panic!("{out:?}")
            };
            assert_eq!(err.number, 2);
            assert_eq!(
                err.kind,
                LineErrorKind::TooLong {
                    size: 5000,
                    max: 1024
                }
            );
            assert_eq!(err.excerpt, "x".repeat(EXCERPT_BYTES));
            assert_eq!(err.code(), "line_too_long");
            assert_eq!(out[2], line(3, "{\"b\":2}"));
        }
    }

    #[test]
    fn a_line_of_exactly_the_limit_passes() {
        let body = format!("\"{}\"", "y".repeat(1022));
        assert_eq!(body.len(), 1024);
        for ending in ["\n", "\r\n"] {
            let input = format!("{body}{ending}");
            for size in [1, 1023, 1024, 1025, 2048] {
                let chunks: Vec<&[u8]> = input.as_bytes().chunks(size).collect();
                let out = collect(&mut JsonlDecoder::new(1024), &chunks, true);
                assert_eq!(out, [line(1, &body)], "{ending:?} in chunks of {size}");
            }
        }
        let over = format!("{body}x\n");
        let out = decode(over.as_bytes());
        assert!(matches!(&out[..], [Out::Err(e)] if e.code() == "line_too_long"));
    }

    #[test]
    fn fifty_megabytes_with_a_small_limit_hold_no_more_than_the_limit() {
        let mut decoder = JsonlDecoder::new(64 * 1024);
        let block = vec![b'z'; 1024 * 1024];
        let mut out = collect(&mut decoder, &[b"{\"start\":"], false);
        for _ in 0..50 {
            out.extend(collect(&mut decoder, &[&block], false));
            assert!(decoder.partial.capacity() <= RETAINED_CAPACITY + 64 * 1024 + 1);
        }
        out.extend(collect(&mut decoder, &[b"}\n{\"next\":1}\n"], true));
        assert_eq!(out.len(), 2, "{out:?}");
        let Out::Err(err) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(
            err.kind,
            LineErrorKind::TooLong {
                size: 9 + 50 * 1024 * 1024 + 1,
                max: 64 * 1024
            }
        );
        assert!(err.excerpt.starts_with("{\"start\":zzz"));
        assert_eq!(out[1], line(2, "{\"next\":1}"));
        assert!(decoder.partial.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn an_oversize_line_reports_the_same_whatever_the_split() {
        // Found by the property test: the excerpt (and, with a `\r` before the split, the
        // size) once depended on where the chunks were cut.
        let input = b"\x1e}\r}\"\r\xe2\x80{\"\"}}\xc3\r{abcdefghijklmnopqrstuvwxyz\xe2\r\n{}\r\n";
        let whole = collect(&mut JsonlDecoder::new(31), &[input], true);
        assert!(
            matches!(&whole[0], Out::Err(e) if e.kind == LineErrorKind::TooLong { size: 43, max: 31 }),
            "{whole:?}"
        );
        for split in 0..=input.len() {
            let (a, b) = input.split_at(split);
            let out = collect(&mut JsonlDecoder::new(31), &[a, b], true);
            assert_eq!(out, whole, "split at {split}");
        }
    }

    #[test]
    fn invalid_utf8_is_rejected_with_its_line_number() {
        let out = decode(b"{}\n{\"a\":\"\xff\"}\n{}\n");
        assert_eq!(out.len(), 3);
        let Out::Err(err) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(err.number, 2);
        assert_eq!(err.kind, LineErrorKind::InvalidUtf8 { valid_up_to: 6 });
        assert_eq!(err.code(), "invalid_utf8");
        let agent = err.to_agent_error();
        assert_eq!(agent.line, Some(2));
        assert!(agent.message.contains("UTF-8"), "{}", agent.message);
        assert_eq!(out[2], line(3, "{}"));
    }

    #[test]
    fn end_of_input_inside_a_line_is_reported() {
        assert_eq!(
            decode(b"{}\n{\"a\":"),
            [line(1, "{}"), Out::End(2, "{\"a\":".into())]
        );
        // An oversize line cut by the end of input is still one error.
        let mut input = b"{}\n".to_vec();
        input.extend(std::iter::repeat_n(b'q', 3000));
        let out = decode(&input);
        assert!(
            matches!(&out[1], Out::Err(e) if e.number == 2 && e.kind == LineErrorKind::TooLong { size: 3000, max: 1024 }),
            "{out:?}"
        );
        // Nothing left: finish yields nothing, and is idempotent.
        let mut decoder = JsonlDecoder::new(1024);
        assert_eq!(collect(&mut decoder, &[b"{}\n"], true), [line(1, "{}")]);
        assert_eq!(collect(&mut decoder, &[], true), []);
    }

    #[test]
    fn empty_and_odd_inputs() {
        assert_eq!(decode(b""), []);
        assert_eq!(decode(b"\n\n\n"), []);
        assert_eq!(decode(b"\r"), []);
        assert_eq!(decode(b"x"), [Out::End(1, "x".into())]);
        let mut decoder = JsonlDecoder::new(0);
        let out = collect(&mut decoder, &[b"a\n\nb"], true);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|o| matches!(o, Out::Err(_))));
    }

    #[test]
    fn count_line_keeps_numbers_unique() {
        let mut decoder = JsonlDecoder::new(1024);
        assert_eq!(collect(&mut decoder, &[b"{}\n"], false), [line(1, "{}")]);
        assert_eq!(decoder.count_line(), 2);
        assert_eq!(collect(&mut decoder, &[b"{}\n"], false), [line(3, "{}")]);
        assert_eq!(decoder.line_count(), 3);
    }
}
