//! Markdown's own characters, kept from breaking the document: inline text escaped, code spans
//! and fences longer than any backtick run inside them, a fence the agent left open closed,
//! and a long text cut to its first lines with a count of the rest.

/// `text` for a place where Markdown would read inline syntax (a label, an error, a todo):
/// one line, its punctuation escaped so that `*`, `_`, `[`, `<`, `|`... stay characters.
pub(crate) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!' | '&' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `text` as a code span on one line: delimited by one more backtick than its longest run of
/// backticks, padded with a space when it starts or ends with one (CommonMark strips it).
pub(crate) fn code_span(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `body` in a fenced code block with `info` (`sh`, `diff`, `text`): the fence is longer than
/// any backtick run in the body, so a fence inside the output cannot end the block.
pub(crate) fn fenced(info: &str, body: &str) -> String {
    let fence = "`".repeat((longest_run(body, '`') + 1).max(3));
    let body = body.trim_end_matches(['\n', '\r']);
    if body.is_empty() {
        format!("{fence}{info}\n{fence}")
    } else {
        format!("{fence}{info}\n{body}\n{fence}")
    }
}

/// `text` written as Markdown (the agent's own answer), with a code fence it left open
/// closed, so the rest of the document is not read as code.
pub(crate) fn closed_fences(text: &str) -> String {
    let mut open: Option<(char, usize)> = None;
    for line in text.lines() {
        let Some((c, len, rest)) = fence_line(line) else {
            continue;
        };
        match open {
            None => open = Some((c, len)),
            // A closing fence: the same character, at least as long, nothing after it.
            Some((o, n)) if o == c && len >= n && rest.trim().is_empty() => open = None,
            Some(_) => {}
        }
    }
    let text = text.trim_end_matches(['\n', '\r']);
    match open {
        Some((c, n)) => format!("{text}\n{}", c.to_string().repeat(n)),
        None => text.to_owned(),
    }
}

/// The first `max` lines of `text`, and how many more it has.
pub(crate) fn first_lines(text: &str, max: usize) -> (String, usize) {
    let text = text.trim_end_matches(['\n', '\r']);
    let mut lines = text.lines();
    let kept: Vec<&str> = lines.by_ref().take(max).collect();
    (kept.join("\n"), lines.count())
}

/// The lines of `text` behind `prefix` (`> ` for a quote, `> > ` one level deeper); empty
/// lines get the prefix without its trailing space, so the quote goes on.
pub(crate) fn prefixed(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() * 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
    }
    out
}

/// A fence opening or closing line (up to three spaces, then three or more backticks or
/// tildes): its character, its length and what follows.
fn fence_line(line: &str) -> Option<(char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let line = &line[indent..];
    let c = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.len() - line.trim_start_matches(c).len();
    let rest = &line[len..];
    // A backtick fence's info string may not hold a backtick (CommonMark).
    (len >= 3 && !(c == '`' && rest.contains('`'))).then_some((c, len, rest))
}

/// The longest run of `c` in `text`.
fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_text_keeps_its_characters_on_one_line() {
        assert_eq!(
            inline("a *b* _c_ [d](e) <f> | `g`\nh"),
            r"a \*b\* \_c\_ \[d\](e) \<f\> \| \`g\` h"
        );
        assert_eq!(inline("  plain words, 3.5 + 2  "), "plain words, 3.5 + 2");
    }

    #[test]
    fn code_spans_outlast_the_backticks_inside() {
        assert_eq!(code_span("src/main.rs"), "`src/main.rs`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("`x`"), "`` `x` ``");
        assert_eq!(code_span("two\nlines"), "`two lines`");
    }

    #[test]
    fn a_fence_inside_the_body_does_not_end_the_block() {
        assert_eq!(fenced("sh", "ls\n"), "```sh\nls\n```");
        assert_eq!(
            fenced("text", "```rust\nfn main() {}\n```"),
            "````text\n```rust\nfn main() {}\n```\n````"
        );
        assert_eq!(fenced("text", ""), "```text\n```");
    }

    #[test]
    fn a_fence_left_open_is_closed_and_a_closed_one_kept() {
        assert_eq!(
            closed_fences("see:\n```rust\nfn x() {}"),
            "see:\n```rust\nfn x() {}\n```"
        );
        assert_eq!(closed_fences("````\n```\n"), "````\n```\n````");
        assert_eq!(closed_fences("~~~\nx\n~~~\n"), "~~~\nx\n~~~");
        assert_eq!(closed_fences("not ``` a fence"), "not ``` a fence");
        // Indented four spaces, it is code, not a fence.
        assert_eq!(closed_fences("    ```\nx"), "    ```\nx");
    }

    #[test]
    fn first_lines_count_the_rest() {
        assert_eq!(first_lines("a\nb\nc\n", 2), ("a\nb".to_owned(), 1));
        assert_eq!(first_lines("a\nb", 5), ("a\nb".to_owned(), 0));
        assert_eq!(first_lines("", 5), (String::new(), 0));
    }

    #[test]
    fn quoted_lines_stay_in_the_quote() {
        assert_eq!(prefixed("a\n\nb", "> "), "> a\n>\n> b");
        assert_eq!(prefixed("a", ""), "a");
    }
}
