//! `agentcast serve --demo`: a simulated agent session, looping, so a new user sees live
//! traffic at once: streamed thinking and text, several tools (one fails), a todo list that
//! progresses, a sub-agent delegation, usage and cost. The content is written for the demo.
//!
//! Each loop is a new session `demo-<n>`. `speed` scales the pacing (2.0 = twice as fast).

use std::time::Duration;

use agentcast_shared::{
    AgentDelegation, AgentKind, DelegationStatus, Event, OutputText, OutputThinking, SessionEnded,
    SessionSource, SessionStarted, SessionState, SessionStatus, TodoItem, TodoStatus, TodoUpdated,
    ToolCompleted, ToolStarted, UsageUpdated, UserPrompt, format_ts_millis,
};
use serde_json::json;

use crate::clock::now_unix_millis;
use crate::hub::Hub;

const MODEL: &str = "claude-demo-4";

/// One step of the script: wait, then publish. Built once per loop of the demo, so the size
/// of the `Publish` variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
enum Step {
    Pause(u64),
    Publish(Event),
    /// Streams `text` as `output.text` deltas (or thinking), a few words at a time.
    Stream {
        text: &'static str,
        thinking: bool,
        message_id: &'static str,
    },
    /// `session.ended`, with the duration measured when it is reached.
    End {
        turns: u32,
        cost: f64,
    },
}

/// Runs demo sessions one after another until the task is dropped.
pub async fn run(hub: Hub, speed: f64) {
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    for n in first_free(&hub).await.. {
        let session_id = format!("demo-{n}");
        if let Err(err) = play(&hub, &session_id, speed).await {
            tracing::warn!(%err, session.id = session_id, "demo session stopped");
            return;
        }
        pause(3000, speed).await;
    }
}

/// The first `demo-<n>` the store does not hold: a server restarted on the same data
/// directory starts new demo sessions instead of appending another run to its old ones.
async fn first_free(hub: &Hub) -> u64 {
    let mut n = 1;
    while let Ok(Some(_)) = hub.record(&format!("demo-{n}")).await {
        n += 1;
    }
    n
}

async fn pause(ms: u64, speed: f64) {
    tokio::time::sleep(Duration::from_secs_f64(ms as f64 / 1000.0 / speed)).await;
}

async fn play(hub: &Hub, session_id: &str, speed: f64) -> Result<(), crate::hub::HubError> {
    let started = now_unix_millis();
    let session = hub.session(session_id)?;
    for step in script(session_id, started) {
        match step {
            Step::Pause(ms) => pause(ms, speed).await,
            Step::Publish(event) => {
                session.publish(vec![event]).await?;
            }
            Step::End { turns, cost } => {
                let ended = Event::SessionEnded(SessionEnded {
                    status: SessionState::Completed,
                    exit_code: Some(0),
                    signal: None,
                    duration_ms: Some(now_unix_millis().saturating_sub(started)),
                    num_turns: Some(turns),
                    total_cost_usd: Some(cost),
                    message: None,
                });
                session.publish(vec![ended]).await?;
            }
            Step::Stream {
                text,
                thinking,
                message_id,
            } => {
                for piece in text.split_inclusive(' ').collect::<Vec<_>>().chunks(3) {
                    let text = piece.concat();
                    let event = if thinking {
                        Event::OutputThinking(OutputThinking {
                            message_id: Some(message_id.into()),
                            text,
                            delta: true,
                            parent_tool_use_id: None,
                        })
                    } else {
                        Event::OutputText(OutputText {
                            message_id: Some(message_id.into()),
                            text,
                            delta: true,
                            parent_tool_use_id: None,
                        })
                    };
                    session.publish(vec![event]).await?;
                    pause(60, speed).await;
                }
            }
        }
    }
    Ok(())
}

fn todos(states: [TodoStatus; 4]) -> Event {
    let items = [
        "Read the failing test",
        "Find where the date is parsed",
        "Fix the off-by-one in the leap-year check",
        "Run the whole test suite",
    ];
    let todos: Vec<TodoItem> = items
        .iter()
        .zip(states)
        .map(|(content, status)| TodoItem {
            content: content.to_string(),
            status,
            priority: None,
            active_form: None,
            id: None,
        })
        .collect();
    Event::TodoUpdated(TodoUpdated::new(todos))
}

fn tool_started(id: &str, name: &str, input: serde_json::Value, parent: Option<&str>) -> Event {
    Event::ToolStarted(ToolStarted {
        tool_use_id: id.into(),
        name: name.into(),
        input,
        parent_tool_use_id: parent.map(Into::into),
    })
}

fn tool_completed(id: &str, name: &str, ok: bool, output: &str, ms: u64) -> Event {
    sub_tool_completed(id, name, ok, output, ms, None)
}

fn sub_tool_completed(
    id: &str,
    name: &str,
    ok: bool,
    output: &str,
    ms: u64,
    parent: Option<&str>,
) -> Event {
    Event::ToolCompleted(ToolCompleted {
        tool_use_id: id.into(),
        name: Some(name.into()),
        is_error: !ok,
        output_preview: output.into(),
        output_bytes: output.len() as u64,
        duration_ms: Some(ms),
        parent_tool_use_id: parent.map(Into::into),
    })
}

fn usage(input: u64, output: u64, cache_read: u64, cost: f64) -> Event {
    Event::UsageUpdated(UsageUpdated {
        model: Some(MODEL.into()),
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        cache_creation_tokens: 1200,
        total_cost_usd: cost,
        message_cost_usd: None,
    })
}

fn script(session_id: &str, started_ms: u64) -> Vec<Step> {
    use Step::*;
    use TodoStatus::{Completed as Done, InProgress as Doing, Pending as Todo};
    vec![
        Publish(Event::SessionStarted(SessionStarted {
            session_id: session_id.into(),
            label: Some("Fix the leap-year bug (demo)".into()),
            project_id: Some("demo".into()),
            source: SessionSource::Demo,
            command: Some(vec![
                "claude".into(),
                "-p".into(),
                "fix the failing date test".into(),
            ]),
            cwd: Some("/home/demo/calendar".into()),
            model: Some(MODEL.into()),
            agent: Some(AgentKind::Claude),
            agent_session_id: None,
            git_branch: Some("main".into()),
            tools: ["Read", "Edit", "Bash", "Grep", "TodoWrite", "Task"]
                .map(String::from)
                .to_vec(),
            cli_version: Some("demo".into()),
            started_at: format_ts_millis(started_ms),
        })),
        Publish(Event::SessionStatus(SessionStatus {
            status: SessionState::Running,
            pid: None,
            message: None,
        })),
        Publish(Event::UserPrompt(UserPrompt {
            text: "The test `parses_feb_29` fails. Find out why and fix it.".into(),
            by: None,
        })),
        Pause(400),
        Stream {
            text: "The test name suggests a leap-year date. I should read the test first, then the parser, and keep a short plan.",
            thinking: true,
            message_id: "demo-msg-1",
        },
        Publish(todos([Doing, Todo, Todo, Todo])),
        Publish(usage(2400, 180, 0, 0.012)),
        Publish(tool_started(
            "demo-t1",
            "Read",
            json!({"file_path": "tests/dates.rs"}),
            None,
        )),
        Pause(500),
        Publish(tool_completed(
            "demo-t1",
            "Read",
            true,
            "#[test]\nfn parses_feb_29() {\n    assert!(parse(\"2024-02-29\").is_ok());\n}",
            480,
        )),
        Publish(todos([Done, Doing, Todo, Todo])),
        Stream {
            text: "The test expects 2024-02-29 to parse. Let me find where dates are validated.",
            thinking: false,
            message_id: "demo-msg-2",
        },
        Publish(tool_started(
            "demo-t2",
            "Grep",
            json!({"pattern": "fn is_leap", "path": "src"}),
            None,
        )),
        Pause(700),
        Publish(tool_completed(
            "demo-t2",
            "Grep",
            true,
            "src/calendar.rs:41: fn is_leap(year: i32) -> bool {",
            650,
        )),
        Publish(tool_started(
            "demo-t3",
            "Bash",
            json!({"command": "cargo test parses_feb_29"}),
            None,
        )),
        Pause(1500),
        Publish(tool_completed(
            "demo-t3",
            "Bash",
            false,
            "test parses_feb_29 ... FAILED\nthread panicked: day 29 out of range for month 2",
            1480,
        )),
        Publish(usage(6100, 420, 2400, 0.031)),
        Stream {
            text: "Confirmed: February 29 is rejected. I will ask a sub-agent to check the other calendar rules while I fix this one.",
            thinking: false,
            message_id: "demo-msg-3",
        },
        Publish(tool_started(
            "demo-t4",
            "Task",
            json!({"description": "Audit calendar rules", "subagent_type": "general-purpose"}),
            None,
        )),
        Publish(Event::AgentDelegation(AgentDelegation {
            tool_use_id: "demo-t4".into(),
            agent: Some("general-purpose".into()),
            task: Some("Audit calendar rules".into()),
            status: DelegationStatus::Started,
            duration_ms: None,
        })),
        Publish(tool_started(
            "demo-t5",
            "Read",
            json!({"file_path": "src/calendar.rs"}),
            Some("demo-t4"),
        )),
        Pause(600),
        Publish(sub_tool_completed(
            "demo-t5",
            "Read",
            true,
            "fn is_leap(year: i32) -> bool {\n    year % 4 == 0 && year % 100 != 0\n}",
            580,
            Some("demo-t4"),
        )),
        Pause(800),
        Publish(tool_completed(
            "demo-t4",
            "Task",
            true,
            "is_leap ignores the 400-year rule: 2000 is a leap year.",
            1900,
        )),
        Publish(Event::AgentDelegation(AgentDelegation {
            tool_use_id: "demo-t4".into(),
            agent: Some("general-purpose".into()),
            task: Some("Audit calendar rules".into()),
            status: DelegationStatus::Completed,
            duration_ms: Some(1900),
        })),
        Publish(todos([Done, Done, Doing, Todo])),
        Publish(tool_started(
            "demo-t6",
            "Edit",
            json!({"file_path": "src/calendar.rs", "old_string": "year % 4 == 0 && year % 100 != 0", "new_string": "(year % 4 == 0 && year % 100 != 0) || year % 400 == 0"}),
            None,
        )),
        Pause(400),
        Publish(tool_completed(
            "demo-t6",
            "Edit",
            true,
            "The file src/calendar.rs has been updated.",
            380,
        )),
        Publish(todos([Done, Done, Done, Doing])),
        Publish(tool_started(
            "demo-t7",
            "Bash",
            json!({"command": "cargo test"}),
            None,
        )),
        Pause(2000),
        Publish(tool_completed(
            "demo-t7",
            "Bash",
            true,
            "test result: ok. 42 passed; 0 failed",
            1960,
        )),
        Publish(todos([Done, Done, Done, Done])),
        Publish(usage(11800, 950, 7300, 0.064)),
        Stream {
            text: "Fixed: `is_leap` now follows the Gregorian rule (every 4 years, except centuries, except every 400 years). All 42 tests pass.",
            thinking: false,
            message_id: "demo-msg-4",
        },
        Publish(Event::SessionStatus(SessionStatus {
            status: SessionState::Completed,
            pid: None,
            message: None,
        })),
        End {
            turns: 7,
            cost: 0.064,
        },
    ]
}
