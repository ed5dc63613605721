//! One test per row of the hook table in the module docs.

use super::*;
use crate::ingest::testing::{get, kinds};
use agentcast_shared::{TodoUpdated, ToolCompleted, ToolStarted};

/// Maps payloads of session `s1` at 1000, 1100, 1200, ... ms.
fn map_all(mapper: &mut HookMapper, payloads: &[Value]) -> Vec<Event> {
    let mut out = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let id = mapper
            .map(payload, 1_000 + 100 * i as u64, &mut out)
            .unwrap_or_else(|e| panic!("{payload}: {e}"));
        assert_eq!(id, payload["session_id"].as_str().unwrap());
    }
    out
}

fn hook(event: &str, extra: Value) -> Value {
    let mut payload = json!({
        "session_id": "s1",
        "transcript_path": "/home/u/.claude/projects/p/s1.jsonl",
        "cwd": "/w",
        "permission_mode": "default",
        "hook_event_name": event,
    });
    payload
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    payload
}

#[test]
fn session_start_starts_the_session_once() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "SessionStart",
                json!({"source": "startup", "model": "claude-sonnet-4-5"}),
            ),
            hook("SessionStart", json!({"source": "resume"})),
        ],
    );
    assert_eq!(
        kinds(&out),
        ["session.started", "session.status", "session.status"]
    );
    let started = get!(out[0], SessionStarted);
    assert_eq!(started.session_id, "s1");
    assert_eq!(started.source, SessionSource::Hook);
    assert_eq!(started.cwd.as_deref(), Some("/w"));
    assert_eq!(started.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(started.started_at, "1970-01-01T00:00:01.000Z");
    let resumed = get!(out[2], SessionStatus);
    assert_eq!(
        (resumed.status, resumed.message.as_deref()),
        (SessionState::Running, Some("resume"))
    );
}

#[test]
fn a_session_first_seen_mid_way_is_started_all_the_same() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[hook("UserPromptSubmit", json!({"prompt": "Fix it"}))],
    );
    assert_eq!(
        kinds(&out),
        ["session.started", "session.status", "user.prompt"]
    );
    assert_eq!(get!(out[2], UserPrompt).text, "Fix it");
}

#[test]
fn tool_hooks_are_tool_events_with_durations() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook("SessionStart", json!({"source": "startup"})),
            hook(
                "PreToolUse",
                json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {"command": "ls"}}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {"command": "ls"},
                       "tool_response": {"stdout": "a\nb", "stderr": "", "interrupted": false}}),
            ),
            hook(
                "PreToolUse",
                json!({"tool_name": "Write", "tool_use_id": "t2", "tool_input": {"file_path": "/x"}}),
            ),
            hook(
                "PostToolUseFailure",
                json!({"tool_name": "Write", "tool_use_id": "t2", "tool_input": {"file_path": "/x"},
                       "error": "Permission denied", "is_interrupt": false}),
            ),
        ],
    );
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "session.status",
            "tool.started",
            "tool.completed",
            "tool.started",
            "tool.completed"
        ]
    );
    let started: &ToolStarted = get!(out[2], ToolStarted);
    assert_eq!(
        (started.tool_use_id.as_str(), started.name.as_str()),
        ("t1", "Bash")
    );
    assert_eq!(started.input["command"], "ls");
    let done: &ToolCompleted = get!(out[3], ToolCompleted);
    assert_eq!(done.output_preview, "a\nb");
    assert_eq!(done.duration_ms, Some(100));
    assert!(!done.is_error);
    let failed: &ToolCompleted = get!(out[5], ToolCompleted);
    assert!(failed.is_error);
    assert_eq!(failed.output_preview, "Permission denied");
    assert_eq!(failed.name.as_deref(), Some("Write"));
}

#[test]
fn calls_without_ids_pair_by_tool_and_input() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "PreToolUse",
                json!({"tool_name": "Read", "tool_input": {"file_path": "/a"}}),
            ),
            hook(
                "PreToolUse",
                json!({"tool_name": "Read", "tool_input": {"file_path": "/b"}}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "Read", "tool_input": {"file_path": "/b"}, "tool_response": "B"}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "Read", "tool_input": {"file_path": "/a"}, "tool_response": "A"}),
            ),
        ],
    );
    let ids: Vec<(&str, &str)> = out
        .iter()
        .filter_map(|e| match e {
            Event::ToolStarted(s) => Some(("start", s.tool_use_id.as_str())),
            Event::ToolCompleted(c) => Some((c.output_preview.as_str(), c.tool_use_id.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("start", "hook-1"),
            ("start", "hook-2"),
            ("B", "hook-2"),
            ("A", "hook-1")
        ]
    );
}

#[test]
fn todo_write_and_task_hooks_mean_what_they_mean_in_the_stream() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "PreToolUse",
                json!({"tool_name": "TodoWrite", "tool_use_id": "td",
                       "tool_input": {"todos": [{"content": "a", "status": "pending", "activeForm": "A"}]}}),
            ),
            hook(
                "PreToolUse",
                json!({"tool_name": "Task", "tool_use_id": "task1",
                       "tool_input": {"subagent_type": "Explore", "description": "look around"}}),
            ),
            hook(
                "SubagentStart",
                json!({"agent_id": "ag1", "agent_type": "Explore"}),
            ),
            hook(
                "PreToolUse",
                json!({"tool_name": "Grep", "tool_use_id": "g1", "tool_input": {}, "agent_id": "ag1"}),
            ),
            hook(
                "SubagentStop",
                json!({"agent_id": "ag1", "agent_type": "Explore", "stop_hook_active": false}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "Task", "tool_use_id": "task1", "tool_input": {},
                       "tool_response": {"content": [{"type": "text", "text": "found"}]}}),
            ),
        ],
    );
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "session.status",
            "tool.started",
            "todo.updated",
            "tool.started",
            "agent.delegation",
            "tool.started",
            "agent.delegation",
            "tool.completed"
        ]
    );
    let todos: &TodoUpdated = get!(out[3], TodoUpdated);
    assert_eq!(todos.stats.pending, 1);
    let delegation = get!(out[5], AgentDelegation);
    assert_eq!(delegation.agent.as_deref(), Some("Explore"));
    assert_eq!(delegation.task.as_deref(), Some("look around"));
    // The sub-agent's call carries the Task call's id.
    assert_eq!(
        get!(out[6], ToolStarted).parent_tool_use_id.as_deref(),
        Some("task1")
    );
    // SubagentStop ends the delegation (with its duration); the Task result does not again.
    let ended = get!(out[7], AgentDelegation);
    assert_eq!(
        (ended.tool_use_id.as_str(), ended.status, ended.duration_ms),
        ("task1", DelegationStatus::Completed, Some(300))
    );
    assert_eq!(get!(out[8], ToolCompleted).output_preview, "found");
}

/// Claude Code 2.1.x's task tools as its hooks report them (payloads as the CLI sent them):
/// the id of a created task is only in the `PostToolUse` response.
#[test]
fn task_tool_hooks_are_the_todo_list_too() {
    let mut mapper = HookMapper::new();
    let create = |id: &str, n: &str, subject: &str| {
        let input = json!({"subject": subject, "description": "d", "activeForm": "doing"});
        [
            hook(
                "PreToolUse",
                json!({"tool_name": "TaskCreate", "tool_use_id": id, "tool_input": input}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "TaskCreate", "tool_use_id": id, "tool_input": input,
                       "tool_response": {"task": {"id": n, "subject": subject, "description": "d"}}}),
            ),
        ]
    };
    let update = json!({"taskId": "1", "status": "completed"});
    let mut payloads = Vec::new();
    payloads.extend(create("c1", "1", "a"));
    payloads.extend(create("c2", "2", "b"));
    payloads.push(hook(
        "PreToolUse",
        json!({"tool_name": "TaskUpdate", "tool_use_id": "u1", "tool_input": update}),
    ));
    payloads.push(hook(
        "PostToolUse",
        json!({"tool_name": "TaskUpdate", "tool_use_id": "u1", "tool_input": update,
               "tool_response": {"success": true, "taskId": "1", "updatedFields": ["status"],
                                 "statusChange": {"from": "pending", "to": "completed"}}}),
    ));
    let out = map_all(&mut mapper, &payloads);
    let lists: Vec<&TodoUpdated> = out
        .iter()
        .filter_map(|e| match e {
            Event::TodoUpdated(todos) => Some(todos),
            _ => None,
        })
        .collect();
    assert_eq!(lists.len(), 3, "{:?}", kinds(&out));
    let last = lists[2];
    assert_eq!((last.stats.total, last.stats.completed), (2, 1));
    assert_eq!(
        (last.todos[0].id.as_deref(), last.todos[1].content.as_str()),
        (Some("1"), "b")
    );
}

#[test]
fn a_sub_agent_without_its_task_call_is_its_own_delegation() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "SubagentStart",
                json!({"agent_id": "ag9", "agent_type": "Plan"}),
            ),
            hook(
                "PreToolUse",
                json!({"tool_name": "Read", "tool_use_id": "r", "agent_id": "ag9"}),
            ),
            hook("SubagentStop", json!({"agent_id": "ag9"})),
            hook("SubagentStop", json!({})),
        ],
    );
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "session.status",
            "agent.delegation",
            "tool.started",
            "agent.delegation",
            "agent.notification"
        ]
    );
    assert_eq!(get!(out[2], AgentDelegation).tool_use_id, "ag9");
    assert_eq!(
        get!(out[3], ToolStarted).parent_tool_use_id.as_deref(),
        Some("ag9")
    );
    let ended = get!(out[4], AgentDelegation);
    assert_eq!(
        (ended.status, ended.duration_ms),
        (DelegationStatus::Completed, Some(200))
    );
}

#[test]
fn notification_stop_compact_and_end() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "Notification",
                json!({"message": "Claude needs your permission to use Bash", "notification_type": "permission_prompt"}),
            ),
            hook("Stop", json!({"stop_hook_active": false})),
            hook("UserPromptSubmit", json!({"prompt": "go on"})),
            hook(
                "PreCompact",
                json!({"trigger": "manual", "custom_instructions": "keep the tests"}),
            ),
            hook("SessionEnd", json!({"reason": "prompt_input_exit"})),
        ],
    );
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "session.status",
            "agent.notification",
            "session.status",
            "session.status",
            "user.prompt",
            "agent.notification",
            "session.ended"
        ]
    );
    let note = get!(out[2], AgentNotification);
    assert_eq!(note.kind, "permission_prompt");
    assert_eq!(note.message, "Claude needs your permission to use Bash");
    assert_eq!(get!(out[3], SessionStatus).status, SessionState::Idle);
    assert_eq!(get!(out[4], SessionStatus).status, SessionState::Running);
    let compact = get!(out[6], AgentNotification);
    assert_eq!(compact.message, "compacting the context (manual)");
    assert_eq!(
        compact.details.as_ref().unwrap()["custom_instructions"],
        "keep the tests"
    );
    let ended = get!(out[7], SessionEnded);
    assert_eq!(ended.status, SessionState::Completed);
    assert_eq!(ended.message.as_deref(), Some("prompt_input_exit"));
    assert_eq!(ended.duration_ms, Some(400));
    // The session is forgotten: its next payload starts it again.
    assert!(mapper.sessions.is_empty());
}

#[test]
fn an_unknown_hook_is_raw_with_the_payload() {
    let mut mapper = HookMapper::new();
    let payload = hook(
        "Elicitation",
        json!({"tool_name": "Bash", "tool_input": {}}),
    );
    let out = map_all(&mut mapper, std::slice::from_ref(&payload));
    assert_eq!(
        kinds(&out),
        ["session.started", "session.status", "agent.raw"]
    );
    let raw: Value = serde_json::from_str(&get!(out[2], AgentRaw).line).unwrap();
    assert_eq!(raw, payload);
}

#[test]
fn sessions_are_kept_apart() {
    let mut mapper = HookMapper::new();
    let mut other = hook(
        "PreToolUse",
        json!({"tool_name": "Bash", "tool_use_id": "t"}),
    );
    other["session_id"] = json!("s2");
    let mut out = Vec::new();
    mapper
        .map(
            &hook(
                "PreToolUse",
                json!({"tool_name": "Bash", "tool_use_id": "t"}),
            ),
            0,
            &mut out,
        )
        .unwrap();
    assert_eq!(mapper.map(&other, 0, &mut out).unwrap(), "s2");
    assert_eq!(
        kinds(&out).iter().filter(|k| **k == "tool.started").count(),
        2,
        "the same call id in two sessions is two calls"
    );
}

#[test]
fn bad_payloads_name_the_field_and_emit_nothing() {
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    let cases = [
        (json!([1]), "JSON object"),
        (json!({"hook_event_name": "Stop"}), "`session_id`"),
        (
            json!({"session_id": 7, "hook_event_name": "Stop"}),
            "`session_id`",
        ),
        (
            json!({"session_id": "", "hook_event_name": "Stop"}),
            "`session_id`",
        ),
        (json!({"session_id": "s"}), "`hook_event_name`"),
        (hook("PreToolUse", json!({})), "`tool_name`"),
        (
            hook("UserPromptSubmit", json!({"prompt": null})),
            "`prompt`",
        ),
        (hook("SubagentStart", json!({})), "`agent_id`"),
        (hook("Stop", json!({"cwd": 3})), "`cwd`"),
    ];
    for (payload, field) in cases {
        let err = mapper.map(&payload, 0, &mut out).unwrap_err().to_string();
        assert!(err.contains(field), "{payload}: {err}");
    }
    assert!(out.is_empty());
    assert!(mapper.sessions.is_empty());
}

#[test]
fn payload_errors_are_typed_and_read_as_the_http_answer() {
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    let cases = [
        (
            json!("x"),
            HookError::NotAnObject,
            "a hook payload must be a JSON object",
        ),
        (
            json!({"hook_event_name": "Stop"}),
            HookError::Missing("session_id"),
            "missing string field `session_id`",
        ),
        (
            json!({"session_id": "", "hook_event_name": "Stop"}),
            HookError::Empty("session_id"),
            "field `session_id` must not be empty",
        ),
        (
            hook("Stop", json!({"cwd": 3})),
            HookError::NotAString("cwd"),
            "field `cwd` must be a string",
        ),
    ];
    for (payload, error, text) in cases {
        let err = mapper.map(&payload, 0, &mut out).unwrap_err();
        assert_eq!(err, error, "{payload}");
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn tracked_sessions_are_bounded() {
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    for i in 0..(MAX_SESSIONS + 5) {
        let payload = json!({"session_id": format!("s{i}"), "hook_event_name": "Stop"});
        mapper.map(&payload, i as u64, &mut out).unwrap();
        out.clear();
    }
    assert_eq!(mapper.sessions.len(), MAX_SESSIONS);
    assert!(!mapper.sessions.contains_key("s0"));
    assert!(
        mapper
            .sessions
            .contains_key(&format!("s{}", MAX_SESSIONS + 4))
    );
}

#[test]
fn a_permission_dialog_or_a_failed_turn_is_a_wait_and_work_resumes_it() {
    let mut mapper = HookMapper::new();
    let out = map_all(
        &mut mapper,
        &[
            hook(
                "PermissionRequest",
                json!({"tool_name": "Bash", "tool_input": {"command": "touch x"}}),
            ),
            hook(
                "PostToolUse",
                json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {}, "tool_response": {}}),
            ),
            hook("StopFailure", json!({"error": "rate_limit"})),
        ],
    );
    let statuses: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            Event::SessionStatus(s) => Some((s.status, s.message.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (SessionState::Running, None),
            (
                SessionState::Idle,
                Some("waiting for permission: Bash".into())
            ),
            (SessionState::Running, None),
            (
                SessionState::Idle,
                Some("the turn failed: rate_limit".into())
            ),
        ]
    );
}

/// A session its transcript or `agentcast run` feeds: the hub says it started.
fn fed(state: SessionState, ends: bool) -> HookContext {
    HookContext {
        started: true,
        state,
        content: false,
        ends,
    }
}

#[test]
fn a_session_another_source_feeds_takes_only_status_and_end_from_hooks() {
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    let context = fed(SessionState::Idle, true);
    for payload in [
        hook("UserPromptSubmit", json!({"prompt": "hi"})),
        hook(
            "PreToolUse",
            json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {}}),
        ),
        hook(
            "PostToolUse",
            json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {}, "tool_response": {}}),
        ),
        hook("SubagentStop", json!({"agent_id": "a1"})),
        hook("PreCompact", json!({"trigger": "auto"})),
        hook(
            "Notification",
            json!({"message": "waiting", "notification_type": "idle_prompt"}),
        ),
        hook("Stop", json!({})),
        hook("SessionEnd", json!({"reason": "other"})),
    ] {
        mapper.map_in(&payload, &context, 1_000, &mut out).unwrap();
    }
    // No second session.started, no prompt or tool twice: the other source shows those.
    assert_eq!(
        kinds(&out),
        [
            "session.status",
            "agent.notification",
            "session.status",
            "session.ended"
        ]
    );
    assert_eq!(get!(out[0], SessionStatus).status, SessionState::Running);
    assert_eq!(get!(out[2], SessionStatus).status, SessionState::Idle);
}

#[test]
fn a_session_of_a_process_of_ours_is_ended_by_its_process_not_by_hooks() {
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    let context = fed(SessionState::Running, false);
    for payload in [hook("Stop", json!({})), hook("SessionEnd", json!({}))] {
        mapper.map_in(&payload, &context, 1_000, &mut out).unwrap();
    }
    assert_eq!(kinds(&out), ["session.status"]);
}

#[test]
fn a_started_hook_session_continues_without_starting_again() {
    // After a restart: the hub has the session, this mapper does not.
    let mut mapper = HookMapper::new();
    let mut out = Vec::new();
    let context = HookContext {
        content: true,
        ..fed(SessionState::Idle, true)
    };
    let payload = hook(
        "PreToolUse",
        json!({"tool_name": "Bash", "tool_use_id": "t1", "tool_input": {}}),
    );
    mapper.map_in(&payload, &context, 1_000, &mut out).unwrap();
    assert_eq!(kinds(&out), ["session.status", "tool.started"]);
}
