//! Property tests over the decoder and the whole pipeline: whatever the bytes and however
//! they are split, nothing panics, the split changes nothing, and every event is valid on
//! the wire. The mapper is fed mutated stream-json lines (truncated, bytes flipped, fields
//! removed or retyped, types changed) taken from built-in samples of every line type and,
//! when the folder is there, from the real fixtures. 256 cases each, so they run with the
//! regular tests; `AGENTCAST_PROPTEST_CASES=100000` makes a fuzzing run of them.

use std::sync::OnceLock;

use agentcast_shared::{Event, SessionSource};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::decoder::{Decoded, JsonlDecoder};
use super::testing::claude_fixture_files;
use super::{IngestLimits, IngestPipeline, SessionContext};

/// Cases per property; `AGENTCAST_PROPTEST_CASES` raises it for a longer fuzzing run.
fn config() -> ProptestConfig {
    let cases = std::env::var("AGENTCAST_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

/// One of every line type the mapper knows, with the fields it reads.
const SAMPLES: &[&str] = &[
    r#"{"type":"system","subtype":"init","cwd":"/w","session_id":"c","tools":["Bash","Task","TodoWrite"],"model":"claude-opus-4-5","claude_code_version":"2.1.7"}"#,
    r#"{"type":"system","subtype":"status","status":"requesting"}"#,
    r#"{"type":"system","subtype":"hook_started","hook_id":"h","hook_name":"SessionStart:startup","hook_event":"SessionStart"}"#,
    r#"{"type":"system","subtype":"hook_response","hook_id":"h","hook_name":"SessionStart:startup","hook_event":"SessionStart","output":"x","stdout":"","stderr":"é","exit_code":1,"outcome":"error"}"#,
    r#"{"type":"system","subtype":"task_started","task_id":"b","tool_use_id":"t2","description":"d","task_type":"local_agent"}"#,
    r#"{"type":"system","subtype":"task_progress","task_id":"b","tool_use_id":"t2","last_tool_name":"Read"}"#,
    r#"{"type":"system","subtype":"task_notification","task_id":"b","tool_use_id":"t2","status":"completed","summary":"s"}"#,
    r#"{"type":"system","subtype":"compact_boundary","compact_metadata":{"trigger":"auto","pre_tokens":1}}"#,
    r#"{"type":"assistant","message":{"id":"m1","model":"opus","content":[{"type":"thinking","thinking":"hm"},{"type":"text","text":"héllo\nworld"}],"usage":{"input_tokens":3,"output_tokens":2,"cache_read_input_tokens":1,"cache_creation_input_tokens":1}},"parent_tool_use_id":null}"#,
    r#"{"type":"assistant","message":{"id":"m2","content":[{"type":"tool_use","id":"t1","name":"TodoWrite","input":{"todos":[{"content":"a","status":"pending","activeForm":"A"}]}}]},"parent_tool_use_id":null}"#,
    r#"{"type":"assistant","message":{"id":"m3","content":[{"type":"tool_use","id":"t2","name":"Task","input":{"subagent_type":"x","description":"d","run_in_background":true}}]}}"#,
    r#"{"type":"assistant","message":{"id":"m4","content":[{"type":"text","text":"in a sub-agent"},{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"ls"}}]},"parent_tool_use_id":"t2"}"#,
    r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok","is_error":false}]},"tool_use_result":{"stdout":"ok","stderr":"","interrupted":false}}"#,
    r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t3","content":[{"type":"text","text":"a"},{"type":"image"}],"is_error":true}]},"parent_tool_use_id":"t2"}"#,
    r#"{"type":"user","message":{"role":"user","content":"a prompt"}}"#,
    r#"{"type":"stream_event","event":{"type":"message_start","message":{"id":"m5","model":"opus","content":[],"usage":{"input_tokens":1,"output_tokens":1}}},"parent_tool_use_id":null}"#,
    r#"{"type":"stream_event","event":{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}}"#,
    r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"PO"}}}"#,
    r#"{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"NG"}}}"#,
    r#"{"type":"assistant","message":{"id":"m5","content":[{"type":"text","text":"PONG"}]}}"#,
    r#"{"type":"stream_event","event":{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}}"#,
    r#"{"type":"stream_event","event":{"type":"message_stop"}}"#,
    r#"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1781872800,"rateLimitType":"five_hour"}}"#,
    r#"{"type":"result","subtype":"success","is_error":false,"duration_ms":10,"num_turns":1,"total_cost_usd":0.5,"usage":{"input_tokens":1,"output_tokens":9}}"#,
    r#"{"type":"result","subtype":"error_max_turns","is_error":true,"errors":["too many"]}"#,
    r#"{"type":"future_type","anything":[1,{"a":null}]}"#,
];

/// The lines mutations start from: the samples, and the fixtures' lines when present.
fn pool() -> &'static [String] {
    static POOL: OnceLock<Vec<String>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut lines: Vec<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
        for path in claude_fixture_files().unwrap_or_default() {
            if let Ok(text) = std::fs::read_to_string(path) {
                lines.extend(text.lines().map(str::to_owned));
            }
        }
        lines
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Keep,
    Truncate(Index),
    FlipByte(Index, u8),
    RemoveField(Index),
    ReplaceValue(Index, u8),
    SetType(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Keep),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1..=255u8).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        any::<Index>().prop_map(Mutation::RemoveField),
        (any::<Index>(), any::<u8>()).prop_map(|(i, k)| Mutation::ReplaceValue(i, k)),
        (any::<Index>(), any::<Index>()).prop_map(|(t, s)| Mutation::SetType(t, s)),
    ]
}

/// The JSON pointer of every object member in `value`.
fn members(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                out.push((path.to_owned(), key.clone()));
                members(child, &format!("{path}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                members(child, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn replacement(kind: u8) -> Value {
    match kind % 9 {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => serde_json::json!(42),
        3 => serde_json::json!(-1.5),
        4 => Value::String("str".into()),
        5 => serde_json::json!([]),
        6 => serde_json::json!({}),
        7 => serde_json::json!([[[[1]]], {"type": "text"}]),
        _ => Value::String("é".repeat(3000)),
    }
}

fn apply(line: &str, mutation: &Mutation) -> Vec<u8> {
    let mut bytes = line.as_bytes().to_vec();
    match mutation {
        Mutation::Keep => {}
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len() + 1)),
        Mutation::FlipByte(i, b) => {
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                bytes[at] ^= b;
            }
        }
        Mutation::RemoveField(i) | Mutation::ReplaceValue(i, _) => {
            let Ok(mut value) = serde_json::from_str::<Value>(line) else {
                return bytes;
            };
            let mut found = Vec::new();
            members(&value, "", &mut found);
            if found.is_empty() {
                return bytes;
            }
            let (parent, key) = &found[i.index(found.len())];
            if let Some(Value::Object(map)) = value.pointer_mut(parent) {
                match mutation {
                    Mutation::ReplaceValue(_, kind) => {
                        map.insert(key.clone(), replacement(*kind));
                    }
                    _ => {
                        map.remove(key);
                    }
                }
            }
            bytes = value.to_string().into_bytes();
        }
        Mutation::SetType(t, s) => {
            const TYPES: &[&str] = &[
                "system",
                "assistant",
                "user",
                "result",
                "stream_event",
                "rate_limit_event",
                "bogus",
            ];
            const SUBTYPES: &[&str] = &[
                "init",
                "status",
                "hook_started",
                "hook_response",
                "task_started",
                "task_progress",
                "task_notification",
                "compact_boundary",
                "success",
                "error_during_execution",
                "bogus",
            ];
            if let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(line) {
                map.insert("type".into(), TYPES[t.index(TYPES.len())].into());
                map.insert("subtype".into(), SUBTYPES[s.index(SUBTYPES.len())].into());
                bytes = Value::Object(map).to_string().into_bytes();
            }
        }
    }
    bytes
}

fn pipeline(max_line_bytes: usize) -> IngestPipeline {
    let mut now = 0;
    IngestPipeline::with_clock(
        SessionContext::new("prop", SessionSource::Pipe),
        IngestLimits {
            max_line_bytes,
            preview_bytes: 64,
        },
        Box::new(move || {
            now += 7;
            now
        }),
    )
}

/// The events of `input` split at `cuts` (positions, any order).
fn run(input: &[u8], cuts: &[Index], max_line_bytes: usize) -> Vec<Event> {
    let mut positions: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
    positions.sort_unstable();
    let mut p = pipeline(max_line_bytes);
    let mut out = Vec::new();
    let mut start = 0;
    for cut in positions {
        p.push_bytes(&input[start..cut], &mut out);
        start = cut;
    }
    p.push_bytes(&input[start..], &mut out);
    p.finish(&mut out);
    assert_eq!(p.stats().events, out.len() as u64);
    out
}

fn assert_wire_valid(events: &[Event]) {
    for event in events {
        let wire = serde_json::to_string(event).expect("every event serializes");
        let back: Event = serde_json::from_str(&wire).expect("and reads back");
        assert_eq!(&back, event);
        if let Event::AgentError(error) = event {
            assert!(error.line.is_some(), "an input error names its line");
        }
    }
}

/// Bytes that look like JSONL now and then: mostly random, with newlines, CRs, braces,
/// quotes and the lead bytes of multi-byte characters over-represented (a random byte below
/// 64 is replaced by one of those).
fn jsonl_ish_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    const SPECIAL: &[u8] = b"\n\n\n\r{}\"\xc3\xe2\x80\xa9:,[]";
    prop::collection::vec(any::<u8>(), 0..max).prop_map(|mut bytes| {
        for byte in &mut bytes {
            if *byte < 64 {
                *byte = SPECIAL[*byte as usize % SPECIAL.len()];
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_decoder_never_panics_and_splits_change_nothing(
        input in jsonl_ish_bytes(2048),
        cuts in prop::collection::vec(any::<Index>(), 0..16),
        max in 0usize..64,
    ) {
        let decode = |chunks: Vec<&[u8]>| {
            let mut decoder = JsonlDecoder::new(max);
            let mut out = Vec::new();
            let mut sink = |d: Decoded<'_>| out.push(format!("{d:?}"));
            for chunk in chunks {
                decoder.push(chunk, &mut sink);
            }
            decoder.finish(&mut sink);
            out
        };
        let mut positions: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        positions.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in positions {
            chunks.push(&input[start..cut]);
            start = cut;
        }
        chunks.push(&input[start..]);
        let whole = decode(vec![&input[..]]);
        prop_assert_eq!(decode(chunks), whole.clone());
        prop_assert_eq!(decode(input.chunks(1).collect()), whole);
    }

    #[test]
    fn random_bytes_through_the_pipeline_are_errors_or_events_never_a_panic(
        input in jsonl_ish_bytes(4096),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let whole = run(&input, &[], 256);
        prop_assert_eq!(run(&input, &cuts, 256), whole.clone());
        assert_wire_valid(&whole);
    }

    #[test]
    fn mutated_stream_json_never_breaks_the_mapper(
        picks in prop::collection::vec((any::<Index>(), mutation()), 1..24),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
        crlf in any::<bool>(),
    ) {
        let pool = pool();
        let mut input = Vec::new();
        for (pick, mutation) in &picks {
            input.extend(apply(&pool[pick.index(pool.len())], mutation));
            input.extend(if crlf { &b"\r\n"[..] } else { &b"\n"[..] });
        }
        let whole = run(&input, &[], 1 << 20);
        prop_assert_eq!(run(&input, &cuts, 1 << 20), whole.clone());
        assert_wire_valid(&whole);
    }

    #[test]
    fn mutated_lines_one_at_a_time_are_accepted_or_rejected_cleanly(
        picks in prop::collection::vec((any::<Index>(), mutation()), 1..24),
    ) {
        let pool = pool();
        let mut p = pipeline(1 << 20);
        let mut out = Vec::new();
        for (pick, mutation) in &picks {
            let bytes = apply(&pool[pick.index(pool.len())], mutation);
            let Ok(line) = String::from_utf8(bytes) else { continue };
            let before = out.len();
            if p.push_line(&line, &mut out).is_err() {
                prop_assert_eq!(out.len(), before, "a rejected line emits nothing");
            }
        }
        assert_wire_valid(&out);
    }
}

#[test]
fn every_unmutated_sample_maps_without_raw_or_error() {
    let mut p = pipeline(1 << 20);
    let mut out = Vec::new();
    for sample in &SAMPLES[..SAMPLES.len() - 1] {
        p.push_line(sample, &mut out).unwrap();
    }
    assert_eq!(p.stats().raw, 0, "{out:#?}");
    p.push_line(SAMPLES[SAMPLES.len() - 1], &mut out).unwrap();
    assert_eq!(p.stats().raw, 1);
    assert_wire_valid(&out);
}
