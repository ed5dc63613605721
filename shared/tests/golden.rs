//! Golden JSON: every wire type serializes to exactly these bytes (field names and order
//! pinned) and deserializes back to an equal value.

use std::collections::BTreeSet;
use std::fmt::Debug;

use agentcast_shared::commands::ALL_COMMANDS;
use agentcast_shared::*;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;

/// Serializes to `expected` exactly, and `expected` deserializes back to `value`.
#[track_caller]
fn golden<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T, expected: &str) {
    assert_eq!(serde_json::to_string(value).unwrap(), expected);
    assert_eq!(&serde_json::from_str::<T>(expected).unwrap(), value);
}

/// One event of each type with its golden `data`.
fn event_samples() -> Vec<(Event, &'static str)> {
    vec![
        (
            SessionStarted {
                session_id: "s1".into(),
                label: Some("fix the build".into()),
                project_id: Some("p1".into()),
                source: SessionSource::Run,
                command: Some(vec!["claude".into(), "-p".into(), "hi".into()]),
                cwd: Some("/src".into()),
                model: Some("claude-sonnet-4-5".into()),
                tools: vec!["Bash".into(), "Read".into()],
                cli_version: Some("2.0.1".into()),
                agent: None,
                agent_session_id: None,
                git_branch: None,
                started_at: "2026-11-24T10:00:00.123Z".into(),
            }
            .into(),
            r#"{"session_id":"s1","label":"fix the build","project_id":"p1","source":"run","command":["claude","-p","hi"],"cwd":"/src","model":"claude-sonnet-4-5","tools":["Bash","Read"],"cli_version":"2.0.1","started_at":"2026-11-24T10:00:00.123Z"}"#,
        ),
        (
            SessionStatus {
                status: SessionState::Running,
                pid: Some(4242),
                message: Some("spawned".into()),
            }
            .into(),
            r#"{"status":"running","pid":4242,"message":"spawned"}"#,
        ),
        (
            SessionCheckpoint {
                checkpoint_id: "c1".into(),
                label: Some("before refactor".into()),
                offset: 17,
            }
            .into(),
            r#"{"checkpoint_id":"c1","label":"before refactor","offset":17}"#,
        ),
        (
            SessionEnded {
                status: SessionState::Completed,
                exit_code: Some(0),
                signal: None,
                duration_ms: Some(61_500),
                num_turns: Some(7),
                total_cost_usd: Some(0.125),
                message: None,
            }
            .into(),
            r#"{"status":"completed","exit_code":0,"duration_ms":61500,"num_turns":7,"total_cost_usd":0.125}"#,
        ),
        (
            SessionRecovered {
                recovered: false,
                from: 5,
                to: 42,
            }
            .into(),
            r#"{"recovered":false,"from":5,"to":42}"#,
        ),
        (
            PermissionRequested {
                request_id: "r1".into(),
                tool_use_id: Some("toolu_1".into()),
                tool_name: "Bash".into(),
                input: json!({"command": "touch x"}),
                description: Some("Create a file".into()),
                suggestions: vec![json!({"type": "setMode", "mode": "acceptEdits"})],
                expires_at: "2026-11-24T10:10:00.000Z".into(),
            }
            .into(),
            r#"{"request_id":"r1","tool_use_id":"toolu_1","tool_name":"Bash","input":{"command":"touch x"},"description":"Create a file","suggestions":[{"type":"setMode","mode":"acceptEdits"}],"expires_at":"2026-11-24T10:10:00.000Z"}"#,
        ),
        (
            PermissionResolved {
                request_id: "r1".into(),
                decision: PermissionDecision::Deny,
                by: "agentcast".into(),
                reason: ResolvedReason::SessionEnded,
                message: Some("the session ended".into()),
            }
            .into(),
            r#"{"request_id":"r1","decision":"deny","by":"agentcast","reason":"session_ended","message":"the session ended"}"#,
        ),
        (
            SessionPresence {
                watchers: vec![Watcher {
                    sub: "alice".into(),
                    sockets: 2,
                    can_control: true,
                }],
            }
            .into(),
            r#"{"watchers":[{"sub":"alice","sockets":2,"can_control":true}]}"#,
        ),
        (
            OutputText {
                message_id: Some("msg_1".into()),
                text: "Hello".into(),
                delta: true,
                parent_tool_use_id: None,
            }
            .into(),
            r#"{"message_id":"msg_1","text":"Hello","delta":true}"#,
        ),
        (
            OutputThinking {
                message_id: None,
                text: "Let me look".into(),
                delta: false,
                parent_tool_use_id: Some("toolu_task".into()),
            }
            .into(),
            r#"{"text":"Let me look","delta":false,"parent_tool_use_id":"toolu_task"}"#,
        ),
        (
            OutputStderr {
                line: "warning: slow".into(),
            }
            .into(),
            r#"{"line":"warning: slow"}"#,
        ),
        (
            UserPrompt {
                text: "fix the build".into(),
                by: None,
            }
            .into(),
            r#"{"text":"fix the build"}"#,
        ),
        (
            ToolStarted {
                tool_use_id: "toolu_1".into(),
                name: "Bash".into(),
                input: json!({"command": "cargo test"}),
                parent_tool_use_id: None,
            }
            .into(),
            r#"{"tool_use_id":"toolu_1","name":"Bash","input":{"command":"cargo test"}}"#,
        ),
        (
            ToolCompleted {
                tool_use_id: "toolu_1".into(),
                name: Some("Bash".into()),
                is_error: true,
                output_preview: "error[E0308]".into(),
                output_bytes: 20_480,
                duration_ms: Some(1_250),
                parent_tool_use_id: Some("toolu_task".into()),
            }
            .into(),
            r#"{"tool_use_id":"toolu_1","name":"Bash","is_error":true,"output_preview":"error[E0308]","output_bytes":20480,"duration_ms":1250,"parent_tool_use_id":"toolu_task"}"#,
        ),
        (
            AgentDelegation {
                tool_use_id: "toolu_task".into(),
                agent: Some("general-purpose".into()),
                task: Some("find the failing test".into()),
                status: DelegationStatus::Completed,
                duration_ms: Some(9_000),
            }
            .into(),
            r#"{"tool_use_id":"toolu_task","agent":"general-purpose","task":"find the failing test","status":"completed","duration_ms":9000}"#,
        ),
        (
            TodoUpdated::new(vec![
                TodoItem {
                    content: "Run tests".into(),
                    status: TodoStatus::InProgress,
                    priority: Some("high".into()),
                    active_form: Some("Running tests".into()),
                    id: Some("1".into()),
                },
                TodoItem {
                    content: "Ship".into(),
                    status: TodoStatus::Pending,
                    priority: None,
                    active_form: None,
                    id: None,
                },
            ])
            .into(),
            r#"{"todos":[{"content":"Run tests","status":"in_progress","priority":"high","active_form":"Running tests","id":"1"},{"content":"Ship","status":"pending"}],"stats":{"total":2,"pending":1,"in_progress":1,"completed":0}}"#,
        ),
        (
            UsageUpdated {
                model: Some("claude-sonnet-4-5".into()),
                input_tokens: 1_200,
                output_tokens: 350,
                cache_read_tokens: 10_000,
                cache_creation_tokens: 2_000,
                total_cost_usd: 0.0421,
                message_cost_usd: None,
            }
            .into(),
            r#"{"model":"claude-sonnet-4-5","input_tokens":1200,"output_tokens":350,"cache_read_tokens":10000,"cache_creation_tokens":2000,"total_cost_usd":0.0421}"#,
        ),
        (
            AgentRaw {
                line: r#"{"type":"future_thing","x":1}"#.into(),
            }
            .into(),
            r#"{"line":"{\"type\":\"future_thing\",\"x\":1}"}"#,
        ),
        (
            AgentError {
                code: "malformed_json".into(),
                message: "expected value at line 1 column 1".into(),
                line: Some(12),
                excerpt: Some("{not json".into()),
            }
            .into(),
            r#"{"code":"malformed_json","message":"expected value at line 1 column 1","line":12,"excerpt":"{not json"}"#,
        ),
        (
            AgentHook {
                hook_event: "SessionStart".into(),
                hook_name: Some("SessionStart:startup".into()),
                hook_id: Some("h1".into()),
                phase: HookPhase::Completed,
                outcome: Some("error".into()),
                exit_code: Some(1),
                output: Some("Failed to run".into()),
            }
            .into(),
            r#"{"hook_event":"SessionStart","hook_name":"SessionStart:startup","hook_id":"h1","phase":"completed","outcome":"error","exit_code":1,"output":"Failed to run"}"#,
        ),
        (
            AgentTask {
                task_id: "t1".into(),
                tool_use_id: Some("toolu_1".into()),
                status: AgentTaskStatus::Completed,
                description: Some("Explore the repo".into()),
                task_type: Some("local_agent".into()),
                last_tool_name: None,
                summary: Some("Found 3 files".into()),
                output_file: Some("/tmp/t1.out".into()),
            }
            .into(),
            r#"{"task_id":"t1","tool_use_id":"toolu_1","status":"completed","description":"Explore the repo","task_type":"local_agent","summary":"Found 3 files","output_file":"/tmp/t1.out"}"#,
        ),
        (
            AgentNotification {
                kind: "rate_limit".into(),
                message: "five_hour rate limit: allowed".into(),
                title: None,
                details: Some(json!({"status": "allowed", "resetsAt": 1781872800})),
            }
            .into(),
            r#"{"kind":"rate_limit","message":"five_hour rate limit: allowed","details":{"status":"allowed","resetsAt":1781872800}}"#,
        ),
        (
            SystemStats {
                connections: 3,
                sessions_active: 1,
                events_in_per_s: 12.5,
                events_out_per_s: 37.5,
                memory_bytes: 52_428_800,
                cpu_percent: 12.5,
                uptime_s: 3_600,
                slow_consumer_disconnects: 0,
                limits_hit: LimitsHit {
                    messages: 4,
                    ..Default::default()
                },
                collector: None,
            }
            .into(),
            r#"{"connections":3,"sessions_active":1,"events_in_per_s":12.5,"events_out_per_s":37.5,"memory_bytes":52428800,"cpu_percent":12.5,"uptime_s":3600,"slow_consumer_disconnects":0,"limits_hit":{"connections_per_ip":0,"max_connections":0,"http_requests":0,"messages":4,"flood_disconnects":0}}"#,
        ),
        (
            SystemError {
                component: "store".into(),
                severity: Severity::Error,
                message: "storing 3 events failed: database is locked".into(),
                suppressed: 2,
            }
            .into(),
            r#"{"component":"store","severity":"error","message":"storing 3 events failed: database is locked","suppressed":2}"#,
        ),
        (
            TmuxWindowOpened {
                window_id: "@2".into(),
                index: 1,
                name: "agent".into(),
                tmux_session_id: "$0".into(),
                tmux_session: "work".into(),
            }
            .into(),
            r#"{"window_id":"@2","index":1,"name":"agent","tmux_session_id":"$0","tmux_session":"work"}"#,
        ),
        (
            TmuxWindowRenamed {
                window_id: "@2".into(),
                name: "review".into(),
                previous_name: "agent".into(),
            }
            .into(),
            r#"{"window_id":"@2","name":"review","previous_name":"agent"}"#,
        ),
        (
            TmuxWindowClosed {
                window_id: "@2".into(),
                name: "review".into(),
            }
            .into(),
            r#"{"window_id":"@2","name":"review"}"#,
        ),
        (
            TmuxPaneOpened {
                pane_id: "%3".into(),
                window_id: "@2".into(),
                index: 0,
                pid: Some(4242),
                command: "bash".into(),
                cwd: Some("/src".into()),
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2","index":0,"pid":4242,"command":"bash","cwd":"/src"}"#,
        ),
        (
            TmuxPaneCommandChanged {
                pane_id: "%3".into(),
                window_id: "@2".into(),
                command: "claude".into(),
                previous_command: "bash".into(),
                cwd: Some("/src".into()),
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2","command":"claude","previous_command":"bash","cwd":"/src"}"#,
        ),
        (
            TmuxPaneExited {
                pane_id: "%3".into(),
                window_id: "@2".into(),
                exit_status: Some(3),
                signal: None,
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2","exit_status":3}"#,
        ),
        (
            TmuxPaneClosed {
                pane_id: "%3".into(),
                window_id: "@2".into(),
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2"}"#,
        ),
        (
            TmuxAgentDetected {
                pane_id: "%3".into(),
                window_id: "@2".into(),
                agent: AgentKind::Claude,
                pid: 4343,
                agent_session_id: Some("92f0a185-d802-410c-8553-e1cb0012980c".into()),
                cwd: Some("/src".into()),
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2","agent":"claude","pid":4343,"agent_session_id":"92f0a185-d802-410c-8553-e1cb0012980c","cwd":"/src"}"#,
        ),
        (
            TmuxAgentEnded {
                pane_id: "%3".into(),
                window_id: "@2".into(),
                agent: AgentKind::Claude,
                pid: 4343,
                agent_session_id: None,
            }
            .into(),
            r#"{"pane_id":"%3","window_id":"@2","agent":"claude","pid":4343}"#,
        ),
    ]
}

#[test]
fn every_event_type_has_a_golden_sample() {
    let tested: Vec<&str> = event_samples().iter().map(|(e, _)| e.kind()).collect();
    assert_eq!(tested, ALL_EVENT_TYPES);
}

#[test]
fn event_data_is_golden() {
    for (event, data) in event_samples() {
        assert_eq!(event.data_json().to_string(), data, "{}", event.kind());
        assert_eq!(
            Event::from_parts(event.kind(), &serde_json::from_str(data).unwrap()).unwrap(),
            event,
            "{}",
            event.kind()
        );
    }
}

#[test]
fn events_are_adjacently_tagged_publish_items() {
    for (event, data) in event_samples() {
        let item = format!(r#"{{"type":"{}","data":{data}}}"#, event.kind());
        golden(&event, &item);
    }
}

#[test]
fn typed_data_structs_are_golden() {
    // The same bytes through the concrete structs, not only through `Event`.
    golden(
        &SessionRecovered {
            recovered: true,
            from: 1,
            to: 9,
        },
        r#"{"recovered":true,"from":1,"to":9}"#,
    );
    golden(&OutputStderr { line: "x".into() }, r#"{"line":"x"}"#);
    // The estimated cost of the message an update reports (absent in the event sample).
    golden(
        &UsageUpdated {
            model: Some("claude-opus-4-5".into()),
            input_tokens: 10,
            output_tokens: 20,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            total_cost_usd: 0.25,
            message_cost_usd: Some(0.00055),
        },
        r#"{"model":"claude-opus-4-5","input_tokens":10,"output_tokens":20,"cache_read_tokens":0,"cache_creation_tokens":0,"total_cost_usd":0.25,"message_cost_usd":0.00055}"#,
    );
}

#[test]
fn hub_events_are_the_lifecycle_usage_and_stats() {
    let on_hub: BTreeSet<&str> = event_samples()
        .iter()
        .filter(|(e, _)| e.on_hub())
        .map(|(e, _)| e.kind())
        .collect();
    let expected = BTreeSet::from([
        SESSION_STARTED,
        SESSION_STATUS,
        SESSION_CHECKPOINT,
        SESSION_ENDED,
        PERMISSION_REQUESTED,
        PERMISSION_RESOLVED,
        USAGE_UPDATED,
        AGENT_NOTIFICATION,
        SYSTEM_STATS,
        SYSTEM_ERROR,
    ]);
    assert_eq!(on_hub, expected);
    assert_eq!(
        HUB_EVENT_TYPES.iter().copied().collect::<BTreeSet<_>>(),
        expected
    );
    assert!(is_hub_event_type("usage.updated") && !is_hub_event_type("agent.hook"));
    assert_eq!(
        (
            <ToolStarted as EventData>::TYPE,
            <ToolStarted as EventData>::ON_HUB
        ),
        ("tool.started", false)
    );
    assert_eq!(
        (
            <UsageUpdated as EventData>::TYPE,
            <UsageUpdated as EventData>::ON_HUB
        ),
        ("usage.updated", true)
    );
}

#[test]
fn minimal_events_omit_absent_options_and_default_flags() {
    golden(
        &SessionStarted {
            session_id: "s1".into(),
            label: None,
            project_id: None,
            source: SessionSource::Demo,
            command: None,
            cwd: None,
            model: None,
            tools: vec![],
            cli_version: None,
            agent: None,
            agent_session_id: None,
            git_branch: None,
            started_at: "2026-11-24T10:00:00.000Z".into(),
        },
        r#"{"session_id":"s1","source":"demo","started_at":"2026-11-24T10:00:00.000Z"}"#,
    );
    golden(
        &SessionStatus {
            status: SessionState::Idle,
            pid: None,
            message: None,
        },
        r#"{"status":"idle"}"#,
    );
    golden(
        &AgentHook {
            hook_event: "PreToolUse".into(),
            hook_name: None,
            hook_id: None,
            phase: HookPhase::Started,
            outcome: None,
            exit_code: None,
            output: None,
        },
        r#"{"hook_event":"PreToolUse","phase":"started"}"#,
    );
    golden(
        &AgentTask {
            task_id: "t1".into(),
            tool_use_id: None,
            status: AgentTaskStatus::Running,
            description: None,
            task_type: None,
            last_tool_name: Some("Grep".into()),
            summary: None,
            output_file: None,
        },
        r#"{"task_id":"t1","status":"running","last_tool_name":"Grep"}"#,
    );
    golden(
        &AgentNotification {
            kind: "status".into(),
            message: "requesting".into(),
            title: None,
            details: None,
        },
        r#"{"kind":"status","message":"requesting"}"#,
    );
    golden(
        &TmuxPaneExited {
            pane_id: "%1".into(),
            window_id: "@1".into(),
            exit_status: None,
            signal: Some(15),
        },
        r#"{"pane_id":"%1","window_id":"@1","signal":15}"#,
    );
    golden(
        &TmuxAgentDetected {
            pane_id: "%1".into(),
            window_id: "@1".into(),
            agent: AgentKind::Codex,
            pid: 7,
            agent_session_id: None,
            cwd: None,
        },
        r#"{"pane_id":"%1","window_id":"@1","agent":"codex","pid":7}"#,
    );
    // `delta`, `is_error` and the cache counters may be left out by a producer.
    let text: OutputText = serde_json::from_str(r#"{"text":"hi"}"#).unwrap();
    assert!(!text.delta);
    let done: ToolCompleted =
        serde_json::from_str(r#"{"tool_use_id":"t","output_preview":"","output_bytes":0}"#)
            .unwrap();
    assert!(!done.is_error && done.name.is_none());
    let usage: UsageUpdated =
        serde_json::from_str(r#"{"input_tokens":1,"output_tokens":2,"total_cost_usd":0.5}"#)
            .unwrap();
    assert_eq!(
        (usage.cache_read_tokens, usage.cache_creation_tokens),
        (0, 0)
    );
}

#[test]
fn enums_use_their_wire_names() {
    let names = |v: serde_json::Value| v.to_string();
    assert_eq!(
        names(json!([
            SessionSource::Run,
            SessionSource::Pipe,
            SessionSource::Http,
            SessionSource::Hook,
            SessionSource::Demo,
            SessionSource::Publish,
            SessionSource::Transcript,
            SessionSource::Tmux
        ])),
        r#"["run","pipe","http","hook","demo","publish","transcript","tmux"]"#
    );
    let states = [
        SessionState::Starting,
        SessionState::Running,
        SessionState::Idle,
        SessionState::Waiting,
        SessionState::Completed,
        SessionState::Failed,
        SessionState::Cancelled,
        SessionState::Interrupted,
    ];
    assert_eq!(
        names(json!(states)),
        r#"["starting","running","idle","waiting","completed","failed","cancelled","interrupted"]"#
    );
    assert_eq!(SessionState::ALL, states);
    for source in SessionSource::ALL {
        assert_eq!(json!(source), json!(source.as_str()));
    }
    assert_eq!(
        names(json!(SessionSource::ALL)),
        r#"["run","pipe","http","hook","demo","publish","transcript","tmux"]"#
    );
    for state in states {
        assert_eq!(json!(state), json!(state.as_str()));
        assert_eq!(state.is_final(), !state.is_active());
    }
    assert!(SessionState::Idle.is_active() && SessionState::Interrupted.is_final());
    assert_eq!(
        names(json!([
            DelegationStatus::Started,
            DelegationStatus::Completed,
            DelegationStatus::Failed
        ])),
        r#"["started","completed","failed"]"#
    );
    assert_eq!(
        names(json!([HookPhase::Started, HookPhase::Completed])),
        r#"["started","completed"]"#
    );
    assert_eq!(
        names(json!([
            AgentTaskStatus::Started,
            AgentTaskStatus::Running,
            AgentTaskStatus::Completed,
            AgentTaskStatus::Failed,
            AgentTaskStatus::Stopped
        ])),
        r#"["started","running","completed","failed","stopped"]"#
    );
    assert_eq!(
        names(json!([
            TodoStatus::Pending,
            TodoStatus::InProgress,
            TodoStatus::Completed
        ])),
        r#"["pending","in_progress","completed"]"#
    );
    assert_eq!(
        names(json!([Scope::Read, Scope::Write, Scope::Admin])),
        r#"["read","write","admin"]"#
    );
    let codes = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::RateLimited,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Conflict,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];
    assert_eq!(
        names(json!(codes)),
        r#"["bad_request","unauthorized","forbidden","not_found","rate_limited","payload_too_large","conflict","unavailable","internal"]"#
    );
    for code in codes {
        assert_eq!(json!(code), json!(code.as_str()));
    }
}

#[test]
fn envelope_is_golden() {
    let typed = Envelope::new(
        42,
        "s1",
        "2026-11-24T10:00:00.123Z",
        OutputStderr {
            line: "oops".into(),
        },
    );
    let expected = r#"{"offset":42,"session_id":"s1","ts":"2026-11-24T10:00:00.123Z","type":"output.stderr","data":{"line":"oops"}}"#;
    golden(&typed, expected);

    let untyped = Envelope::from_event(
        42,
        "s1",
        "2026-11-24T10:00:00.123Z",
        &typed.data.clone().into(),
    );
    golden(&untyped, expected);
    assert_eq!(
        untyped.event().unwrap(),
        Event::OutputStderr(OutputStderr {
            line: "oops".into()
        })
    );
    assert!(!untyped.is_ephemeral());
}

#[test]
fn envelope_of_an_unknown_type_is_kept_but_not_typed() {
    let envelope: Envelope = serde_json::from_str(
        r#"{"offset":1,"session_id":"s1","ts":"t","type":"future.event","data":{"x":1}}"#,
    )
    .unwrap();
    assert_eq!(envelope.kind, "future.event");
    let err = envelope.event().unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown event type `future.event`"),
        "{err}"
    );
}

#[test]
fn unknown_fields_are_accepted() {
    let started: SessionStarted = serde_json::from_str(
        r#"{"session_id":"s1","source":"pipe","started_at":"t","git_branch":"main"}"#,
    )
    .unwrap();
    assert_eq!(started.source, SessionSource::Pipe);

    let envelope: Envelope<OutputStderr> = serde_json::from_str(
        r#"{"offset":3,"session_id":"s1","ts":"t","type":"output.stderr","data":{"line":"x","stream":2},"node":"a"}"#,
    )
    .unwrap();
    assert_eq!(envelope.data.line, "x");

    let item: Event = serde_json::from_str(
        r#"{"type":"user.prompt","data":{"text":"hi","images":[]},"id":"client-1"}"#,
    )
    .unwrap();
    assert_eq!(
        item,
        Event::UserPrompt(UserPrompt {
            text: "hi".into(),
            by: None
        })
    );

    let auth: ConnectAuth =
        serde_json::from_str(r#"{"token":"jwt","offset":7,"client":"dashboard"}"#).unwrap();
    assert_eq!(auth.offset, Some(7));

    let claims: Claims = serde_json::from_str(
        r#"{"sub":"u","exp":2,"iat":1,"scope":["read"],"sessions":["*"],"jti":"abc","iss":"agentcast"}"#,
    )
    .unwrap();
    assert!(claims.allows_session("any"));
}

#[test]
fn publish_args_round_trip_typed_events() {
    let args = PublishArgs {
        events: vec![
            UserPrompt {
                text: "hi".into(),
                by: None,
            }
            .into(),
            OutputText {
                message_id: None,
                text: "hello".into(),
                delta: false,
                parent_tool_use_id: None,
            }
            .into(),
        ],
    };
    golden(
        &args,
        r#"{"events":[{"type":"user.prompt","data":{"text":"hi"}},{"type":"output.text","data":{"text":"hello","delta":false}}]}"#,
    );
    let bad = serde_json::from_str::<PublishArgs>(r#"{"events":[{"type":"nope","data":{}}]}"#);
    assert!(bad.is_err());
    golden(&PublishResult { head_offset: 44 }, r#"{"head_offset":44}"#);
}

#[test]
fn subscribe_is_golden() {
    golden(
        &SubscribeArgs {
            patterns: vec!["tool.*".into(), "output.text".into()],
        },
        r#"{"patterns":["tool.*","output.text"]}"#,
    );
    golden(
        &Subscription {
            types: vec!["tool.started".into(), "tool.completed".into()],
        },
        r#"{"types":["tool.started","tool.completed"]}"#,
    );
}

#[test]
fn get_history_is_golden() {
    golden(
        &GetHistoryArgs {
            types: Some(vec!["tool.*".into()]),
            after: Some(10),
            before: Some(100),
            limit: Some(50),
        },
        r#"{"types":["tool.*"],"after":10,"before":100,"limit":50}"#,
    );
    golden(&GetHistoryArgs::default(), "{}");
    assert_eq!(MAX_HISTORY_LIMIT, 1000);
    golden(
        &HistoryPage {
            events: vec![Envelope {
                offset: 11,
                session_id: "s1".into(),
                ts: "2026-11-24T10:00:00.123Z".into(),
                kind: "user.prompt".into(),
                data: json!({"text": "hi"}),
            }],
            head_offset: 120,
            has_more: true,
        },
        r#"{"events":[{"offset":11,"session_id":"s1","ts":"2026-11-24T10:00:00.123Z","type":"user.prompt","data":{"text":"hi"}}],"head_offset":120,"has_more":true}"#,
    );
}

#[test]
fn get_status_is_golden() {
    golden(&GetStatusArgs {}, "{}");
    for arg in ["{}", "null", r#"{"verbose":true}"#, "[]"] {
        assert_eq!(
            serde_json::from_str::<GetStatusArgs>(arg).unwrap(),
            GetStatusArgs {}
        );
    }
    golden(
        &SessionStatusReport {
            session_id: "s1".into(),
            status: Some(SessionState::Running),
            head_offset: 42,
            clients: 2,
            watchers: vec![Watcher {
                sub: "bob".into(),
                sockets: 1,
                can_control: false,
            }],
            controllable: true,
            open_permissions: vec![],
        },
        r#"{"session_id":"s1","status":"running","head_offset":42,"clients":2,"watchers":[{"sub":"bob","sockets":1,"can_control":false}],"controllable":true,"open_permissions":[]}"#,
    );
    golden(
        &SessionStatusReport {
            session_id: "s2".into(),
            status: None,
            head_offset: 0,
            clients: 0,
            watchers: vec![],
            controllable: false,
            open_permissions: vec![],
        },
        r#"{"session_id":"s2","head_offset":0,"clients":0,"watchers":[],"controllable":false,"open_permissions":[]}"#,
    );
    golden(
        &HubStatusReport {
            stats: SystemStats {
                connections: 1,
                sessions_active: 1,
                events_in_per_s: 0.0,
                events_out_per_s: 0.5,
                memory_bytes: 1024,
                cpu_percent: 0.0,
                uptime_s: 5,
                slow_consumer_disconnects: 2,
                limits_hit: LimitsHit::default(),
                collector: None,
            },
            sessions: vec![
                SessionSummary {
                    session_id: "s1".into(),
                    label: Some("demo".into()),
                    project_id: Some("p1".into()),
                    status: SessionState::Running,
                    head_offset: 42,
                    started_at: Some("2026-11-24T10:00:00.123Z".into()),
                    model: Some("claude-sonnet-4-5".into()),
                    total_cost_usd: Some(0.25),
                },
                SessionSummary {
                    session_id: "s2".into(),
                    label: None,
                    project_id: None,
                    status: SessionState::Failed,
                    head_offset: 3,
                    started_at: None,
                    model: None,
                    total_cost_usd: None,
                },
            ],
        },
        r#"{"stats":{"connections":1,"sessions_active":1,"events_in_per_s":0.0,"events_out_per_s":0.5,"memory_bytes":1024,"cpu_percent":0.0,"uptime_s":5,"slow_consumer_disconnects":2,"limits_hit":{"connections_per_ip":0,"max_connections":0,"http_requests":0,"messages":0,"flood_disconnects":0}},"sessions":[{"session_id":"s1","label":"demo","project_id":"p1","status":"running","head_offset":42,"started_at":"2026-11-24T10:00:00.123Z","model":"claude-sonnet-4-5","total_cost_usd":0.25},{"session_id":"s2","status":"failed","head_offset":3}]}"#,
    );
}

#[test]
fn ingest_is_golden() {
    golden(
        &IngestArgs {
            lines: vec![r#"{"type":"system"}"#.into(), "not json".into()],
        },
        r#"{"lines":["{\"type\":\"system\"}","not json"]}"#,
    );
    golden(
        &IngestResult {
            accepted: 1,
            rejected: vec![RejectedLine {
                index: 1,
                error: "expected value at line 1 column 1".into(),
            }],
            head_offset: 12,
        },
        r#"{"accepted":1,"rejected":[{"index":1,"error":"expected value at line 1 column 1"}],"head_offset":12}"#,
    );
}

#[test]
fn auth_refresh_ping_and_connect_are_golden() {
    golden(
        &RefreshArgs {
            token: "eyJ...".into(),
        },
        r#"{"token":"eyJ..."}"#,
    );
    golden(
        &Refreshed {
            expires_at: 1_795_518_000,
        },
        r#"{"expires_at":1795518000}"#,
    );
    golden(&PingArgs {}, "{}");
    assert_eq!(
        serde_json::from_str::<PingArgs>("null").unwrap(),
        PingArgs {}
    );
    golden(
        &Pong {
            ts: "2026-11-24T10:00:00.123Z".into(),
        },
        r#"{"ts":"2026-11-24T10:00:00.123Z"}"#,
    );
    golden(
        &ConnectAuth {
            token: Some("eyJ...".into()),
            offset: Some(41),
        },
        r#"{"token":"eyJ...","offset":41}"#,
    );
    golden(&ConnectAuth::default(), "{}");
}

#[test]
fn command_names_are_pinned() {
    use agentcast_shared::commands::*;
    assert_eq!(
        ALL_COMMANDS,
        [
            "subscribe",
            "unsubscribe",
            "get_history",
            "get_status",
            "ingest",
            "publish",
            "auth.refresh",
            "ping",
            "prompt",
            "interrupt",
            "permission.respond",
            "end"
        ]
    );
    assert_eq!(
        [
            SUBSCRIBE,
            UNSUBSCRIBE,
            GET_HISTORY,
            GET_STATUS,
            INGEST,
            PUBLISH,
            AUTH_REFRESH,
            PING,
            agentcast_shared::control::PROMPT,
            agentcast_shared::control::INTERRUPT,
            agentcast_shared::control::PERMISSION_RESPOND,
            agentcast_shared::control::END
        ],
        ALL_COMMANDS
    );
}

#[test]
fn acks_are_golden() {
    golden(
        &Ack::Ok(Subscription {
            types: vec!["output.text".into()],
        }),
        r#"{"ok":{"types":["output.text"]}}"#,
    );
    golden(
        &Ack::<Subscription>::bad_request("invalid pattern `to*ol`"),
        r#"{"error":{"code":"bad_request","message":"invalid pattern `to*ol`"}}"#,
    );
    golden(
        &Ack::<PublishResult>::error(ErrorCode::Forbidden, "write scope required"),
        r#"{"error":{"code":"forbidden","message":"write scope required"}}"#,
    );
    let from_result: Ack<Pong> = Err(ErrorBody::new(ErrorCode::RateLimited, "slow down")).into();
    assert_eq!(
        serde_json::to_string(&from_result).unwrap(),
        r#"{"error":{"code":"rate_limited","message":"slow down"}}"#
    );
    let ok: Ack<u32> = Ok(3).into();
    assert_eq!(ok.into_result(), Ok(3));
    let body = ErrorBody::new(ErrorCode::NotFound, "no session `x`");
    assert_eq!(body.to_string(), "not_found: no session `x`");
    assert_eq!(body.code.http_status(), 404);
}

#[test]
fn claims_are_golden() {
    golden(
        &Claims {
            sub: "dashboard".into(),
            exp: 1_795_518_000,
            iat: 1_795_514_400,
            nbf: Some(1_795_514_400),
            scope: vec![Scope::Read, Scope::Write],
            sessions: vec!["*".into()],
            project: Some("p1".into()),
        },
        r#"{"sub":"dashboard","exp":1795518000,"iat":1795514400,"nbf":1795514400,"scope":["read","write"],"sessions":["*"],"project":"p1"}"#,
    );
    golden(
        &Claims {
            sub: "ci".into(),
            exp: 2,
            iat: 1,
            nbf: None,
            scope: vec![Scope::Admin],
            sessions: vec!["s1".into(), "s2".into()],
            project: None,
        },
        r#"{"sub":"ci","exp":2,"iat":1,"scope":["admin"],"sessions":["s1","s2"]}"#,
    );
}

#[test]
fn known_event_types_and_patterns_agree() {
    assert!(is_known_event_type("tool.started"));
    assert!(!is_known_event_type("tool.*"));
    let all = expand(&[Pattern::parse("*").unwrap()]);
    assert_eq!(all, ALL_EVENT_TYPES);
    let set: BTreeSet<_> = ALL_EVENT_TYPES.iter().collect();
    assert_eq!(set.len(), ALL_EVENT_TYPES.len(), "no duplicate type names");
}

// ----- the REST API (`agentcast_shared::rest`) -----

/// A session with every field set, as the store keeps it.
fn full_record() -> rest::SessionRecord {
    rest::SessionRecord {
        id: "s1".into(),
        label: Some("fix the build".into()),
        project_id: Some("p1".into()),
        source: SessionSource::Run,
        command: Some(vec!["claude".into(), "-p".into(), "hi".into()]),
        cwd: Some("/src".into()),
        model: Some("opus".into()),
        status: SessionState::Completed,
        started_at: "2026-11-24T10:00:00.123Z".into(),
        ended_at: Some("2026-11-24T10:01:01.623Z".into()),
        duration_ms: Some(61_500),
        head_offset: 42,
        total_cost_usd: Some(0.125),
        input_tokens: 1000,
        output_tokens: 200,
        cache_read_tokens: 30,
        cache_creation_tokens: 4,
        agent: Some(AgentKind::Claude),
        agent_session_id: Some("9f2c".into()),
        cli_version: Some("2.1.328".into()),
        git_branch: Some("main".into()),
    }
}

const FULL_RECORD: &str = r#"{"id":"s1","label":"fix the build","project_id":"p1","source":"run","command":["claude","-p","hi"],"cwd":"/src","model":"opus","status":"completed","started_at":"2026-11-24T10:00:00.123Z","ended_at":"2026-11-24T10:01:01.623Z","duration_ms":61500,"head_offset":42,"total_cost_usd":0.125,"input_tokens":1000,"output_tokens":200,"cache_read_tokens":30,"cache_creation_tokens":4,"agent":"claude","agent_session_id":"9f2c","cli_version":"2.1.328","git_branch":"main""#;

#[test]
fn rest_sessions_are_golden() {
    // Absent values are `null`, never left out: every field is always there.
    golden(
        &rest::SessionView {
            record: rest::SessionRecord::new(
                "s2",
                SessionSource::Demo,
                SessionState::Running,
                "2026-11-24T10:00:00.000Z",
            ),
            process_running: true,
            controllable: true,
        },
        r#"{"id":"s2","label":null,"project_id":null,"source":"demo","command":null,"cwd":null,"model":null,"status":"running","started_at":"2026-11-24T10:00:00.000Z","ended_at":null,"duration_ms":null,"head_offset":0,"total_cost_usd":null,"input_tokens":0,"output_tokens":0,"cache_read_tokens":0,"cache_creation_tokens":0,"agent":null,"agent_session_id":null,"cli_version":null,"git_branch":null,"process_running":true,"controllable":true}"#,
    );
    let view = rest::SessionView {
        record: full_record(),
        process_running: false,
        controllable: false,
    };
    golden(
        &rest::SessionList {
            sessions: vec![view.clone()],
            next_cursor: None,
        },
        &format!(
            r#"{{"sessions":[{FULL_RECORD},"process_running":false,"controllable":false}}]}}"#
        ),
    );
    golden(
        &rest::SessionList {
            sessions: vec![],
            next_cursor: Some("MjAyNgpz".into()),
        },
        r#"{"sessions":[],"next_cursor":"MjAyNgpz"}"#,
    );
    golden(
        &rest::SessionDetail {
            session: view,
            checkpoints: vec![rest::Checkpoint {
                id: "c1".into(),
                session_id: "s1".into(),
                label: None,
                offset: 17,
                created_at: "2026-11-24T10:00:30.000Z".into(),
            }],
        },
        &format!(
            r#"{FULL_RECORD},"process_running":false,"controllable":false,"checkpoints":[{{"checkpoint_id":"c1","session_id":"s1","label":null,"offset":17,"created_at":"2026-11-24T10:00:30.000Z"}}]}}"#
        ),
    );
}

#[test]
fn the_status_line_is_derived_from_the_record() {
    assert_eq!(
        full_record().summary(),
        SessionSummary {
            session_id: "s1".into(),
            label: Some("fix the build".into()),
            project_id: Some("p1".into()),
            status: SessionState::Completed,
            head_offset: 42,
            started_at: Some("2026-11-24T10:00:00.123Z".into()),
            model: Some("opus".into()),
            total_cost_usd: Some(0.125),
        }
    );
    assert!(rest::SessionFilter::Active.admits(SessionState::Idle));
    assert!(!rest::SessionFilter::Active.admits(SessionState::Failed));
    assert!(rest::SessionFilter::default().admits(SessionState::Interrupted));
}

#[test]
fn rest_session_requests_are_golden() {
    golden(
        &rest::CreateSession {
            command: vec!["claude".into(), "-p".into(), "hi".into()],
            cwd: Some("/src".into()),
            label: Some("try".into()),
            session_id: None,
            project: None,
            prompt: None,
            control: None,
        },
        r#"{"command":["claude","-p","hi"],"cwd":"/src","label":"try"}"#,
    );
    golden(
        &rest::CreateSession {
            command: vec!["claude".into()],
            cwd: None,
            label: None,
            session_id: None,
            project: Some("../web".into()),
            prompt: Some("fix the build".into()),
            control: Some(false),
        },
        r#"{"command":["claude"],"project":"../web","prompt":"fix the build","control":false}"#,
    );
    golden(
        &rest::CreatedSession {
            session_id: "s1".into(),
            namespace: "/sessions/s1".into(),
        },
        r#"{"session_id":"s1","namespace":"/sessions/s1"}"#,
    );
    golden(
        &rest::Stopping {
            session_id: "s1".into(),
            stopping: true,
        },
        r#"{"session_id":"s1","stopping":true}"#,
    );
    golden(&rest::CreateCheckpoint::default(), "{}");
    golden(
        &rest::ListSessionsParams {
            status: Some(rest::SessionFilter::Active),
            limit: Some(5),
            cursor: Some("MjAyNgpz".into()),
        },
        r#"{"status":"active","limit":5,"cursor":"MjAyNgpz"}"#,
    );
    golden(
        &rest::HistoryParams {
            types: Some("tool.*".into()),
            after: Some(3),
            before: None,
            limit: Some(10),
        },
        r#"{"types":"tool.*","after":3,"limit":10}"#,
    );
    // Requests name their fields exactly: a typo is an error, not a silent default.
    for bad in [
        r#"{"command":["x"],"lable":"typo"}"#,
        r#"{"label":"x","extra":1}"#,
    ] {
        let create = serde_json::from_str::<rest::CreateSession>(bad);
        let checkpoint = serde_json::from_str::<rest::CreateCheckpoint>(bad);
        assert!(create.is_err() && checkpoint.is_err(), "{bad}");
    }
    assert!(serde_json::from_str::<rest::ListSessionsParams>(r#"{"stauts":"all"}"#).is_err());
}

#[test]
fn rest_projects_are_golden() {
    let project = rest::Project {
        id: "web".into(),
        name: "Web app".into(),
        settings: json!({"budget_usd": 20, "tags": ["a"]}),
        created_at: "2026-11-24T10:00:00.000Z".into(),
        path: Some("/home/u/web".into()),
        session_count: 3,
    };
    let named = rest::Project {
        id: "api".into(),
        name: "API".into(),
        settings: json!({}),
        created_at: "2026-11-24T10:00:00.000Z".into(),
        path: None,
        session_count: 0,
    };
    golden(
        &rest::ProjectList {
            projects: vec![project, named],
        },
        r#"{"projects":[{"id":"web","name":"Web app","settings":{"budget_usd":20,"tags":["a"]},"created_at":"2026-11-24T10:00:00.000Z","path":"/home/u/web","session_count":3},{"id":"api","name":"API","settings":{},"created_at":"2026-11-24T10:00:00.000Z","session_count":0}]}"#,
    );
    golden(
        &rest::CreateProject {
            id: None,
            name: "API".into(),
            settings: None,
        },
        r#"{"name":"API"}"#,
    );
    assert!(serde_json::from_str::<rest::CreateProject>(r#"{"name":"x","budget":1}"#).is_err());
}

#[test]
fn rest_mcp_servers_are_golden() {
    let config = rest::McpServerConfig {
        name: "files".into(),
        command: "npx".into(),
        args: vec!["-y".into(), "server-fs".into()],
        env: [("TOKEN".to_owned(), "x".to_owned())].into(),
    };
    // The stored server is its configuration plus when it was added, in one flat object.
    golden(
        &rest::McpServerList {
            servers: vec![rest::McpServer {
                config: config.clone(),
                created_at: "2026-11-24T10:00:00.000Z".into(),
            }],
        },
        r#"{"servers":[{"name":"files","command":"npx","args":["-y","server-fs"],"env":{"TOKEN":"x"},"created_at":"2026-11-24T10:00:00.000Z"}]}"#,
    );
    golden(
        &config,
        r#"{"name":"files","command":"npx","args":["-y","server-fs"],"env":{"TOKEN":"x"}}"#,
    );
    // Only the name and the command are needed; nothing else is accepted.
    let minimal: rest::McpServerConfig =
        serde_json::from_str(r#"{"name":"fs","command":"npx"}"#).unwrap();
    assert!(minimal.args.is_empty() && minimal.env.is_empty());
    assert!(
        serde_json::from_str::<rest::McpServerConfig>(r#"{"name":"fs","command":"npx","cwd":"/"}"#)
            .is_err()
    );
    golden(
        &rest::McpTestReport {
            ok: false,
            server_name: None,
            server_version: None,
            protocol_version: None,
            capabilities: None,
            instructions: None,
            error: Some("the server exited".into()),
            stderr_tail: Some("boom".into()),
            duration_ms: 12,
        },
        r#"{"ok":false,"server_name":null,"server_version":null,"protocol_version":null,"capabilities":null,"instructions":null,"error":"the server exited","stderr_tail":"boom","duration_ms":12}"#,
    );
    golden(
        &rest::McpTestParams {
            timeout_ms: Some(500),
        },
        r#"{"timeout_ms":500}"#,
    );
}

#[test]
fn rest_analytics_are_golden() {
    golden(
        &rest::UsageReport {
            group_by: rest::GroupBy::Day,
            rows: vec![rest::UsageRow {
                key: Some("2026-11-24".into()),
                sessions: 2,
                input_tokens: 300,
                output_tokens: 30,
                cache_read_tokens: 5,
                cache_creation_tokens: 1,
            }],
        },
        r#"{"group_by":"day","rows":[{"key":"2026-11-24","sessions":2,"input_tokens":300,"output_tokens":30,"cache_read_tokens":5,"cache_creation_tokens":1}]}"#,
    );
    golden(
        &rest::CostReport {
            group_by: rest::GroupBy::Model,
            rows: vec![rest::CostRow {
                key: None,
                sessions: 1,
                total_cost_usd: 0.25,
            }],
            total_cost_usd: 0.25,
        },
        r#"{"group_by":"model","rows":[{"key":null,"sessions":1,"total_cost_usd":0.25}],"total_cost_usd":0.25}"#,
    );
    golden(
        &rest::SessionsReport {
            group_by: rest::GroupBy::Project,
            rows: vec![rest::SessionStatsRow {
                key: Some("p1".into()),
                sessions: 2,
                completed: 1,
                failed: 1,
                cancelled: 0,
                interrupted: 0,
                active: 0,
                success_rate: Some(0.5),
                avg_duration_ms: Some(2000.0),
                total_duration_ms: 4000,
            }],
        },
        r#"{"group_by":"project","rows":[{"key":"p1","sessions":2,"completed":1,"failed":1,"cancelled":0,"interrupted":0,"active":0,"success_rate":0.5,"avg_duration_ms":2000.0,"total_duration_ms":4000}]}"#,
    );
    golden(
        &rest::AnalyticsParams {
            group_by: Some(rest::GroupBy::Project),
            from: Some("2026-11-01".into()),
            to: None,
        },
        r#"{"group_by":"project","from":"2026-11-01"}"#,
    );
}

#[test]
fn rest_auth_health_ingest_and_errors_are_golden() {
    golden(
        &rest::WhoAmI {
            sub: "dashboard".into(),
            scope: vec![Scope::Read, Scope::Admin],
            sessions: vec!["*".into()],
            project: None,
            exp: 1_795_518_000,
            iat: 1_795_514_400,
            expires_in_s: 3600,
            auth_enabled: true,
            may_start: vec!["claude".into()],
        },
        r#"{"sub":"dashboard","scope":["read","admin"],"sessions":["*"],"project":null,"exp":1795518000,"iat":1795514400,"expires_in_s":3600,"auth_enabled":true,"may_start":["claude"]}"#,
    );
    golden(
        &rest::RefreshedToken {
            token: "t".into(),
            expires_at: 1_795_518_000,
        },
        r#"{"token":"t","expires_at":1795518000}"#,
    );
    golden(
        &rest::Health {
            status: rest::HealthStatus::Degraded,
            database: rest::DatabaseStatus::Error,
            version: "0.1.0".into(),
            uptime_s: 7,
            connections: 2,
            rooms: 5,
            collector: rest::CollectorState::Stopped,
            broker: rest::BrokerState::Lost,
        },
        r#"{"status":"degraded","database":"error","version":"0.1.0","uptime_s":7,"connections":2,"rooms":5,"collector":"stopped","broker":"lost"}"#,
    );
    golden(
        &rest::Health {
            status: rest::HealthStatus::Failing,
            database: rest::DatabaseStatus::Error,
            version: "0.1.0".into(),
            uptime_s: 7,
            connections: 0,
            rooms: 0,
            collector: rest::CollectorState::Following,
            broker: rest::BrokerState::Connected,
        },
        r#"{"status":"failing","database":"error","version":"0.1.0","uptime_s":7,"connections":0,"rooms":0,"collector":"following","broker":"connected"}"#,
    );
    golden(
        &rest::Health {
            status: rest::HealthStatus::Ok,
            database: rest::DatabaseStatus::Ok,
            version: "0.1.0".into(),
            uptime_s: 0,
            connections: 0,
            rooms: 0,
            collector: rest::CollectorState::Off,
            broker: rest::BrokerState::Off,
        },
        r#"{"status":"ok","database":"ok","version":"0.1.0","uptime_s":0,"connections":0,"rooms":0,"collector":"off","broker":"off"}"#,
    );
    golden(
        &rest::StreamIngest {
            lines: 3,
            errors: 1,
            bytes: 120,
            head_offset: 9,
        },
        r#"{"lines":3,"errors":1,"bytes":120,"head_offset":9}"#,
    );
    golden(
        &rest::HookIngested {
            session_id: "s1".into(),
            head_offset: 4,
        },
        r#"{"session_id":"s1","head_offset":4}"#,
    );
    golden(
        &rest::ErrorResponse {
            error: ErrorBody::new(ErrorCode::Conflict, "project web exists"),
        },
        r#"{"error":{"code":"conflict","message":"project web exists"}}"#,
    );
}

#[test]
fn collected_sessions_say_which_agent_they_are() {
    golden(
        &SessionStarted {
            session_id: "43d0963a".into(),
            label: Some("fix the dates".into()),
            project_id: Some("home-dev-app".into()),
            source: SessionSource::Transcript,
            command: None,
            cwd: Some("/home/dev/app".into()),
            model: Some("claude-opus-5-5".into()),
            tools: vec![],
            cli_version: Some("2.1.328".into()),
            agent: Some(AgentKind::Claude),
            agent_session_id: Some("43d0963a".into()),
            git_branch: Some("main".into()),
            started_at: "2026-12-06T15:36:10.775Z".into(),
        },
        r#"{"session_id":"43d0963a","label":"fix the dates","project_id":"home-dev-app","source":"transcript","cwd":"/home/dev/app","model":"claude-opus-5-5","cli_version":"2.1.328","agent":"claude","agent_session_id":"43d0963a","git_branch":"main","started_at":"2026-12-06T15:36:10.775Z"}"#,
    );
    for (kind, wire) in [
        (AgentKind::Claude, "claude"),
        (AgentKind::Codex, "codex"),
        (AgentKind::Other, "other"),
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), wire);
        assert_eq!(kind.as_str(), wire);
    }
    // A kind a newer server knows reads as `other` here, not as an error.
    assert_eq!(
        serde_json::from_str::<AgentKind>(r#""gemini""#).unwrap(),
        AgentKind::Other
    );
    assert_eq!(serde_json::to_value(SessionSource::Tmux).unwrap(), "tmux");
    golden(
        &CollectorStats {
            importing: true,
            files_total: 5000,
            files_imported: 1200,
            bytes_total: 900_000_000,
            bytes_imported: 120_000_000,
            files_followed: 1200,
            errors: 1,
        },
        r#"{"importing":true,"files_total":5000,"files_imported":1200,"bytes_total":900000000,"bytes_imported":120000000,"files_followed":1200,"errors":1}"#,
    );
}

#[test]
fn control_commands_are_golden() {
    assert!(ALL_COMMANDS.contains(&"permission.respond"));
    golden(
        &UserPrompt {
            text: "and the tests".into(),
            by: Some("alice".into()),
        },
        r#"{"text":"and the tests","by":"alice"}"#,
    );
    golden(
        &PromptArgs {
            text: "now the docs".into(),
        },
        r#"{"text":"now the docs"}"#,
    );
    golden(
        &PromptResult {
            queued: true,
            ahead: 1,
        },
        r#"{"queued":true,"ahead":1}"#,
    );
    golden(
        &InterruptResult { interrupted: false },
        r#"{"interrupted":false}"#,
    );
    golden(&EndResult { ending: true }, r#"{"ending":true}"#);
    golden(
        &PermissionRespondArgs {
            request_id: "r1".into(),
            answer: PermissionAnswer {
                decision: PermissionDecision::Allow,
                message: None,
                updated_input: Some(json!({"command": "touch y"})),
                updated_permissions: None,
            },
        },
        r#"{"request_id":"r1","decision":"allow","updated_input":{"command":"touch y"}}"#,
    );
    golden(
        &PermissionResponded {
            request_id: "r1".into(),
            decision: PermissionDecision::Deny,
        },
        r#"{"request_id":"r1","decision":"deny"}"#,
    );
    assert_eq!(json!(ErrorCode::AlreadyResolved), json!("already_resolved"));
    assert_eq!(ErrorCode::AlreadyResolved.http_status(), 409);
    assert_eq!(json!(Scope::Control), json!("control"));
}

#[test]
fn hook_decisions_are_golden() {
    golden(
        &rest::HookDecision {
            request_id: "r1".into(),
            decision: PermissionDecision::Allow,
            by: Some("alice".into()),
            message: None,
            updated_input: None,
        },
        r#"{"request_id":"r1","decision":"allow","by":"alice"}"#,
    );
    golden(
        &rest::HookDecision {
            request_id: "r2".into(),
            decision: PermissionDecision::Ask,
            by: None,
            message: None,
            updated_input: None,
        },
        r#"{"request_id":"r2","decision":"ask"}"#,
    );
}
