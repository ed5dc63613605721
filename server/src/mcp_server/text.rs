//! The readable text of tool results: what a model reads first (the same facts are in the
//! structured content).

use agentcast_shared::Envelope;
use agentcast_shared::view::describe::describe;
use agentcast_shared::view::format;

use super::sessions::SessionRow;

/// One line per session, then its open permission requests.
pub(crate) fn sessions(rows: &[SessionRow], more: bool) -> String {
    if rows.is_empty() {
        return "No sessions match.".to_owned();
    }
    let mut out = String::new();
    for row in rows {
        out.push_str(&session(row));
        out.push('\n');
    }
    if more {
        out.push_str("(more sessions match: raise `limit` or narrow the filters)\n");
    }
    out
}

/// A session in one line (plus a line per open permission request).
pub(crate) fn session(row: &SessionRow) -> String {
    let mut parts = vec![format!("{:?}", row.status).to_lowercase()];
    if let Some(agent) = row.agent {
        parts.push(format!("{agent:?}").to_lowercase());
    }
    if let Some(model) = &row.model {
        parts.push(model.clone());
    }
    if let Some(cwd) = &row.cwd {
        parts.push(cwd.clone());
    }
    if let Some(project) = &row.project_id {
        parts.push(format!("project {project}"));
    }
    let tokens = row.input_tokens + row.output_tokens;
    if tokens > 0 {
        parts.push(format!("{} tokens", format::tokens(tokens)));
    }
    if let Some(cost) = row.total_cost_usd {
        parts.push(format::cost(cost));
    }
    parts.push(format!("{} events", row.head_offset));
    parts.push(format!("started {}", format::date_time(&row.started_at)));
    if row.controllable {
        parts.push("controllable".into());
    }
    let label = row
        .label
        .as_deref()
        .map(|label| format!(" \"{}\"", format::one_line(label, 60)))
        .unwrap_or_default();
    let mut line = format!("- {}{label}: {}", row.session_id, parts.join(" · "));
    if row.needs_you {
        line.push_str(" · NEEDS YOU");
    }
    for open in &row.open_permissions {
        line.push_str(&format!(
            "\n  permission request {}: {} (expires {})",
            open.request_id, open.summary, open.expires_at
        ));
    }
    line
}

/// An event in one line: `#offset time type: what`.
pub(crate) fn event(envelope: &Envelope) -> String {
    format!(
        "#{} {} {}: {}",
        envelope.offset,
        format::clock(&envelope.ts),
        envelope.kind,
        describe(envelope)
    )
}

/// Events, one per line, with what paging is left.
pub(crate) fn events(envelopes: &[Envelope], head_offset: u64, has_more: bool) -> String {
    let mut out = String::new();
    for envelope in envelopes {
        out.push_str(&event(envelope));
        out.push('\n');
    }
    if envelopes.is_empty() {
        out.push_str("No events match.\n");
    }
    out.push_str(&format!("(head offset {head_offset}"));
    if has_more {
        out.push_str("; more events: page with `after` or `before`");
    }
    out.push_str(")\n");
    out
}

#[cfg(test)]
mod tests {
    use agentcast_shared::SessionSource;
    use agentcast_shared::rest::{SessionRecord, SessionView};
    use agentcast_shared::{PermissionRequested, SessionState};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_session_line_says_what_a_reader_scans_for() {
        let mut record = SessionRecord::new(
            "s1",
            SessionSource::Run,
            SessionState::Waiting,
            "2026-12-07T10:00:00.000Z",
        );
        record.label = Some("fix the tests".into());
        record.model = Some("claude-sonnet".into());
        record.input_tokens = 1200;
        record.output_tokens = 300;
        record.total_cost_usd = Some(0.5);
        record.head_offset = 42;
        let request = PermissionRequested {
            request_id: "r1".into(),
            tool_use_id: None,
            tool_name: "Bash".into(),
            input: json!({"command": "touch x"}),
            description: None,
            suggestions: vec![],
            expires_at: "2026-12-07T10:05:00.000Z".into(),
        };
        let row = SessionRow::new(
            SessionView {
                record,
                process_running: true,
                controllable: true,
            },
            &[request],
        );
        let line = session(&row);
        assert!(
            line.starts_with("- s1 \"fix the tests\": waiting"),
            "{line}"
        );
        for part in [
            "claude-sonnet",
            "1.5k tokens",
            "$0.50",
            "42 events",
            "controllable",
            "NEEDS YOU",
        ] {
            assert!(line.contains(part), "{part} missing from {line}");
        }
        assert!(
            line.contains("permission request r1: Bash: touch x"),
            "{line}"
        );
    }
}
