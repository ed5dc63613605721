//! One line per event for the raw event table: the fields a reader scans for.

use agentcast_shared::{Envelope, Event};

use super::format::{self, one_line};
use super::tools;

const CHARS: usize = 160;

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
        Event::SessionStatus(s) => s.status.as_str().to_owned(),
        Event::SessionEnded(e) => e.status.as_str().to_owned(),
        Event::UsageUpdated(u) => format!(
            "in {} / out {} / {}",
            format::tokens(u.input_tokens),
            format::tokens(u.output_tokens),
            format::cost(u.total_cost_usd)
        ),
        Event::TodoUpdated(t) => format!("{} of {} done", t.stats.completed, t.stats.total),
        Event::AgentError(e) => format!("{}: {}", e.code, one_line(&e.message, CHARS)),
        _ => one_line(&envelope.data.to_string(), CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event_log::tests::env;
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
            line("agent.raw", json!({"line": "{}"})),
            "{\"line\":\"{}\"}"
        );
    }
}
