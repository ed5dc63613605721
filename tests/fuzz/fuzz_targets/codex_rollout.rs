//! Codex CLI rollout lines (`~/.codex/sessions/.../rollout-*.jsonl`) through
//! `CodexRolloutMapper`, as the collector feeds them: a line that is not JSON yields
//! nothing, every event is valid on the wire.
//!
//! Input: `[flags, lines...]`; `flags` chooses the preview size.

#![no_main]

use agentcast_fuzz::{check_mapped, utf8_lines};
use agentcast_server::ingest::{CodexRolloutMapper, IngestLimits, LineMapper, SessionContext};
use agentcast_shared::SessionSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [flags, data @ ..] = input else {
        return;
    };
    let limits = IngestLimits {
        max_line_bytes: IngestLimits::DEFAULT_MAX_LINE_BYTES,
        preview_bytes: if flags & 1 == 0 { 64 } else { 1 },
    };
    let context = SessionContext::new("fuzz", SessionSource::Transcript);
    let mut mapper = CodexRolloutMapper::new(context, limits);
    let mut out = Vec::new();
    for (i, line) in utf8_lines(data).enumerate() {
        let before = out.len();
        let result = mapper.map_line(line, 1_760_000_000_000 + i as u64 * 1000, &mut out);
        check_mapped(&result, &out, before);
    }
    let _ = mapper.has_started();
});
