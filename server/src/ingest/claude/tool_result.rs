//! The text of a tool's result in stream-json: a `tool_result` block's `content`, or the
//! structured `tool_use_result` beside it, as the [`Output`] events carry.

use super::messages::{Content, ToolUseResult};
use crate::ingest::tools::Output;

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
pub(crate) fn structured_output(result: &ToolUseResult<'_>, max: usize) -> Output {
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
