//! The real Claude Code transcripts of `shared/fixtures/claude-stream-json/` through the ingest
//! pipeline: the exact sequence of event types and the fields a user would notice (tool names
//! and ids, error flags, cost, model), whatever the chunking.
//!
//! The fixtures live beside the repository, not in it (their licences were not checked); when
//! they are missing these tests say so and pass, unless `AGENTCAST_REQUIRE_FIXTURES=1`.

use agentcast_server::ingest::testing::{claude_fixture, get, kinds};
use agentcast_server::ingest::{IngestLimits, IngestPipeline, SessionContext};
use agentcast_shared::{
    DelegationStatus, Event, HookPhase, SessionSource, SessionState, UsageUpdated,
};

/// The events of `input` fed in chunks of `chunk` bytes, with a clock that advances 10 ms
/// per line from 1_000_000 ms.
fn run(input: &[u8], chunk: usize) -> Vec<Event> {
    let mut now = 1_000_000;
    let mut pipeline = IngestPipeline::with_clock(
        SessionContext::new("s-fixture", SessionSource::Run),
        IngestLimits::default(),
        Box::new(move || {
            now += 10;
            now
        }),
    );
    let mut out = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        pipeline.push_bytes(piece, &mut out);
    }
    pipeline.finish(&mut out);
    let stats = pipeline.stats();
    assert_eq!(stats.errors, 0, "a fixture is valid input");
    assert_eq!(stats.events, out.len() as u64);
    out
}

/// The events of a fixture, checked to be the same for any chunking and to survive the wire.
fn events(name: &str) -> Option<Vec<Event>> {
    let input = claude_fixture(name)?;
    let whole = run(&input, input.len());
    for chunk in [1, 7, 4096] {
        assert_eq!(run(&input, chunk), whole, "{name} in chunks of {chunk}");
    }
    for event in &whole {
        let wire = serde_json::to_string(event).unwrap();
        assert_eq!(&serde_json::from_str::<Event>(&wire).unwrap(), event);
    }
    Some(whole)
}

/// The events of fixture `name` (see [`events`]), checked to be of the types `expected`.
fn events_of_kinds(name: &str, expected: &[&str]) -> Option<Vec<Event>> {
    let out = events(name)?;
    assert_eq!(kinds(&out), expected, "{name}");
    Some(out)
}

/// The model and CLI version a `session.started` reports.
fn agent(event: &Event) -> (Option<&str>, Option<&str>) {
    let started = get!(*event, SessionStarted);
    (started.model.as_deref(), started.cli_version.as_deref())
}

/// What a `session.ended` reports: (status, duration, turns, cost).
fn ended(event: &Event) -> (SessionState, Option<u64>, Option<u32>, Option<f64>) {
    let ended = get!(*event, SessionEnded);
    (
        ended.status,
        ended.duration_ms,
        ended.num_turns,
        ended.total_cost_usd,
    )
}

fn usage(event: &Event) -> (u64, u64, u64, u64, f64) {
    let u: &UsageUpdated = get!(*event, UsageUpdated);
    (
        u.input_tokens,
        u.output_tokens,
        u.cache_read_tokens,
        u.cache_creation_tokens,
        u.total_cost_usd,
    )
}

#[test]
fn fixture_01_read_tool_with_a_large_result() {
    let Some(out) = events_of_kinds(
        "01_automagik_manual_test_output.stream-json.jsonl",
        &[
            "session.started",
            "session.status",
            "output.text",
            "usage.updated",
            "tool.started",
            "tool.completed",
            "output.text",
            "usage.updated",
            "usage.updated",
            "session.ended",
        ],
    ) else {
        return;
    };
    let started = get!(out[0], SessionStarted);
    assert_eq!(started.session_id, "s-fixture");
    assert_eq!(
        agent(&out[0]),
        (Some("claude-opus-4-20250514"), None),
        "this CLI did not report its version"
    );
    assert_eq!(
        started.cwd.as_deref(),
        Some("/home/namastex/workspace/am-agents-labs")
    );
    assert_eq!(started.tools.len(), 88);
    assert!(started.tools.iter().any(|t| t == "TodoWrite"));
    assert_eq!(get!(out[1], SessionStatus).status, SessionState::Running);

    let text = get!(out[2], OutputText);
    assert_eq!(
        text.message_id.as_deref(),
        Some("msg_013N76e9CUpUFzPnoPJLGLbr")
    );
    assert_eq!(
        text.text,
        "I'll read the file and provide a 2-sentence summary."
    );
    assert!(!text.delta);
    // Lines 2 and 3 are blocks of one message: its usage counts once.
    assert_eq!(usage(&out[3]), (4, 7, 0, 24744, 0.0));

    let call = get!(out[4], ToolStarted);
    assert_eq!(call.tool_use_id, "toolu_01KuZjMC9SbdMQwtdce1xKM4");
    assert_eq!(call.name, "Read");
    assert_eq!(
        call.input["file_path"],
        "/home/namastex/workspace/am-agents-labs/src/agents/claude_code/cli_executor.py"
    );
    let done = get!(out[5], ToolCompleted);
    assert_eq!(done.tool_use_id, call.tool_use_id);
    assert_eq!(done.name.as_deref(), Some("Read"));
    assert!(!done.is_error);
    assert_eq!(
        done.output_bytes, 88_125,
        "the full size of the ~90 KB result"
    );
    assert!(done.output_preview.len() <= IngestLimits::DEFAULT_PREVIEW_BYTES);
    assert!(
        done.output_preview
            .starts_with("     1→\"\"\"Claude CLI Executor")
    );
    assert_eq!(
        done.duration_ms,
        Some(10),
        "one line later on the test clock"
    );

    assert_eq!(
        get!(out[6], OutputText).message_id.as_deref(),
        Some("msg_01LeomaMiFFwS8jJ73kVc6zi")
    );
    assert_eq!(usage(&out[7]), (11, 8, 24744, 71777, 0.0));
    // The result's totals are authoritative (its output count covers the whole run).
    assert_eq!(usage(&out[8]), (11, 180, 24744, 71777, 1.4090853499999998));
    assert_eq!(
        get!(out[8], UsageUpdated).model.as_deref(),
        Some("claude-opus-4-20250514")
    );
    assert_eq!(
        ended(&out[9]),
        (
            SessionState::Completed,
            Some(14508),
            Some(4),
            Some(1.4090853499999998)
        )
    );
}

#[test]
fn fixture_02_minimal_turn() {
    let Some(out) = events_of_kinds(
        "02_gleam_sdk_golden_basic_query.ndjson",
        &[
            "session.started",
            "session.status",
            "output.text",
            "usage.updated",
            "usage.updated",
            "session.ended",
        ],
    ) else {
        return;
    };
    assert_eq!(
        agent(&out[0]),
        (Some("claude-opus-4-5-20251101"), Some("2.1.7"))
    );
    let started = get!(out[0], SessionStarted);
    assert_eq!(
        started.tools,
        ["Task", "Bash", "Glob", "Grep", "Read", "Edit", "Write"]
    );
    assert_eq!(started.started_at, "1970-01-01T00:16:40.010Z");
    let text = get!(out[2], OutputText);
    assert_eq!(
        (text.text.as_str(), text.message_id.as_deref()),
        ("4", Some("msg_01Y1Lo6gYUXN71XaAq7sjUPm"))
    );
    assert_eq!(usage(&out[3]), (10, 5, 0, 21570, 0.0));
    assert_eq!(usage(&out[4]), (10, 25, 0, 21570, 0.1354875));
    assert_eq!(
        ended(&out[5]),
        (
            SessionState::Completed,
            Some(2360),
            Some(1),
            Some(0.1354875)
        )
    );
}

#[test]
fn fixture_03_partial_messages_and_hooks() {
    let mut expected = vec!["agent.hook"; 13];
    expected.extend([
        "session.started",
        "session.status",
        "agent.notification", // system/status requesting
        "usage.updated",      // message_start
        "output.text",        // "P"
        "output.text",        // "ONG"; the assembled "PONG" adds nothing
        "usage.updated",      // message_delta: final output tokens
        "agent.notification", // rate_limit_event
        "usage.updated",      // result: cost
        "session.ended",
    ]);
    let Some(out) = events_of_kinds(
        "03_meridian_streaming_turn.partial-messages.ndjson",
        &expected,
    ) else {
        return;
    };

    let hooks: Vec<_> = out[..13].iter().map(|e| get!(*e, AgentHook)).collect();
    assert!(hooks[..6].iter().all(|h| h.phase == HookPhase::Started));
    assert!(hooks[6..].iter().all(|h| h.phase == HookPhase::Completed));
    assert!(hooks.iter().all(|h| h.hook_event == "SessionStart"
        && h.hook_name.as_deref() == Some("SessionStart:startup")));
    let failed = hooks[6];
    assert_eq!(
        failed.hook_id.as_deref(),
        Some("5e284258-93a1-4f50-986f-50fa6ee58435")
    );
    assert_eq!(
        (failed.outcome.as_deref(), failed.exit_code),
        (Some("error"), Some(1))
    );
    assert!(
        failed
            .output
            .as_deref()
            .unwrap()
            .starts_with("Failed to run: prompt-type hooks are not supported")
    );
    assert_eq!(hooks[7].outcome.as_deref(), Some("success"));
    assert_eq!(hooks[7].output, None, "it printed nothing");
    // A hook that printed ~10 KB is shown bounded.
    assert!(hooks[10].output.as_deref().unwrap().len() <= IngestLimits::DEFAULT_PREVIEW_BYTES);

    let started = get!(out[13], SessionStarted);
    assert_eq!(
        agent(&out[13]),
        (Some("claude-opus-4-8[1m]"), Some("2.1.177"))
    );
    assert_eq!(started.tools.len(), 39);
    assert_eq!(get!(out[15], AgentNotification).message, "requesting");

    let pieces: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            Event::OutputText(text) => Some(text),
            _ => None,
        })
        .collect();
    assert!(pieces.iter().all(|t| t.delta
        && t.message_id.as_deref() == Some("msg_01JPmnPomFSVFLjchP1xENmh")
        && t.parent_tool_use_id.is_none()));
    let streamed: String = pieces.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(streamed, "PONG", "the text once, not PONGPONG");

    assert_eq!(usage(&out[16]), (16863, 1, 15362, 3631, 0.0));
    assert_eq!(
        get!(out[16], UsageUpdated).model.as_deref(),
        Some("claude-opus-4-8"),
        "the model the API answered with"
    );
    assert_eq!(usage(&out[19]), (16863, 5, 15362, 3631, 0.0));
    let rate = get!(out[20], AgentNotification);
    assert_eq!(rate.kind, "rate_limit");
    assert_eq!(
        rate.message,
        "five_hour rate limit: allowed, resets at 2026-06-19T12:40:00.000Z"
    );
    assert_eq!(
        usage(&out[21]),
        (16863, 5, 15362, 3631, 0.12843100000000002)
    );
    assert_eq!(
        ended(&out[22]),
        (
            SessionState::Completed,
            Some(2190),
            Some(1),
            Some(0.12843100000000002)
        )
    );
}

#[test]
fn fixture_04_bash_tool_turn() {
    let Some(out) = events_of_kinds(
        "04_gleam_sdk_fixtures_tool_turn.reassembled.jsonl",
        &[
            "session.started",
            "session.status",
            "tool.started",
            "usage.updated",
            "tool.completed",
            "usage.updated",
            "session.ended",
        ],
    ) else {
        return;
    };
    assert_eq!(
        agent(&out[0]),
        (Some("claude-opus-4-5-20251101"), Some("2.1.3"))
    );
    let call = get!(out[2], ToolStarted);
    assert_eq!(
        (call.tool_use_id.as_str(), call.name.as_str()),
        ("toolu_01BeipFBP3sUY3EAwVg3qQnE", "Bash")
    );
    assert_eq!(call.input["command"], "ls -la");
    assert_eq!(call.parent_tool_use_id, None);
    let done = get!(out[4], ToolCompleted);
    assert_eq!(done.tool_use_id, call.tool_use_id);
    assert_eq!(done.name.as_deref(), Some("Bash"));
    assert!(!done.is_error);
    assert!(done.output_preview.starts_with("total 1976\n"));
    assert_eq!(done.output_bytes, 105);
    assert_eq!(done.duration_ms, Some(10));
    // Its figures do not reconcile (README); the result's are reported as given.
    let (_, _, _, _, cost) = usage(&out[5]);
    assert_eq!(cost, 0.24722425);
    let (status, _, turns, cost) = ended(&out[6]);
    assert_eq!(
        (status, turns, cost),
        (SessionState::Completed, Some(2), Some(0.24722425))
    );
}

#[test]
fn all_fixtures_back_to_back_are_one_session() {
    let names = [
        "01_automagik_manual_test_output.stream-json.jsonl",
        "02_gleam_sdk_golden_basic_query.ndjson",
        "03_meridian_streaming_turn.partial-messages.ndjson",
        "04_gleam_sdk_fixtures_tool_turn.reassembled.jsonl",
    ];
    let mut input = Vec::new();
    for name in names {
        let Some(bytes) = claude_fixture(name) else {
            return;
        };
        input.extend(bytes);
    }
    let out = run(&input, 4096);
    let count = |kind: &str| out.iter().filter(|e| e.kind() == kind).count();
    assert_eq!(count("session.started"), 1, "init four times, started once");
    assert_eq!(count("session.ended"), 4, "one per result");
    // Each later init resumes the session after the previous result.
    assert_eq!(count("session.status"), 4);
    assert_eq!(count("agent.raw"), 0);
    assert_eq!(count("agent.error"), 0);
    let Some(Event::UsageUpdated(last)) = out.iter().rev().find(|e| e.kind() == "usage.updated")
    else {
        panic!("no usage")
    };
    assert_eq!(
        last.total_cost_usd, 1.4090853499999998,
        "cost is cumulative, never lower"
    );
    let delegations = out
        .iter()
        .filter(|e| matches!(e, Event::AgentDelegation(d) if d.status == DelegationStatus::Started))
        .count();
    assert_eq!(delegations, 0);
}
