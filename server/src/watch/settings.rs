//! `watch`'s options resolved: flags over the configuration file's `[watch]` and `[colours]`,
//! the patterns and the regular expression parsed, colour and answering decided for this
//! terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use agentcast_shared::{Claims, Pattern, Scope};
use base64::Engine;
use regex::Regex;

use super::args::WatchArgs;
use super::colour_default;
use super::paint::{Palette, PaletteError};
use crate::clock::now_unix_millis;
use crate::remote::{Remote, RemoteError};

/// Everything the watch loop needs to know about its options.
pub struct Settings {
    pub remote: Remote,
    /// The scope a refused token needed: `control` when answering, else `read`.
    pub scope: Scope,
    pub session: Option<String>,
    pub patterns: Vec<Pattern>,
    pub grep: Option<Regex>,
    pub palette: Palette,
    /// Replay the history after this offset; `None`: live only.
    pub after: Option<u64>,
    /// `--since`: events before this time (Unix ms) are not shown.
    pub cutoff_ms: Option<u64>,
    pub replay: bool,
    pub speed: f64,
    pub export: Option<PathBuf>,
    pub json: bool,
    pub no_follow: bool,
    pub until_end: bool,
    /// Permission requests are asked on this terminal.
    pub answering: bool,
    /// A status line is drawn (a terminal, not `--json`).
    pub status_line: bool,
    pub max_sessions: usize,
    pub connect_timeout: std::time::Duration,
}

/// Options that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("--types: {0}")]
    Pattern(String),
    #[error("--grep {0:?}: {1}")]
    Grep(String, regex::Error),
    #[error(transparent)]
    Palette(#[from] PaletteError),
}

impl Settings {
    pub fn resolve(args: WatchArgs) -> Result<Settings, SettingsError> {
        let terminal = std::io::stdout().is_terminal() && !args.json;
        let may_answer = terminal && !args.no_answer && std::io::stdin().is_terminal();
        let wanted = if may_answer {
            Scope::Control
        } else {
            Scope::Read
        };
        let remote = Remote::resolve(args.remote.clone(), wanted)?;
        let answering = may_answer && token_may(remote.token.as_deref(), Scope::Control);
        let types = if args.types.is_empty() {
            remote.file.watch.types.clone()
        } else {
            args.types.clone()
        };
        let patterns =
            Pattern::parse_all(&types).map_err(|e| SettingsError::Pattern(e.to_string()))?;
        let grep = match args.grep.clone().or_else(|| remote.file.watch.grep.clone()) {
            Some(text) => Some(Regex::new(&text).map_err(|e| SettingsError::Grep(text, e))?),
            None => None,
        };
        let colour = !args.json && colour_default(args.color);
        let palette = Palette::new(colour, &remote.file.colours)?;
        let after = if args.replay || args.since.is_some() {
            Some(0)
        } else if args.no_follow {
            Some(args.from_offset.unwrap_or(0))
        } else {
            args.from_offset
        };
        let cutoff_ms = args
            .since
            .map(|age| now_unix_millis().saturating_sub(age.as_millis() as u64));
        Ok(Settings {
            remote,
            scope: wanted,
            session: args.session,
            patterns,
            grep,
            palette,
            after,
            cutoff_ms,
            replay: args.replay,
            speed: args.speed,
            export: args.export,
            json: args.json,
            no_follow: args.no_follow,
            until_end: args.until_end,
            answering,
            status_line: terminal,
            max_sessions: args.max_sessions,
            connect_timeout: args.connect_timeout,
        })
    }

    /// True when watch exits by itself: then a server that cannot be reached is an error.
    pub fn ends_by_itself(&self) -> bool {
        self.no_follow || self.until_end || self.replay
    }

    /// True when watch exits once the history is printed.
    pub fn stops_after_history(&self) -> bool {
        self.no_follow || self.replay
    }

    /// Whether events of this type are shown.
    pub fn admits_type(&self, kind: &str) -> bool {
        self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(kind))
    }
}

/// Whether `token` carries `scope`, read from its claims without checking the signature (the
/// server checks it; this only decides whether to offer answering). No token: a server
/// without authentication, where anyone may.
fn token_may(token: Option<&str>, scope: Scope) -> bool {
    let Some(token) = token else {
        return true;
    };
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<Claims>(&json).ok());
    claims.is_some_and(|claims| claims.has_scope(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_with(scope: &str) -> String {
        let claims =
            format!(r#"{{"sub":"a","exp":1,"iat":1,"scope":["{scope}"],"sessions":["*"]}}"#);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims);
        format!("e30.{payload}.sig")
    }

    #[test]
    fn answering_needs_a_control_token() {
        assert!(token_may(Some(&token_with("control")), Scope::Control));
        assert!(token_may(Some(&token_with("admin")), Scope::Control));
        assert!(!token_may(Some(&token_with("read")), Scope::Control));
        assert!(!token_may(Some("not a jwt"), Scope::Control));
        assert!(token_may(None, Scope::Control));
    }
}
