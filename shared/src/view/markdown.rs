//! A session as a readable Markdown transcript: a header of facts (id, agent, model, project,
//! status, outcome, duration, tokens, cost), then what happened in order: the prompts
//! (quoted), the assistant's text (as written), each tool call with its input summarised as a
//! permission card shows it (a command, an edit's diff, a file) and its result (the output's
//! first lines), the todo list where it changed, permission requests and their answers,
//! errors, and the calls and text of sub-agents nested (quoted) under their Task.
//!
//! Folded with the same models as the session view ([`Transcript`], [`ToolRows`],
//! [`Todos`], [`Usage`]), so an export reads like the dashboard. For `agentcast watch --export
//! FILE.md` and the MCP `get_transcript` tool. Text from the agent cannot break the document:
//! code fences outlast the backticks inside, inline text is escaped and a fence the agent left
//! open is closed.

mod markup;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::{Envelope, Event, SessionEnded, SessionStarted, SessionState, TodoStatus};

use super::format;
use super::request_preview::{self, Change, Preview};
use super::todos::Todos;
use super::tools::{ToolRow, ToolRows, ToolStatus};
use super::transcript::{Entry, EntryKind, Transcript};
use super::usage::Usage;
use markup::{closed_fences, code_span, fenced, first_lines, inline, prefixed};

/// What the transcript holds, and how much of each tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Include the agent's thinking (quoted). Off by default: it is long, and a reader of a
    /// transcript wants what was said and done.
    pub thinking: bool,
    /// Most lines of a tool's output (and of stderr) shown; the rest is counted
    /// (`... 12 more lines`).
    pub max_output_lines: usize,
    /// Most lines of a tool's input shown: a command, an edit's diff, a file written.
    pub max_input_lines: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            thinking: false,
            max_output_lines: 20,
            max_input_lines: 40,
        }
    }
}

/// Deepest nesting of sub-agents shown as quotes: a deeper one is shown at this depth, so that
/// a long chain of Tasks cannot make every line of the document huge.
const MAX_QUOTE_DEPTH: usize = 8;

/// The Markdown transcript of one session's `envelopes` (in any order: they are taken by
/// offset, once each; ephemeral control events are left out).
pub fn render(envelopes: &[Envelope], options: &MarkdownOptions) -> String {
    let folded = Folded::of(envelopes);
    let mut doc = Doc::default();
    doc.block(0, &header(&folded));
    doc.block(0, "## Transcript");
    let before = doc.out.len();
    body(&folded, options, &mut doc);
    if doc.out.len() == before {
        doc.block(0, "_No events._");
    }
    doc.out
}

/// The session folded: its facts for the header and the models the body is written from.
#[derive(Default)]
struct Folded {
    session_id: String,
    started: Option<SessionStarted>,
    state: Option<SessionState>,
    ended: Option<SessionEnded>,
    /// The first and last event times (Unix ms): the duration of a session not ended yet.
    first_ms: Option<u64>,
    last_ms: Option<u64>,
    transcript: Transcript,
    tools: ToolRows,
    usage: Usage,
    /// The todo list each time it changed, with the offset of the change.
    todos: Vec<(u64, Todos)>,
    /// Each call's input by `tool_use_id`: a tool row keeps only its one-line summary.
    inputs: HashMap<String, Value>,
}

impl Folded {
    fn of(envelopes: &[Envelope]) -> Folded {
        let mut order: Vec<&Envelope> = envelopes.iter().filter(|e| !e.is_ephemeral()).collect();
        order.sort_by_key(|e| e.offset);
        order.dedup_by_key(|e| e.offset);
        let mut folded = Folded::default();
        for envelope in order {
            folded.apply(envelope);
        }
        folded
    }

    fn apply(&mut self, envelope: &Envelope) {
        if self.session_id.is_empty() {
            self.session_id = envelope.session_id.clone();
        }
        if let Some(ms) = format::parse_ts_millis(&envelope.ts) {
            self.first_ms = Some(self.first_ms.map_or(ms, |first| first.min(ms)));
            self.last_ms = Some(self.last_ms.map_or(ms, |last| last.max(ms)));
        }
        self.transcript.apply(envelope);
        self.tools.apply(envelope);
        self.usage.apply(envelope);
        match envelope.event() {
            Ok(Event::SessionStarted(started)) => {
                self.session_id = started.session_id.clone();
                self.started = Some(started);
            }
            Ok(Event::SessionStatus(status)) => self.state = Some(status.status),
            Ok(Event::SessionEnded(ended)) => {
                self.state = Some(ended.status);
                self.ended = Some(ended);
            }
            Ok(Event::ToolStarted(started)) => {
                self.inputs.insert(started.tool_use_id, started.input);
            }
            Ok(Event::TodoUpdated(_)) => {
                let mut todos = Todos::default();
                todos.apply(envelope);
                // Claude Code rewrites the whole list on each change; one that did not change
                // says nothing new.
                if self.todos.last().is_none_or(|(_, last)| *last != todos) {
                    self.todos.push((envelope.offset, todos));
                }
            }
            _ => {}
        }
    }
}

/// The document being written: blocks separated by a blank line, quoted to their depth.
#[derive(Default)]
struct Doc {
    out: String,
    depth: usize,
}

impl Doc {
    fn block(&mut self, depth: usize, text: &str) {
        let depth = depth.min(MAX_QUOTE_DEPTH);
        let prefix = "> ".repeat(depth);
        if !self.out.is_empty() {
            // Within a quote the blank line is quoted too, so the quote goes on; between
            // depths it is empty, so the deeper quote ends.
            if depth == self.depth {
                self.out.push_str(prefix.trim_end());
            }
            self.out.push('\n');
        }
        self.out
            .push_str(&prefixed(text.trim_end_matches(['\n', '\r']), &prefix));
        self.out.push('\n');
        self.depth = depth;
    }
}

fn header(folded: &Folded) -> String {
    let started = folded.started.as_ref();
    let title = started
        .and_then(|s| s.label.as_deref())
        .unwrap_or(&folded.session_id);
    let mut facts = Vec::new();
    if !folded.session_id.is_empty() {
        facts.push(format!("- **Session:** {}", code_span(&folded.session_id)));
    }
    let mut fact = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            facts.push(format!("- **{name}:** {value}"));
        }
    };
    fact(
        "Agent",
        started.and_then(|s| {
            let kind = s.agent?.as_str();
            Some(match &s.cli_version {
                Some(version) => format!("{kind} {}", inline(version)),
                None => kind.to_owned(),
            })
        }),
    );
    fact("Source", started.map(|s| s.source.as_str().to_owned()));
    fact(
        "Model",
        folded
            .usage
            .model
            .as_deref()
            .or(started.and_then(|s| s.model.as_deref()))
            .map(inline),
    );
    fact(
        "Project",
        started.and_then(|s| s.project_id.as_deref()).map(inline),
    );
    fact(
        "Directory",
        started.and_then(|s| {
            let cwd = code_span(s.cwd.as_deref()?);
            Some(match &s.git_branch {
                Some(branch) => format!("{cwd} on branch {}", code_span(branch)),
                None => cwd,
            })
        }),
    );
    fact(
        "Command",
        started
            .and_then(|s| s.command.as_ref())
            .map(|c| code_span(&c.join(" "))),
    );
    fact(
        "Started",
        started.map(|s| format!("{} UTC", format::date_time(&s.started_at))),
    );
    fact(
        "Status",
        Some(
            folded
                .state
                .map_or("unknown", SessionState::as_str)
                .to_owned(),
        ),
    );
    fact("Outcome", folded.ended.as_ref().map(outcome));
    fact("Duration", duration(folded));
    fact(
        "Turns",
        folded
            .ended
            .as_ref()
            .and_then(|e| e.num_turns)
            .map(|n| n.to_string()),
    );
    let usage = &folded.usage;
    fact("Tokens", usage.known.then(|| tokens(usage)));
    fact("Cost", usage.known.then(|| format::cost(usage.cost_usd)));
    let title = if title.is_empty() {
        "# Session".to_owned()
    } else {
        format!("# Session {}", inline(title))
    };
    format!("{title}\n\n{}", facts.join("\n"))
}

/// `completed (exit code 0)`, `failed (signal 9): out of memory`.
fn outcome(ended: &SessionEnded) -> String {
    let mut text = ended.status.as_str().to_owned();
    match (ended.exit_code, ended.signal) {
        (_, Some(signal)) => text += &format!(" (signal {signal})"),
        (Some(code), None) => text += &format!(" (exit code {code})"),
        (None, None) => {}
    }
    if let Some(message) = &ended.message {
        text += &format!(": {}", inline(message));
    }
    text
}

/// How long the session ran, or has run so far by its events.
fn duration(folded: &Folded) -> Option<String> {
    if let Some(ms) = folded.ended.as_ref().and_then(|e| e.duration_ms) {
        return Some(format::duration(ms));
    }
    let (first, last) = (folded.first_ms?, folded.last_ms?);
    Some(format!("{} so far", format::duration(last - first)))
}

/// `12.4k in, 3.1k out, 40.0k cache read, 2.0k cache written` (the cache only when used).
fn tokens(usage: &Usage) -> String {
    let mut text = format!(
        "{} in, {} out",
        format::tokens(usage.input_tokens),
        format::tokens(usage.output_tokens)
    );
    if usage.cache_read_tokens > 0 {
        text += &format!(", {} cache read", format::tokens(usage.cache_read_tokens));
    }
    if usage.cache_creation_tokens > 0 {
        text += &format!(
            ", {} cache written",
            format::tokens(usage.cache_creation_tokens)
        );
    }
    text
}

/// One thing in the transcript, at the offset of the event that opened it.
enum Part<'a> {
    Entry(&'a Entry),
    Tool(&'a ToolRow),
    Todos(&'a Todos),
}

/// What is left to write, depth first: a part, or the result of a Task written after the
/// calls and text of its sub-agent.
enum Step<'a> {
    Part(usize, usize),
    Result(&'a ToolRow, usize),
}

fn body(folded: &Folded, options: &MarkdownOptions, doc: &mut Doc) {
    let tools = folded.tools.rows();
    let known: HashSet<&str> = tools.iter().map(|r| r.tool_use_id.as_str()).collect();
    // Each part with the Task it sits under: a known call other than itself (a parent that
    // trimmed history or a malformed stream left unknown puts it at the top).
    let mut parts: Vec<(u64, Option<&str>, Part<'_>)> = Vec::new();
    for entry in folded.transcript.entries() {
        if entry.kind == EntryKind::Thinking && !options.thinking {
            continue;
        }
        let parent = entry
            .parent_tool_use_id
            .as_deref()
            .filter(|p| known.contains(p));
        parts.push((entry.offset, parent, Part::Entry(entry)));
    }
    for row in tools {
        let parent = row
            .parent
            .as_deref()
            .filter(|p| known.contains(p) && *p != row.tool_use_id);
        parts.push((row.offset, parent, Part::Tool(row)));
    }
    for (offset, todos) in &folded.todos {
        parts.push((*offset, None, Part::Todos(todos)));
    }
    parts.sort_by_key(|(offset, _, _)| *offset);

    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (index, (_, parent, _)) in parts.iter().enumerate() {
        match *parent {
            Some(parent) => children.entry(parent).or_default().push(index),
            None => roots.push(index),
        }
    }
    // An explicit stack, not recursion: a deep chain of sub-agents must not overflow.
    let mut stack: Vec<Step<'_>> = roots.into_iter().rev().map(|i| Step::Part(i, 0)).collect();
    while let Some(step) = stack.pop() {
        let (index, depth) = match step {
            Step::Part(index, depth) => (index, depth),
            Step::Result(row, depth) => {
                doc.block(depth, &tool_result(row, options));
                continue;
            }
        };
        match parts[index].2 {
            Part::Entry(entry) => doc.block(depth, &entry_text(entry, options)),
            Part::Todos(todos) => doc.block(depth, &todo_list(todos)),
            Part::Tool(row) => {
                let input = folded.inputs.get(&row.tool_use_id);
                doc.block(depth, &tool_call(row, input, options));
                let nested = children
                    .remove(row.tool_use_id.as_str())
                    .unwrap_or_default();
                if nested.is_empty() {
                    doc.block(depth, &tool_result(row, options));
                } else {
                    stack.push(Step::Result(row, depth));
                    stack.extend(nested.into_iter().rev().map(|i| Step::Part(i, depth + 1)));
                }
            }
        }
    }
}

fn entry_text(entry: &Entry, options: &MarkdownOptions) -> String {
    match entry.kind {
        EntryKind::User => {
            let by = entry
                .by
                .as_deref()
                .map(|by| format!(" (by {})", inline(by)))
                .unwrap_or_default();
            format!("**User**{by}\n\n{}", prefixed(entry.text.trim_end(), "> "))
        }
        EntryKind::Assistant => format!("**Assistant**\n\n{}", closed_fences(&entry.text)),
        EntryKind::Thinking => format!(
            "**Thinking**\n\n{}",
            prefixed(&closed_fences(&entry.text), "> ")
        ),
        EntryKind::Stderr => format!(
            "**stderr**\n\n{}",
            fenced("text", &bounded(&entry.text, options.max_output_lines))
        ),
        EntryKind::Error => format!("**Error:** {}", inline(&entry.text)),
        EntryKind::Permission => format!("**Permission:** {}", inline(&entry.text)),
        EntryKind::System | EntryKind::Gap => format!("_{}_", inline(&entry.text)),
    }
}

/// The call: the tool's name (and sub-agent), then its input as a permission card shows it.
fn tool_call(row: &ToolRow, input: Option<&Value>, options: &MarkdownOptions) -> String {
    let mut head = format!("**{}**", inline(&row.name));
    if let Some(agent) = &row.agent {
        head += &format!(" (sub-agent {})", inline(agent));
    }
    let lines = options.max_input_lines;
    let summary = || {
        if row.summary.is_empty() {
            head.clone()
        } else {
            format!("{head} {}", code_span(&row.summary))
        }
    };
    let Some(input) = input else {
        return summary();
    };
    match request_preview::call(&row.name, input, None) {
        Preview::Command {
            command,
            description,
        } => {
            let said = description
                .map(|d| format!(": {}", inline(&d)))
                .unwrap_or_default();
            format!(
                "{head}{said}\n\n{}",
                fenced("sh", &bounded(&command, lines))
            )
        }
        Preview::Edit { file, diff } => {
            let diff: Vec<String> = diff
                .iter()
                .map(|line| {
                    let sign = match line.change {
                        Change::Same => ' ',
                        Change::Removed => '-',
                        Change::Added => '+',
                    };
                    format!("{sign}{}", line.text)
                })
                .collect();
            format!(
                "{head} {}\n\n{}",
                code_span(&file),
                fenced("diff", &bounded(&diff.join("\n"), lines))
            )
        }
        Preview::Write { file, content } => format!(
            "{head} {}\n\n{}",
            code_span(&file),
            fenced("text", &bounded(&content, lines))
        ),
        // A file, a pattern, a URL, a Task's description: the one line says it.
        Preview::Input { .. } if !row.summary.is_empty() => summary(),
        Preview::Input { json } => format!("{head}\n\n{}", fenced("json", &bounded(&json, lines))),
    }
}

/// `**Result:** succeeded in 1.2 s (3.4 KB)`, then the output's first lines.
fn tool_result(row: &ToolRow, options: &MarkdownOptions) -> String {
    let status = match row.status {
        ToolStatus::Running => return "**Result:** still running".to_owned(),
        ToolStatus::Succeeded => "succeeded",
        ToolStatus::Failed => "failed",
    };
    let mut text = format!("**Result:** {status}");
    if let Some(ms) = row.duration_ms {
        text += &format!(" in {}", format::duration(ms));
    }
    if row.output_bytes > 0 {
        text += &format!(" ({})", format::bytes(row.output_bytes));
    }
    match row.output_preview.as_deref().map(str::trim_end) {
        Some(output) if !output.is_empty() => {
            let output = bounded(output, options.max_output_lines);
            format!("{text}\n\n{}", fenced("text", &output))
        }
        _ => text,
    }
}

/// `**Todos:** 1 of 3 done, 1 in progress`, then the list as a checklist.
fn todo_list(todos: &Todos) -> String {
    let mut text = format!("**Todos:** {}\n", todos.label());
    for item in &todos.items {
        let line = match item.status {
            TodoStatus::Completed => format!("\n- [x] {}", inline(Todos::item_text(item))),
            TodoStatus::Pending => format!("\n- [ ] {}", inline(Todos::item_text(item))),
            TodoStatus::InProgress => {
                format!("\n- [ ] {} (in progress)", inline(Todos::item_text(item)))
            }
        };
        text += &line;
    }
    text
}

/// The first `max` lines of `text`, and `... N more lines` when there are more.
fn bounded(text: &str, max: usize) -> String {
    let (shown, more) = first_lines(text, max);
    let marker = match more {
        0 => return shown,
        1 => "... 1 more line".to_owned(),
        more => format!("... {more} more lines"),
    };
    if shown.is_empty() {
        marker
    } else {
        format!("{shown}\n{marker}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    fn short_output() -> MarkdownOptions {
        MarkdownOptions {
            max_output_lines: 2,
            ..MarkdownOptions::default()
        }
    }

    fn started(offset: u64, id: &str, name: &str, input: Value, parent: Option<&str>) -> Envelope {
        env(
            offset,
            "tool.started",
            json!({"tool_use_id": id, "name": name, "input": input, "parent_tool_use_id": parent}),
        )
    }

    fn completed(offset: u64, id: &str, output: &str, parent: Option<&str>) -> Envelope {
        env(
            offset,
            "tool.completed",
            json!({"tool_use_id": id, "output_preview": output, "output_bytes": output.len(),
                   "duration_ms": 5, "parent_tool_use_id": parent}),
        )
    }

    fn text(offset: u64, text: &str, parent: Option<&str>) -> Envelope {
        env(
            offset,
            "output.text",
            json!({"text": text, "parent_tool_use_id": parent}),
        )
    }

    #[test]
    fn a_session_reads_as_a_header_and_its_transcript() {
        let envelopes = [
            env(
                1,
                "session.started",
                json!({"session_id": "s1", "label": "fix-login", "source": "run",
                       "agent": "claude", "cli_version": "2.0.1", "model": "claude-sonnet-4-5",
                       "cwd": "/home/me/app", "git_branch": "main", "project_id": "app",
                       "command": ["claude", "-p"], "started_at": "2026-11-24T10:00:00.100Z"}),
            ),
            env(
                2,
                "user.prompt",
                json!({"text": "Fix the *login* test\nplease", "by": "alice"}),
            ),
            env(
                3,
                "output.thinking",
                json!({"text": "A secret plan", "message_id": "m0"}),
            ),
            env(
                4,
                "output.text",
                json!({"text": "I'll run ", "delta": true, "message_id": "m1"}),
            ),
            env(
                5,
                "output.text",
                json!({"text": "the tests.", "delta": true, "message_id": "m1"}),
            ),
            started(
                6,
                "t1",
                "Bash",
                json!({"command": "cargo test", "description": "Run the tests"}),
                None,
            ),
            env(
                7,
                "tool.completed",
                json!({"tool_use_id": "t1", "is_error": true, "output_preview": "l1\nl2\nl3\nl4\n",
                       "output_bytes": 12, "duration_ms": 1200}),
            ),
            env(
                8,
                "usage.updated",
                json!({"input_tokens": 1200, "output_tokens": 340, "total_cost_usd": 0.0123}),
            ),
            env(
                9,
                "session.ended",
                json!({"status": "completed", "exit_code": 0, "duration_ms": 4000,
                       "num_turns": 1, "total_cost_usd": 0.0123}),
            ),
        ];
        let expected = "\
# Session fix-login

- **Session:** `s1`
- **Agent:** claude 2.0.1
- **Source:** run
- **Model:** claude-sonnet-4-5
- **Project:** app
- **Directory:** `/home/me/app` on branch `main`
- **Command:** `claude -p`
- **Started:** 2026-11-24 10:00 UTC
- **Status:** completed
- **Outcome:** completed (exit code 0)
- **Duration:** 4.0 s
- **Turns:** 1
- **Tokens:** 1.2k in, 340 out
- **Cost:** $0.01

## Transcript

_Session fix-login started with claude-sonnet-4-5_

**User** (by alice)

> Fix the *login* test
> please

**Assistant**

I'll run the tests.

**Bash**: Run the tests

```sh
cargo test
```

**Result:** failed in 1.2 s (12 B)

```text
l1
l2
... 2 more lines
```

_Session completed after 4.0 s, 1 turns, $0.01_
";
        assert_eq!(render(&envelopes, &short_output()), expected);
    }

    #[test]
    fn a_sub_agent_is_quoted_under_its_task_and_the_task_result_follows() {
        let envelopes = [
            started(
                1,
                "t1",
                "Task",
                json!({"description": "Find the bug", "prompt": "Look for it"}),
                None,
            ),
            env(
                2,
                "agent.delegation",
                json!({"tool_use_id": "t1", "agent": "general-purpose", "status": "started"}),
            ),
            text(3, "Looking.", Some("t1")),
            started(
                4,
                "t2",
                "Grep",
                json!({"pattern": "fn login", "path": "src"}),
                Some("t1"),
            ),
            // The parent's own text, said while the sub-agent works: after the Task.
            text(5, "Waiting for it.", None),
            completed(6, "t2", "src/a.rs:3", Some("t1")),
            completed(7, "t1", "Found it", None),
        ];
        let doc = render(&envelopes, &MarkdownOptions::default());
        let body = &doc[doc.find("## Transcript").unwrap()..];
        assert_eq!(
            body,
            "\
## Transcript

**Task** (sub-agent general-purpose) `Find the bug`

> **Assistant**
>
> Looking.
>
> **Grep** `fn login in src`
>
> **Result:** succeeded in 5 ms (10 B)
>
> ```text
> src/a.rs:3
> ```

**Result:** succeeded in 5 ms (8 B)

```text
Found it
```

**Assistant**

Waiting for it.
"
        );
    }

    #[test]
    fn edits_are_diffs_and_the_agents_fences_cannot_break_the_document() {
        let envelopes = [
            started(
                1,
                "t1",
                "Edit",
                json!({"file_path": "src/a.rs", "old_string": "let a = 1;\nok();",
                       "new_string": "let a = 2;\nok();"}),
                None,
            ),
            completed(2, "t1", "```\nnot the end\n```", None),
            text(3, "Here:\n```rust\nfn x() {}", None),
            env(4, "user.prompt", json!({"text": "next"})),
        ];
        let doc = render(&envelopes, &MarkdownOptions::default());
        assert!(
            doc.contains("**Edit** `src/a.rs`\n\n```diff\n-let a = 1;\n+let a = 2;\n ok();\n```"),
            "{doc}"
        );
        assert!(
            doc.contains("````text\n```\nnot the end\n```\n````"),
            "{doc}"
        );
        // The fence the agent left open is closed before the next prompt.
        assert!(
            doc.contains("Here:\n```rust\nfn x() {}\n```\n\n**User**\n\n> next\n"),
            "{doc}"
        );
    }

    #[test]
    fn todos_where_they_change_permissions_errors_gaps_and_thinking_on_request() {
        let list = json!({
            "todos": [
                {"content": "a", "status": "completed"},
                {"content": "b", "status": "in_progress", "activeForm": "Doing b"},
                {"content": "[c]", "status": "pending"}
            ],
            "stats": {"total": 3, "pending": 1, "in_progress": 1, "completed": 1}
        });
        let envelopes = [
            env(1, "todo.updated", list.clone()),
            env(2, "todo.updated", list),
            env(
                3,
                "permission.requested",
                json!({"request_id": "r1", "tool_name": "Bash", "input": {"command": "touch x"},
                       "expires_at": "2026-11-24T10:10:00.000Z"}),
            ),
            env(
                4,
                "permission.resolved",
                json!({"request_id": "r1", "decision": "deny", "by": "alice",
                       "reason": "answered", "message": "not now"}),
            ),
            env(
                5,
                "agent.error",
                json!({"code": "parse_error", "message": "bad <json>", "line": 3}),
            ),
            env(7, "output.thinking", json!({"text": "hmm *x*\n\nthen y"})),
        ];
        let doc = render(&envelopes, &MarkdownOptions::default());
        assert!(
            doc.contains(
                "**Todos:** 1 of 3 done, 1 in progress\n\n- [x] a\n- [ ] Doing b (in progress)\n- [ ] \\[c\\]\n"
            ),
            "{doc}"
        );
        assert_eq!(doc.matches("**Todos:**").count(), 1, "{doc}");
        assert!(
            doc.contains("**Permission:** Asks: Bash: touch x\n\n**Permission:** Denied by alice: Bash: touch x (\"not now\")\n"),
            "{doc}"
        );
        assert!(
            doc.contains("**Error:** parse\\_error: bad \\<json\\> (line 3)\n"),
            "{doc}"
        );
        assert!(doc.contains("_Event 6 is missing_\n"), "{doc}");
        assert!(!doc.contains("hmm"), "{doc}");

        let thinking = MarkdownOptions {
            thinking: true,
            ..MarkdownOptions::default()
        };
        let doc = render(&envelopes, &thinking);
        assert!(
            doc.ends_with("**Thinking**\n\n> hmm *x*\n>\n> then y\n"),
            "{doc}"
        );
    }

    #[test]
    fn envelopes_are_taken_by_offset_once_and_bad_ones_are_skipped() {
        let envelopes = [
            env(2, "user.prompt", json!({"text": "second"})),
            env(1, "user.prompt", json!({"text": "first"})),
            env(2, "user.prompt", json!({"text": "second"})),
            env(
                0,
                "session.recovered",
                json!({"recovered": true, "from": 1, "to": 2}),
            ),
            env(3, "tool.started", json!({"oops": true})),
            env(4, "made.up", json!(null)),
        ];
        let doc = render(&envelopes, &MarkdownOptions::default());
        assert_eq!(
            doc,
            "\
# Session s1

- **Session:** `s1`
- **Status:** unknown
- **Duration:** 300 ms so far

## Transcript

**User**

> first

**User**

> second
"
        );
        assert_eq!(
            render(&[], &MarkdownOptions::default()),
            "# Session\n\n- **Status:** unknown\n\n## Transcript\n\n_No events._\n"
        );
    }

    #[test]
    fn long_outputs_and_inputs_are_cut_and_deep_sub_agents_stay_bounded() {
        let output: Vec<String> = (1..=1000).map(|i| format!("line {i}")).collect();
        let command: Vec<String> = (1..=50).map(|i| format!("echo {i}")).collect();
        let mut envelopes = vec![
            started(
                1,
                "t0",
                "Bash",
                json!({"command": command.join("\n")}),
                None,
            ),
            completed(2, "t0", &output.join("\n"), None),
        ];
        // A chain of 2,000 Tasks, each started by the one before.
        for i in 1..=2000u64 {
            let parent = format!("t{}", i - 1);
            envelopes.push(started(
                2 + i,
                &format!("t{i}"),
                "Task",
                json!({"description": format!("level {i}")}),
                (i > 1).then_some(parent.as_str()),
            ));
        }
        let options = MarkdownOptions {
            max_output_lines: 3,
            max_input_lines: 2,
            ..MarkdownOptions::default()
        };
        let doc = render(&envelopes, &options);
        assert!(
            doc.contains("```sh\necho 1\necho 2\n... 48 more lines\n```"),
            "{doc}"
        );
        assert!(
            doc.contains("```text\nline 1\nline 2\nline 3\n... 997 more lines\n```"),
            "{doc}"
        );
        assert!(doc.contains("`level 2000`"));
        let deepest = "> ".repeat(MAX_QUOTE_DEPTH);
        assert!(doc.contains(&format!("{deepest}**Task** `level 9`")));
        assert!(doc.contains(&format!("{deepest}**Task** `level 2000`")));
        assert!(!doc.contains(&format!("{deepest}>")));
    }
}
