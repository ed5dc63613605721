//! What a permission request would do, as its card shows it: the command of a Bash call, the
//! file and a line diff of an Edit, the file and content of a Write, or else the input as
//! pretty JSON. Everything is bounded, so a request carrying a huge file cannot freeze the page.

use crate::PermissionRequested;
use serde_json::Value;

/// Most characters of a Write's content or of the input JSON shown.
pub const MAX_SHOWN_CHARS: usize = 20_000;
/// Above this many line pairs an Edit is not diffed line by line (the table is quadratic):
/// the old text is shown removed and the new added.
const MAX_DIFF_CELLS: usize = 250_000;

/// What a call would do, in the form its card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// A shell command and what the agent says it does.
    Command {
        /// The command line, bounded.
        command: String,
        /// What the agent says it does.
        description: Option<String>,
    },
    /// An edit of a file: the lines removed and added (a MultiEdit's edits one after another).
    Edit {
        /// The file edited.
        file: String,
        /// Its lines kept, removed and added, in order.
        diff: Vec<DiffLine>,
    },
    /// A file written whole.
    Write {
        /// The file written.
        file: String,
        /// What is written into it, bounded.
        content: String,
    },
    /// Any other tool: its input.
    Input {
        /// The input as pretty JSON, bounded.
        json: String,
    },
}

/// What a line of a diff does to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Kept as it was.
    Same,
    /// Taken out.
    Removed,
    /// Put in.
    Added,
}

impl Change {
    /// The `data-change` of a diff line.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Same => "same",
            Change::Removed => "removed",
            Change::Added => "added",
        }
    }
}

/// One line of an edit's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    /// Kept, removed or added.
    pub change: Change,
    /// The line, without its end.
    pub text: String,
}

/// What `request` would do.
pub fn preview(request: &PermissionRequested) -> Preview {
    call(
        &request.tool_name,
        &request.input,
        request.description.as_deref(),
    )
}

/// What a call of `tool` with `input` does (`description`: what the agent says it does, when
/// it says so beside the input): a permission request's preview, and a tool call's in the
/// Markdown transcript.
pub fn call(tool: &str, input: &Value, description: Option<&str>) -> Preview {
    let text = |key: &str| input.get(key).and_then(Value::as_str).map(str::to_owned);
    let file = text("file_path").or_else(|| text("notebook_path"));
    match (tool, file) {
        ("Bash", _) if text("command").is_some() => Preview::Command {
            command: bounded(&text("command").unwrap_or_default()),
            description: description
                .map(str::to_owned)
                .or_else(|| text("description")),
        },
        ("Edit", Some(file)) if text("old_string").is_some() || text("new_string").is_some() => {
            Preview::Edit {
                file,
                diff: diff(
                    &text("old_string").unwrap_or_default(),
                    &text("new_string").unwrap_or_default(),
                ),
            }
        }
        ("MultiEdit", Some(file)) if input.get("edits").is_some_and(Value::is_array) => {
            let edits = input["edits"].as_array().into_iter().flatten();
            let diff = edits
                .flat_map(|edit| {
                    let side = |key| edit.get(key).and_then(Value::as_str).unwrap_or("");
                    diff(side("old_string"), side("new_string"))
                })
                .collect();
            Preview::Edit { file, diff }
        }
        ("Write", Some(file)) if text("content").is_some() => Preview::Write {
            file,
            content: bounded(&text("content").unwrap_or_default()),
        },
        _ => Preview::Input {
            json: bounded(&serde_json::to_string_pretty(input).unwrap_or_default()),
        },
    }
}

/// One line for the transcript: `Bash: touch x`, `Edit /src/a.rs`, or the tool's name.
pub fn summary(request: &PermissionRequested) -> String {
    let input = &request.input;
    let text = |key: &str| input.get(key).and_then(Value::as_str);
    let tool = &request.tool_name;
    match (text("command"), text("file_path")) {
        (Some(command), _) => format!("{tool}: {}", super::format::one_line(command, 120)),
        (None, Some(file)) => format!("{tool} {file}"),
        (None, None) => tool.clone(),
    }
}

/// `text`, cut after [`MAX_SHOWN_CHARS`] with a note of how much was left out.
fn bounded(text: &str) -> String {
    let total = text.chars().count();
    if total <= MAX_SHOWN_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    cut += &format!("\n… ({} more characters)", total - MAX_SHOWN_CHARS);
    cut
}

/// The lines of `old` and `new`, each kept, removed or added: the longest common subsequence
/// of lines is kept.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = bounded_lines(old);
    let new: Vec<&str> = bounded_lines(new);
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_owned(),
    };
    if old.len().saturating_mul(new.len()) > MAX_DIFF_CELLS {
        return old
            .iter()
            .map(|t| line(Change::Removed, t))
            .chain(new.iter().map(|t| line(Change::Added, t)))
            .collect();
    }
    // common[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(old.len().max(new.len()));
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out.push(line(Change::Same, old[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            out.push(line(Change::Added, new[j]));
            j += 1;
        } else {
            out.push(line(Change::Removed, old[i]));
            i += 1;
        }
    }
    // Removed lines read better before the lines that replace them: within each run of
    // changes, the removed ones first (a stable partition, kept by hand: a sort would cost
    // the dashboard's wasm a sorting routine of its own).
    let mut ordered = Vec::with_capacity(out.len());
    let mut added = Vec::new();
    for line in out {
        match line.change {
            Change::Removed => ordered.push(line),
            Change::Added => added.push(line),
            Change::Same => {
                ordered.append(&mut added);
                ordered.push(line);
            }
        }
    }
    ordered.append(&mut added);
    ordered
}

/// The lines of `text`, at most [`MAX_SHOWN_CHARS`] characters of them.
fn bounded_lines(text: &str) -> Vec<&str> {
    let end = text
        .char_indices()
        .nth(MAX_SHOWN_CHARS)
        .map_or(text.len(), |(at, _)| at);
    if text.is_empty() {
        Vec::new()
    } else {
        text[..end].lines().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(tool: &str, input: Value) -> PermissionRequested {
        PermissionRequested {
            request_id: "r".into(),
            tool_use_id: None,
            tool_name: tool.into(),
            input,
            description: None,
            suggestions: Vec::new(),
            expires_at: "2026-11-24T10:10:00.000Z".into(),
        }
    }

    fn shown(diff: &[DiffLine]) -> Vec<String> {
        let sign = |c| match c {
            Change::Same => ' ',
            Change::Removed => '-',
            Change::Added => '+',
        };
        diff.iter()
            .map(|l| format!("{}{}", sign(l.change), l.text))
            .collect()
    }

    #[test]
    fn bash_shows_the_command_and_its_description() {
        let p = preview(&request(
            "Bash",
            json!({"command": "touch approved.txt", "description": "Create a file"}),
        ));
        assert_eq!(
            p,
            Preview::Command {
                command: "touch approved.txt".into(),
                description: Some("Create a file".into())
            }
        );
        let mut described = request("Bash", json!({"command": "ls"}));
        described.description = Some("List".into());
        assert!(
            matches!(preview(&described), Preview::Command { description: Some(d), .. } if d == "List")
        );
    }

    #[test]
    fn an_edit_is_a_line_diff() {
        let p = preview(&request(
            "Edit",
            json!({"file_path": "/src/a.rs", "old_string": "fn a() {\n    1\n}", "new_string": "fn a() {\n    2\n}\n// done"}),
        ));
        let Preview::Edit { file, diff } = p else {
            panic!("{p:?}")
        };
        assert_eq!(file, "/src/a.rs");
        assert_eq!(
            shown(&diff),
            [" fn a() {", "-    1", "+    2", " }", "+// done"]
        );
        assert_eq!(shown(&super::diff("", "x")), ["+x"]);
        assert_eq!(shown(&super::diff("x\ny", "")), ["-x", "-y"]);
    }

    #[test]
    fn multi_edit_diffs_each_edit() {
        let p = preview(&request(
            "MultiEdit",
            json!({"file_path": "f", "edits": [
                {"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": "c\nd"}]}),
        ));
        let Preview::Edit { diff, .. } = p else {
            panic!("{p:?}")
        };
        assert_eq!(shown(&diff), ["-a", "+b", " c", "+d"]);
    }

    #[test]
    fn a_write_shows_its_content_bounded() {
        let p = preview(&request(
            "Write",
            json!({"file_path": "/notes.md", "content": "# Notes"}),
        ));
        assert_eq!(
            p,
            Preview::Write {
                file: "/notes.md".into(),
                content: "# Notes".into()
            }
        );
        let huge = "é".repeat(MAX_SHOWN_CHARS + 5);
        let Preview::Write { content, .. } = preview(&request(
            "Write",
            json!({"file_path": "f", "content": huge}),
        )) else {
            panic!()
        };
        assert!(
            content.ends_with("… (5 more characters)"),
            "{}",
            &content[..20]
        );
    }

    #[test]
    fn a_huge_edit_is_not_diffed_line_by_line() {
        let old: String = (0..1000).map(|i| format!("old {i}\n")).collect();
        let new: String = (0..1000).map(|i| format!("new {i}\n")).collect();
        let diff = diff(&old, &new);
        assert_eq!(diff.len(), 2000);
        assert!(diff[..1000].iter().all(|l| l.change == Change::Removed));
    }

    #[test]
    fn summaries_are_one_line() {
        let bash = request("Bash", json!({"command": "touch a\ntouch b"}));
        assert_eq!(summary(&bash), "Bash: touch a…");
        assert_eq!(
            summary(&request("Write", json!({"file_path": "/n.md"}))),
            "Write /n.md"
        );
        assert_eq!(summary(&request("WebFetch", json!(null))), "WebFetch");
    }

    #[test]
    fn anything_else_is_its_input_as_json() {
        let p = preview(&request("WebFetch", json!({"url": "https://example.com"})));
        assert_eq!(
            p,
            Preview::Input {
                json: "{\n  \"url\": \"https://example.com\"\n}".into()
            }
        );
        // A Bash request without a command, an Edit without a file: their input.
        assert!(matches!(
            preview(&request("Bash", json!({}))),
            Preview::Input { .. }
        ));
        assert!(matches!(
            preview(&request("Edit", json!({"old_string": "a"}))),
            Preview::Input { .. }
        ));
    }
}
