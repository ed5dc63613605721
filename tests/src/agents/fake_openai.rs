//! A scripted fake of OpenAI's Responses API for the real Codex CLI.
//!
//! `POST /v1/responses` is answered with server-sent events (`response.created`,
//! `response.output_item.added`, `response.output_text.delta`, `response.output_item.done`,
//! `response.completed` with usage). As with the Messages fake, the reply is read off the
//! request: the `[scenario:shell]` prompt gets an `exec_command` function call of
//! [`SHELL_COMMAND`], and the request carrying its output gets [`SHELL_DONE_TEXT`].

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::fake_http::{FakeApi, Shared, content_text, scenario_tag, sse};

/// The prompt of the shell scenario.
pub const SHELL_PROMPT: &str = "[scenario:shell] run a command";
/// What the shell scenario runs.
pub const SHELL_COMMAND: &str = "echo codex-was-here";
/// The call id of that command.
pub const SHELL_CALL_ID: &str = "call_1";
/// The answer once the command's output came back.
pub const SHELL_DONE_TEXT: &str = "The command printed codex-was-here.";

/// What the fake answers: a function call or a text.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Text(String),
    FunctionCall {
        call_id: String,
        name: String,
        arguments: Value,
    },
}

/// The reply to a Responses request, from its content alone: (name for the log, output).
pub fn script(request: &Value) -> (&'static str, Output) {
    let empty = Vec::new();
    let input = request["input"].as_array().unwrap_or(&empty);
    let last = input.last();
    if last.is_some_and(|i| i["type"] == "function_call_output" && i["call_id"] == SHELL_CALL_ID) {
        return ("shell: done", Output::Text(SHELL_DONE_TEXT.into()));
    }
    let tagged = input
        .iter()
        .filter(|i| i["role"] == "user")
        .any(|i| scenario_tag(&content_text(&i["content"])) == Some("shell"));
    if tagged && last.is_some_and(|i| i["role"] == "user") {
        return (
            "shell: function_call",
            Output::FunctionCall {
                call_id: SHELL_CALL_ID.into(),
                name: "exec_command".into(),
                arguments: json!({"cmd": SHELL_COMMAND}),
            },
        );
    }
    ("untagged", Output::Text("OK.".into()))
}

/// The server-sent events of one response holding `output`.
fn stream_events(output: &Output, n: u64, model: &str) -> Vec<(&'static str, Value)> {
    let response_id = format!("resp_{n}");
    let created = json!({"type": "response.created",
                         "response": {"id": response_id, "model": model, "status": "in_progress"}});
    let (added, deltas, done) = match output {
        Output::Text(text) => {
            let id = format!("msg_{n}");
            (
                json!({"type": "message", "id": id, "role": "assistant", "status": "in_progress",
                       "content": []}),
                vec![json!({"type": "response.output_text.delta", "item_id": id,
                            "output_index": 0, "content_index": 0, "delta": text})],
                json!({"type": "message", "id": id, "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": text, "annotations": []}]}),
            )
        }
        Output::FunctionCall {
            call_id,
            name,
            arguments,
        } => {
            let item = json!({"type": "function_call", "id": format!("fc_{n}"),
                              "call_id": call_id, "name": name,
                              "arguments": arguments.to_string(), "status": "completed"});
            (item.clone(), vec![], item)
        }
    };
    let mut events = vec![
        ("response.created", created),
        (
            "response.output_item.added",
            json!({"type": "response.output_item.added", "output_index": 0, "item": added}),
        ),
    ];
    events.extend(
        deltas
            .into_iter()
            .map(|d| ("response.output_text.delta", d)),
    );
    events.push((
        "response.output_item.done",
        json!({"type": "response.output_item.done", "output_index": 0, "item": done}),
    ));
    events.push((
        "response.completed",
        json!({"type": "response.completed", "response": {
            "id": response_id, "model": model, "status": "completed",
            "usage": {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 40},
                      "output_tokens": 12, "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": 132}}}),
    ));
    events
}

/// The fake Responses API; the [`FakeApi`] it derefs to has its request log and gate.
/// Stops when dropped.
pub struct FakeResponses(FakeApi);

impl FakeResponses {
    pub async fn start() -> anyhow::Result<Self> {
        let router = Router::new().route("/v1/responses", post(responses));
        Ok(Self(FakeApi::start(router).await?))
    }

    /// `http://127.0.0.1:PORT/v1`: the `base_url` of Codex's model provider.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.url())
    }
}

impl std::ops::Deref for FakeResponses {
    type Target = FakeApi;

    fn deref(&self) -> &FakeApi {
        &self.0
    }
}

async fn responses(State(shared): State<Shared>, body: axum::body::Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = shared.next_id();
    let model = request["model"].as_str().unwrap_or("gpt-fake").to_owned();
    let (name, output) = script(&request);
    shared.log.push("/v1/responses", request, name);
    shared.gate.passed().await;
    sse(&stream_events(&output, n, &model))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Value {
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]})
    }

    #[test]
    fn the_shell_prompt_gets_a_command_and_its_output_an_answer() {
        let prompt = json!({"input": [user("<environment_context/>"), user(SHELL_PROMPT)]});
        let (name, output) = script(&prompt);
        assert_eq!(name, "shell: function_call");
        let Output::FunctionCall { arguments, .. } = output else {
            panic!("{output:?}");
        };
        assert_eq!(arguments["cmd"], SHELL_COMMAND);

        let after = json!({"input": [user(SHELL_PROMPT),
            {"type": "function_call", "call_id": SHELL_CALL_ID, "name": "exec_command"},
            {"type": "function_call_output", "call_id": SHELL_CALL_ID, "output": "ok"}]});
        assert_eq!(script(&after).1, Output::Text(SHELL_DONE_TEXT.into()));
        assert_eq!(script(&json!({"input": [user("hi")]})).0, "untagged");
    }

    #[test]
    fn a_function_call_is_added_and_done_as_one_item() {
        let (_, output) = script(&json!({"input": [user(SHELL_PROMPT)]}));
        let events = stream_events(&output, 7, "gpt-5");
        let names: Vec<&str> = events.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.output_item.added",
                "response.output_item.done",
                "response.completed"
            ]
        );
        assert_eq!(events[2].1["item"]["call_id"], SHELL_CALL_ID);
        assert_eq!(events[3].1["response"]["usage"]["total_tokens"], 132);
    }
}
