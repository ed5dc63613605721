//! What the two fake model APIs share: serving a router on an ephemeral port of 127.0.0.1,
//! the log of the requests they answered, a gate that holds replies back, and SSE bodies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
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

/// A router served on 127.0.0.1:0 until dropped.
pub(crate) struct Served {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    task: JoinHandle<()>,
}

impl Served {
    pub(crate) async fn start(router: Router) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { url, task })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
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
