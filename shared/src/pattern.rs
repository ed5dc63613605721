//! Subscription patterns and their expansion into event types.
//!
//! A pattern is `*` (every type), a prefix ending in `.*` (`tool.*`), or an exact event type
//! (`output.text`). Clients and server parse and match them here, so both agree.

use std::fmt;
use std::str::FromStr;

use crate::events::ALL_EVENT_TYPES;

/// A parsed subscription pattern.
///
/// ```
/// use agentcast_shared::Pattern;
/// let tools = Pattern::parse("tool.*").unwrap();
/// assert!(tools.matches("tool.started"));
/// assert!(!tools.matches("output.text"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    text: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// `*`
    All,
    /// `tool.*`, kept as `tool.` so matching is one `starts_with`.
    Prefix(String),
    /// `output.text`
    Exact,
}

/// Why a pattern was refused; the message names the pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The pattern is the empty string.
    #[error("empty pattern: expected `*`, an event type or a prefix such as `tool.*`")]
    Empty,
    /// Not `*`, a dotted name, or a dotted name followed by `.*`.
    #[error(
        "invalid pattern `{0}`: expected `*`, an event type or a prefix ending in `.*` such as `tool.*`"
    )]
    Syntax(String),
    /// A well-formed exact type that is not a known event type.
    #[error("unknown event type `{0}`")]
    UnknownType(String),
    /// A well-formed prefix that no known event type starts with.
    #[error("pattern `{0}` matches no known event type")]
    NoMatch(String),
}

impl Pattern {
    /// Parses `*`, `prefix.*` or an exact event type; anything else, an unknown type and a
    /// prefix that matches nothing are errors (a typo should not subscribe silently to nothing).
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        if text.is_empty() {
            return Err(PatternError::Empty);
        }
        let kind = if text == "*" {
            Kind::All
        } else if let Some(name) = text.strip_suffix(".*") {
            if !is_dotted_name(name) {
                return Err(PatternError::Syntax(text.to_owned()));
            }
            let prefix = format!("{name}.");
            if !ALL_EVENT_TYPES.iter().any(|t| t.starts_with(&prefix)) {
                return Err(PatternError::NoMatch(text.to_owned()));
            }
            Kind::Prefix(prefix)
        } else if is_dotted_name(text) {
            if !crate::is_known_event_type(text) {
                return Err(PatternError::UnknownType(text.to_owned()));
            }
            Kind::Exact
        } else {
            return Err(PatternError::Syntax(text.to_owned()));
        };
        Ok(Pattern {
            text: text.to_owned(),
            kind,
        })
    }

    /// Parses every pattern, stopping at the first error.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Pattern>, PatternError> {
        texts.iter().map(|t| Pattern::parse(t.as_ref())).collect()
    }

    /// True when the pattern matches the event type (known or not).
    pub fn matches(&self, event_type: &str) -> bool {
        match &self.kind {
            Kind::All => true,
            Kind::Prefix(prefix) => event_type.starts_with(prefix.as_str()),
            Kind::Exact => event_type == self.text,
        }
    }

    /// The pattern as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The known event types matched by any of the patterns, in [`ALL_EVENT_TYPES`] order and
/// without duplicates: the rooms a subscription joins.
pub fn expand(patterns: &[Pattern]) -> Vec<&'static str> {
    ALL_EVENT_TYPES
        .iter()
        .copied()
        .filter(|t| patterns.iter().any(|p| p.matches(t)))
        .collect()
}

/// Dot-separated non-empty segments of `[a-z0-9_]`.
fn is_dotted_name(text: &str) -> bool {
    text.split('.').all(|segment| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

impl FromStr for Pattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Pattern::parse(text)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Pattern {
        Pattern::parse(text).unwrap()
    }

    #[test]
    fn star_matches_everything() {
        assert!(p("*").matches("tool.started"));
        assert!(p("*").matches("anything.else"));
        assert_eq!(expand(&[p("*")]), ALL_EVENT_TYPES);
    }

    #[test]
    fn prefix_matches_its_family_only() {
        let tools = p("tool.*");
        assert!(tools.matches("tool.started"));
        assert!(tools.matches("tool.completed"));
        assert!(!tools.matches("output.text"));
        // A prefix is a whole segment: `tool.*` is not `tool*`.
        assert!(!tools.matches("toolbox.open"));
        assert!(!tools.matches("tool"));
    }

    #[test]
    fn exact_matches_itself_only() {
        let text = p("output.text");
        assert!(text.matches("output.text"));
        assert!(!text.matches("output.thinking"));
        assert!(!text.matches("output.text.more"));
    }

    #[test]
    fn expand_is_ordered_and_deduplicated() {
        let patterns = [
            p("usage.updated"),
            p("tool.*"),
            p("tool.started"),
            p("session.*"),
        ];
        assert_eq!(
            expand(&patterns),
            [
                "session.started",
                "session.status",
                "session.checkpoint",
                "session.ended",
                "session.recovered",
                "session.presence",
                "tool.started",
                "tool.completed",
                "usage.updated",
            ]
        );
        assert!(expand(&[]).is_empty());
    }

    #[test]
    fn bad_patterns_are_refused_with_their_name() {
        assert_eq!(Pattern::parse(""), Err(PatternError::Empty));
        for bad in [
            "to*ol",
            "tool.",
            "**",
            ".tool",
            "tool..started",
            "Tool.*",
            "*.started",
            "tool.**",
            " tool.*",
            "tool*",
        ] {
            let err = Pattern::parse(bad).unwrap_err();
            assert_eq!(err, PatternError::Syntax(bad.to_owned()), "{bad}");
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
        }
        assert_eq!(
            Pattern::parse("tool.exploded"),
            Err(PatternError::UnknownType("tool.exploded".into()))
        );
        assert_eq!(
            Pattern::parse("nope.*"),
            Err(PatternError::NoMatch("nope.*".into()))
        );
        assert_eq!(
            Pattern::parse("tool.started.*"),
            Err(PatternError::NoMatch("tool.started.*".into()))
        );
        assert!(
            PatternError::NoMatch("nope.*".into())
                .to_string()
                .contains("`nope.*`")
        );
    }

    #[test]
    fn parse_all_stops_at_the_first_error() {
        assert_eq!(Pattern::parse_all(&["tool.*", "*"]).unwrap().len(), 2);
        assert_eq!(
            Pattern::parse_all(&["tool.*", "x"]),
            Err(PatternError::UnknownType("x".into()))
        );
    }

    #[test]
    fn display_and_from_str_round_trip() {
        let pattern: Pattern = "agent.*".parse().unwrap();
        assert_eq!(pattern.to_string(), "agent.*");
        assert_eq!(pattern.as_str(), "agent.*");
    }
}
