//! One test per mapping rule of the table in the module docs.

use super::*;
use crate::ingest::testing::{get, kinds, todo_counts};
use agentcast_shared::{SessionSource, TodoStatus, ToolCompleted, ToolStarted, UsageUpdated};

fn mapper() -> ClaudeMapper {
    let mut context = SessionContext::new("s1", SessionSource::Run);
    context.label = Some("fix".into());
    context.command = Some(vec!["claude".into(), "-p".into()]);
    context.cwd = Some("/ctx".into());
    ClaudeMapper::new(
        context,
        IngestLimits {
            max_line_bytes: 1 << 20,
            preview_bytes: 16,
        },
    )
}

/// Maps lines at 1000, 1010, 1020, ... ms.
fn map_all(mapper: &mut ClaudeMapper, lines: &[&str]) -> Vec<Event> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        mapper
            .map_line(line, 1_000 + 10 * i as u64, &mut out)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    out
}

fn map(lines: &[&str]) -> Vec<Event> {
    map_all(&mut mapper(), lines)
}

const INIT: &str = r#"{"type":"system","subtype":"init","cwd":"/w","session_id":"c1","tools":["Bash","Read"],"model":"claude-opus-4-5","claude_code_version":"2.1.7","uuid":"u"}"#;
const RESULT: &str = r#"{"type":"result","subtype":"success","is_error":false,"duration_ms":2360,"num_turns":3,"total_cost_usd":0.25,"usage":{"input_tokens":10,"output_tokens":50}}"#;

fn assistant(id: &str, content: &str) -> String {
    format!(
        r#"{{"type":"assistant","message":{{"id":"{id}","model":"claude-opus-4-5","content":{content},"usage":{{"input_tokens":3,"output_tokens":2}}}},"parent_tool_use_id":null}}"#
    )
}

fn sub_assistant(parent: &str, id: &str, content: &str) -> String {
    format!(
        r#"{{"type":"assistant","message":{{"id":"{id}","content":{content}}},"parent_tool_use_id":"{parent}"}}"#
    )
}

fn tool_result(id: &str, content: &str, is_error: bool) -> String {
    format!(
        r#"{{"type":"user","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"{id}","content":{content},"is_error":{is_error}}}]}}}}"#
    )
}

fn stream(event: &str) -> String {
    format!(r#"{{"type":"stream_event","event":{event},"parent_tool_use_id":null}}"#)
}

#[test]
fn init_starts_the_session_once() {
    let mut m = mapper();
    let out = map_all(&mut m, &[INIT]);
    assert_eq!(kinds(&out), ["session.started", "session.status"]);
    let started = get!(out[0], SessionStarted);
    assert_eq!(
        started.session_id, "s1",
        "the agentcast id, not the agent's"
    );
    assert_eq!(started.source, SessionSource::Run);
    assert_eq!(started.label.as_deref(), Some("fix"));
    assert_eq!(started.command.as_ref().unwrap(), &["claude", "-p"]);
    assert_eq!(started.cwd.as_deref(), Some("/w"), "the agent's cwd wins");
    assert_eq!(started.model.as_deref(), Some("claude-opus-4-5"));
    assert_eq!(started.tools, ["Bash", "Read"]);
    assert_eq!(started.cli_version.as_deref(), Some("2.1.7"));
    assert_eq!(started.started_at, "1970-01-01T00:00:01.000Z");
    assert_eq!(get!(out[1], SessionStatus).status, SessionState::Running);
    assert!(m.has_started());

    // Again: nothing. After a result (a new turn): running again, not a second start.
    assert!(map_all(&mut m, &[INIT]).is_empty());
    let out = map_all(&mut m, &[RESULT, INIT]);
    assert_eq!(
        kinds(&out),
        ["usage.updated", "session.ended", "session.status"]
    );
}

#[test]
fn init_without_cwd_takes_the_context_cwd() {
    let out = map(&[r#"{"type":"system","subtype":"init"}"#]);
    let started = get!(out[0], SessionStarted);
    assert_eq!(started.cwd.as_deref(), Some("/ctx"));
    assert_eq!(started.model, None);
    assert!(started.tools.is_empty());
}

#[test]
fn status_hooks_tasks_and_compaction_are_typed() {
    let out = map(&[
        r#"{"type":"system","subtype":"status","status":"compacting"}"#,
        r#"{"type":"system","subtype":"status","status":null}"#,
        r#"{"type":"system","subtype":"hook_started","hook_id":"h1","hook_name":"PreToolUse:Bash","hook_event":"PreToolUse"}"#,
        r#"{"type":"system","subtype":"hook_response","hook_id":"h1","hook_name":"PreToolUse:Bash","hook_event":"PreToolUse","output":"ok","stdout":"","stderr":"denied: rm -rf is not allowed here","exit_code":2,"outcome":"error"}"#,
        r#"{"type":"system","subtype":"compact_boundary","compact_metadata":{"trigger":"auto","pre_tokens":150000}}"#,
    ]);
    assert_eq!(
        kinds(&out),
        [
            "agent.notification",
            "agent.notification",
            "agent.hook",
            "agent.hook",
            "agent.notification"
        ]
    );
    assert_eq!(get!(out[0], AgentNotification).message, "compacting");
    assert_eq!(get!(out[1], AgentNotification).message, "status cleared");
    let started = get!(out[2], AgentHook);
    assert_eq!(started.phase, HookPhase::Started);
    assert_eq!(started.hook_event, "PreToolUse");
    let response = get!(out[3], AgentHook);
    assert_eq!(response.phase, HookPhase::Completed);
    assert_eq!(response.exit_code, Some(2));
    assert_eq!(response.outcome.as_deref(), Some("error"));
    assert_eq!(
        response.output.as_deref(),
        Some("denied: rm -rf i"),
        "stderr of a failed hook, bounded"
    );
    let compact = get!(out[4], AgentNotification);
    assert_eq!(
        (compact.kind.as_str(), compact.message.as_str()),
        ("compact", "context compacted (auto)")
    );
    assert_eq!(compact.details.as_ref().unwrap()["pre_tokens"], 150000);
}

#[test]
fn tasks_report_progress_and_end_background_delegations() {
    let launch = assistant(
        "m1",
        r#"[{"type":"tool_use","id":"tk","name":"Task","input":{"subagent_type":"Explore","description":"scan","prompt":"p","run_in_background":true}}]"#,
    );
    let out = map(&[
        &launch,
        &tool_result("tk", r#""Launched in the background""#, false),
        r#"{"type":"system","subtype":"task_started","task_id":"b1","tool_use_id":"tk","description":"scan","task_type":"local_agent"}"#,
        r#"{"type":"system","subtype":"task_progress","task_id":"b1","tool_use_id":"tk","description":"Reading src","last_tool_name":"Read","usage":{"total_tokens":5}}"#,
        r#"{"type":"system","subtype":"task_notification","task_id":"b1","tool_use_id":"tk","status":"completed","summary":"done","output_file":"/tmp/b1"}"#,
        r#"{"type":"system","subtype":"task_notification","task_id":"b2","status":"exploded"}"#,
    ]);
    assert_eq!(
        kinds(&out),
        [
            "tool.started",
            "agent.delegation",
            "usage.updated",
            "tool.completed",
            "agent.task",
            "agent.task",
            "agent.task",
            "agent.delegation",
            "agent.raw"
        ]
    );
    assert_eq!(get!(out[4], AgentTask).status, AgentTaskStatus::Started);
    let progress = get!(out[5], AgentTask);
    assert_eq!(progress.status, AgentTaskStatus::Running);
    assert_eq!(progress.last_tool_name.as_deref(), Some("Read"));
    let done = get!(out[6], AgentTask);
    assert_eq!(done.status, AgentTaskStatus::Completed);
    assert_eq!(done.summary.as_deref(), Some("done"));
    assert_eq!(done.output_file.as_deref(), Some("/tmp/b1"));
    let delegation = get!(out[7], AgentDelegation);
    assert_eq!(delegation.status, DelegationStatus::Completed);
    assert_eq!(
        delegation.duration_ms,
        Some(40),
        "from the Task call to the notification"
    );
}

#[test]
fn a_background_launch_ends_its_delegation_at_the_notification_not_at_its_result() {
    // CLI 2.1.x runs sub-agents in the background by default: the input does not say so;
    // `task_started` (is_backgrounded) and the launch's result (isAsync) do.
    let launch = assistant(
        "m1",
        r#"[{"type":"tool_use","id":"tk","name":"Agent","input":{"subagent_type":"general-purpose","description":"count"}}]"#,
    );
    let started = r#"{"type":"system","subtype":"task_started","task_id":"b1","tool_use_id":"tk","description":"count","is_backgrounded":true}"#;
    let result = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"tk","content":"Async agent launched successfully."}]},"tool_use_result":{"isAsync":true,"status":"async_launched","agentId":"b1"}}"#;
    let done = r#"{"type":"system","subtype":"task_notification","task_id":"b1","tool_use_id":"tk","status":"completed","summary":"2 files"}"#;
    for lines in [
        vec![launch.as_str(), started, result, done],
        // Either says it alone.
        vec![launch.as_str(), result, done],
        vec![
            launch.as_str(),
            started,
            &tool_result("tk", r#""launched""#, false),
            done,
        ],
    ] {
        let out = map(&lines);
        let k = kinds(&out);
        let completed = k.iter().rposition(|k| *k == "tool.completed").unwrap();
        let ended: Vec<usize> = k
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == "agent.delegation")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(ended.len(), 2, "{k:?}");
        assert!(
            ended[1] > completed + 1,
            "not at the launch's result: {k:?}"
        );
        assert_eq!(k[ended[1] - 1], "agent.task", "{k:?}");
        let delegation = get!(out[ended[1]], AgentDelegation);
        assert_eq!(delegation.status, DelegationStatus::Completed);
        assert_eq!(
            delegation.duration_ms,
            Some(10 * (lines.len() as u64 - 1)),
            "from the call to the notification"
        );
    }
}

#[test]
fn text_and_thinking_blocks_are_output() {
    let out = map(&[&assistant(
        "m1",
        r#"[{"type":"thinking","thinking":"Let me see.","signature":"sig"},{"type":"text","text":"Hello"},{"type":"text","text":""}]"#,
    )]);
    assert_eq!(
        kinds(&out),
        ["output.thinking", "output.text", "usage.updated"]
    );
    let thinking = get!(out[0], OutputThinking);
    assert_eq!(
        (
            thinking.text.as_str(),
            thinking.delta,
            thinking.message_id.as_deref()
        ),
        ("Let me see.", false, Some("m1"))
    );
    let text = get!(out[1], OutputText);
    assert_eq!((text.text.as_str(), text.delta), ("Hello", false));
    assert_eq!(text.parent_tool_use_id, None);
}

#[test]
fn streamed_deltas_are_not_repeated_by_the_assembled_block() {
    // The order of fixture 03: the assembled block comes before its content_block_stop.
    let out = map(&[
        &stream(
            r#"{"type":"message_start","message":{"id":"m1","model":"opus","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}"#,
        ),
        &stream(
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
        ),
        &stream(
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}"#,
        ),
        &stream(
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}}"#,
        ),
        &assistant("m1", r#"[{"type":"thinking","thinking":"Hmm"}]"#),
        &stream(r#"{"type":"content_block_stop","index":0}"#),
        &stream(
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        ),
        &stream(
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"PO"}}"#,
        ),
        &stream(
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"NG"}}"#,
        ),
        &assistant("m1", r#"[{"type":"text","text":"PONG"}]"#),
        &stream(r#"{"type":"content_block_stop","index":1}"#),
        &stream(
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}"#,
        ),
        &stream(r#"{"type":"message_stop"}"#),
    ]);
    assert_eq!(
        kinds(&out),
        [
            "usage.updated",
            "output.thinking",
            "usage.updated",
            "output.text",
            "output.text",
            "usage.updated"
        ]
    );
    let thinking = get!(out[1], OutputThinking);
    assert!(thinking.delta);
    // The assembled line reports usage 3 in / 2 out for m1, replacing message_start's 5 / 1.
    assert_eq!(
        get!(out[2], UsageUpdated).input_tokens,
        5,
        "totals never go down"
    );
    let texts: Vec<&str> = out
        .iter()
        .filter_map(|e| match e {
            Event::OutputText(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.concat(), "PONG", "the text once");
    let last = get!(out[3], OutputText);
    assert_eq!((last.delta, last.message_id.as_deref()), (true, Some("m1")));
    assert_eq!(get!(out[5], UsageUpdated).output_tokens, 9);
}

#[test]
fn what_the_stream_missed_comes_from_the_assembled_block_as_a_delta() {
    let out = map(&[
        &stream(r#"{"type":"message_start","message":{"id":"m1"}}"#),
        &stream(
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#,
        ),
        &assistant("m1", r#"[{"type":"text","text":"Hello"}]"#),
    ]);
    assert_eq!(kinds(&out), ["output.text", "output.text", "usage.updated"]);
    let rest = get!(out[1], OutputText);
    assert_eq!((rest.text.as_str(), rest.delta), ("lo", true));
}

#[test]
fn tool_use_and_result_pair_with_duration_and_bounded_output() {
    let out = map(&[
        &assistant(
            "m1",
            r#"[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]"#,
        ),
        &tool_result("t1", r#""ééééééééééééé and more""#, false),
        &tool_result("t-unknown", r#"[{"type":"text","text":"boom"}]"#, true),
    ]);
    assert_eq!(
        kinds(&out),
        [
            "tool.started",
            "usage.updated",
            "tool.completed",
            "tool.completed"
        ]
    );
    let started: &ToolStarted = get!(out[0], ToolStarted);
    assert_eq!(started.name, "Bash");
    assert_eq!(started.input["command"], "ls");
    let done: &ToolCompleted = get!(out[2], ToolCompleted);
    assert_eq!(done.tool_use_id, "t1");
    assert_eq!(done.name.as_deref(), Some("Bash"));
    assert!(!done.is_error);
    assert_eq!(done.duration_ms, Some(10));
    assert_eq!(
        done.output_preview, "éééééééé",
        "16 bytes, whole characters"
    );
    assert_eq!(done.output_bytes, 35);
    let orphan: &ToolCompleted = get!(out[3], ToolCompleted);
    assert!(orphan.is_error);
    assert_eq!(orphan.name, None);
    assert_eq!(orphan.duration_ms, None);
    assert_eq!(orphan.output_preview, "boom");
}

#[test]
fn the_structured_tool_result_fills_an_empty_result_and_marks_interrupts() {
    let line = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":""}]},"tool_use_result":{"stdout":"","stderr":"killed","interrupted":true,"isImage":false}}"#;
    let out = map(&[line]);
    let done = get!(out[0], ToolCompleted);
    assert_eq!(done.output_preview, "killed");
    assert!(done.is_error, "an interrupted call failed");
}

#[test]
fn todo_write_updates_the_todo_list() {
    let out = map(&[&assistant(
        "m1",
        r#"[{"type":"tool_use","id":"t1","name":"TodoWrite","input":{"todos":[{"content":"Write tests","status":"in_progress","activeForm":"Writing tests"},{"content":"Ship","status":"pending"},{"content":"Plan","status":"completed"}]}}]"#,
    )]);
    assert_eq!(
        kinds(&out),
        ["tool.started", "todo.updated", "usage.updated"]
    );
    let todos = get!(out[1], TodoUpdated);
    assert_eq!(todos.todos[0].status, TodoStatus::InProgress);
    assert_eq!(todos.todos[0].active_form.as_deref(), Some("Writing tests"));
    assert_eq!(todo_counts(todos), (3, 1, 1, 1));
}

#[test]
fn a_sub_agent_is_a_delegation_and_its_events_carry_the_parent() {
    let out = map(&[
        &assistant(
            "m1",
            r#"[{"type":"tool_use","id":"task1","name":"Task","input":{"subagent_type":"general-purpose","description":"Find the bug","prompt":"Look for..."}}]"#,
        ),
        r#"{"type":"user","message":{"content":[{"type":"text","text":"Look for..."}]},"parent_tool_use_id":"task1"}"#,
        &sub_assistant(
            "task1",
            "m2",
            r#"[{"type":"thinking","thinking":"hm"},{"type":"text","text":"Searching"},{"type":"tool_use","id":"g1","name":"Grep","input":{}}]"#,
        ),
        r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"g1","content":"a.rs"}]},"parent_tool_use_id":"task1"}"#,
        &tool_result("task1", r#"[{"type":"text","text":"Found it"}]"#, false),
        &assistant(
            "m3",
            r#"[{"type":"tool_use","id":"task2","name":"Task","input":{"description":"Fail"}}]"#,
        ),
        &tool_result("task2", r#""Agent crashed""#, true),
    ]);
    assert_eq!(
        kinds(&out),
        [
            "tool.started",
            "agent.delegation",
            "usage.updated",
            "output.thinking",
            "output.text",
            "tool.started",
            "tool.completed",
            "tool.completed",
            "agent.delegation",
            "tool.started",
            "agent.delegation",
            "usage.updated",
            "tool.completed",
            "agent.delegation"
        ]
    );
    let started = get!(out[1], AgentDelegation);
    assert_eq!(started.agent.as_deref(), Some("general-purpose"));
    assert_eq!(started.task.as_deref(), Some("Find the bug"));
    assert_eq!(started.status, DelegationStatus::Started);
    let parent = Some("task1");
    assert_eq!(
        get!(out[3], OutputThinking).parent_tool_use_id.as_deref(),
        parent
    );
    assert_eq!(
        get!(out[4], OutputText).parent_tool_use_id.as_deref(),
        parent
    );
    assert_eq!(
        get!(out[5], ToolStarted).parent_tool_use_id.as_deref(),
        parent
    );
    assert_eq!(
        get!(out[6], ToolCompleted).parent_tool_use_id.as_deref(),
        parent
    );
    assert_eq!(get!(out[7], ToolCompleted).parent_tool_use_id, None);
    let completed = get!(out[8], AgentDelegation);
    assert_eq!(completed.status, DelegationStatus::Completed);
    assert_eq!(completed.duration_ms, Some(40));
    assert_eq!(
        get!(out[13], AgentDelegation).status,
        DelegationStatus::Failed
    );
}

#[test]
fn usage_is_cumulative_and_a_message_counts_once() {
    let first = assistant("m1", r#"[{"type":"text","text":"a"}]"#);
    let same_message = assistant(
        "m1",
        r#"[{"type":"tool_use","id":"t","name":"Read","input":{}}]"#,
    );
    let second = assistant("m2", r#"[{"type":"text","text":"b"}]"#);
    let out = map(&[&first, &same_message, &second, RESULT]);
    let usage: Vec<&UsageUpdated> = out
        .iter()
        .filter_map(|e| match e {
            Event::UsageUpdated(u) => Some(u),
            _ => None,
        })
        .collect();
    let counts: Vec<(u64, u64, f64)> = usage
        .iter()
        .map(|u| (u.input_tokens, u.output_tokens, u.total_cost_usd))
        .collect();
    assert_eq!(counts, [(3, 2, 0.0), (6, 4, 0.0), (10, 50, 0.25)]);
    assert_eq!(usage[0].model.as_deref(), Some("claude-opus-4-5"));
}

/// Each message's usage carries its estimated cost (claude-opus-4-5: 3 x $5 + 2 x $25 per
/// million); the session's cost stays the CLI's own, from `result`.
#[test]
fn each_message_is_priced_and_the_total_is_the_result_s() {
    let first = assistant("m1", r#"[{"type":"text","text":"a"}]"#);
    let second = assistant("m2", r#"[{"type":"text","text":"b"}]"#);
    let out = map(&[&first, &second, RESULT]);
    let costs: Vec<(Option<f64>, f64)> = out
        .iter()
        .filter_map(|e| match e {
            Event::UsageUpdated(u) => Some((u.message_cost_usd, u.total_cost_usd)),
            _ => None,
        })
        .collect();
    let message = Some(65.0 / 1e6);
    assert_eq!(costs, [(message, 0.0), (message, 0.0), (None, 0.25)]);
}

#[test]
fn result_ends_the_session() {
    let out = map(&[INIT, RESULT]);
    let ended = get!(out[3], SessionEnded);
    assert_eq!(ended.status, SessionState::Completed);
    assert_eq!(ended.duration_ms, Some(2360));
    assert_eq!(ended.num_turns, Some(3));
    assert_eq!(ended.total_cost_usd, Some(0.25));
    assert_eq!(ended.message, None);

    let out = map(&[
        r#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":10,"total_cost_usd":1.5}"#,
    ]);
    assert_eq!(kinds(&out), ["usage.updated", "session.ended"]);
    let ended = get!(out[1], SessionEnded);
    assert_eq!(ended.status, SessionState::Failed);
    assert_eq!(ended.message.as_deref(), Some("error_max_turns"));

    let out = map(&[
        r#"{"type":"result","subtype":"error_during_execution","errors":["API Error: 500","retry failed"]}"#,
    ]);
    let ended = get!(out[0], SessionEnded);
    assert_eq!(
        ended.message.as_deref(),
        Some("API Error: 500; "),
        "bounded"
    );

    let out = map(&[
        r#"{"type":"result","subtype":"success","is_error":true,"result":"Credit balance too low"}"#,
    ]);
    let ended = get!(out[0], SessionEnded);
    assert_eq!(ended.status, SessionState::Failed);
}

#[test]
fn user_prompts_are_reported_for_the_main_agent() {
    let out = map(&[
        r#"{"type":"user","message":{"role":"user","content":"Fix the build"}}"#,
        r#"{"type":"user","message":{"role":"user","content":[{"type":"text","text":"And test it"},{"type":"image","source":{}}]}}"#,
    ]);
    assert_eq!(kinds(&out), ["user.prompt", "user.prompt"]);
    assert_eq!(get!(out[0], UserPrompt).text, "Fix the build");
}

#[test]
fn server_tools_run_and_answer_inside_the_assistant_message() {
    let out = map(&[&assistant(
        "m1",
        r#"[{"type":"server_tool_use","id":"s1","name":"web_search","input":{"query":"rust"}},{"type":"web_search_tool_result","tool_use_id":"s1","content":[{"type":"web_search_result","url":"u"}]}]"#,
    )]);
    assert_eq!(
        kinds(&out),
        ["tool.started", "tool.completed", "usage.updated"]
    );
    let done = get!(out[1], ToolCompleted);
    assert_eq!(done.name.as_deref(), Some("web_search"));
    assert_eq!(done.output_preview, "[web_search_resu");
}

#[test]
fn rate_limits_are_notifications() {
    let out = map(&[
        r#"{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1781872800,"rateLimitType":"five_hour","utilization":0.9}}"#,
    ]);
    let note = get!(out[0], AgentNotification);
    assert_eq!(note.kind, "rate_limit");
    assert_eq!(
        note.message,
        "five_hour rate limit: allowed_warning, resets at 2026-06-19T12:40:00.000Z"
    );
    assert_eq!(note.details.as_ref().unwrap()["utilization"], 0.9);
}

#[test]
fn unknown_types_and_subtypes_are_raw_with_the_original_line() {
    let lines = [
        r#"{"type":"control_request","request_id":"r","request":{"subtype":"can_use_tool"}}"#,
        r#"{"type":"system","subtype":"api_retry","attempt":2}"#,
        r#"{"type":"result","subtype":"paused"}"#,
        r#"{"type":"stream_event","event":{"type":"future_event"}}"#,
        r#"{"no_type":true}"#,
        r#"[1,2,3]"#,
        r#""just a string""#,
        r#"  42  "#,
        r#"{"type":"system","subtype":"init","model":5}"#,
    ];
    let out = map(&lines);
    assert_eq!(out.len(), lines.len(), "{out:?}");
    for (event, line) in out.iter().zip(lines) {
        assert_eq!(get!(*event, AgentRaw).line, line);
    }
}

#[test]
fn an_unknown_block_keeps_the_known_ones_and_adds_the_line() {
    let line = assistant(
        "m1",
        r#"[{"type":"text","text":"hi"},{"type":"redacted_thinking","data":"xyz"}]"#,
    );
    let mut m = mapper();
    let mut out = Vec::new();
    assert_eq!(m.map_line(&line, 0, &mut out), Ok(Mapped::Raw));
    assert_eq!(kinds(&out), ["output.text", "usage.updated", "agent.raw"]);
    assert_eq!(get!(out[2], AgentRaw).line, line);
}

#[test]
fn unknown_fields_never_break_parsing() {
    let out = map(&[
        r#"{"type":"assistant","future":{"deep":[1,{"x":null}]},"message":{"id":"m","content":[{"type":"text","text":"ok","citations":[],"new_field":1}],"usage":{"input_tokens":1,"output_tokens":1,"server_tool_use":{"web_search_requests":0}},"context_management":null},"request_id":"r","error":null}"#,
    ]);
    assert_eq!(kinds(&out), ["output.text", "usage.updated"]);
}

#[test]
fn a_line_that_is_not_json_is_an_error_and_emits_nothing() {
    let mut m = mapper();
    let mut out = Vec::new();
    for line in ["{not json", "{\"type\":\"assistant\"", "", "nul", "[1,"] {
        assert!(m.map_line(line, 0, &mut out).is_err(), "{line:?}");
    }
    assert!(out.is_empty());
}
