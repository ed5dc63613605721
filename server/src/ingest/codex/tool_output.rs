//! What a tool call returned, from the two places a rollout says it: [`RanCalls`] keeps what
//! the CLI reported of a command or a patch it ran (`exec_command_end`, `patch_apply_end`, or
//! an `item_completed` command execution: exit code and the command's own output), and
//! [`tool_output`] reads the `*_output` item the model was given, preferring the CLI's report
//! where there is one. The output item is the one source of `tool.completed` (it exists for
//! every tool, in every CLI version); the reports only make it exact.

use std::collections::{HashMap, VecDeque};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::entries::{ContentItem, joined_text};
use crate::ingest::tools::Output;

/// Reports kept waiting for their output item, at most: a rollout whose calls never get one
/// must not grow the map without end (the oldest report is forgotten).
const MAX_RAN: usize = 256;

/// What the CLI reported of a call it ran.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Ran {
    pub exit_code: Option<i64>,
    /// The CLI said it failed (status `failed` or `declined`, a patch not applied).
    pub failed: bool,
    /// What the command printed (stdout and stderr as they interleaved).
    pub output: Option<String>,
}

/// Reports by call id; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct RanCalls {
    by_id: HashMap<String, Ran>,
    order: VecDeque<String>,
}

impl RanCalls {
    pub(crate) fn insert(&mut self, call_id: &str, ran: Ran) {
        if self.by_id.insert(call_id.to_owned(), ran).is_some() {
            return;
        }
        if self.order.len() >= MAX_RAN
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_id.remove(&oldest);
        }
        self.order.push_back(call_id.to_owned());
    }

    pub(crate) fn take(&mut self, call_id: &str) -> Option<Ran> {
        let ran = self.by_id.remove(call_id)?;
        self.order.retain(|id| id != call_id);
        Some(ran)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }
}

/// An exit code from the wire: only whole numbers that fit an i32 are exit codes.
pub(crate) fn exit_code(value: Option<f64>) -> Option<i64> {
    value
        .filter(|v| v.is_finite() && v.fract() == 0.0 && v.abs() <= f64::from(i32::MAX))
        .map(|v| v as i64)
}

/// The output of a call and whether it failed, from its output item (`output`, raw) and the
/// CLI's report of it (`ran`, when there was one).
pub(crate) fn tool_output(
    output: Option<&RawValue>,
    ran: Option<Ran>,
    max: usize,
) -> (Output, bool) {
    let given = output.map(read_given).unwrap_or_default();
    let exit_code = ran.as_ref().and_then(|r| r.exit_code).or(given.exit_code);
    let failed = ran.as_ref().is_some_and(|r| r.failed)
        || given.failed
        || exit_code.is_some_and(|code| code != 0);
    let text = ran.and_then(|r| r.output).unwrap_or(given.text);
    (Output::of_str(&text, max), failed)
}

/// An output item as the model was given it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Given {
    text: String,
    exit_code: Option<i64>,
    failed: bool,
}

/// An output is a string, content items, or (older CLIs) `{"content": ..., "success": ...}`.
fn read_given(raw: &RawValue) -> Given {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape<'a> {
        #[serde(borrow)]
        Text(std::borrow::Cow<'a, str>),
        Items(#[serde(borrow)] Vec<ContentItem<'a>>),
        Object {
            // A `Value`, not a `RawValue`: an untagged enum buffers what it reads, and a
            // `RawValue` cannot be read from that buffer. This shape is rare (older CLIs).
            #[serde(default)]
            content: Option<serde_json::Value>,
            #[serde(default)]
            success: Option<bool>,
        },
    }
    match serde_json::from_str::<Shape<'_>>(raw.get()) {
        Ok(Shape::Text(text)) => read_text(&text),
        Ok(Shape::Items(items)) => Given {
            text: joined_text(&items, "\n"),
            ..Given::default()
        },
        Ok(Shape::Object { content, success }) => {
            let mut given = content
                .and_then(|content| RawValue::from_string(content.to_string()).ok())
                .map(|content| read_given(&content))
                .unwrap_or_default();
            given.failed |= success == Some(false);
            given
        }
        Err(_) => Given {
            text: raw.get().to_owned(),
            ..Given::default()
        },
    }
}

/// The text of a shell output, with the exit code its header or metadata gives:
/// - unified exec: `Chunk ID: ..\nWall time: ..\nProcess exited with code 3\n...Output:\n<output>`;
/// - the `shell` tool's free-form output: `Exit code: 3\nWall time: ..\nOutput:\n<output>`;
/// - the `shell` tool of older CLIs: `{"output": "...", "metadata": {"exit_code": 3, ...}}`.
///
/// Anything else is the text as it is.
fn read_text(text: &str) -> Given {
    if text.starts_with('{') {
        #[derive(Deserialize)]
        struct Shell<'a> {
            #[serde(borrow)]
            output: std::borrow::Cow<'a, str>,
            metadata: Metadata,
        }
        #[derive(Deserialize)]
        struct Metadata {
            exit_code: Option<f64>,
        }
        if let Ok(shell) = serde_json::from_str::<Shell<'_>>(text) {
            return Given {
                text: shell.output.into_owned(),
                exit_code: exit_code(shell.metadata.exit_code),
                failed: false,
            };
        }
    }
    if let Some((header, output)) = text.split_once("Output:\n") {
        let code = header.lines().find_map(|line| {
            line.strip_prefix("Process exited with code ")
                .or_else(|| line.strip_prefix("Exit code: "))
                .and_then(|code| code.trim().parse::<i64>().ok())
        });
        if code.is_some() {
            return Given {
                text: output.to_owned(),
                exit_code: code,
                failed: false,
            };
        }
    }
    Given {
        text: text.to_owned(),
        ..Given::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(json: &str) -> Given {
        read_given(&RawValue::from_string(json.to_owned()).unwrap())
    }

    #[test]
    fn headers_and_metadata_give_the_exit_code() {
        let unified = given(
            r#""Chunk ID: dc1cc4\nWall time: 0.0000 seconds\nProcess exited with code 3\nOriginal token count: 2\nOutput:\nfailing\n""#,
        );
        assert_eq!(
            (unified.text.as_str(), unified.exit_code),
            ("failing\n", Some(3))
        );
        let freeform = given(r#""Exit code: 0\nWall time: 1 seconds\nOutput:\nok""#);
        assert_eq!(
            (freeform.text.as_str(), freeform.exit_code),
            ("ok", Some(0))
        );
        let legacy = given(
            r#""{\"output\":\"nope\\n\",\"metadata\":{\"exit_code\":1,\"duration_seconds\":0.1}}""#,
        );
        assert_eq!(
            (legacy.text.as_str(), legacy.exit_code),
            ("nope\n", Some(1))
        );
        // "Output:" in a text without a header is just text.
        let plain = given(r#""Output:\nnot a shell""#);
        assert_eq!(
            (plain.text.as_str(), plain.exit_code),
            ("Output:\nnot a shell", None)
        );
    }

    #[test]
    fn items_objects_and_odd_json() {
        let items =
            given(r#"[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"x"}]"#);
        assert_eq!(items.text, "a\n[image]");
        let object = given(r#"{"content":"denied","success":false}"#);
        assert_eq!((object.text.as_str(), object.failed), ("denied", true));
        assert_eq!(given("42").text, "42");
    }

    #[test]
    fn the_report_wins_over_the_output_item() {
        let raw = RawValue::from_string(
            r#""Process exited with code 0\nOutput:\nmodel view""#.to_owned(),
        )
        .unwrap();
        let ran = Ran {
            exit_code: Some(2),
            failed: false,
            output: Some("real output".into()),
        };
        let (output, failed) = tool_output(Some(&raw), Some(ran), 4);
        assert_eq!(
            (output.preview.as_str(), output.bytes, failed),
            ("real", 11, true)
        );
        let (output, failed) = tool_output(Some(&raw), None, 100);
        assert_eq!((output.preview.as_str(), failed), ("model view", false));
        assert_eq!(tool_output(None, None, 10), (Output::default(), false));
    }

    #[test]
    fn reports_are_bounded_and_taken_once() {
        let mut calls = RanCalls::default();
        for i in 0..MAX_RAN + 10 {
            calls.insert(&i.to_string(), Ran::default());
        }
        assert_eq!(calls.len(), MAX_RAN);
        // The ten oldest were forgotten; a report is taken once.
        assert!(calls.take("9").is_none());
        assert!(calls.take("10").is_some());
        assert!(calls.take("10").is_none());
        assert_eq!(exit_code(Some(3.0)), Some(3));
        assert_eq!(exit_code(Some(2.5)), None);
        assert_eq!(exit_code(Some(f64::NAN)), None);
    }
}
