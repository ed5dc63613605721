//! The JSONL decoder against a plain model of lines: whatever the bytes, the limit and the
//! chunks, every line it yields is the model's line (so within the limit), every rejected line
//! is rejected for the model's reason with the model's size, blank lines are the only ones
//! left out, so every input byte is accounted for; and the chunks change nothing.
//!
//! Input: `[limit, cut count, cuts..., data...]`.

#![no_main]

use agentcast_fuzz::{chunks, cuts};
use agentcast_server::ingest::{Decoded, JsonlDecoder, LineError, LineErrorKind};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Line(u64, String),
    End(u64, String),
    Err(LineError),
}

fn decode(max: usize, pieces: &[&[u8]]) -> (Vec<Out>, u64) {
    let mut decoder = JsonlDecoder::new(max);
    let mut out = Vec::new();
    let mut sink = |d: Decoded<'_>| {
        out.push(match d {
            Decoded::Line { number, text } => Out::Line(number, text.to_owned()),
            Decoded::Unterminated { number, text } => Out::End(number, text.to_owned()),
            Decoded::Rejected(e) => Out::Err(e),
        })
    };
    for piece in pieces {
        decoder.push(piece, &mut sink);
    }
    decoder.finish(&mut sink);
    assert!(!decoder.has_partial(), "finish leaves nothing behind");
    (out, decoder.line_count())
}

/// What the model says of one line (without its `\n`): `None` for a blank line.
fn model(max: usize, number: u64, segment: &[u8], last: bool) -> Option<Out> {
    let bytes = segment.strip_suffix(b"\r").unwrap_or(segment);
    if bytes.len() > max {
        return Some(Out::Err(LineError {
            number,
            kind: LineErrorKind::TooLong {
                size: bytes.len() as u64,
                max,
            },
            excerpt: String::new(),
        }));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) if last => Out::End(number, text.to_owned()),
        Ok(text) => Out::Line(number, text.to_owned()),
        Err(err) => Out::Err(LineError {
            number,
            kind: LineErrorKind::InvalidUtf8 {
                valid_up_to: err.valid_up_to(),
            },
            excerpt: String::new(),
        }),
    })
}

/// The same outcome, the excerpt left aside (the model does not make excerpts).
fn same(got: &Out, want: &Out) -> bool {
    match (got, want) {
        (Out::Err(a), Out::Err(b)) => a.number == b.number && a.kind == b.kind,
        _ => got == want,
    }
}

fuzz_target!(|input: &[u8]| {
    let [limit, count, rest @ ..] = input else {
        return;
    };
    // Small limits mostly, so that lines go over them; up to ~8 KB now and then.
    let max = if *limit < 128 {
        *limit as usize
    } else {
        (*limit as usize - 128) * 64
    };
    let count = (*count as usize % 8).min(rest.len());
    let (seed, data) = rest.split_at(count);

    let (whole, lines) = decode(max, &[data]);

    // The model: one line per `\n`, and the bytes after the last one if any.
    let mut segments: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if segments.last().is_some_and(|s| s.is_empty()) {
        segments.pop();
    }
    let terminated = data.last() == Some(&b'\n');
    assert_eq!(lines, segments.len() as u64, "every line is counted");
    let mut expected = Vec::new();
    let mut accounted = data.iter().filter(|&&b| b == b'\n').count() as u64;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len() && !terminated;
        let outcome = model(max, i as u64 + 1, segment, last);
        let bytes = segment.strip_suffix(b"\r").unwrap_or(segment);
        accounted += (segment.len() - bytes.len()) as u64;
        match &outcome {
            Some(Out::Line(_, text) | Out::End(_, text)) => accounted += text.len() as u64,
            Some(Out::Err(LineError {
                kind: LineErrorKind::TooLong { size, .. },
                ..
            })) => accounted += size,
            // An invalid or blank line is dropped whole.
            _ => accounted += bytes.len() as u64,
        }
        expected.extend(outcome);
    }
    assert_eq!(accounted, data.len() as u64, "every byte is accounted for");
    assert_eq!(whole.len(), expected.len(), "{whole:?} vs {expected:?}");
    for (got, want) in whole.iter().zip(&expected) {
        assert!(same(got, want), "{got:?} vs the model's {want:?}");
        if let Out::Line(_, text) | Out::End(_, text) = got {
            assert!(text.len() <= max, "a line over the limit came out");
        }
    }

    // However the stream is cut, the same lines, numbers, errors and excerpts.
    let positions = cuts(seed, data.len());
    assert_eq!(
        decode(max, &chunks(data, &positions)),
        (whole.clone(), lines)
    );
    if data.len() <= 512 {
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(decode(max, &bytes), (whole, lines));
    }
});
