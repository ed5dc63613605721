//! Colour: ANSI codes by kind of line (built in, overridden by `[colours]` in the client
//! configuration file), a stable colour per session label, and `--grep` matches
//! highlighted. Off entirely when colour is off.

use std::collections::BTreeMap;

use regex::Regex;

use super::line::{Line, Tone};

const RESET: &str = "\x1b[0m";
/// Reverse video for `--grep` matches: visible in any colour scheme.
const HIGHLIGHT: &str = "\x1b[7m";
/// The colours session labels take, chosen by a hash of the session id.
const LABEL_COLOURS: [&str; 6] = ["36", "32", "33", "35", "34", "96"];

/// The names of the kinds in `[colours]`, with their built-in codes.
const TONES: [(&str, Tone, &str); 8] = [
    ("text", Tone::Plain, ""),
    ("prompt", Tone::Prompt, "1;36"),
    ("dim", Tone::Dim, "2"),
    ("tool", Tone::Tool, "34"),
    ("done", Tone::Done, "32"),
    ("failure", Tone::Failure, "31"),
    ("attention", Tone::Attention, "1;33"),
    ("cost", Tone::Cost, "35"),
];

/// How lines are coloured.
#[derive(Debug, Clone)]
pub struct Palette {
    enabled: bool,
    codes: Vec<(Tone, String)>,
}

/// A `[colours]` entry that is not a kind or not an SGR code.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PaletteError {
    #[error(
        "[colours] {0}: unknown kind (known: text, prompt, dim, tool, done, failure, attention, cost)"
    )]
    UnknownKind(String),
    #[error("[colours] {0} = {1:?}: expected ANSI SGR codes such as \"1;36\"")]
    BadCode(String, String),
}

impl Palette {
    /// Colours on or off, with `overrides` from the configuration file.
    pub fn new(enabled: bool, overrides: &BTreeMap<String, String>) -> Result<Self, PaletteError> {
        let mut codes: Vec<(Tone, String)> = TONES
            .iter()
            .map(|(_, tone, code)| (*tone, (*code).to_owned()))
            .collect();
        for (name, code) in overrides {
            let Some(index) = TONES.iter().position(|(known, _, _)| known == name) else {
                return Err(PaletteError::UnknownKind(name.clone()));
            };
            if !code.chars().all(|c| c.is_ascii_digit() || c == ';') {
                return Err(PaletteError::BadCode(name.clone(), code.clone()));
            }
            codes[index].1 = code.clone();
        }
        Ok(Palette { enabled, codes })
    }

    /// `line` as printed: coloured by its tone, `grep`'s matches highlighted.
    pub fn paint(&self, line: &Line, grep: Option<&Regex>) -> String {
        let code = self.code(line.tone);
        let mut out = String::with_capacity(line.text.len() + 16);
        let open = |out: &mut String| {
            if !code.is_empty() {
                out.push_str("\x1b[");
                out.push_str(code);
                out.push('m');
            }
        };
        open(&mut out);
        match grep.filter(|_| self.enabled) {
            Some(regex) => {
                let mut at = 0;
                for found in regex.find_iter(&line.text) {
                    out.push_str(&line.text[at..found.start()]);
                    out.push_str(HIGHLIGHT);
                    out.push_str(found.as_str());
                    out.push_str(RESET);
                    open(&mut out);
                    at = found.end();
                }
                out.push_str(&line.text[at..]);
            }
            None => out.push_str(&line.text),
        }
        if !code.is_empty() || (grep.is_some() && self.enabled) {
            out.push_str(RESET);
        }
        out
    }

    /// A session's label, in the colour its id always gets.
    pub fn label(&self, session_id: &str, label: &str) -> String {
        if !self.enabled {
            return format!("[{label}]");
        }
        // std's hasher with its fixed keys: the same id gets the same colour every time.
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(session_id, &mut hasher);
        let hash = std::hash::Hasher::finish(&hasher);
        let code = LABEL_COLOURS[(hash % LABEL_COLOURS.len() as u64) as usize];
        format!("\x1b[{code}m[{label}]{RESET}")
    }

    fn code(&self, tone: Tone) -> &str {
        if !self.enabled {
            return "";
        }
        self.codes
            .iter()
            .find(|(t, _)| *t == tone)
            .map_or("", |(_, code)| code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(tone: Tone, text: &str) -> Line {
        Line {
            tone,
            text: text.into(),
        }
    }

    #[test]
    fn plain_has_no_escape_codes_even_with_grep() {
        let palette = Palette::new(false, &BTreeMap::new()).unwrap();
        let regex = Regex::new("b").unwrap();
        assert_eq!(
            palette.paint(&line(Tone::Failure, "abc"), Some(&regex)),
            "abc"
        );
        assert_eq!(palette.label("s1", "s1"), "[s1]");
    }

    #[test]
    fn tones_take_their_codes_and_overrides_win() {
        let overrides = BTreeMap::from([("failure".to_owned(), "1;31".to_owned())]);
        let palette = Palette::new(true, &overrides).unwrap();
        assert_eq!(
            palette.paint(&line(Tone::Failure, "x"), None),
            "\x1b[1;31mx\x1b[0m"
        );
        assert_eq!(
            palette.paint(&line(Tone::Tool, "x"), None),
            "\x1b[34mx\x1b[0m"
        );
        assert_eq!(palette.paint(&line(Tone::Plain, "x"), None), "x");
    }

    #[test]
    fn grep_matches_are_highlighted_and_the_colour_resumes() {
        let palette = Palette::new(true, &BTreeMap::new()).unwrap();
        let regex = Regex::new("err").unwrap();
        assert_eq!(
            palette.paint(&line(Tone::Tool, "an err here"), Some(&regex)),
            "\x1b[34man \x1b[7merr\x1b[0m\x1b[34m here\x1b[0m"
        );
    }

    #[test]
    fn a_label_keeps_its_colour() {
        let palette = Palette::new(true, &BTreeMap::new()).unwrap();
        assert_eq!(palette.label("abc", "x"), palette.label("abc", "x"));
        assert!(palette.label("abc", "x").contains("[x]"));
    }

    #[test]
    fn bad_colours_are_named() {
        let unknown = BTreeMap::from([("warn".to_owned(), "1".to_owned())]);
        assert_eq!(
            Palette::new(true, &unknown).unwrap_err(),
            PaletteError::UnknownKind("warn".into())
        );
        let bad = BTreeMap::from([("tool".to_owned(), "blue".to_owned())]);
        assert!(matches!(
            Palette::new(true, &bad),
            Err(PaletteError::BadCode(..))
        ));
    }
}
