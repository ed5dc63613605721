//! The audit log: one JSON object per line for what a security review asks about, tokens
//! accepted and refused (with the reason, never the token), refused connects, admin actions,
//! processes started and stopped, limits hit. To its own file (appended, mode 0600), to
//! stderr, or off.
//!
//! ```text
//! {"ts":"2026-11-24T12:00:00.123Z","event":"token.refused","via":"socket","ip":"127.0.0.1","reason":"expired","ns":"/sessions/s1"}
//! ```

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::config::AuditTarget;

/// Event names of the audit log.
pub mod events {
    pub const TOKEN_ACCEPTED: &str = "token.accepted";
    pub const TOKEN_REFUSED: &str = "token.refused";
    pub const TOKEN_REFRESHED: &str = "token.refreshed";
    pub const TOKEN_EXPIRED: &str = "token.expired";
    pub const CONNECT_REFUSED: &str = "connect.refused";
    pub const ADMIN_ACTION: &str = "admin.action";
    pub const PROCESS_STARTED: &str = "process.started";
    pub const PROCESS_STOPPED: &str = "process.stopped";
    pub const LIMIT_HIT: &str = "limit.hit";
}

/// Where audit lines go. Cheap to clone.
#[derive(Clone)]
pub struct Audit(Arc<Option<Mutex<Box<dyn Write + Send>>>>);

impl Audit {
    /// Opens the target (a file is created if missing and appended to).
    pub fn open(target: &AuditTarget) -> Result<Self, std::io::Error> {
        let writer: Box<dyn Write + Send> = match target {
            AuditTarget::Off => return Ok(Self::off()),
            AuditTarget::Stderr => Box::new(std::io::stderr()),
            AuditTarget::File(path) => Box::new(open_append(path)?),
        };
        Ok(Self(Arc::new(Some(Mutex::new(writer)))))
    }

    /// Records nothing.
    pub fn off() -> Self {
        Self(Arc::new(None))
    }

    /// Appends `{"ts", "event", ...fields}`. A failed write is logged, never fatal: the
    /// service goes on, the operator sees the error.
    pub fn record(&self, event: &str, fields: Value) {
        let Some(writer) = self.0.as_ref() else {
            return;
        };
        let mut line = Map::new();
        line.insert("ts".into(), Value::String(crate::store::now_ts()));
        line.insert("event".into(), Value::String(event.to_owned()));
        if let Value::Object(fields) = fields {
            line.extend(fields.into_iter().filter(|(_, v)| !v.is_null()));
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(err) = writer
            .write_all(text.as_bytes())
            .and_then(|()| writer.flush())
        {
            tracing::error!(%err, event, "cannot write the audit log");
        }
    }
}

fn open_append(path: &Path) -> Result<std::fs::File, std::io::Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("audit log {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lines_are_json_with_ts_and_event_and_no_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(&AuditTarget::File(path.clone())).unwrap();
        audit.record(
            events::TOKEN_REFUSED,
            json!({"reason": "expired", "sub": null}),
        );
        audit.record(events::ADMIN_ACTION, json!({"action": "session.delete"}));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["event"], "token.refused");
        assert_eq!(lines[0]["reason"], "expired");
        assert!(lines[0].get("sub").is_none());
        assert!(lines[0]["ts"].as_str().unwrap().ends_with('Z'));
        assert_eq!(lines[1]["action"], "session.delete");
    }
}
