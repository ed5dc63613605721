//! Claude Code hook payloads (what `POST /api/hooks` receives), one JSON document per line,
//! through one `HookMapper`: a payload it refuses yields nothing, one it takes yields events
//! of the session it names, all valid on the wire.
//!
//! Input: `[flags, lines...]`; each payload's context (has the session started, its state,
//! does it carry content, does `SessionEnd` end it) comes from `flags` and the line's length.

#![no_main]

use agentcast_fuzz::{assert_events_round_trip, utf8_lines};
use agentcast_server::ingest::{HookContext, HookMapper, IngestLimits};
use agentcast_shared::{Event, SessionState};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|input: &[u8]| {
    let [flags, data @ ..] = input else {
        return;
    };
    let mut mapper = if flags & 1 == 0 {
        HookMapper::new()
    } else {
        HookMapper::with_limits(IngestLimits {
            max_line_bytes: IngestLimits::DEFAULT_MAX_LINE_BYTES,
            preview_bytes: 1,
        })
    };
    let mut out = Vec::new();
    for (i, line) in utf8_lines(data).enumerate() {
        let Ok(payload) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let bits = (*flags as usize >> 1) ^ line.len();
        let now = 1_760_000_000_000 + i as u64 * 1000;
        let before = out.len();
        let result = if bits & 1 == 0 {
            mapper.map(&payload, now, &mut out)
        } else {
            let context = HookContext {
                started: bits & 2 != 0,
                state: SessionState::ALL[(bits >> 2) % SessionState::ALL.len()],
                content: bits & 32 != 0,
                ends: bits & 64 != 0,
            };
            mapper.map_in(&payload, &context, now, &mut out)
        };
        match result {
            Err(_) => assert_eq!(out.len(), before, "a refused payload yields no event"),
            Ok(session_id) => {
                assert_eq!(payload["session_id"].as_str(), Some(session_id.as_str()));
                for event in &out[before..] {
                    if let Event::SessionStarted(started) = event {
                        assert_eq!(started.session_id, session_id);
                    }
                }
            }
        }
        assert_events_round_trip(&out[before..]);
    }
});
