//! One readable line per event for `agentcast watch`: what each event type looks like in a
//! terminal, with its kind ([`Tone`]) for the palette to colour. Streamed text is joined: the
//! pieces of one message are held until a newline completes a line (or another event
//! interrupts it), so a reply reads as lines, never as one line per delta.
//!
//! Pure: envelopes in, lines out; the terminal, the connection and the spinners are
//! elsewhere.

use agentcast_shared::view::describe::describe as describe_any;
use agentcast_shared::view::format::{cost, duration, one_line, tokens};
use agentcast_shared::view::request_preview::{Change, Preview, preview};
use agentcast_shared::view::tools::summary;
use agentcast_shared::{
    DelegationStatus, Envelope, Event, PermissionDecision, PermissionRequested, SessionState,
    TodoStatus, ToolCompleted, ToolStarted,
};

/// The longest line printed for one event's summary (tool input, preview), in characters.
const SUMMARY_CHARS: usize = 120;
/// Lines of a permission request's preview (a diff, a file's content) printed at most.
const PREVIEW_LINES: usize = 40;

/// The kind of a line, which decides its colour ([`Palette`](super::paint::Palette)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// The agent's text.
    Plain,
    /// A person's prompt, a session starting.
    Prompt,
    /// Thinking, status changes, events without a line of their own.
    Dim,
    /// A tool starting.
    Tool,
    /// A tool that succeeded, a session that completed, an allowed request.
    Done,
    /// Failures and errors.
    Failure,
    /// What needs a person: a permission request, a notification, todos in progress.
    Attention,
    /// Tokens and cost.
    Cost,
}

/// One line of output, before colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub tone: Tone,
    pub text: String,
}

/// Turns envelopes into lines; keeps the text being streamed.
#[derive(Debug, Default)]
pub struct Lines {
    /// The message whose text is streaming, and its unfinished line.
    streaming: Option<(String, String)>,
}

impl Lines {
    /// The lines `envelope` adds (possibly none: a piece of text without a newline yet).
    pub fn push(&mut self, envelope: &Envelope, out: &mut Vec<Line>) {
        let Ok(event) = envelope.event() else {
            self.flush(out);
            out.push(line(
                Tone::Dim,
                format!("{} {}", envelope.kind, envelope.data),
            ));
            return;
        };
        if let Event::OutputText(text) = &event
            && text.delta
        {
            self.stream(text.message_id.as_deref().unwrap_or(""), &text.text, out);
            return;
        }
        self.flush(out);
        out.extend(
            describe(envelope, &event)
                .into_iter()
                .map(|(tone, text)| line(tone, text)),
        );
    }

    /// Prints the unfinished streamed line, if any (before another event, or at the end).
    pub fn flush(&mut self, out: &mut Vec<Line>) {
        if let Some((_, partial)) = self.streaming.take()
            && !partial.is_empty()
        {
            out.push(line(Tone::Plain, partial));
        }
    }

    fn stream(&mut self, message: &str, piece: &str, out: &mut Vec<Line>) {
        if self
            .streaming
            .as_ref()
            .is_some_and(|(open, _)| open != message)
        {
            self.flush(out);
        }
        let (_, partial) = self
            .streaming
            .get_or_insert_with(|| (message.to_owned(), String::new()));
        partial.push_str(piece);
        while let Some(end) = partial.find('\n') {
            let text: String = partial.drain(..=end).collect();
            out.push(line(
                Tone::Plain,
                text.trim_end_matches(['\n', '\r']).to_owned(),
            ));
        }
    }
}

fn line(tone: Tone, text: String) -> Line {
    Line { tone, text }
}

/// The lines of a whole event (not a streamed piece).
fn describe(envelope: &Envelope, event: &Event) -> Vec<(Tone, String)> {
    let one = |tone, line: String| vec![(tone, line)];
    match event {
        Event::SessionStarted(started) => {
            let name = started.label.as_deref().unwrap_or(&started.session_id);
            let mut facts: Vec<&str> = Vec::new();
            facts.extend(started.agent.map(|a| a.as_str()));
            facts.extend(started.model.as_deref());
            facts.extend(started.cwd.as_deref());
            let line = std::iter::once(name)
                .chain(facts)
                .collect::<Vec<_>>()
                .join(" · ");
            one(Tone::Prompt, format!("▶ {line}"))
        }
        Event::SessionStatus(status) => {
            let tone = match status.status {
                SessionState::Waiting => Tone::Attention,
                SessionState::Failed => Tone::Failure,
                _ => Tone::Dim,
            };
            let message = status.message.as_deref().map(|m| format!(": {m}"));
            one(
                tone,
                format!(
                    "· {}{}",
                    status.status.as_str(),
                    message.unwrap_or_default()
                ),
            )
        }
        Event::SessionEnded(ended) => {
            let tone = match ended.status {
                SessionState::Completed => Tone::Done,
                _ => Tone::Failure,
            };
            let mut facts = vec![ended.status.as_str().to_owned()];
            facts.extend(ended.duration_ms.map(duration));
            facts.extend(ended.total_cost_usd.map(cost));
            facts.extend(ended.message.clone());
            one(tone, format!("■ ended: {}", facts.join(" · ")))
        }
        Event::UserPrompt(prompt) => {
            let by = prompt.by.as_deref().map(|by| format!("  ({by})"));
            one(
                Tone::Prompt,
                format!(
                    "❯ {}{}",
                    one_line(&prompt.text, SUMMARY_CHARS),
                    by.unwrap_or_default()
                ),
            )
        }
        Event::OutputText(text) => text
            .text
            .lines()
            .map(|line| (Tone::Plain, line.to_owned()))
            .collect(),
        Event::OutputThinking(thinking) => one(
            Tone::Dim,
            format!("… {}", one_line(&thinking.text, SUMMARY_CHARS)),
        ),
        Event::OutputStderr(stderr) => one(Tone::Failure, format!("stderr: {}", stderr.line)),
        Event::ToolStarted(started) => one(Tone::Tool, tool_started(started)),
        Event::ToolCompleted(done) => tool_completed(done),
        Event::TodoUpdated(todos) => todos
            .todos
            .iter()
            .map(|item| {
                let (mark, tone) = match item.status {
                    TodoStatus::Pending => ("☐", Tone::Plain),
                    TodoStatus::InProgress => ("◐", Tone::Attention),
                    TodoStatus::Completed => ("☑", Tone::Done),
                };
                (tone, format!("  {mark} {}", item.content))
            })
            .collect(),
        Event::UsageUpdated(usage) => one(
            Tone::Cost,
            format!(
                "{} · {} in / {} out tokens",
                cost(usage.total_cost_usd),
                tokens(usage.input_tokens),
                tokens(usage.output_tokens)
            ),
        ),
        Event::AgentError(error) => one(
            Tone::Failure,
            format!("! {}: {}", error.code, error.message),
        ),
        Event::PermissionRequested(asked) => permission_requested(asked),
        Event::PermissionResolved(resolved) => {
            let (word, tone) = match resolved.decision {
                PermissionDecision::Allow => ("allowed", Tone::Done),
                PermissionDecision::Deny => ("denied", Tone::Failure),
                PermissionDecision::Ask => ("left to the terminal", Tone::Dim),
            };
            one(tone, format!("  {word} by {}", resolved.by))
        }
        Event::AgentNotification(note) => one(Tone::Attention, format!("* {}", note.message)),
        Event::AgentDelegation(delegation) => {
            let (word, tone) = match delegation.status {
                DelegationStatus::Started => ("started", Tone::Tool),
                DelegationStatus::Completed => ("done", Tone::Done),
                DelegationStatus::Failed => ("failed", Tone::Failure),
            };
            let took = delegation.duration_ms.map(duration).unwrap_or_default();
            let agent = delegation.agent.as_deref().unwrap_or("sub-agent");
            let task = delegation.task.as_deref().unwrap_or("");
            one(
                tone,
                format!("⤷ {agent} {word}: {} {took}", one_line(task, SUMMARY_CHARS))
                    .trim_end()
                    .to_owned(),
            )
        }
        _ => one(
            Tone::Dim,
            format!("{} {}", envelope.kind, describe_any(envelope)),
        ),
    }
}

/// A permission request: what it would do, in full enough to decide (the command, an edit's
/// diff, a new file's first lines).
fn permission_requested(asked: &PermissionRequested) -> Vec<(Tone, String)> {
    let mut lines = vec![(
        Tone::Attention,
        format!("? {} asks for permission", asked.tool_name),
    )];
    let body: Vec<(Tone, String)> = match preview(asked) {
        Preview::Command {
            command,
            description,
        } => {
            let mut body: Vec<(Tone, String)> = command
                .lines()
                .map(|l| (Tone::Attention, format!("  $ {l}")))
                .collect();
            body.extend(description.map(|d| (Tone::Dim, format!("  ({d})"))));
            body
        }
        Preview::Edit { file, diff } => std::iter::once((Tone::Tool, format!("  {file}")))
            .chain(diff.into_iter().map(|l| match l.change {
                Change::Removed => (Tone::Failure, format!("  - {}", l.text)),
                Change::Added => (Tone::Done, format!("  + {}", l.text)),
                Change::Same => (Tone::Dim, format!("    {}", l.text)),
            }))
            .collect(),
        Preview::Write { file, content } => std::iter::once((Tone::Tool, format!("  {file}")))
            .chain(content.lines().map(|l| (Tone::Plain, format!("  + {l}"))))
            .collect(),
        Preview::Input { json } => json
            .lines()
            .map(|l| (Tone::Plain, format!("  {l}")))
            .collect(),
    };
    let total = body.len();
    lines.extend(body.into_iter().take(PREVIEW_LINES));
    if total > PREVIEW_LINES {
        lines.push((
            Tone::Dim,
            format!("  … {} more lines", total - PREVIEW_LINES),
        ));
    }
    lines
}

fn tool_started(started: &ToolStarted) -> String {
    format!(
        "→ {} {}",
        started.name,
        one_line(&summary(&started.name, &started.input), SUMMARY_CHARS)
    )
}

fn tool_completed(done: &ToolCompleted) -> Vec<(Tone, String)> {
    let name = done.name.as_deref().unwrap_or("tool");
    let (mark, tone) = if done.is_error {
        ("✗", Tone::Failure)
    } else {
        ("✓", Tone::Done)
    };
    let took = done.duration_ms.map(duration).unwrap_or_default();
    let preview = one_line(&done.output_preview, SUMMARY_CHARS);
    vec![(
        tone,
        format!("← {mark} {name} {took} {preview}")
            .trim_end()
            .to_owned(),
    )]
}

#[cfg(test)]
mod tests {
    use agentcast_shared::{OutputText, ToolCompleted, ToolStarted, UserPrompt};
    use serde_json::json;

    use super::*;

    fn envelope(event: Event) -> Envelope {
        Envelope::from_event(1, "s1", "2026-12-07T00:00:00.000Z", &event)
    }

    fn piece(message: &str, text: &str) -> Event {
        OutputText {
            message_id: Some(message.into()),
            text: text.into(),
            delta: true,
            parent_tool_use_id: None,
        }
        .into()
    }

    fn lines_of(events: Vec<Event>) -> Vec<String> {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        for event in events {
            lines.push(&envelope(event), &mut out);
        }
        lines.flush(&mut out);
        out.into_iter().map(|line| line.text).collect()
    }

    #[test]
    fn streamed_text_is_joined_into_lines() {
        let out = lines_of(vec![
            piece("m1", "Hel"),
            piece("m1", "lo\nwor"),
            piece("m1", "ld"),
            piece("m2", "next"),
            UserPrompt {
                text: "go on".into(),
                by: Some("alice".into()),
            }
            .into(),
        ]);
        assert_eq!(out, ["Hello", "world", "next", "❯ go on  (alice)"]);
    }

    #[test]
    fn tools_say_what_they_do_and_how_they_ended() {
        let out = lines_of(vec![
            ToolStarted {
                tool_use_id: "t1".into(),
                name: "Bash".into(),
                input: json!({"command": "cargo test\n--all"}),
                parent_tool_use_id: None,
            }
            .into(),
            ToolCompleted {
                tool_use_id: "t1".into(),
                name: Some("Bash".into()),
                is_error: true,
                output_preview: "error[E0308]: mismatched types\nmore".into(),
                output_bytes: 40,
                duration_ms: Some(12_300),
                parent_tool_use_id: None,
            }
            .into(),
        ]);
        assert_eq!(
            out,
            [
                "→ Bash cargo test…",
                "← ✗ Bash 12.3 s error[E0308]: mismatched types…"
            ]
        );
    }

    #[test]
    fn long_inputs_are_cut() {
        let started = ToolStarted {
            tool_use_id: "t1".into(),
            name: "Bash".into(),
            input: json!({"command": "x".repeat(500)}),
            parent_tool_use_id: None,
        };
        // "→ Bash " and 120 characters, then the mark of the cut.
        assert_eq!(
            tool_started(&started).chars().count(),
            7 + SUMMARY_CHARS + 1
        );
    }
}
