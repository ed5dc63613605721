//! For the collector's tests (`tests/collect_*.rs`): transcript trees in temp dirs (the real
//! Claude Code fixtures copied into them), the serve flags that collect from them, and
//! reading what a session stored.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::http::Api;
use crate::server::ServerProcess;

/// `../shared/fixtures/claude-home` (a Claude Code home with `projects/`), found through the
/// fixture locator: `None` (after its notice) where the fixtures are absent and not required.
pub fn claude_home() -> Option<PathBuf> {
    let stream_json = agentcast_server::ingest::testing::claude_fixtures()?;
    let home = stream_json.parent()?.join("claude-home");
    assert!(home.is_dir(), "no {}", home.display());
    Some(home)
}

/// A fresh temp dir with `claude/` (a projects root) and `codex/` (a sessions root).
pub struct Roots {
    pub dir: PathBuf,
    pub claude: PathBuf,
    pub codex: PathBuf,
}

impl Roots {
    pub fn new() -> Self {
        let dir = crate::server::fresh_data_dir();
        let (claude, codex) = (dir.join("claude"), dir.join("codex"));
        std::fs::create_dir_all(&claude).unwrap();
        std::fs::create_dir_all(&codex).unwrap();
        Roots { dir, claude, codex }
    }

    /// The serve flags that collect from these roots only, plus `extra`.
    pub fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "--claude-projects-dir",
            self.claude.to_str().unwrap(),
            "--codex-sessions-dir",
            self.codex.to_str().unwrap(),
            "--stats-interval-ms",
            "100",
        ];
        args.extend_from_slice(extra);
        args
    }
}

impl Default for Roots {
    fn default() -> Self {
        Self::new()
    }
}

/// Copies the tree `from` into `to`, files writable (the fixtures are read-only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            let mut permissions = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&target, permissions).unwrap();
        }
    }
}

/// Appends `bytes` to `path` (created if missing).
pub fn append(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

/// Sets a file's modification time.
pub fn set_modified(path: &Path, at: SystemTime) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_modified(at).unwrap();
}

/// A Claude Code user entry of `session` whose prompt is `text`, as a transcript line.
pub fn user_line(session: &str, text: &str) -> String {
    serde_json::json!({
        "parentUuid": null, "isSidechain": false, "type": "user",
        "message": {"role": "user", "content": text},
        "uuid": format!("{session}-{text}"), "timestamp": "2026-12-06T15:36:21.767Z",
        "cwd": "/home/dev/example-app", "sessionId": session, "version": "2.1.328",
    })
    .to_string()
        + "\n"
}

/// Every stored event of `session`, in offset order (envelopes as the REST API gives them).
pub async fn stored_events(api: &Api, session: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = api
            .get(&format!(
                "/api/sessions/{session}/events?after={after}&limit=1000"
            ))
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        let batch = page.body["events"].as_array().cloned().unwrap_or_default();
        let Some(last) = batch.last() else {
            return events;
        };
        after = last["offset"].as_u64().unwrap();
        events.extend(batch);
        if page.body["has_more"] != true {
            return events;
        }
    }
}

/// The sessions listed, newest first.
pub async fn sessions(api: &Api) -> Vec<Value> {
    let list = api.get("/api/sessions?limit=1000").await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["sessions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Polls `check` every 50 ms until it gives `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    crate::server::within(secs, what, async {
        loop {
            if let Some(found) = check().await {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

/// The server's collector progress now (`get_status` on the hub namespace: its stats'
/// `collector`).
pub async fn collector_stats(server: &ServerProcess) -> Value {
    let mut hub = crate::raw::Client::connect(server.addr(), "/", None)
        .await
        .expect("connect to /");
    let status = hub.emit_with_ack("get_status", serde_json::json!({})).await;
    status["ok"]["stats"]["collector"].clone()
}

/// The import is over (every file found at start read to its end).
pub async fn imported(server: &ServerProcess) -> Value {
    eventually(30, "the import to end", || async {
        let stats = collector_stats(server).await;
        (stats["importing"] == false && stats["files_imported"] == stats["files_total"])
            .then_some(stats)
    })
    .await
}

/// An event's type and data without what depends on when it was read (times, durations),
/// to compare two readings of one transcript.
pub fn content(envelope: &Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|key, _| !(key.ends_with("_ms") || key.ends_with("_at") || key == "ts"));
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut content = serde_json::json!({"type": envelope["type"], "data": envelope["data"]});
    strip(&mut content);
    content
}
