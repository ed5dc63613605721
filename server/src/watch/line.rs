//! One readable line per event for `agentcast watch` (issue 15): what each event type looks
//! like in a terminal, coloured by kind when colour is on. Streamed text is joined: the
//! pieces of one message are held until a newline completes a line (or another event
//! interrupts it), so a reply reads as lines, never as one line per delta.
//!
//! Pure: envelopes in, lines out; the terminal, the connection and the spinners are
//! elsewhere.

use agentcast_shared::{
    Envelope, Event, PermissionDecision, SessionState, TodoStatus, ToolCompleted, ToolStarted,
};

/// The longest line printed for one event's summary (tool input, preview), in characters.
const SUMMARY_CHARS: usize = 120;

/// ANSI colours of the kinds of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Prompt,
    Dim,
    Tool,
    Done,
    Failure,
    Attention,
    Cost,
}

impl Tone {
    fn code(self) -> &'static str {
        match self {
            Tone::Plain => "",
            Tone::Prompt => "\x1b[1;36m",
            Tone::Dim => "\x1b[2m",
            Tone::Tool => "\x1b[34m",
            Tone::Done => "\x1b[32m",
            Tone::Failure => "\x1b[31m",
            Tone::Attention => "\x1b[1;33m",
            Tone::Cost => "\x1b[35m",
        }
    }
}

/// Turns envelopes into lines; keeps the text being streamed.
#[derive(Debug, Default)]
pub struct Lines {
    colour: bool,
    /// The message whose text is streaming, and its unfinished line.
    streaming: Option<(String, String)>,
}

impl Lines {
    /// `colour`: ANSI colours (off when not a terminal or with `NO_COLOR`).
    pub fn new(colour: bool) -> Self {
        Self {
            colour,
            streaming: None,
        }
    }

    /// The lines `envelope` adds (possibly none: a piece of text without a newline yet).
    pub fn push(&mut self, envelope: &Envelope, out: &mut Vec<String>) {
        let Ok(event) = envelope.event() else {
            self.flush(out);
            out.push(self.paint(Tone::Dim, &format!("{} {}", envelope.kind, envelope.data)));
            return;
        };
        if let Event::OutputText(text) = &event
            && text.delta
        {
            self.stream(text.message_id.as_deref().unwrap_or(""), &text.text, out);
            return;
        }
        self.flush(out);
        for (tone, line) in describe(&event) {
            out.push(self.paint(tone, &line));
        }
    }

    /// Prints the unfinished streamed line, if any (before another event, or at the end).
    pub fn flush(&mut self, out: &mut Vec<String>) {
        if let Some((_, partial)) = self.streaming.take()
            && !partial.is_empty()
        {
            out.push(partial);
        }
    }

    fn stream(&mut self, message: &str, piece: &str, out: &mut Vec<String>) {
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
            let line: String = partial.drain(..=end).collect();
            out.push(line.trim_end_matches(['\n', '\r']).to_owned());
        }
    }

    fn paint(&self, tone: Tone, line: &str) -> String {
        if !self.colour || tone == Tone::Plain {
            return line.to_owned();
        }
        format!("{}{line}\x1b[0m", tone.code())
    }
}

/// The lines of a whole event (not a streamed piece).
fn describe(event: &Event) -> Vec<(Tone, String)> {
    let one = |tone, line: String| vec![(tone, line)];
    match event {
        Event::SessionStarted(started) => {
            let name = started.label.as_deref().unwrap_or(&started.session_id);
            let mut facts: Vec<&str> = Vec::new();
            facts.extend(started.agent.map(|a| a.as_str()));
            facts.extend(started.model.as_deref());
            facts.extend(started.cwd.as_deref());
            one(Tone::Prompt, format!("▶ {name} · {}", facts.join(" · ")))
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
            facts.extend(ended.total_cost_usd.map(|c| format!("${c:.4}")));
            facts.extend(ended.message.clone());
            one(tone, format!("■ ended: {}", facts.join(" · ")))
        }
        Event::UserPrompt(prompt) => {
            let by = prompt.by.as_deref().map(|by| format!("  ({by})"));
            one(
                Tone::Prompt,
                format!("❯ {}{}", first_line(&prompt.text), by.unwrap_or_default()),
            )
        }
        Event::OutputText(text) => text
            .text
            .lines()
            .map(|line| (Tone::Plain, line.to_owned()))
            .collect(),
        Event::OutputThinking(thinking) => {
            one(Tone::Dim, format!("… {}", first_line(&thinking.text)))
        }
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
                "$ {:.4} · {} in / {} out tokens",
                usage.total_cost_usd, usage.input_tokens, usage.output_tokens
            ),
        ),
        Event::AgentError(error) => one(
            Tone::Failure,
            format!("! {}: {}", error.code, error.message),
        ),
        Event::PermissionRequested(asked) => one(
            Tone::Attention,
            format!(
                "? {} asks: {}",
                asked.tool_name,
                summary(&asked.tool_name, &asked.input)
            ),
        ),
        Event::PermissionResolved(resolved) => {
            let (word, tone) = match resolved.decision {
                PermissionDecision::Allow => ("allowed", Tone::Done),
                PermissionDecision::Deny => ("denied", Tone::Failure),
                PermissionDecision::Ask => ("left to the terminal", Tone::Dim),
            };
            one(tone, format!("  {word} by {}", resolved.by))
        }
        Event::AgentNotification(note) => one(Tone::Attention, format!("* {}", note.message)),
        other => one(Tone::Dim, format!("{} {}", other.kind(), other.data_json())),
    }
}

fn tool_started(started: &ToolStarted) -> String {
    format!(
        "→ {} {}",
        started.name,
        summary(&started.name, &started.input)
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
    let preview = first_line(&done.output_preview);
    vec![(
        tone,
        format!("← {mark} {name} {took} {preview}")
            .trim_end()
            .to_owned(),
    )]
}

/// What a tool call does, in a few words: the command, the file, the pattern.
fn summary(tool: &str, input: &serde_json::Value) -> String {
    let field = |key: &str| input.get(key).and_then(|v| v.as_str());
    let said = match tool {
        "Bash" => field("command"),
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => {
            field("file_path").or(field("notebook_path"))
        }
        "Grep" | "Glob" => field("pattern"),
        "WebFetch" => field("url"),
        "WebSearch" => field("query"),
        "Task" | "Agent" => field("description"),
        _ => None,
    };
    let text = said.map_or_else(|| input.to_string(), str::to_owned);
    shorten(first_line(&text))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `850ms`, `12.3s`, `4m05s`.
fn duration(ms: u64) -> String {
    match ms {
        ms if ms < 1000 => format!("{ms}ms"),
        ms if ms < 60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        ms => format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60),
    }
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

    fn lines_of(events: Vec<Event>, colour: bool) -> Vec<String> {
        let mut lines = Lines::new(colour);
        let mut out = Vec::new();
        for event in events {
            lines.push(&envelope(event), &mut out);
        }
        lines.flush(&mut out);
        out
    }

    #[test]
    fn streamed_text_is_joined_into_lines() {
        let out = lines_of(
            vec![
                piece("m1", "Hel"),
                piece("m1", "lo\nwor"),
                piece("m1", "ld"),
                piece("m2", "next"),
                UserPrompt {
                    text: "go on".into(),
                    by: Some("alice".into()),
                }
                .into(),
            ],
            false,
        );
        assert_eq!(out, ["Hello", "world", "next", "❯ go on  (alice)"]);
    }

    #[test]
    fn tools_say_what_they_do_and_how_they_ended() {
        let out = lines_of(
            vec![
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
            ],
            false,
        );
        assert_eq!(
            out,
            [
                "→ Bash cargo test",
                "← ✗ Bash 12.3s error[E0308]: mismatched types"
            ]
        );
    }

    #[test]
    fn colour_is_only_there_when_asked_for() {
        let prompt: Event = UserPrompt {
            text: "hi".into(),
            by: None,
        }
        .into();
        let plain = lines_of(vec![prompt.clone()], false);
        assert!(!plain[0].contains('\x1b'));
        let painted = lines_of(vec![prompt], true);
        assert!(painted[0].starts_with("\x1b[1;36m") && painted[0].ends_with("\x1b[0m"));
    }

    #[test]
    fn long_inputs_are_cut_and_durations_read_well() {
        let long = "x".repeat(500);
        assert_eq!(
            summary("Bash", &json!({"command": long})).chars().count(),
            121
        );
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(245_000), "4m05s");
    }
}
