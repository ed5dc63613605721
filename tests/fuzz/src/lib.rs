//! What the fuzz targets share: the checks every mapper's output must pass, and how an input's
//! first bytes choose where a byte stream is cut.
//!
//! The targets (`fuzz_targets/`), each a property beyond "no panic":
//!
//! - `jsonl_decoder`: [`JsonlDecoder`](agentcast_server::ingest::JsonlDecoder) against a
//!   plain model of lines: every line within the limit, every input byte accounted for, the
//!   same lines whatever the chunks.
//! - `stream_json`: bytes through an [`IngestPipeline`](agentcast_server::ingest::IngestPipeline)
//!   (decoder and Claude stream-json mapper): valid events, counted as emitted.
//! - `claude_transcript`, `codex_rollout`: lines through the transcript mappers.
//! - `hooks`: JSON lines as hook payloads through a
//!   [`HookMapper`](agentcast_server::ingest::HookMapper).
//! - `client_codec`: Engine.IO payloads and Socket.IO frames through the client's codec,
//!   decoded, re-encoded and decoded again to the same packets.

use agentcast_server::ingest::{Mapped, NotJson};
use agentcast_shared::Event;

/// Every event serializes to the wire and parses back to itself: what a client receives is
/// what the mapper made.
pub fn assert_events_round_trip(events: &[Event]) {
    for event in events {
        let wire = serde_json::to_string(event).expect("every event serializes");
        let back: Event = serde_json::from_str(&wire)
            .unwrap_or_else(|err| panic!("{wire} does not read back: {err}"));
        assert_eq!(&back, event, "{wire}");
    }
}

/// The lines of `data` (split at `\n`, a `\r` before it dropped) that are UTF-8, as a
/// collector hands them to a mapper; blank lines are left out, as its decoder does.
pub fn utf8_lines(data: &[u8]) -> impl Iterator<Item = &str> {
    data.split(|&b| b == b'\n').filter_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).ok()?;
        (!text.trim().is_empty()).then_some(text)
    })
}

/// Checks one `map_line` call: an error (not JSON) appends nothing, and what it appended
/// round-trips.
pub fn check_mapped(result: &Result<Mapped, NotJson>, out: &[Event], before: usize) {
    if result.is_err() {
        assert_eq!(out.len(), before, "a line that is not JSON yields no event");
    }
    assert_events_round_trip(&out[before..]);
}

/// Cut positions in `0..=len` from `seed` (one per byte, in order), to feed a stream in
/// chunks the fuzzer chooses.
pub fn cuts(seed: &[u8], len: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = seed
        .iter()
        .map(|&b| (b as usize * (len + 1)) / 256)
        .collect();
    positions.sort_unstable();
    positions
}

/// `data` cut at `positions` (sorted, within `0..=data.len()`).
pub fn chunks<'a>(data: &'a [u8], positions: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(positions.len() + 1);
    let mut start = 0;
    for &cut in positions {
        out.push(&data[start..cut]);
        start = cut;
    }
    out.push(&data[start..]);
    out
}
