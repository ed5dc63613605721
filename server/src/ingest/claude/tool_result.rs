//! Tool calls and results of stream-json and transcripts alike: a `tool_use` block as a
//! [`ToolCall`], a `tool_result` block as a [`ToolAnswer`] whose text is the block's `content`
//! or the structured `tool_use_result` beside it (a transcript's `toolUseResult`), as the
//! [`Output`] events carry. Both the stream-json mapper and the transcript mapper
//! (`ingest::claude_transcript`) read blocks through these.

use serde_json::Value;
use serde_json::value::RawValue;

use super::messages::{Block, Content, ToolUseResult};
use super::to_value;
use crate::ingest::text::truncate;
use crate::ingest::tools::{Output, ToolAnswer, ToolCall};

/// The call of a `tool_use` (`server_tool_use`, `mcp_tool_use`) block; `None` without an id
/// or a name. An input too deeply nested to build stands as its bounded text.
pub(crate) fn tool_call(block: &Block<'_>, parent: Option<&str>, max: usize) -> Option<ToolCall> {
    let (Some(id), Some(name)) = (&block.id, &block.name) else {
        return None;
    };
    Some(ToolCall {
        id: id.to_string(),
        name: name.to_string(),
        input: block.input.map_or(Value::Null, |raw| {
            to_value(raw).unwrap_or_else(|| unreadable(raw, max))
        }),
        parent: parent.map(str::to_owned),
    })
}

/// What stands for a tool input too deeply nested to be a `Value`: its text, bounded.
fn unreadable(raw: &RawValue, max: usize) -> Value {
    Value::String(truncate(raw.get(), max).to_owned())
}

/// The answer of a `tool_result` block (or a server tool's result block); `None` without a
/// `tool_use_id`. An empty block takes its text from the structured result, and an
/// interrupted call failed.
pub(crate) fn tool_answer(
    block: &Block<'_>,
    structured: &ToolUseResult<'_>,
    parent: Option<&str>,
    max: usize,
) -> Option<ToolAnswer> {
    let id = block.tool_use_id.as_deref()?;
    let mut output = render_content(&block.content, max);
    if output.bytes == 0 {
        output = structured_output(structured, max);
    }
    Some(ToolAnswer {
        id: id.to_owned(),
        is_error: block.is_error.unwrap_or(false) || structured.interrupted.unwrap_or(false),
        output,
        parent: parent.map(str::to_owned),
    })
}

/// The structured result beside a line's one `tool_result`, as far as it is an object the
/// mapper reads (a string, e.g. `"Error: ..."`, says nothing more than the block).
pub(crate) fn structured_result(raw: Option<&RawValue>) -> ToolUseResult<'_> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default()
}

/// The text of a `tool_result`'s `content`: a string, or blocks (text joined by newlines,
/// an image as `[image]`, another block as `[its type]`), or any other JSON as its text.
pub(crate) fn render_content(content: &Content<'_>, max: usize) -> Output {
    match content {
        Content::None => Output::default(),
        Content::Text(text) => Output::of_str(text, max),
        Content::Other(json) => Output::of_str(json, max),
        Content::Blocks(blocks) => {
            let mut output = Output::default();
            for (i, block) in blocks.iter().enumerate() {
                if i > 0 {
                    output.push("\n", max);
                }
                match (&*block.kind, &block.text) {
                    ("text", Some(text)) => output.push(text, max),
                    (kind, _) => output.push(&format!("[{kind}]"), max),
                }
            }
            output
        }
    }
}

/// The output of a result whose `tool_result` block is empty: the tool's structured
/// `stdout` and `stderr`, joined by a newline when both have text.
fn structured_output(result: &ToolUseResult<'_>, max: usize) -> Output {
    let stdout = result.stdout.as_deref().unwrap_or("");
    let stderr = result.stderr.as_deref().unwrap_or("");
    match (stdout.is_empty(), stderr.is_empty()) {
        (_, true) => Output::of_str(stdout, max),
        (true, false) => Output::of_str(stderr, max),
        (false, false) => Output::of_str(&format!("{stdout}\n{stderr}"), max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_renders_strings_blocks_and_json() {
        let content = |json: &str| -> Output {
            let content: Content<'_> = serde_json::from_str(json).unwrap();
            render_content(&content, 100)
        };
        assert_eq!(
            render_content(&serde_json::from_str(r#""héllo\nworld""#).unwrap(), 3),
            Output {
                preview: "hé".into(),
                bytes: 12
            }
        );
        assert_eq!(
            content(
                r#"[{"type":"text","text":"one"},{"type":"image","source":{}},{"type":"text","text":"two"}]"#
            ),
            Output {
                preview: "one\n[image]\ntwo".into(),
                bytes: 15
            }
        );
        assert_eq!(content("null"), Output::default());
        assert_eq!(render_content(&Content::None, 100), Output::default());
        assert_eq!(content(r#"{"a":1}"#).preview, r#"{"a":1}"#);
        assert_eq!(content("7").preview, "7");
        assert!(serde_json::from_str::<Content<'_>>("[1,2]").is_err());
    }

    #[test]
    fn structured_results_join_stdout_and_stderr() {
        let result = |json: &str| -> Output {
            let result: ToolUseResult<'_> = serde_json::from_str(json).unwrap();
            structured_output(&result, 100)
        };
        assert_eq!(result(r#"{"stdout":"out","stderr":""}"#).preview, "out");
        assert_eq!(result(r#"{"stdout":"","stderr":"err"}"#).preview, "err");
        assert_eq!(
            result(r#"{"stdout":"out","stderr":"err"}"#).preview,
            "out\nerr"
        );
        assert_eq!(result("{}"), Output::default());
    }
}
