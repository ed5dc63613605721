//! One line per event for the raw event table: the fields a reader scans for.

use crate::{Envelope, Event};

use super::format::{self, one_line};
use super::tools;

const CHARS: usize = 160;

/// One line for `envelope` in the event table: the fields a reader scans for, at most 160
/// characters.
pub fn describe(envelope: &Envelope) -> String {
    let Ok(event) = envelope.event() else {
        return one_line(&envelope.data.to_string(), CHARS);
    };
    match event {
        Event::OutputText(t) => one_line(&t.text, CHARS),
        Event::OutputThinking(t) => one_line(&t.text, CHARS),
        Event::OutputStderr(s) => one_line(&s.line, CHARS),
        Event::UserPrompt(p) => one_line(&p.text, CHARS),
        Event::ToolStarted(t) => format!("{} {}", t.name, tools::summary(&t.name, &t.input)),
        Event::ToolCompleted(t) => {
            let outcome = if t.is_error { "failed" } else { "ok" };
            let took = t
                .duration_ms
                .map(|ms| format!(" in {}", format::duration(ms)))
                .unwrap_or_default();
            format!(
                "{} {outcome}{took}: {}",
                t.name.unwrap_or_default(),
                one_line(&t.output_preview, CHARS)
            )
        }
        Event::SessionStarted(s) => {
            // Its Debug name is the wire name, lowercased (`Run` is `run`).
            let source = format!("{:?}", s.source).to_lowercase();
            let parts = [
                s.label,
                Some(source),
                s.model,
                s.command.map(|c| c.join(" ")),
            ];
            let line: Vec<String> = parts.into_iter().flatten().collect();
            one_line(&line.join(" · "), CHARS)
        }
        Event::SessionCheckpoint(c) => format!(
            "{} at offset {}",
            c.label.unwrap_or(c.checkpoint_id),
            c.offset
        ),
        Event::AgentDelegation(d) => {
            let took = d
                .duration_ms
                .map(|ms| format!(" in {}", format::duration(ms)))
                .unwrap_or_default();
            let status = format!("{:?}", d.status).to_lowercase();
            let task = d.task.map(|t| format!(": {t}")).unwrap_or_default();
            one_line(
                &format!("{} {status}{took}{task}", d.agent.unwrap_or_default()),
                CHARS,
            )
        }
        Event::SessionStatus(s) => s.status.as_str().to_owned(),
        Event::SessionEnded(e) => e.status.as_str().to_owned(),
        Event::UsageUpdated(u) => {
            // The message's cost is the hub's estimate from list prices, hence the `~`.
            let message = u
                .message_cost_usd
                .map(|usd| format!(" (message ~{})", format::cost(usd)))
                .unwrap_or_default();
            format!(
                "in {} / out {} / {}{message}",
                format::tokens(u.input_tokens),
                format::tokens(u.output_tokens),
                format::cost(u.total_cost_usd)
            )
        }
        Event::TodoUpdated(t) => format!("{} of {} done", t.stats.completed, t.stats.total),
        Event::AgentError(e) => format!("{}: {}", e.code, one_line(&e.message, CHARS)),
        _ => one_line(&envelope.data.to_string(), CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    #[test]
    fn lines_name_what_matters() {
        let line = |kind, data| describe(&env(1, kind, data));
        assert_eq!(line("output.text", json!({"text": "Hi\nthere"})), "Hi…");
        assert_eq!(
            line(
                "tool.started",
                json!({"tool_use_id": "t", "name": "Bash", "input": {"command": "ls"}})
            ),
            "Bash ls"
        );
        assert_eq!(
            line(
                "tool.completed",
                json!({"tool_use_id": "t", "name": "Bash", "is_error": true, "output_preview": "boom", "output_bytes": 4, "duration_ms": 30})
            ),
            "Bash failed in 30 ms: boom"
        );
        assert_eq!(
            line(
                "usage.updated",
                json!({"input_tokens": 1500, "output_tokens": 20, "total_cost_usd": 0.5})
            ),
            "in 1.5k / out 20 / $0.50"
        );
        assert_eq!(
            line(
                "usage.updated",
                json!({"input_tokens": 1500, "output_tokens": 20, "total_cost_usd": 0.5, "message_cost_usd": 0.0012})
            ),
            "in 1.5k / out 20 / $0.50 (message ~$0.0012)"
        );
        assert_eq!(
            line(
                "session.started",
                json!({"session_id": "s", "label": "fix", "source": "run", "model": "opus", "command": ["claude", "-p", "x"], "started_at": "t"})
            ),
            "fix · run · opus · claude -p x"
        );
        assert_eq!(
            line(
                "agent.delegation",
                json!({"tool_use_id": "t", "agent": "general-purpose", "task": "audit", "status": "completed", "duration_ms": 1200})
            ),
            "general-purpose completed in 1.2 s: audit"
        );
        assert_eq!(
            line(
                "session.checkpoint",
                json!({"checkpoint_id": "c1", "label": "before refactor", "offset": 42})
            ),
            "before refactor at offset 42"
        );
        assert_eq!(
            line("agent.raw", json!({"line": "{}"})),
            "{\"line\":\"{}\"}"
        );
    }
}
