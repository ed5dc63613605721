//! The mapper on the rollouts the real Codex CLI 0.169.0 wrote (the shared fixture and this
//! repository's), checked against `codex exec --json` of the same turns, and on the shapes
//! older CLIs write and the lines no CLI should.

use std::path::Path;

use super::*;
use crate::ingest::testing::{
    codex_repo_fixtures, get, kinds, rollouts_under, shared_fixtures, todo_counts,
};
use agentcast_shared::{SessionSource, ToolCompleted, ToolStarted, UsageUpdated};

const PREVIEW: usize = 2048;

fn mapper() -> CodexRolloutMapper {
    CodexRolloutMapper::new(
        SessionContext::new("s1", SessionSource::Transcript),
        IngestLimits {
            max_line_bytes: 1 << 20,
            preview_bytes: PREVIEW,
        },
    )
}

/// Maps every line of `text`; every line must be JSON.
fn map_text(mapper: &mut CodexRolloutMapper, text: &str) -> (Vec<Event>, usize) {
    let mut out = Vec::new();
    let mut raw = 0;
    for (i, line) in text.lines().enumerate() {
        match mapper.map_line(line, 7_000 + i as u64, &mut out) {
            Ok(Mapped::Typed) => {}
            Ok(Mapped::Raw) => raw += 1,
            Err(e) => panic!("line {}: {e}", i + 1),
        }
    }
    (out, raw)
}

fn map_file(path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (events, raw) = map_text(&mut mapper(), &text);
    assert_eq!(
        raw,
        0,
        "{}: a known entry fell to agent.raw",
        path.display()
    );
    events
}

/// This repository's rollout whose session id is `id`.
fn repo_rollout(id: &str) -> Vec<Event> {
    let path = rollouts_under(&codex_repo_fixtures())
        .into_iter()
        .find(|p| p.to_string_lossy().contains(id))
        .unwrap_or_else(|| panic!("no rollout {id}"));
    map_file(&path)
}

const TEXT: &str = "01a24d01-fdc3-7003-8c01-ba7d57b21585";
const FAIL: &str = "01a24cfc-f8cd-7331-adc3-da57d5bf0307";
const CUSTOM_TOOL: &str = "01a24cfc-fc49-7933-af10-53c985c98721";
const TWO_TURNS: &str = "01a24cfc-ffb1-72d0-aaca-36213e89e330";
const INTERRUPTED: &str = "01a24cff-52b9-7ed3-9c75-5519b2d520ba";

fn of<'a, T>(events: &'a [Event], pick: fn(&'a Event) -> Option<&'a T>) -> Vec<&'a T> {
    events.iter().filter_map(pick).collect()
}

fn prompts(events: &[Event]) -> Vec<&str> {
    of(events, |e| match e {
        Event::UserPrompt(p) => Some(p),
        _ => None,
    })
    .into_iter()
    .map(|p| p.text.as_str())
    .collect()
}

fn completed(events: &[Event]) -> Vec<&ToolCompleted> {
    of(events, |e| match e {
        Event::ToolCompleted(t) => Some(t),
        _ => None,
    })
}

fn started(events: &[Event]) -> Vec<&ToolStarted> {
    of(events, |e| match e {
        Event::ToolStarted(t) => Some(t),
        _ => None,
    })
}

fn last_usage(events: &[Event]) -> &UsageUpdated {
    of(events, |e| match e {
        Event::UsageUpdated(u) => Some(u),
        _ => None,
    })
    .pop()
    .expect("a usage.updated")
}

/// Every status message, in order, with its state.
fn statuses(events: &[Event]) -> Vec<(SessionState, Option<&str>)> {
    of(events, |e| match e {
        Event::SessionStatus(s) => Some(s),
        _ => None,
    })
    .into_iter()
    .map(|s| (s.status, s.message.as_deref()))
    .collect()
}

/// The `codex exec --json` items of type `command_execution` that completed, and the
/// turn's usage.
fn exec_json(text: &str) -> (Vec<Value>, Value) {
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let commands = lines
        .iter()
        .filter(|l| l["type"] == "item.completed" && l["item"]["type"] == "command_execution")
        .map(|l| l["item"].clone())
        .collect();
    let usage = lines
        .iter()
        .find(|l| l["type"] == "turn.completed")
        .map(|l| l["usage"].clone())
        .expect("turn.completed");
    (commands, usage)
}

/// The rollout and `exec --json` of one turn agree on the command, its output and exit code,
/// and on the tokens.
fn agrees_with_exec_json(events: &[Event], exec_json_text: &str) {
    let (commands, usage) = exec_json(exec_json_text);
    let (starts, ends) = (started(events), completed(events));
    assert_eq!((commands.len(), starts.len(), ends.len()), (1, 1, 1));
    let command = commands[0]["command"].as_str().unwrap();
    let cmd = starts[0].input["cmd"].as_str().unwrap();
    assert!(
        command.ends_with(&format!("'{cmd}'")),
        "{command} runs {cmd}"
    );
    assert_eq!(ends[0].output_preview, commands[0]["aggregated_output"]);
    let exit_code = commands[0]["exit_code"].as_i64().unwrap();
    assert_eq!(ends[0].is_error, exit_code != 0);
    let total = last_usage(events);
    assert_eq!(
        total.input_tokens + total.cache_read_tokens,
        usage["input_tokens"].as_u64().unwrap()
    );
    assert_eq!(
        total.cache_read_tokens,
        usage["cached_input_tokens"].as_u64().unwrap()
    );
    assert_eq!(
        total.output_tokens,
        usage["output_tokens"].as_u64().unwrap()
    );
}

#[test]
fn every_rollout_maps_with_no_raw_and_starts_as_a_codex_session() {
    let mut files = rollouts_under(&codex_repo_fixtures());
    assert_eq!(files.len(), 5, "{files:?}");
    if let Some(home) = shared_fixtures("codex-home") {
        files.extend(rollouts_under(&home));
    }
    for path in files {
        let events = map_file(&path);
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            kinds(&events)[..2],
            ["session.started", "session.status"],
            "{name}"
        );
        let start = get!(events[0], SessionStarted);
        assert_eq!(start.session_id, "s1");
        assert_eq!(start.source, SessionSource::Transcript);
        assert_eq!(start.agent, Some(AgentKind::Codex));
        assert_eq!(start.agent_session_id.as_deref(), rollout_session_id(name));
        assert_eq!(start.cwd.as_deref(), Some("/home/dev/example-app"));
        assert_eq!(start.cli_version.as_deref(), Some("0.169.0"));
        assert_eq!(start.model.as_deref(), Some("gpt-5"));
        assert!(
            start.started_at.starts_with("2026-12-06T"),
            "{}",
            start.started_at
        );
        // The context the CLI injects is never a prompt; each prompt is shown once.
        let prompts = prompts(&events);
        assert!(!prompts.is_empty(), "{name}");
        assert!(
            prompts.iter().all(|p| p.starts_with("[scenario:")),
            "{prompts:?}"
        );
        // Codex writes no title: the first prompt's first line names the session.
        assert_eq!(start.label.as_deref(), prompts[0].lines().next(), "{name}");
        let shown = kinds(&events);
        assert!(!shown.contains(&"agent.raw"), "{name}: {shown:?}");
    }
}

#[test]
fn the_shared_rollout_and_its_exec_json_agree() {
    let Some(home) = shared_fixtures("codex-home") else {
        return;
    };
    let rollout = &rollouts_under(&home)[0];
    let events = map_file(rollout);
    assert_eq!(
        kinds(&events),
        [
            "session.started",
            "session.status",
            "user.prompt",
            "tool.started",
            "tool.completed",
            "usage.updated",
            "output.text",
            "usage.updated",
            "session.status"
        ]
    );
    assert_eq!(prompts(&events), ["[scenario:shell] run a command"]);
    let call = started(&events)[0];
    assert_eq!(
        (call.tool_use_id.as_str(), call.name.as_str()),
        ("call_1", "exec_command")
    );
    let done = completed(&events)[0];
    assert_eq!(done.name.as_deref(), Some("exec_command"));
    assert_eq!(done.output_preview, "codex-was-here\n");
    assert!(!done.is_error);
    // From the lines' own timestamps (15:36:43.638 to .816), not from when they were read.
    assert_eq!(done.duration_ms, Some(178));
    let text = get!(events[6], OutputText);
    assert_eq!(text.text, "The command printed codex-was-here.");
    assert_eq!(text.message_id.as_deref(), Some("msg_2"));
    assert_eq!(
        statuses(&events).last().unwrap(),
        &(
            SessionState::Idle,
            Some("turn completed in 394 ms: 240 input tokens (80 cached), 24 output")
        )
    );
    let exec = std::fs::read_to_string(home.join("exec-json-shell.jsonl")).unwrap();
    agrees_with_exec_json(&events, &exec);
    let usage = last_usage(&events);
    assert_eq!((usage.input_tokens, usage.total_cost_usd), (160, 0.0));
    assert_eq!(usage.model.as_deref(), Some("gpt-5"));
}

#[test]
fn a_failing_command_is_an_error_with_its_exit_code_and_output() {
    let events = repo_rollout(FAIL);
    let done = completed(&events)[0];
    assert!(done.is_error);
    assert_eq!(done.output_preview, "failing\n");
    assert_eq!(done.duration_ms, Some(138));
    assert_eq!(started(&events)[0].input["cmd"], "echo failing >&2; exit 3");
    let exec = std::fs::read_to_string(codex_repo_fixtures().join("exec-json-fail.jsonl")).unwrap();
    agrees_with_exec_json(&events, &exec);
}

#[test]
fn a_plain_answer_with_reasoning_and_a_git_branch() {
    let events = repo_rollout(TEXT);
    assert_eq!(
        kinds(&events),
        [
            "session.started",
            "session.status",
            "user.prompt",
            "output.thinking",
            "output.text",
            "usage.updated",
            "session.status"
        ]
    );
    assert_eq!(
        get!(events[0], SessionStarted).git_branch.as_deref(),
        Some("feature/login")
    );
    let thinking = get!(events[3], OutputThinking);
    assert_eq!(
        thinking.text,
        "**Answering**\n\nThe user wants a short greeting."
    );
    assert_eq!(
        get!(events[4], OutputText).text,
        "Hello from the fake model."
    );
    let usage = last_usage(&events);
    assert_eq!(
        (
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.output_tokens
        ),
        (62, 40, 12)
    );
}

#[test]
fn a_custom_tool_call_and_its_output() {
    let events = repo_rollout(CUSTOM_TOOL);
    let call = started(&events)[0];
    assert_eq!(call.name, "apply_patch");
    assert!(
        call.input
            .as_str()
            .unwrap()
            .starts_with("*** Begin Patch\n")
    );
    let done = completed(&events)[0];
    assert_eq!(
        done.output_preview,
        "unsupported custom tool call: apply_patch"
    );
    assert_eq!(done.tool_use_id, call.tool_use_id);
    assert_eq!(done.duration_ms, Some(3));
}

#[test]
fn two_turns_run_idle_run_idle_with_each_turns_tokens() {
    let events = repo_rollout(TWO_TURNS);
    assert_eq!(
        prompts(&events),
        ["[scenario:text] first turn", "[scenario:turn2] second turn"]
    );
    assert_eq!(
        statuses(&events),
        [
            (SessionState::Running, None),
            (
                SessionState::Idle,
                Some("turn completed in 155 ms: 108 input tokens (40 cached), 18 output")
            ),
            (SessionState::Running, None),
            (
                SessionState::Idle,
                Some("turn completed in 105 ms: 109 input tokens (40 cached), 19 output")
            ),
        ]
    );
    let total = last_usage(&events);
    assert_eq!(
        (
            total.input_tokens,
            total.cache_read_tokens,
            total.output_tokens
        ),
        (137, 80, 37),
        "the session's totals across both turns"
    );
}

#[test]
fn an_interrupted_turn_goes_idle_and_its_marker_is_no_prompt() {
    let events = repo_rollout(INTERRUPTED);
    assert_eq!(prompts(&events), ["[scenario:hang] wait forever"]);
    assert_eq!(
        statuses(&events).last().unwrap(),
        &(SessionState::Idle, Some("turn interrupted"))
    );
}

#[test]
fn malformed_and_truncated_lines_are_not_json() {
    let home = codex_repo_fixtures();
    let text = std::fs::read_to_string(&rollouts_under(&home)[0]).unwrap();
    let mut m = mapper();
    let mut out = Vec::new();
    for line in text.lines() {
        // Cut on a character boundary near the middle: never a whole object.
        let mut cut = line.len() / 2;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        assert!(
            m.map_line(&line[..cut], 0, &mut out).is_err(),
            "{}",
            &line[..cut]
        );
    }
    for line in [
        "not json",
        "{",
        r#"{"type":"event_msg","payload":{"#,
        "",
        "\u{1F600}",
    ] {
        assert!(m.map_line(line, 0, &mut out).is_err(), "{line}");
    }
    assert!(
        out.is_empty(),
        "nothing is appended for a line that is not JSON"
    );
    // Deep nesting is checked without recursion: an error or raw, never a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let _ = m.map_line(&deep, 0, &mut out);
    let deep_object = format!(
        r#"{{"type":"response_item","payload":{}1{}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert_eq!(m.map_line(&deep_object, 0, &mut out), Ok(Mapped::Raw));
}

#[test]
fn unknown_entries_and_unreadable_shapes_are_kept_raw() {
    let mut m = mapper();
    for line in [
        r#"[1,2]"#,
        r#"{"type":"future_entry","payload":{}}"#,
        r#"{"type":"event_msg","payload":{"type":"entered_review_mode"}}"#,
        r#"{"type":"response_item","payload":{"type":"future_item"}}"#,
        r#"{"type":"response_item","payload":{"type":"message","role":7}}"#,
        r#"{"type":"event_msg","payload":{"type":"item_completed","item":{"type":"FutureItem"}}}"#,
        r#"{"type":"response_item","payload":{"type":"function_call","name":"x"}}"#,
        r#"{"timestamp":5,"type":"event_msg"}"#,
    ] {
        let mut out = Vec::new();
        assert_eq!(m.map_line(line, 0, &mut out), Ok(Mapped::Raw), "{line}");
        assert_eq!(kinds(&out), ["agent.raw"], "{line}");
        assert_eq!(get!(out[0], AgentRaw).line, line);
    }
}

/// Lines as older CLIs (0.2x-0.5x) wrote them: a `session_meta` with git, `user_message`
/// events (also for the context they injected), the `shell` tool's JSON output beside an
/// `exec_command_end`, `local_shell_call`, `update_plan`, web search, compaction, errors.
#[test]
fn older_cli_shapes() {
    let lines = [
        r#"{"timestamp":"2025-09-01T10:00:00.000Z","type":"session_meta","payload":{"id":"5973b6c0-94b8-487b-a530-2aeb6098ae0e","timestamp":"2025-09-01T09:59:59.500Z","cwd":"/w","originator":"codex_cli_rs","cli_version":"0.30.0","instructions":null,"git":{"commit_hash":"abc","branch":"main","repository_url":"git@x:y.git"}}}"#,
        r#"{"timestamp":"2025-09-01T10:00:00.100Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"}]}}"#,
        r#"{"timestamp":"2025-09-01T10:00:00.150Z","type":"event_msg","payload":{"type":"user_message","message":"<environment_context>..</environment_context>","kind":"environment_context"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:00.200Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]}}"#,
        r#"{"timestamp":"2025-09-01T10:00:00.200Z","type":"event_msg","payload":{"type":"user_message","message":"list files","kind":"plain"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:00.300Z","type":"turn_context","payload":{"cwd":"/w","approval_policy":"on-request","model":"gpt-5-codex","effort":"medium","summary":"auto"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:01.000Z","type":"response_item","payload":{"type":"reasoning","id":"rs_1","summary":[],"content":null,"encrypted_content":"gAAA"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:01.000Z","type":"event_msg","payload":{"type":"agent_reasoning","text":"Listing"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:01.100Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"bash\",\"-lc\",\"ls\"]}","call_id":"call_a"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:01.400Z","type":"event_msg","payload":{"type":"exec_command_end","call_id":"call_a","stdout":"a\n","stderr":"b\n","aggregated_output":"a\nb\n","exit_code":2,"duration":{"secs":0,"nanos":300000000},"formatted_output":"a\nb\n"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:01.500Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_a","output":"{\"output\":\"a\\nb\\n\",\"metadata\":{\"exit_code\":2,\"duration_seconds\":0.3}}"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:02.000Z","type":"response_item","payload":{"type":"local_shell_call","id":"ls_1","call_id":"call_b","status":"completed","action":{"type":"exec","command":["ls"]}}}"#,
        r#"{"timestamp":"2025-09-01T10:00:02.250Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_b","output":"{\"output\":\"a\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:03.000Z","type":"response_item","payload":{"type":"function_call","name":"update_plan","arguments":"{\"plan\":[{\"step\":\"read\",\"status\":\"completed\"},{\"step\":\"fix\",\"status\":\"in_progress\"},{\"step\":\"test\",\"status\":\"pending\"}]}","call_id":"call_p"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:03.010Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_p","output":{"content":"Plan updated","success":true}}}"#,
        r#"{"timestamp":"2025-09-01T10:00:04.000Z","type":"response_item","payload":{"type":"web_search_call","id":"ws_1","status":"completed","action":{"type":"search","query":"rust"}}}"#,
        r#"{"timestamp":"2025-09-01T10:00:05.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":null}}"#,
        r#"{"timestamp":"2025-09-01T10:00:05.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":600,"output_tokens":50,"reasoning_output_tokens":20,"total_tokens":1050},"last_token_usage":{"input_tokens":1000,"cached_input_tokens":600,"output_tokens":50,"reasoning_output_tokens":20,"total_tokens":1050},"model_context_window":272000}}}"#,
        r#"{"timestamp":"2025-09-01T10:00:05.100Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}}"#,
        r#"{"timestamp":"2025-09-01T10:00:05.100Z","type":"event_msg","payload":{"type":"agent_message","message":"Done."}}"#,
        r#"{"timestamp":"2025-09-01T10:00:06.000Z","type":"compacted","payload":{"message":"summary"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:06.000Z","type":"event_msg","payload":{"type":"context_compacted"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:07.000Z","type":"event_msg","payload":{"type":"stream_error","message":"Reconnecting... 1/5"}}"#,
        r#"{"timestamp":"2025-09-01T10:00:08.000Z","type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}}"#,
    ];
    let (events, raw) = map_text(&mut mapper(), &lines.join("\n"));
    assert_eq!(raw, 0);
    assert_eq!(
        kinds(&events),
        [
            "session.started",
            "session.status",
            "user.prompt",
            "tool.started",
            "tool.completed",
            "tool.started",
            "tool.completed",
            "tool.started",
            "todo.updated",
            "tool.completed",
            "tool.started",
            "tool.completed",
            "usage.updated",
            "output.text",
            "agent.notification",
            "agent.notification",
            "session.status"
        ]
    );
    let start = get!(events[0], SessionStarted);
    assert_eq!(start.git_branch.as_deref(), Some("main"));
    // These CLIs wrote the prompt before the turn's context: the session starts with the
    // prompt, and the model comes with the usage.
    assert_eq!(start.model, None);
    assert_eq!(start.started_at, "2025-09-01T09:59:59.500Z");
    assert_eq!(
        start.agent_session_id.as_deref(),
        Some("5973b6c0-94b8-487b-a530-2aeb6098ae0e")
    );
    assert_eq!(prompts(&events), ["list files"]);
    let ends = completed(&events);
    // The command's own interleaved output and exit code, from exec_command_end.
    assert_eq!(
        (
            ends[0].output_preview.as_str(),
            ends[0].is_error,
            ends[0].duration_ms
        ),
        ("a\nb\n", true, Some(400))
    );
    assert_eq!(started(&events)[1].name, "local_shell");
    assert_eq!(started(&events)[1].input["command"][0], "ls");
    assert_eq!(
        (ends[1].output_preview.as_str(), ends[1].is_error),
        ("a\n", false)
    );
    assert_eq!(todo_counts(get!(events[8], TodoUpdated)), (3, 1, 1, 1));
    assert_eq!(
        (ends[2].output_preview.as_str(), ends[2].is_error),
        ("Plan updated", false)
    );
    assert_eq!(started(&events)[3].input["query"], "rust");
    assert_eq!(
        (ends[3].tool_use_id.as_str(), ends[3].is_error),
        ("ws_1", false)
    );
    let usage = get!(events[12], UsageUpdated);
    assert_eq!(
        (
            usage.input_tokens,
            usage.cache_read_tokens,
            usage.output_tokens
        ),
        (400, 600, 50)
    );
    assert_eq!(usage.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(get!(events[14], AgentNotification).kind, "compact");
    let error = get!(events[15], AgentNotification);
    assert_eq!(
        (error.kind.as_str(), error.message.as_str()),
        ("warning", "Reconnecting... 1/5")
    );
    assert_eq!(
        statuses(&events).last().unwrap(),
        &(SessionState::Idle, Some("turn interrupted"))
    );
}

#[test]
fn a_mapper_started_mid_file_does_not_start_the_session_again() {
    // After a restart the collector resumes a rollout where it stopped: no session_meta.
    let lines = [
        r#"{"timestamp":"2026-12-06T15:36:43.494Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t"}}"#,
        r#"{"timestamp":"2026-12-06T15:36:43.861Z","type":"response_item","payload":{"type":"message","role":"assistant","id":"m","content":[{"type":"output_text","text":"hi"}]}}"#,
    ];
    let mut m = mapper();
    let (events, _) = map_text(&mut m, &lines.join("\n"));
    assert_eq!(kinds(&events), ["output.text"]);
    assert!(!m.has_started());
}

#[test]
fn a_start_without_turn_context_is_emitted_before_the_first_thing_shown() {
    let lines = [
        r#"{"type":"session_meta","payload":{"id":"x","cwd":"/w"}}"#,
        r#"{"type":"event_msg","payload":{"type":"task_started"}}"#,
        r#"{"type":"event_msg","payload":{"type":"user_message","message":"go"}}"#,
        r#"{"type":"event_msg","payload":{"type":"task_complete"}}"#,
        r#"{"type":"event_msg","payload":{"type":"task_started"}}"#,
    ];
    let mut m = mapper();
    let (events, _) = map_text(&mut m, &lines.join("\n"));
    assert_eq!(
        kinds(&events),
        [
            "session.started",
            "session.status",
            "user.prompt",
            "session.status",
            "session.status"
        ]
    );
    assert_eq!(get!(events[0], SessionStarted).model, None);
    assert_eq!(
        get!(events[0], SessionStarted).started_at,
        "1970-01-01T00:00:07.000Z",
        "no timestamp: the time it was read"
    );
    assert_eq!(
        statuses(&events)[1..],
        [
            (
                SessionState::Idle,
                Some("turn completed: 0 input tokens, 0 output")
            ),
            (SessionState::Running, None)
        ]
    );
    assert!(m.has_started());
}

#[test]
fn a_prompt_written_by_both_events_is_shown_once() {
    let lines = [
        r#"{"type":"event_msg","payload":{"type":"item_completed","item":{"type":"UserMessage","id":"u","content":[{"type":"text","text":"go"}]}}}"#,
        r#"{"type":"event_msg","payload":{"type":"user_message","message":"go"}}"#,
        r#"{"type":"event_msg","payload":{"type":"item_completed","item":{"type":"UserMessage","id":"v","content":[{"type":"text","text":"again"},{"type":"image"}]}}}"#,
    ];
    let (events, raw) = map_text(&mut mapper(), &lines.join("\n"));
    assert_eq!(raw, 0);
    assert_eq!(prompts(&events), ["go", "again\n[image]"]);
}

#[test]
fn outputs_are_bounded_and_an_output_without_its_call_is_still_reported() {
    let mut m = CodexRolloutMapper::new(
        SessionContext::new("s", SessionSource::Transcript),
        IngestLimits {
            max_line_bytes: 1 << 20,
            preview_bytes: 8,
        },
    );
    let big = "x".repeat(100_000);
    let line = format!(
        r#"{{"type":"response_item","payload":{{"type":"function_call_output","call_id":"c","output":"{big}"}}}}"#
    );
    let mut out = Vec::new();
    assert_eq!(m.map_line(&line, 0, &mut out), Ok(Mapped::Typed));
    let done = get!(out[0], ToolCompleted);
    assert_eq!((done.output_preview.len(), done.output_bytes), (8, 100_000));
    assert_eq!((done.name.as_ref(), done.duration_ms), (None, None));
}
