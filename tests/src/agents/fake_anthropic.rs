//! A scripted fake of Anthropic's Messages API for the real Claude Code CLI.
//!
//! `POST /v1/messages` with `"stream": true` is answered with server-sent events as the real
//! API sends them (`message_start`, `content_block_start`, `content_block_delta` with
//! `text_delta` or `input_json_delta`, `content_block_stop`, `message_delta` with the stop
//! reason, `message_stop`); a tool_use block makes the CLI run the tool for real and send its
//! result in the next request. Requests without `stream` (titles and other side requests) get
//! a short JSON message; `count_tokens` a count.
//!
//! The reply never depends on the order requests arrive in (the CLI sends side requests and
//! sub-agent requests concurrently): [`script`] reads it off the request itself. The
//! scenario is the `[scenario:NAME]` tag of the latest prompt that has one, the step is what
//! the messages since the model's last answer carry (a tool result, a task notification), and a sub-agent's
//! conversation is recognised by the `[subagent]` tag of its prompt.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::fake_http::{FakeApi, Shared, content_text, scenario_tag, sse};

/// What the Bash scenario runs.
pub const BASH_COMMAND: &str = "echo hello";
/// What the failing scenario runs: prints, then exits with 3.
pub const FAIL_COMMAND: &str = "echo about-to-fail; exit 3";
/// What the sub-agent of the task scenario runs.
pub const SUBAGENT_COMMAND: &str = "echo sub-agent-was-here";
/// What the permission scenario runs: a command Claude Code asks permission for (it writes
/// [`PERMISSION_FILE`] in the working directory).
pub const PERMISSION_COMMAND: &str = "touch approved.txt";
/// The file [`PERMISSION_COMMAND`] creates.
pub const PERMISSION_FILE: &str = "approved.txt";
/// The permission scenario's answer once the command ran.
pub const PERMISSION_DONE_TEXT: &str = "The file is created.";
/// How the permission scenario's answer starts when the command was refused; the tool
/// result's text (the refusal message) follows.
pub const PERMISSION_REFUSED_TEXT: &str = "The command was refused:";
/// The tool_use ids the scenarios use.
pub const BASH_TOOL_ID: &str = "toolu_bash_1";
pub const PERMISSION_TOOL_ID: &str = "toolu_touch_1";
pub const FAIL_TOOL_ID: &str = "toolu_fail_1";
pub const TASK_TOOL_ID: &str = "toolu_task_1";
pub const SUBAGENT_TOOL_ID: &str = "toolu_sub_1";
/// The hello scenario's answer.
pub const HELLO_TEXT: &str = "Hello from the fake model.";
/// The task scenario's last answer, once the task notification came.
pub const TASK_DONE_TEXT: &str = "The sub-agent is done.";
/// The sub-agent's answer once its command ran.
pub const SUBAGENT_DONE_TEXT: &str = "The sub-agent ran its command.";
/// The prompt of the Task the task scenario starts; its tag marks the sub-agent's requests.
pub const SUBAGENT_PROMPT: &str = "[subagent] Run the marker command and report that it ran.";
/// The subjects of the tasks the todos scenario creates, in order (the CLI numbers them 1,
/// 2, 3).
pub const TODO_SUBJECTS: [&str; 3] = ["Write the parser", "Test the parser", "Ship it"];
/// The todos scenario's calls, in order: it loads the task tools (deferred in 2.1.x), creates
/// [`TODO_SUBJECTS`], moves task 1 to `in_progress` then `completed`, and lists the tasks.
pub const TODO_TOOL_IDS: [&str; 7] = [
    "toolu_search_1",
    "toolu_create_1",
    "toolu_create_2",
    "toolu_create_3",
    "toolu_update_1",
    "toolu_update_2",
    "toolu_list_1",
];
/// The todo list the todos scenario ends with: `(id, subject, status)`.
pub fn todos_at_the_end() -> Vec<(String, String, String)> {
    [
        ("1", TODO_SUBJECTS[0], "completed"),
        ("2", TODO_SUBJECTS[1], "pending"),
        ("3", TODO_SUBJECTS[2], "pending"),
    ]
    .map(|(id, subject, status)| (id.into(), subject.into(), status.into()))
    .to_vec()
}
/// The todos scenario's last answer.
pub const TODOS_DONE_TEXT: &str = "The parser is written; two tasks remain.";
/// The mcp scenario's calls of agentcast's MCP tools (served by `agentcast mcp`, named as
/// Claude Code names MCP tools: `mcp__<server>__<tool>`), in order.
pub const MCP_CALLS: [(&str, &str); 2] = [
    ("toolu_mcp_list_1", "mcp__agentcast__list_sessions"),
    ("toolu_mcp_status_1", "mcp__agentcast__server_status"),
];
/// How the mcp scenario's last answer starts; the tool results it got follow, so what the
/// MCP server answered shows in the CLI's result.
pub const MCP_DONE_TEXT: &str = "Here is what agentcast reports:";

/// A scripted conversation, picked by the `[scenario:NAME]` tag of a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaudeScenario {
    /// One text answer.
    Hello,
    /// A Bash call of [`BASH_COMMAND`], then a text naming its output.
    Bash,
    /// A Bash call of [`FAIL_COMMAND`] (exit 3, an error result), then a text.
    Fail,
    /// A background Task whose sub-agent runs [`SUBAGENT_COMMAND`]; the main agent answers
    /// the launch, then [`TASK_DONE_TEXT`] when the task notification arrives.
    Task,
    /// Any number of prompts [`chat_prompt`]`(n)`, each answered [`chat_answer`]`(n)`: the
    /// interactive scenario.
    Chat,
    /// A Bash call of [`PERMISSION_COMMAND`], which needs permission, then
    /// [`PERMISSION_DONE_TEXT`] when it ran or [`PERMISSION_REFUSED_TEXT`] and the refusal.
    Permission,
    /// The todo list of Claude Code 2.1.x, one call per turn (see [`TODO_TOOL_IDS`]), then
    /// [`TODOS_DONE_TEXT`]. Needs [`ClaudeScenario::cli_args`].
    Todos,
    /// agentcast's MCP tools [`MCP_CALLS`], one per turn, then [`MCP_DONE_TEXT`] followed by
    /// their results. Needs `--mcp-config` naming the server `agentcast`, and the tools
    /// allowed.
    Mcp,
}

impl ClaudeScenario {
    /// The scenarios of one `claude -p` run each.
    pub const PRINT: [Self; 5] = [Self::Hello, Self::Bash, Self::Fail, Self::Task, Self::Todos];

    pub fn name(self) -> &'static str {
        match self {
            Self::Hello => "hello",
            Self::Bash => "bash",
            Self::Fail => "fail",
            Self::Task => "task",
            Self::Chat => "chat",
            Self::Todos => "todos",
            Self::Permission => "permission",
            Self::Mcp => "mcp",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::Hello,
            Self::Bash,
            Self::Fail,
            Self::Task,
            Self::Chat,
            Self::Todos,
            Self::Permission,
            Self::Mcp,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    /// The arguments `claude -p` needs to play this scenario. 2.1.328 offers its task tools
    /// only with some models (or `CLAUDE_CODE_ENABLE_TODO_TOOLS=1`); Sonnet 4.5 is one, its
    /// default model is not.
    pub fn cli_args(self) -> &'static [&'static str] {
        match self {
            Self::Todos => &["--model", "claude-sonnet-4-5"],
            _ => &[],
        }
    }

    /// The (first) prompt that plays this scenario.
    pub fn prompt(self) -> String {
        match self {
            Self::Chat => chat_prompt(1),
            other => format!(
                "[scenario:{}] please do the {} thing",
                other.name(),
                other.name()
            ),
        }
    }
}

/// The `turn`-th prompt of the chat scenario.
pub fn chat_prompt(turn: u32) -> String {
    format!("[scenario:chat] question {turn}")
}

/// The answer to [`chat_prompt`]`(turn)`.
pub fn chat_answer(turn: u32) -> String {
    format!("Answer {turn} from the fake model.")
}

/// A block of a scripted reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

/// A scripted reply: a name for the log, and its content blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub name: String,
    pub blocks: Vec<Block>,
}

impl Reply {
    fn new(name: impl Into<String>, blocks: Vec<Block>) -> Self {
        Self {
            name: name.into(),
            blocks,
        }
    }

    fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(name, vec![Block::Text(text.into())])
    }
}

fn tool_use(id: &str, name: &str, input: Value) -> Block {
    Block::ToolUse {
        id: id.into(),
        name: name.into(),
        input,
    }
}

/// The tool results of a message: (tool_use_id, its text).
fn tool_results(message: &Value) -> Vec<(String, String)> {
    let Some(blocks) = message["content"].as_array() else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter(|b| b["type"] == "tool_result")
        .map(|b| {
            (
                b["tool_use_id"].as_str().unwrap_or_default().to_owned(),
                content_text(&b["content"]),
            )
        })
        .collect()
}

/// True when the result of tool call `id` among `messages` is an error (a refused call).
fn refused(messages: &[Value], id: &str) -> bool {
    messages
        .iter()
        .filter_map(|m| m["content"].as_array())
        .flatten()
        .any(|b| b["type"] == "tool_result" && b["tool_use_id"] == id && b["is_error"] == true)
}

/// The next call of the todos scenario: the first of [`TODO_TOOL_IDS`] the conversation
/// holds no result of.
fn next_todo_call(messages: &[Value]) -> Option<Block> {
    let answered: Vec<String> = messages
        .iter()
        .flat_map(tool_results)
        .map(|(id, _)| id)
        .collect();
    let (n, id) = TODO_TOOL_IDS
        .iter()
        .enumerate()
        .find(|(_, id)| !answered.iter().any(|a| a == *id))?;
    let (name, input) = match n {
        0 => (
            "ToolSearch",
            json!({"query": "select:TaskCreate,TaskUpdate,TaskList", "max_results": 5}),
        ),
        1..=3 => {
            let subject = TODO_SUBJECTS[n - 1];
            (
                "TaskCreate",
                json!({"subject": subject, "description": format!("{subject}, carefully"),
                       "activeForm": format!("Doing: {subject}")}),
            )
        }
        4 => (
            "TaskUpdate",
            json!({"taskId": "1", "status": "in_progress"}),
        ),
        5 => ("TaskUpdate", json!({"taskId": "1", "status": "completed"})),
        _ => ("TaskList", json!({})),
    };
    Some(tool_use(id, name, input))
}

/// The reply to a streamed Messages request, from its content alone.
pub fn script(request: &Value) -> Reply {
    let empty = Vec::new();
    let messages = request["messages"].as_array().unwrap_or(&empty);
    if messages.is_empty() {
        return Reply::text("no messages", "OK.");
    }
    // What came since the model last spoke: tool results, a prompt, a task notification,
    // and the `system` messages the CLI appends after them.
    let since = messages
        .iter()
        .rposition(|m| m["role"] == "assistant")
        .map_or(0, |i| i + 1);
    let tail = &messages[since..];
    let results: Vec<(String, String)> = tail.iter().flat_map(tool_results).collect();
    let result_of = |id: &str| results.iter().find(|(i, _)| i == id).map(|(_, t)| t.trim());
    let last_text = tail
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| content_text(&m["content"]))
        .collect::<Vec<_>>()
        .join("\n");

    let first_text = messages.first().map(|m| content_text(&m["content"]));
    if first_text.is_some_and(|t| t.contains("[subagent]")) {
        return match result_of(SUBAGENT_TOOL_ID) {
            Some(_) => Reply::text("subagent: done", SUBAGENT_DONE_TEXT),
            None => Reply::new(
                "subagent: tool_use",
                vec![tool_use(
                    SUBAGENT_TOOL_ID,
                    "Bash",
                    json!({"command": SUBAGENT_COMMAND, "description": "Print a marker"}),
                )],
            ),
        };
    }

    let scenario = messages
        .iter()
        .rev()
        .filter(|m| m["role"] == "user")
        .find_map(|m| scenario_tag(&content_text(&m["content"])).map(str::to_owned))
        .and_then(|name| ClaudeScenario::from_name(&name));
    let Some(scenario) = scenario else {
        return Reply::text("untagged", "OK.");
    };
    let name = |step: &str| format!("{}: {step}", scenario.name());
    match scenario {
        ClaudeScenario::Hello => Reply::text(name("text"), HELLO_TEXT),
        ClaudeScenario::Bash => match result_of(BASH_TOOL_ID) {
            Some(output) => Reply::text(name("done"), format!("The command printed: {output}")),
            None if results.is_empty() => Reply::new(
                name("tool_use"),
                vec![
                    Block::Text("Running the command.".into()),
                    tool_use(
                        BASH_TOOL_ID,
                        "Bash",
                        json!({"command": BASH_COMMAND, "description": "Print hello"}),
                    ),
                ],
            ),
            None => Reply::text(name("unexpected tool result"), "Unexpected tool result."),
        },
        ClaudeScenario::Fail => match result_of(FAIL_TOOL_ID) {
            Some(_) => Reply::text(name("done"), "The command failed."),
            None if results.is_empty() => Reply::new(
                name("tool_use"),
                vec![
                    Block::Text("Running a failing command.".into()),
                    tool_use(
                        FAIL_TOOL_ID,
                        "Bash",
                        json!({"command": FAIL_COMMAND, "description": "Fail on purpose"}),
                    ),
                ],
            ),
            None => Reply::text(name("unexpected tool result"), "Unexpected tool result."),
        },
        ClaudeScenario::Task => {
            if last_text.contains("<task-notification>") {
                Reply::text(name("notified"), TASK_DONE_TEXT)
            } else if result_of(TASK_TOOL_ID).is_some() {
                Reply::text(name("launched"), "Delegated; waiting for the sub-agent.")
            } else if results.is_empty() {
                Reply::new(
                    name("tool_use"),
                    vec![
                        Block::Text("Delegating.".into()),
                        tool_use(
                            TASK_TOOL_ID,
                            "Task",
                            json!({
                                "description": "Run a command",
                                "subagent_type": "general-purpose",
                                "prompt": SUBAGENT_PROMPT,
                            }),
                        ),
                    ],
                )
            } else {
                Reply::text(name("unexpected tool result"), "Unexpected tool result.")
            }
        }
        ClaudeScenario::Permission => match result_of(PERMISSION_TOOL_ID) {
            Some(_) if refused(tail, PERMISSION_TOOL_ID) => Reply::text(
                name("refused"),
                format!(
                    "{PERMISSION_REFUSED_TEXT} {}",
                    result_of(PERMISSION_TOOL_ID).unwrap_or_default()
                ),
            ),
            Some(_) => Reply::text(name("done"), PERMISSION_DONE_TEXT),
            None if results.is_empty() => Reply::new(
                name("tool_use"),
                vec![
                    Block::Text("Creating the file.".into()),
                    tool_use(
                        PERMISSION_TOOL_ID,
                        "Bash",
                        json!({"command": PERMISSION_COMMAND, "description": "Create a file"}),
                    ),
                ],
            ),
            None => Reply::text(name("unexpected tool result"), "Unexpected tool result."),
        },
        ClaudeScenario::Mcp => {
            let next = MCP_CALLS.iter().find(|(id, _)| {
                !messages
                    .iter()
                    .flat_map(tool_results)
                    .any(|(i, _)| i == *id)
            });
            match next {
                Some((id, tool)) => Reply::new(name(tool), vec![tool_use(id, tool, json!({}))]),
                None => {
                    let results: Vec<(String, String)> =
                        messages.iter().flat_map(tool_results).collect();
                    let mut text = MCP_DONE_TEXT.to_owned();
                    for (id, _) in MCP_CALLS {
                        let result = results.iter().find(|(i, _)| i == id);
                        text.push_str(&format!("\n{}", result.map_or("", |(_, t)| t.as_str())));
                    }
                    Reply::text(name("done"), text)
                }
            }
        }
        ClaudeScenario::Todos => match next_todo_call(messages) {
            Some(call) => Reply::new(name("tool_use"), vec![call]),
            None => Reply::text(name("done"), TODOS_DONE_TEXT),
        },
        ClaudeScenario::Chat => {
            // The latest question: after an interrupted turn the model sees two in a row.
            let turn = last_text
                .rsplit_once("question ")
                .map(|(_, rest)| rest)
                .and_then(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
                .unwrap_or(0);
            Reply::text(name(&format!("turn {turn}")), chat_answer(turn))
        }
    }
}

/// The server-sent events of `reply` as the Messages API streams it.
fn stream_events(reply: &Reply, id: &str, model: &str) -> Vec<(&'static str, Value)> {
    let mut events = vec![(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 100, "output_tokens": 1,
                      "cache_read_input_tokens": 50, "cache_creation_input_tokens": 10}}}),
    )];
    let mut stop_reason = "end_turn";
    for (index, block) in reply.blocks.iter().enumerate() {
        let (start, deltas) = match block {
            Block::Text(text) => (
                json!({"type": "text", "text": ""}),
                halves(text)
                    .into_iter()
                    .map(|t| json!({"type": "text_delta", "text": t}))
                    .collect::<Vec<_>>(),
            ),
            Block::ToolUse { id, name, input } => {
                stop_reason = "tool_use";
                (
                    json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                    halves(&input.to_string())
                        .into_iter()
                        .map(|j| json!({"type": "input_json_delta", "partial_json": j}))
                        .collect(),
                )
            }
        };
        events.push((
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        ));
        for delta in deltas {
            events.push((
                "content_block_delta",
                json!({"type": "content_block_delta", "index": index, "delta": delta}),
            ));
        }
        events.push((
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push((
        "message_delta",
        json!({"type": "message_delta",
               "delta": {"stop_reason": stop_reason, "stop_sequence": null},
               "usage": {"output_tokens": 42}}),
    ));
    events.push(("message_stop", json!({"type": "message_stop"})));
    events
}

/// `text` in two pieces (at a char boundary), so the CLI sees a real stream of deltas.
fn halves(text: &str) -> Vec<&str> {
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    let (a, b) = text.split_at(mid);
    [a, b].into_iter().filter(|s| !s.is_empty()).collect()
}

/// The fake Messages API (its url is the CLI's `ANTHROPIC_BASE_URL`); the [`FakeApi`] it
/// derefs to has its request log and gate. Stops when dropped.
pub struct FakeAnthropic(FakeApi);

impl FakeAnthropic {
    pub async fn start() -> anyhow::Result<Self> {
        let router = Router::new()
            .route("/v1/messages", post(messages))
            .route("/v1/messages/count_tokens", post(count_tokens));
        Ok(Self(FakeApi::start(router).await?))
    }
}

impl std::ops::Deref for FakeAnthropic {
    type Target = FakeApi;

    fn deref(&self) -> &FakeApi {
        &self.0
    }
}

async fn messages(State(shared): State<Shared>, body: axum::body::Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = format!("msg_fake_{}", shared.next_id());
    let model = request["model"]
        .as_str()
        .unwrap_or("claude-fake")
        .to_owned();
    if request["stream"] != true {
        shared.log.push("/v1/messages", request, "side request");
        return Json(json!({
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "Fake title"}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 3}}))
        .into_response();
    }
    let reply = script(&request);
    shared.log.push("/v1/messages", request, reply.name.clone());
    shared.gate.passed().await;
    sse(&stream_events(&reply, &id, &model))
}

async fn count_tokens(State(shared): State<Shared>, body: axum::body::Bytes) -> Json<Value> {
    let request = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared
        .log
        .push("/v1/messages/count_tokens", request, "count");
    Json(json!({"input_tokens": 100}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(content: Value) -> Value {
        json!({"role": "user", "content": content})
    }

    fn request(messages: Vec<Value>) -> Value {
        json!({"model": "m", "stream": true, "messages": messages})
    }

    fn tool_ids(reply: &Reply) -> Vec<&str> {
        reply
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::ToolUse { id, .. } => Some(id.as_str()),
                Block::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_prompt_picks_the_scenario_and_the_last_message_the_step() {
        let prompt = user(
            json!([{"type": "text", "text": "<system-reminder>x</system-reminder>"},
                                  {"type": "text", "text": ClaudeScenario::Bash.prompt()}]),
        );
        let first = script(&request(vec![prompt.clone()]));
        assert_eq!(first.name, "bash: tool_use");
        assert_eq!(tool_ids(&first), [BASH_TOOL_ID]);

        let result = user(json!([{"type": "tool_result", "tool_use_id": BASH_TOOL_ID,
                                   "content": "hello\n"}]));
        let assistant = json!({"role": "assistant", "content": []});
        // The CLI appends `system` messages after the results.
        let system = json!({"role": "system", "content": [{"type": "text", "text": "# Env"}]});
        let done = script(&request(vec![prompt, assistant, result, system]));
        assert_eq!(
            done,
            Reply::text("bash: done", "The command printed: hello")
        );
    }

    #[test]
    fn a_foreign_tool_result_ends_the_turn_instead_of_looping() {
        let prompt = user(json!(ClaudeScenario::Fail.prompt()));
        let other = user(json!([{"type": "tool_result", "tool_use_id": "x", "content": "?"}]));
        let reply = script(&request(vec![prompt, other]));
        assert!(tool_ids(&reply).is_empty(), "{reply:?}");
    }

    #[test]
    fn the_task_scenario_and_its_sub_agent() {
        let prompt = user(json!(ClaudeScenario::Task.prompt()));
        assert_eq!(
            tool_ids(&script(&request(vec![prompt.clone()]))),
            [TASK_TOOL_ID]
        );
        let launched = user(json!([{"type": "tool_result", "tool_use_id": TASK_TOOL_ID,
                                     "content": [{"type": "text", "text": "launched"}]}]));
        assert_eq!(
            script(&request(vec![prompt.clone(), launched])).name,
            "task: launched"
        );
        let notified = user(json!("<task-notification>\n<status>completed</status>"));
        assert_eq!(
            script(&request(vec![prompt, notified])).blocks,
            [Block::Text(TASK_DONE_TEXT.into())]
        );

        let sub = user(json!(SUBAGENT_PROMPT));
        assert_eq!(
            tool_ids(&script(&request(vec![sub.clone()]))),
            [SUBAGENT_TOOL_ID]
        );
        let ran = user(
            json!([{"type": "tool_result", "tool_use_id": SUBAGENT_TOOL_ID,
                                "content": "sub-agent-was-here"}]),
        );
        assert_eq!(script(&request(vec![sub, ran])).name, "subagent: done");
    }

    #[test]
    fn the_todos_scenario_makes_one_call_per_answered_one() {
        let mut messages = vec![user(json!(ClaudeScenario::Todos.prompt()))];
        let mut names = Vec::new();
        loop {
            let reply = script(&request(messages.clone()));
            let Some(Block::ToolUse { id, name, .. }) = reply.blocks.first().cloned() else {
                assert_eq!(reply.blocks, [Block::Text(TODOS_DONE_TEXT.into())]);
                break;
            };
            names.push(name);
            messages.push(json!({"role": "assistant", "content": []}));
            messages.push(user(
                json!([{"type": "tool_result", "tool_use_id": id, "content": "ok"}]),
            ));
        }
        assert_eq!(
            names,
            [
                "ToolSearch",
                "TaskCreate",
                "TaskCreate",
                "TaskCreate",
                "TaskUpdate",
                "TaskUpdate",
                "TaskList"
            ]
        );
    }

    #[test]
    fn chat_answers_each_prompt_by_its_number_and_untagged_requests_get_ok() {
        let second = request(vec![
            user(json!(chat_prompt(1))),
            json!({"role": "assistant", "content": []}),
            user(json!(chat_prompt(2))),
        ]);
        assert_eq!(script(&second).blocks, [Block::Text(chat_answer(2))]);
        assert_eq!(script(&request(vec![user(json!("hi"))])).name, "untagged");
    }

    #[test]
    fn a_stream_splits_text_and_tool_input_into_deltas_and_says_why_it_stopped() {
        let reply = script(&request(vec![user(json!(ClaudeScenario::Bash.prompt()))]));
        let events = stream_events(&reply, "msg_1", "m");
        let names: Vec<&str> = events.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.first(), Some(&"message_start"));
        assert_eq!(names.last(), Some(&"message_stop"));
        let input: String = events
            .iter()
            .filter_map(|(_, e)| e["delta"]["partial_json"].as_str())
            .collect();
        let input: Value = serde_json::from_str(&input).unwrap();
        assert_eq!(input["command"], BASH_COMMAND);
        let delta = events.iter().find(|(n, _)| *n == "message_delta").unwrap();
        assert_eq!(delta.1["delta"]["stop_reason"], "tool_use");
        assert_eq!(halves("é"), ["é"], "never splits inside a character");
    }
}
