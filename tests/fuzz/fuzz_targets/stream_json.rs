//! Claude Code stream-json through the whole ingest pipeline (decoder and `ClaudeMapper`), as
//! `agentcast run`/`pipe` feed it: whatever the bytes, every event it emits is valid on the
//! wire, every `agent.error` names a line that exists, and its counters match what it emitted.
//!
//! Input: `[flags, data...]`; `flags` chooses the line limit, the preview size and where the
//! stream is cut.

#![no_main]

use agentcast_fuzz::{assert_events_round_trip, chunks, cuts};
use agentcast_server::ingest::{IngestLimits, IngestPipeline, SessionContext};
use agentcast_shared::{Event, SessionSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [flags, data @ ..] = input else {
        return;
    };
    let limits = IngestLimits {
        // Now and then a limit small enough for real lines to go over it.
        max_line_bytes: if flags & 1 == 0 { 1 << 20 } else { 300 },
        preview_bytes: if flags & 2 == 0 { 64 } else { 1 },
    };
    let mut now = 1_760_000_000_000;
    let mut pipeline = IngestPipeline::with_clock(
        SessionContext::new("fuzz", SessionSource::Pipe),
        limits,
        Box::new(move || {
            now += 7;
            now
        }),
    );
    let mut out = Vec::new();
    // Up to three cuts, from the upper bits of the flags.
    let seed = [
        flags.wrapping_mul(31),
        flags.wrapping_mul(97),
        flags.wrapping_mul(151),
    ];
    let positions = cuts(&seed[..(flags >> 6) as usize % 4], data.len());
    for chunk in chunks(data, &positions) {
        pipeline.push_bytes(chunk, &mut out);
    }
    pipeline.finish(&mut out);

    let stats = pipeline.stats();
    assert_eq!(stats.events, out.len() as u64);
    assert_eq!(stats.bytes, data.len() as u64);
    let lines = data.split(|&b| b == b'\n').count() as u64;
    for event in &out {
        if let Event::AgentError(error) = event {
            let line = error.line.expect("an input error names its line");
            assert!((1..=lines).contains(&line), "line {line} of {lines}");
        }
    }
    assert_events_round_trip(&out);
});
