//! What the two fake model APIs share: [`FakeApi`], a router served on an ephemeral port of
//! 127.0.0.1 with the log of the requests it answered and a gate that holds replies back;
//! SSE bodies; reading a prompt's text and scenario tag.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{OriginalUri, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The longest a held reply waits for [`Gate::open`]: a test that forgets to open fails
/// with the agent's error instead of hanging.
pub const HOLD_LIMIT: Duration = Duration::from_secs(60);

/// One request a fake answered.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// The path, such as `/v1/messages`.
    pub path: String,
    /// The JSON body (`Null` when it was not JSON).
    pub body: Value,
    /// What the fake answered, by name (`"bash: tool_use"`, `"side request"`, ...).
    pub reply: String,
}

/// The request log; a std mutex because it is held only to push or copy, never across an
/// `.await`.
#[derive(Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Vec<LoggedRequest>>>);

impl RequestLog {
    pub(crate) fn push(&self, path: &str, body: Value, reply: impl Into<String>) {
        let entry = LoggedRequest {
            path: path.to_owned(),
            body,
            reply: reply.into(),
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    }

    pub(crate) fn all(&self) -> Vec<LoggedRequest> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Holds the fake's streamed replies while closed (to catch an agent in the middle of a
/// turn); open at start.
#[derive(Clone)]
pub(crate) struct Gate(Arc<watch::Sender<bool>>);

impl Default for Gate {
    fn default() -> Self {
        Self(Arc::new(watch::channel(true).0))
    }
}

impl Gate {
    pub(crate) fn set_open(&self, open: bool) {
        self.0.send_replace(open);
    }

    /// Waits until open, [`HOLD_LIMIT`] at most.
    pub(crate) async fn passed(&self) {
        let mut open = self.0.subscribe();
        let _ = tokio::time::timeout(HOLD_LIMIT, open.wait_for(|open| *open)).await;
    }
}

/// What the handlers of a fake share.
#[derive(Clone, Default)]
pub(crate) struct Shared {
    pub(crate) log: RequestLog,
    pub(crate) gate: Gate,
    next_id: Arc<AtomicU64>,
}

impl Shared {
    /// 1, 2, 3...: numbers the fake's message and response ids.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// A running fake model API; stops when dropped.
pub struct FakeApi {
    url: String,
    shared: Shared,
    task: JoinHandle<()>,
}

impl FakeApi {
    /// Serves `router` (unknown paths answer 404 and are logged) on 127.0.0.1:0.
    pub(crate) async fn start(router: Router<Shared>) -> anyhow::Result<Self> {
        let shared = Shared::default();
        let router = router.fallback(unknown).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { url, shared, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.all()
    }

    /// The names of the replies given so far (`"bash: tool_use"`, ...), in order.
    pub fn replies(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.reply).collect()
    }

    /// Holds streamed replies back (for at most [`HOLD_LIMIT`]) until
    /// [`release`](Self::release): an agent caught in the middle of a turn.
    pub fn hold(&self) {
        self.shared.gate.set_open(false);
    }

    /// Lets held and later replies go.
    pub fn release(&self) {
        self.shared.gate.set_open(true);
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn unknown(State(shared): State<Shared>, uri: OriginalUri) -> (StatusCode, Json<Value>) {
    shared.log.push(uri.path(), Value::Null, "not found");
    (
        StatusCode::NOT_FOUND,
        Json(
            json!({"type": "error", "error": {"type": "not_found_error", "message": "not faked"}}),
        ),
    )
}

/// A whole server-sent-events body: `event: <name>` and `data: <json>` per event.
pub(crate) fn sse(events: &[(&str, Value)]) -> Response {
    let mut body = String::new();
    for (name, data) in events {
        body.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    }
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The text of a message content: a string, or the `text` of its blocks joined by newlines.
pub(crate) fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The scenario named by a `[scenario:NAME]` tag in `text`.
pub(crate) fn scenario_tag(text: &str) -> Option<&str> {
    let start = text.find("[scenario:")? + "[scenario:".len();
    let len = text[start..].find(']')?;
    Some(&text[start..start + len])
}
