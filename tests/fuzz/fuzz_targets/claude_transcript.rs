//! Claude Code transcript lines (`~/.claude/projects/.../<session>.jsonl` and sub-agents'
//! files) through `ClaudeTranscriptMapper`, as the collector feeds them: a line that is not
//! JSON yields nothing, every event is valid on the wire.
//!
//! Input: `[flags, lines...]`; `flags` chooses a main or a sub-agent transcript, with or
//! without an agentcast session around it.

#![no_main]

use agentcast_fuzz::{check_mapped, utf8_lines};
use agentcast_server::ingest::{ClaudeTranscriptMapper, IngestLimits, SessionContext};
use agentcast_shared::SessionSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [flags, data @ ..] = input else {
        return;
    };
    let mut mapper = match flags % 3 {
        0 => ClaudeTranscriptMapper::main(),
        1 => ClaudeTranscriptMapper::subagent(Some("toolu_fuzz".into())),
        _ => ClaudeTranscriptMapper::subagent(None),
    };
    if flags & 4 != 0 {
        mapper = mapper.with_context(SessionContext::new("fuzz", SessionSource::Transcript));
    }
    if flags & 8 != 0 {
        mapper = mapper.with_limits(IngestLimits {
            max_line_bytes: IngestLimits::DEFAULT_MAX_LINE_BYTES,
            preview_bytes: 1,
        });
    }
    let mut out = Vec::new();
    for (i, line) in utf8_lines(data).enumerate() {
        let before = out.len();
        let result = mapper.map_line(line, 1_760_000_000_000 + i as u64 * 1000, &mut out);
        check_mapped(&result, &out, before);
    }
    // What the collector asks of a mapper between lines.
    let _ = (
        mapper.has_started(),
        mapper.label(),
        mapper.agent_session_id(),
    );
    let _ = mapper.tool_use_id_of_agent("a0");
});
