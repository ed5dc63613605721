//! The mapping rules of the module docs, on hand-written entries and on the real transcripts
//! of `../shared/fixtures` (CLI 2.1.328 and 2025's 1.0.x), against the stream-json of the
//! same runs.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use agentcast_shared::{
    AgentDelegation, AgentNotification, AgentTaskStatus, DelegationStatus, Event, SessionSource,
    TodoStatus, ToolCompleted, UsageUpdated,
};
use serde_json::{Value, json};

use super::*;
use crate::ingest::ClaudeMapper;
use crate::ingest::testing::{get, kinds, shared_fixtures};

const RUN_DIR: &str = "claude-home/projects/-home-dev-example-app";

/// The five runs: (stream-json of `claude-live`, the transcript's session id).
const RUNS: [(&str, &str); 5] = [
    ("stream-hello", "ac8d0bca-4044-47b1-bcf8-6af2c0f12e71"),
    ("stream-bash", "80a6947f-c785-4c3e-92d4-fe95711d3bee"),
    ("stream-task", "43d0963a-d79f-46ce-8104-82550bf50a83"),
    ("stream-fail", "ce1a2b20-e35e-4bc3-8f39-98a3fa3dcdf7"),
    ("stream-controlled", "d10f1cdd-f20b-4a97-a3ee-51656f7edd6b"),
];

const TASK_SESSION: &str = "43d0963a-d79f-46ce-8104-82550bf50a83";
const TASK_AGENT: &str = "aaf2e0c51e67dd015";

fn small() -> IngestLimits {
    IngestLimits {
        max_line_bytes: 1 << 20,
        preview_bytes: 64,
    }
}

/// Maps lines at 1000, 1010, ... ms (times the entries do not carry).
fn map_lines(mapper: &mut ClaudeTranscriptMapper, lines: &[&str]) -> Vec<Event> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        mapper
            .map_line(line, 1_000 + 10 * i as u64, &mut out)
            .unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    out
}

fn map(lines: &[&str]) -> Vec<Event> {
    map_lines(
        &mut ClaudeTranscriptMapper::main().with_limits(small()),
        lines,
    )
}

/// A file's lines mapped; every line must be JSON. Returns the events and the 1-based
/// numbers of the lines that became `agent.raw`.
fn map_file(mapper: &mut dyn LineMapper, path: &Path) -> (Vec<Event>, Vec<usize>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let mut raw_lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mapped = mapper
            .map_line(line, 0, &mut out)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
        if mapped == Mapped::Raw {
            raw_lines.push(i + 1);
        }
    }
    (out, raw_lines)
}

fn run_dir() -> Option<PathBuf> {
    shared_fixtures(RUN_DIR)
}

/// The main transcript of session `id`, and (for the task run) its sub-agent's, mapped.
fn transcript_events(dir: &Path, id: &str) -> Vec<Event> {
    let mut main = ClaudeTranscriptMapper::main();
    let (mut events, raw) = map_file(&mut main, &dir.join(format!("{id}.jsonl")));
    assert!(raw.is_empty(), "{id}: raw lines {raw:?}");
    let subagents = dir.join(id).join("subagents");
    if subagents.is_dir() {
        for entry in std::fs::read_dir(&subagents).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            let meta = std::fs::read(path.with_extension("meta.json")).unwrap();
            let mut sub = ClaudeTranscriptMapper::subagent(subagent_parent(&meta));
            let (sub_events, raw) = map_file(&mut sub, &path);
            assert!(raw.is_empty(), "{}: raw lines {raw:?}", path.display());
            events.extend(sub_events);
        }
    }
    events
}

fn stream_events(name: &str) -> Vec<Event> {
    let dir = shared_fixtures("claude-live").expect("claude-live beside claude-home");
    stream_events_at(&dir.join(format!("{name}.jsonl")))
}

fn stream_events_at(path: &Path) -> Vec<Event> {
    let mut mapper = ClaudeMapper::new(
        SessionContext::new("s", SessionSource::Run),
        IngestLimits::default(),
    );
    let (events, _) = map_file(&mut mapper, path);
    events
}

/// Tool calls in order: (name, input), and results: (id, name, is_error, output).
type Calls = Vec<(String, Value)>;
type Results = Vec<(String, Option<String>, bool, String)>;

fn tools(events: &[Event]) -> (Calls, Results) {
    let mut calls = Vec::new();
    let mut results = Vec::new();
    for event in events {
        match event {
            Event::ToolStarted(s) => calls.push((s.name.clone(), s.input.clone())),
            Event::ToolCompleted(c) => results.push((
                c.tool_use_id.clone(),
                c.name.clone(),
                c.is_error,
                c.output_preview.clone(),
            )),
            _ => {}
        }
    }
    (calls, results)
}

/// Every `todo.updated` list in order, as (id, content, status) of each item.
fn todo_lists(events: &[Event]) -> Vec<Vec<(Option<String>, String, TodoStatus)>> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::TodoUpdated(todos) => Some(
                todos
                    .todos
                    .iter()
                    .map(|t| (t.id.clone(), t.content.clone(), t.status))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// The assistant's text of one lane (the main agent, or a sub-agent's call), message by
/// message in order: streamed deltas and whole blocks alike joined per message.
fn texts(events: &[Event], parent: Option<&str>) -> Vec<(Option<String>, String)> {
    let mut messages: Vec<(Option<String>, String)> = Vec::new();
    for event in events {
        let Event::OutputText(text) = event else {
            continue;
        };
        if text.parent_tool_use_id.as_deref() != parent {
            continue;
        }
        match messages.last_mut() {
            Some((id, joined)) if *id == text.message_id => joined.push_str(&text.text),
            _ => messages.push((text.message_id.clone(), text.text.clone())),
        }
    }
    messages
}

#[test]
fn the_transcript_and_the_stream_of_a_run_agree() {
    let Some(dir) = run_dir() else { return };
    let mut calls = 0;
    for (stream, session) in RUNS {
        let from_transcript = transcript_events(&dir, session);
        let from_stream = stream_events(stream);
        let (transcript_calls, transcript_results) = tools(&from_transcript);
        calls += transcript_calls.len();
        assert_eq!(transcript_results.len(), transcript_calls.len(), "{stream}");
        assert_eq!(
            (transcript_calls, transcript_results),
            tools(&from_stream),
            "{stream}: tools"
        );
        for lane in [None, Some("toolu_task_1")] {
            let transcript = texts(&from_transcript, lane);
            assert_eq!(
                transcript,
                texts(&from_stream, lane),
                "{stream}: text of {lane:?}"
            );
            if lane.is_none() {
                assert!(!transcript.is_empty(), "{stream}: no text at all");
            }
        }
    }
    assert_eq!(
        calls, 4,
        "bash, task, fail and controlled each make one call"
    );
}

/// The runs `cargo xtask fixtures` wrote into this repository (`tests/fixtures/agents`, made
/// with the same CLI): in a clone without `../shared`, these prove the two formats agree.
#[test]
fn the_repository_s_own_runs_agree_too() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/agents");
    let dir = root.join("claude-home/projects/-home-dev-example-app");
    let (mut compared, mut calls, mut lists) = (0, 0, 0);
    let mut final_todos = Vec::new();
    for entry in std::fs::read_dir(root.join("claude-live")).unwrap() {
        let stream = entry.unwrap().path();
        let text = std::fs::read_to_string(&stream).unwrap();
        let session = text
            .lines()
            .find_map(|line| {
                let value: Value = serde_json::from_str(line).ok()?;
                value.get("session_id")?.as_str().map(str::to_owned)
            })
            .expect("a session id in the stream");
        let (from_transcript, from_stream) =
            (transcript_events(&dir, &session), stream_events_at(&stream));
        let name = stream.display();
        assert_eq!(
            tools(&from_transcript),
            tools(&from_stream),
            "{name}: tools"
        );
        calls += tools(&from_transcript).0.len();
        for lane in [None, Some("toolu_task_1")] {
            let transcript = texts(&from_transcript, lane);
            assert_eq!(transcript, texts(&from_stream, lane), "{name}: {lane:?}");
        }
        let todos = todo_lists(&from_transcript);
        assert_eq!(todos, todo_lists(&from_stream), "{name}: todos");
        lists += todos.len();
        if let Some(last) = todos.last() {
            final_todos = last.clone();
        }
        compared += 1;
    }
    assert_eq!(compared, 5, "hello, bash, fail, task and todos");
    assert_eq!(
        calls, 11,
        "bash, fail, task, the sub-agent's command and the todos run's seven"
    );
    // The todos run (Claude Code 2.1.x's task tools): three creates, two updates of task 1.
    assert_eq!(lists, 5, "one list per change");
    let task = |id: &str, subject: &str, status| (Some(id.to_owned()), subject.to_owned(), status);
    assert_eq!(
        final_todos,
        [
            task("1", "Write the parser", TodoStatus::Completed),
            task("2", "Test the parser", TodoStatus::Pending),
            task("3", "Ship it", TodoStatus::Pending)
        ]
    );
}

#[test]
fn the_fail_run_reports_the_failing_command() {
    let Some(dir) = run_dir() else { return };
    let events = transcript_events(&dir, "ce1a2b20-e35e-4bc3-8f39-98a3fa3dcdf7");
    let (_, results) = tools(&events);
    assert_eq!(
        results,
        [(
            "toolu_fail_1".to_owned(),
            Some("Bash".to_owned()),
            true,
            "Exit code 3\nabout-to-fail".to_owned()
        )]
    );
    let done = events
        .iter()
        .find_map(|e| match e {
            Event::ToolCompleted(c) => Some(c),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        done.duration_ms,
        Some(123),
        "from the call's entry (15.019) to the result's (15.142)"
    );
}

#[test]
fn a_transcript_starts_its_session_with_what_it_says() {
    let Some(dir) = run_dir() else { return };
    let mut mapper = ClaudeTranscriptMapper::main();
    let (events, _) = map_file(
        &mut mapper,
        &dir.join("80a6947f-c785-4c3e-92d4-fe95711d3bee.jsonl"),
    );
    let started = get!(events[0], SessionStarted);
    assert_eq!(started.session_id, "80a6947f-c785-4c3e-92d4-fe95711d3bee");
    assert_eq!(
        started.agent_session_id.as_deref(),
        Some(&*started.session_id)
    );
    assert_eq!(started.source, SessionSource::Transcript);
    assert_eq!(started.agent, Some(AgentKind::Claude));
    assert_eq!(started.cwd.as_deref(), Some("/home/dev/example-app"));
    assert_eq!(started.git_branch.as_deref(), Some("HEAD"));
    assert_eq!(started.cli_version.as_deref(), Some("2.1.328"));
    assert_eq!(
        started.label.as_deref(),
        Some("[scenario:bash] please do the bash thing")
    );
    assert_eq!(
        started.started_at, "2026-12-06T15:36:10.678Z",
        "the first entry's time, not the time it was read"
    );
    assert_eq!(
        kinds(&events)
            .iter()
            .filter(|k| **k == "session.started")
            .count(),
        1
    );
    assert_eq!(mapper.label(), started.label.as_deref());
    // The model arrives after the first prompt; usage carries it.
    let usage = events.iter().rev().find_map(|e| match e {
        Event::UsageUpdated(u) => Some(u),
        _ => None,
    });
    assert_eq!(usage.unwrap().model.as_deref(), Some("claude-opus-5-5"));

    // A context names the session the collector maps into.
    let mut context = SessionContext::new("run-1", SessionSource::Run);
    context.label = Some("mine".into());
    let mut joined = ClaudeTranscriptMapper::main().with_context(context);
    let (events, _) = map_file(
        &mut joined,
        &dir.join("80a6947f-c785-4c3e-92d4-fe95711d3bee.jsonl"),
    );
    let started = get!(events[0], SessionStarted);
    assert_eq!(
        (
            started.session_id.as_str(),
            started.label.as_deref(),
            started.source
        ),
        ("run-1", Some("mine"), SessionSource::Run)
    );
    assert_eq!(
        started.agent_session_id.as_deref(),
        Some("80a6947f-c785-4c3e-92d4-fe95711d3bee")
    );
}

#[test]
fn prompts_are_shown_once_and_a_task_notification_is_none() {
    let Some(dir) = run_dir() else { return };
    let prompts = |id: &str| -> Vec<String> {
        transcript_events(&dir, id)
            .iter()
            .filter_map(|e| match e {
                Event::UserPrompt(p) => Some(p.text.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        prompts("d10f1cdd-f20b-4a97-a3ee-51656f7edd6b"),
        [
            "[scenario:bash] create the marker file",
            "thanks, anything else?"
        ]
    );
    assert_eq!(
        prompts(TASK_SESSION),
        ["[scenario:task] please do the task thing"],
        "the sub-agent's prompt and the task notification are no prompts of the user"
    );
}

#[test]
fn a_background_task_completes_with_its_notification_in_both_formats() {
    let Some(dir) = run_dir() else { return };
    for (format, events) in [
        ("transcript", transcript_events(&dir, TASK_SESSION)),
        ("stream", stream_events("stream-task")),
    ] {
        let k = kinds(&events);
        let launched = events
            .iter()
            .position(|e| matches!(e, Event::ToolCompleted(c) if c.tool_use_id == "toolu_task_1"))
            .unwrap_or_else(|| panic!("{format}: {k:?}"));
        let delegations: Vec<(usize, &AgentDelegation)> = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Event::AgentDelegation(d) => Some((i, d)),
                _ => None,
            })
            .collect();
        assert_eq!(
            delegations.len(),
            2,
            "{format}: started and completed once: {k:?}"
        );
        let (done_at, done) = delegations[1];
        assert_eq!(done.status, DelegationStatus::Completed, "{format}");
        let task_done = events
            .iter()
            .position(
                |e| matches!(e, Event::AgentTask(t) if t.status == AgentTaskStatus::Completed),
            )
            .unwrap_or_else(|| panic!("{format}: no completed task: {k:?}"));
        assert!(
            launched < task_done && task_done < done_at,
            "{format}: the launch returned, then the task finished, then the delegation: {k:?}"
        );
        // The sub-agent answered between the launch and the notification.
        let answered = events
            .iter()
            .position(|e| matches!(e, Event::OutputText(t) if t.text == "There are 2 files."))
            .unwrap();
        if format == "stream" {
            assert!(answered < done_at, "{k:?}");
        }
    }
    // The transcript's delegation lasted from the call (12.896) to the notification queued
    // (13.470).
    let events = transcript_events(&dir, TASK_SESSION);
    let done = events
        .iter()
        .filter_map(|e| match e {
            Event::AgentDelegation(d) if d.status == DelegationStatus::Completed => Some(d),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(done.duration_ms, Some(574));
    let task = events
        .iter()
        .find_map(|e| match e {
            Event::AgentTask(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (
            task.task_id.as_str(),
            task.tool_use_id.as_deref(),
            task.summary.as_deref()
        ),
        (TASK_AGENT, Some("toolu_task_1"), Some("There are 2 files."))
    );
}

#[test]
fn sub_agent_events_nest_under_the_task_call() {
    let Some(dir) = run_dir() else { return };
    let subagents = dir.join(TASK_SESSION).join("subagents");
    let meta = std::fs::read(subagents.join(format!("agent-{TASK_AGENT}.meta.json"))).unwrap();
    assert_eq!(subagent_parent(&meta).as_deref(), Some("toolu_task_1"));
    let mut sub = ClaudeTranscriptMapper::subagent(subagent_parent(&meta));
    let (events, raw) = map_file(
        &mut sub,
        &subagents.join(format!("agent-{TASK_AGENT}.jsonl")),
    );
    assert!(raw.is_empty());
    assert_eq!(
        kinds(&events),
        ["output.text"],
        "no session, no prompt, no usage of its own"
    );
    let text = get!(events[0], OutputText);
    assert_eq!(text.parent_tool_use_id.as_deref(), Some("toolu_task_1"));
    assert!(!sub.has_started());

    // Without the meta file, the main transcript tells which call started the agent.
    let mut main = ClaudeTranscriptMapper::main();
    map_file(&mut main, &dir.join(format!("{TASK_SESSION}.jsonl")));
    assert_eq!(main.tool_use_id_of_agent(TASK_AGENT), Some("toolu_task_1"));
    assert_eq!(main.tool_use_id_of_agent("nobody"), None);
}

/// Each assistant message's usage once: the sum over distinct message ids of a file.
fn distinct_usage(path: &Path) -> (u64, u64) {
    let mut by_id: HashMap<String, (u64, u64)> = HashMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let entry: Value = serde_json::from_str(line).unwrap();
        if entry["type"] == "assistant" {
            let message = &entry["message"];
            let usage = &message["usage"];
            by_id.insert(
                message["id"].as_str().unwrap().to_owned(),
                (
                    usage["input_tokens"].as_u64().unwrap(),
                    usage["output_tokens"].as_u64().unwrap(),
                ),
            );
        }
    }
    by_id
        .values()
        .fold((0, 0), |(i, o), (di, dout)| (i + di, o + dout))
}

#[test]
fn no_text_or_usage_counted_twice() {
    let Some(dir) = run_dir() else { return };
    for (_, session) in RUNS {
        let path = dir.join(format!("{session}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mut mapper = ClaudeTranscriptMapper::main();
        let mut out = Vec::new();
        let mut before_cost = None;
        let mut blocks = HashSet::new();
        for line in text.lines() {
            let entry: Value = serde_json::from_str(line).unwrap();
            if entry["type"] == "cost-state" {
                before_cost = out.iter().rev().find_map(|e| match e {
                    Event::UsageUpdated(u) => Some((u.input_tokens, u.output_tokens)),
                    _ => None,
                });
            }
            if entry["type"] == "assistant" {
                for block in entry["message"]["content"].as_array().unwrap() {
                    if block["type"] == "text" {
                        blocks.insert((
                            entry["message"]["id"].to_string(),
                            block["text"].to_string(),
                        ));
                    }
                }
            }
            mapper.map_line(line, 0, &mut out).unwrap();
        }
        assert_eq!(before_cost, Some(distinct_usage(&path)), "{session}");
        let shown = out
            .iter()
            .filter(|e| matches!(e, Event::OutputText(_)))
            .count();
        assert_eq!(shown, blocks.len(), "{session}: each text block once");
        // The cost-state's totals include the sub-agents: the sum over every file's
        // distinct messages.
        let mut total = distinct_usage(&path);
        let subagents = dir.join(session).join("subagents");
        if subagents.is_dir() {
            for entry in std::fs::read_dir(&subagents).unwrap() {
                let sub = entry.unwrap().path();
                if sub.extension().is_some_and(|e| e == "jsonl") {
                    let (i, o) = distinct_usage(&sub);
                    total = (total.0 + i, total.1 + o);
                }
            }
        }
        let last = out
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::UsageUpdated(u) => Some(u),
                _ => None,
            })
            .unwrap();
        assert_eq!((last.input_tokens, last.output_tokens), total, "{session}");
        assert!(
            last.total_cost_usd > 0.0,
            "{session}: the cost-state's cost"
        );
    }
}

/// Every transcript file under a fixture folder, sorted.
fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_transcript_maps_and_no_known_entry_is_raw() {
    let Some(home) = shared_fixtures("claude-home/projects") else {
        return;
    };
    let files = jsonl_files(&home);
    assert_eq!(files.len(), 6);
    for path in files {
        let mut mapper = match path.parent().and_then(Path::file_name) {
            Some(name) if name == "subagents" => {
                let meta = std::fs::read(path.with_extension("meta.json")).unwrap();
                ClaudeTranscriptMapper::subagent(subagent_parent(&meta))
            }
            _ => ClaudeTranscriptMapper::main(),
        };
        let (_, raw) = map_file(&mut mapper, &path);
        assert!(raw.is_empty(), "{}: raw lines {raw:?}", path.display());
    }

    let Some(old) = shared_fixtures("claude-transcripts-2025") else {
        return;
    };
    for path in jsonl_files(&old) {
        let (events, raw) = map_file(&mut ClaudeTranscriptMapper::main(), &path);
        let name = path.file_name().unwrap().to_str().unwrap();
        // The edge cases break on purpose: a misspelt `content`, a `message` that is a
        // string, lines that are not objects, an object with no type, a block that is a
        // string. Nothing else is raw.
        let expected: &[usize] = match name {
            "edge_cases.jsonl" => &[10, 11, 13, 14, 15, 16, 18],
            _ => &[],
        };
        assert_eq!(raw, expected, "{name}");
        assert_eq!(
            get!(events[0], SessionStarted)
                .cli_version
                .as_deref()
                .map(|v| v.starts_with("1.0")),
            Some(true)
        );
    }
}

#[test]
fn todo_write_of_older_transcripts_is_the_todo_list() {
    let Some(old) = shared_fixtures("claude-transcripts-2025") else {
        return;
    };
    let (events, _) = map_file(
        &mut ClaudeTranscriptMapper::main(),
        &old.join("todowrite_examples.jsonl"),
    );
    let todos: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::TodoUpdated(t) => Some(t),
            _ => None,
        })
        .collect();
    let sizes: Vec<u32> = todos.iter().map(|t| t.stats.total).collect();
    assert_eq!(sizes, [5, 5, 6], "one list per TodoWrite call");
    assert_eq!(
        todos[2].stats.completed,
        todos[2]
            .todos
            .iter()
            .filter(|t| t.status == agentcast_shared::TodoStatus::Completed)
            .count() as u32
    );
    // The summary at the end is the session's title.
    let title = events.iter().find_map(|e| match e {
        Event::AgentNotification(n) if n.kind == "title" => Some(n.message.as_str()),
        _ => None,
    });
    assert_eq!(title, Some("Feature Implementation with Task Management"));
}

fn entry(kind: &str, extra: Value) -> String {
    let mut entry = json!({
        "type": kind,
        "sessionId": "s-1",
        "cwd": "/w",
        "version": "2.1.0",
        "gitBranch": "main",
        "timestamp": "2026-01-01T00:00:00.000Z",
    });
    entry
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    entry.to_string()
}

fn assistant(uuid: &str, id: &str, at: &str, content: Value) -> String {
    entry(
        "assistant",
        json!({"uuid": uuid, "timestamp": at, "message": {
            "id": id, "role": "assistant", "model": "claude-x", "content": content,
            "usage": {"input_tokens": 10, "output_tokens": 5}
        }}),
    )
}

fn user(uuid: &str, at: &str, content: Value, extra: Value) -> String {
    let mut fields =
        json!({"uuid": uuid, "timestamp": at, "message": {"role": "user", "content": content}});
    fields
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    entry("user", fields)
}

#[test]
fn one_entry_per_block_and_replayed_entries_are_shown_once() {
    let text = assistant(
        "u1",
        "m1",
        "2026-01-01T00:00:01Z",
        json!([{"type": "text", "text": "Hi"}]),
    );
    let call = assistant(
        "u2",
        "m1",
        "2026-01-01T00:00:02Z",
        json!([{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "a"}}]),
    );
    // A resumed file writes the message again, with new uuids and both blocks at once.
    let again = assistant(
        "u3",
        "m1",
        "2026-01-01T00:00:03Z",
        json!([{"type": "text", "text": "Hi"}, {"type": "tool_use", "id": "t1", "name": "Read", "input": {}}]),
    );
    let out = map(&[&text, &call, &text, &again]);
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "output.text",
            "usage.updated",
            "tool.started"
        ]
    );
    let usage = get!(out[2], UsageUpdated);
    assert_eq!((usage.input_tokens, usage.output_tokens), (10, 5));
}

#[test]
fn tool_results_carry_durations_errors_and_bounded_output() {
    let call = assistant(
        "u1",
        "m1",
        "2026-01-01T00:00:01.000Z",
        json!([{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "yes"}}]),
    );
    let huge = "y\n".repeat(600_000);
    let result = user(
        "u2",
        "2026-01-01T00:00:03.250Z",
        json!([{"type": "tool_result", "tool_use_id": "t1", "content": huge}]),
        json!({"toolUseResult": {"stdout": huge, "stderr": "", "interrupted": true}}),
    );
    let out = map(&[&call, &result]);
    let done: &ToolCompleted = get!(out[3], ToolCompleted);
    assert_eq!(done.duration_ms, Some(2_250));
    assert!(done.is_error, "interrupted");
    assert_eq!(done.output_bytes, huge.len() as u64);
    assert_eq!(done.output_preview.len(), 64, "bounded like stream-json's");

    // The stream-json mapper truncates the same result the same way.
    let mut stream = ClaudeMapper::new(SessionContext::new("s", SessionSource::Run), small());
    let mut events = Vec::new();
    let line = json!({"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "t1", "content": huge}]}});
    stream.map_line(&line.to_string(), 0, &mut events).unwrap();
    let streamed = get!(events[0], ToolCompleted);
    assert_eq!(
        (&streamed.output_preview, streamed.output_bytes),
        (&done.output_preview, done.output_bytes)
    );
}

#[test]
fn malformed_and_truncated_lines_are_not_json_and_never_panic() {
    let line = assistant(
        "u1",
        "m1",
        "2026-01-01T00:00:01Z",
        json!([{"type": "text", "text": "héllo"}]),
    );
    let mut mapper = ClaudeTranscriptMapper::main();
    for end in 0..line.len() {
        if !line.is_char_boundary(end) {
            continue;
        }
        let mut out = Vec::new();
        let result = mapper.map_line(&line[..end], 0, &mut out);
        assert!(result.is_err(), "{:?}", &line[..end]);
        assert!(out.is_empty());
    }
    for bad in ["{", "}", "nul", "{\"type\":", "\u{0}", "[1,"] {
        assert!(mapper.map_line(bad, 0, &mut Vec::new()).is_err(), "{bad:?}");
    }
    // Deep nesting is JSON the mapper does not read: raw, without overflowing the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut out = Vec::new();
    assert_eq!(mapper.map_line(&deep, 0, &mut out), Ok(Mapped::Raw));
    let deep_entry = format!(
        r#"{{"type":"user","x":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(mapper.map_line(&deep_entry, 0, &mut out).is_ok());
}

#[test]
fn unknown_entries_are_raw_and_bookkeeping_is_consumed() {
    let lines = [
        entry(
            "file-history-snapshot",
            json!({"messageId": "x", "snapshot": {}}),
        ),
        entry("progress", json!({"data": {"type": "bash_progress"}})),
        entry(
            "system",
            json!({"subtype": "turn_duration", "durationMs": 5}),
        ),
        entry("brand-new-entry", json!({"x": 1})),
        entry(
            "assistant",
            json!({"message": {"id": "m", "content": [{"type": "hologram"}]}}),
        ),
        entry("user", json!({"message": {"role": "user"}})),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut mapper = ClaudeTranscriptMapper::main();
    let mut out = Vec::new();
    let mapped: Vec<Mapped> = lines
        .iter()
        .map(|line| mapper.map_line(line, 0, &mut out).unwrap())
        .collect();
    use Mapped::{Raw, Typed};
    assert_eq!(mapped, [Typed, Typed, Typed, Raw, Raw, Raw]);
    assert_eq!(
        kinds(&out),
        ["session.started", "agent.raw", "agent.raw", "agent.raw"]
    );
    assert_eq!(get!(out[1], AgentRaw).line, lines[3]);
}

#[test]
fn titles_compaction_notes_and_queued_prompts() {
    let out = map(&[
        r#"{"type":"summary","summary":"Fix the parser\nand more","leafUuid":"x"}"#,
        &user(
            "u1",
            "2026-01-01T00:00:01Z",
            json!("first prompt"),
            json!({}),
        ),
        &entry("custom-title", json!({"customTitle": "Parser work"})),
        &entry(
            "system",
            json!({"subtype": "compact_boundary", "content": "Conversation compacted", "compactMetadata": {"trigger": "auto", "preTokens": 155000}}),
        ),
        &user(
            "u2",
            "2026-01-01T00:00:02Z",
            json!("This session is being continued..."),
            json!({"isCompactSummary": true}),
        ),
        &entry(
            "system",
            json!({"subtype": "local_command", "content": "<local-command-stdout>ok</local-command-stdout>"}),
        ),
        &user(
            "u3",
            "2026-01-01T00:00:03Z",
            json!("Caveat: the messages below..."),
            json!({"isMeta": true}),
        ),
        &entry(
            "queue-operation",
            json!({"operation": "enqueue", "content": "also run the tests"}),
        ),
        &entry(
            "attachment",
            json!({"uuid": "a1", "attachment": {"type": "queued_command", "prompt": "also run the tests"}}),
        ),
        &user(
            "u4",
            "2026-01-01T00:00:04Z",
            json!("also run the tests"),
            json!({}),
        ),
        &user(
            "u5",
            "2026-01-01T00:00:05Z",
            json!("also run the tests"),
            json!({}),
        ),
    ]);
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "user.prompt",
            "agent.notification",
            "agent.notification",
            "agent.notification",
            "agent.notification",
            "user.prompt",
            "user.prompt"
        ]
    );
    assert_eq!(
        get!(out[0], SessionStarted).label.as_deref(),
        Some("Fix the parser"),
        "a title before the first prompt names the session"
    );
    let notes: Vec<(&str, &str)> = out[2..6]
        .iter()
        .map(|e| {
            let n = get!(*e, AgentNotification);
            (n.kind.as_str(), n.message.as_str())
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("title", "Parser work"),
            ("compact", "context compacted (auto)"),
            ("compact_summary", "This session is being continued..."),
            (
                "local_command",
                "<local-command-stdout>ok</local-command-stdout>"
            ),
        ]
    );
    // The queued prompt once from its attachment; the same text given again later is a new
    // prompt.
    assert_eq!(get!(out[6], UserPrompt).text, "also run the tests");
    assert_eq!(get!(out[7], UserPrompt).text, "also run the tests");
}

/// Usage per assistant message and the session's total, on the repository's todos run (eight
/// model answers of the fake, each `input 100, output 42, cache read 50, cache write 10`): a
/// `usage.updated` after each message adds that message's tokens, once however many entries
/// the message was written as, and the cost estimated from the price table (2.1.x transcripts
/// carry no cost per message); the `cost-state` at the end brings the CLI's own total, and
/// the totals agree with the stream's `result`.
#[test]
fn usage_per_message_and_the_session_total() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/agents");
    let session = "47947d0f-ddac-4a6e-9db2-e22040d263e6";
    let events = transcript_events(&root.join(RUN_DIR), session);
    let usage: Vec<(u64, u64, u64, u64, f64)> = events
        .iter()
        .filter_map(|e| match e {
            Event::UsageUpdated(u) => Some((
                u.input_tokens,
                u.output_tokens,
                u.cache_read_tokens,
                u.cache_creation_tokens,
                u.total_cost_usd,
            )),
            _ => None,
        })
        .collect();
    // Before the `cost-state`, the cost is the sum of the messages' estimates (the price
    // table's claude-opus-5-5: 100 x $4 + 42 x $20 + 50 x $0.20 + 10 x $5 per million).
    let message = 0.0009825;
    let tokens: Vec<_> = usage.iter().map(|u| (u.0, u.1, u.2, u.3)).collect();
    let per_message: Vec<(u64, u64, u64, u64)> =
        (1..=8).map(|n| (100 * n, 42 * n, 50 * n, 10 * n)).collect();
    assert_eq!(tokens[..8], per_message[..], "one report per message");
    for (n, u) in usage[..8].iter().enumerate() {
        let estimate = message * (n + 1) as f64;
        assert!((u.4 - estimate).abs() < 1e-12, "message {n}: {u:?}");
    }
    // The estimates add up to the `cost-state`'s total, so it changes nothing.
    assert_eq!(usage.len(), 8, "{usage:?}");
    assert_eq!(usage[7], (800, 336, 400, 80, 0.00786), "cost-state");
    let stream = stream_events_at(&root.join("claude-live/stream-todos.jsonl"));
    let Some(Event::UsageUpdated(last)) = stream
        .iter()
        .rev()
        .find(|e| matches!(e, Event::UsageUpdated(_)))
    else {
        panic!("no usage in the stream")
    };
    assert_eq!(
        (last.input_tokens, last.output_tokens, last.total_cost_usd),
        (800, 336, 0.00786),
        "the stream's result"
    );
    let ended = stream.iter().find_map(|e| match e {
        Event::SessionEnded(ended) => ended.total_cost_usd,
        _ => None,
    });
    assert_eq!(ended, Some(0.00786));
}

/// The newest title names the session, but a name the user gave (`/rename`) is not replaced
/// by one the CLI generated afterwards; the same title again says nothing.
#[test]
fn a_user_s_title_outlives_generated_ones() {
    let mut mapper = ClaudeTranscriptMapper::main().with_limits(small());
    let out = map_lines(
        &mut mapper,
        &[
            &user("u1", "2026-01-01T00:00:01Z", json!("fix it"), json!({})),
            &entry("ai-title", json!({"aiTitle": "Fixing things"})),
            &entry("ai-title", json!({"aiTitle": "Fixing things"})),
            &entry("summary", json!({"summary": "Parser fix"})),
            &entry("custom-title", json!({"customTitle": "My parser"})),
            &entry("ai-title", json!({"aiTitle": "Parser fixing"})),
            &entry("custom-title", json!({"customTitle": "Our parser"})),
        ],
    );
    let titles: Vec<&str> = out
        .iter()
        .filter_map(|e| match e {
            Event::AgentNotification(n) if n.kind == AgentNotification::TITLE => {
                Some(n.message.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        titles,
        ["Fixing things", "Parser fix", "My parser", "Our parser"]
    );
    assert_eq!(mapper.label(), Some("Our parser"));
    assert_eq!(
        get!(out[0], SessionStarted).label.as_deref(),
        Some("fix it")
    );
}

#[test]
fn sidechains_of_older_transcripts_nest_under_the_running_task() {
    let task = assistant(
        "u1",
        "m1",
        "2026-01-01T00:00:01Z",
        json!([{"type": "tool_use", "id": "task1", "name": "Task", "input": {"description": "look", "prompt": "Look for it"}}]),
    );
    let sub_prompt = user(
        "u2",
        "2026-01-01T00:00:02Z",
        json!("Look for it"),
        json!({"isSidechain": true}),
    );
    let mut sub_answer = assistant(
        "u3",
        "m2",
        "2026-01-01T00:00:03Z",
        json!([{"type": "text", "text": "Found"}]),
    );
    sub_answer = sub_answer.replacen(
        "\"type\":\"assistant\"",
        "\"type\":\"assistant\",\"isSidechain\":true",
        1,
    );
    let result = user(
        "u4",
        "2026-01-01T00:00:04Z",
        json!([{"type": "tool_result", "tool_use_id": "task1", "content": "Found it"}]),
        json!({}),
    );
    let out = map(&[&task, &sub_prompt, &sub_answer, &result]);
    assert_eq!(
        kinds(&out),
        [
            "session.started",
            "tool.started",
            "agent.delegation",
            "usage.updated",
            "output.text",
            "usage.updated",
            "tool.completed",
            "agent.delegation"
        ]
    );
    assert_eq!(
        get!(out[4], OutputText).parent_tool_use_id.as_deref(),
        Some("task1")
    );
    let done = get!(out[7], AgentDelegation);
    assert_eq!(
        (done.status, done.duration_ms),
        (DelegationStatus::Completed, Some(3_000))
    );
}

/// The last `usage.updated` of a list of events.
fn last_usage(events: &[Event]) -> &UsageUpdated {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::UsageUpdated(u) => Some(u),
            _ => None,
        })
        .expect("a usage.updated")
}

/// Older CLIs wrote no cost at all: the session's cost is the sum of its messages' estimates
/// (computed by hand here: claude-sonnet-4 and claude-3-sonnet at $3 in, $15 out).
#[test]
fn older_transcripts_are_priced_from_their_tokens() {
    let Some(old) = shared_fixtures("claude-transcripts-2025") else {
        return;
    };
    let expected = [
        // 883 input and 328 output tokens of claude-sonnet-4 in six messages.
        (
            "todowrite_examples.jsonl",
            (883.0 * 3.0 + 328.0 * 15.0) / 1e6,
            6,
        ),
        // 218 input and 445 output tokens of claude-3-sonnet in five messages.
        (
            "representative_messages.jsonl",
            (218.0 * 3.0 + 445.0 * 15.0) / 1e6,
            5,
        ),
    ];
    for (name, cost, messages) in expected {
        let (events, _) = map_file(&mut ClaudeTranscriptMapper::main(), &old.join(name));
        let total = last_usage(&events).total_cost_usd;
        assert!((total - cost).abs() < 1e-12, "{name}: {total} != {cost}");
        let priced: Vec<f64> = events
            .iter()
            .filter_map(|e| match e {
                Event::UsageUpdated(u) => u.message_cost_usd,
                _ => None,
            })
            .collect();
        assert_eq!(priced.len(), messages, "{name}: one estimate per message");
        assert!((priced.iter().sum::<f64>() - cost).abs() < 1e-12, "{name}");
    }
    let (events, _) = map_file(
        &mut ClaudeTranscriptMapper::main(),
        &old.join("edge_cases.jsonl"),
    );
    assert!(last_usage(&events).total_cost_usd > 0.0);
}

/// A 2.1.x transcript ends with the CLI's own total: the session's cost is that, whatever the
/// estimates before it said.
#[test]
fn a_2_1_transcript_s_total_is_its_last_cost_state() {
    let Some(dir) = run_dir() else {
        return;
    };
    for (_, session) in RUNS {
        let text = std::fs::read_to_string(dir.join(format!("{session}.jsonl"))).unwrap();
        let cost_state = text
            .lines()
            .rev()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|entry| entry["type"] == "cost-state")
            .and_then(|entry| entry["totalCostUSD"].as_f64())
            .expect("a cost-state");
        let events = transcript_events(&dir, session);
        assert_eq!(last_usage(&events).total_cost_usd, cost_state, "{session}");
    }
}

/// A `cost-state` replaces the estimates before it and the messages after it add theirs; a
/// model without a price gives its message no cost and leaves the total as it was.
#[test]
fn cost_state_then_estimates_and_unknown_models_add_nothing() {
    let message = |id: &str, model: &str| {
        entry(
            "assistant",
            json!({"uuid": id, "message": {
                "id": id, "role": "assistant", "model": model,
                "content": [{"type": "text", "text": id}],
                "usage": {"input_tokens": 1000, "output_tokens": 100}
            }}),
        )
    };
    // claude-haiku-4-5: 1000 x $1 + 100 x $5 per million.
    let haiku = 0.0015;
    let lines = [
        message("m1", "claude-haiku-4-5-20251001"),
        entry("cost-state", json!({"totalCostUSD": 0.5})),
        message("m2", "claude-haiku-4-5-20251001"),
        message("m3", "claude-opus-9"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let usage: Vec<(Option<f64>, f64)> = map(&lines)
        .iter()
        .filter_map(|e| match e {
            Event::UsageUpdated(u) => Some((u.message_cost_usd, u.total_cost_usd)),
            _ => None,
        })
        .collect();
    assert_eq!(
        usage,
        [
            (Some(haiku), haiku),
            (None, 0.5),
            (Some(haiku), 0.5 + haiku),
            (None, 0.5 + haiku),
        ]
    );
}
