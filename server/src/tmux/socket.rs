//! [`TmuxSocket`]: which tmux server a collector polls, and the session it reports into.

use std::path::PathBuf;

use agentcast_shared::is_valid_session_id;

/// A tmux server, as `--tmux-socket` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TmuxSocket {
    /// The user's default server: `tmux` without `-L` or `-S` (inside tmux, the one of
    /// `$TMUX`).
    Default,
    /// `tmux -L <name>`.
    Name(String),
    /// `tmux -S <path>`.
    Path(PathBuf),
}

/// The most of a socket's name or path kept in its session id (session ids are at most 128
/// characters; the rest is `tmux-`).
const MAX_ID_NAME: usize = 120;

impl TmuxSocket {
    /// A setting's value: a path if it has a `/`, else a socket name.
    pub(crate) fn parse(setting: &str) -> Self {
        if setting.contains('/') {
            Self::Path(setting.into())
        } else {
            Self::Name(setting.to_owned())
        }
    }

    /// The arguments that select this server, before the tmux command.
    pub(crate) fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Self::Default => Vec::new(),
            Self::Name(name) => vec!["-L".into(), name.into()],
            Self::Path(path) => vec!["-S".into(), path.into()],
        }
    }

    /// The agentcast session of this server's events: `tmux-<name>` (`tmux-default` for the
    /// default server, whose socket is named `default`), the characters a session id cannot
    /// hold replaced by `-`.
    pub(crate) fn session_id(&self) -> String {
        let name = match self {
            Self::Default => "default".to_owned(),
            Self::Name(name) => name.clone(),
            Self::Path(path) => path.to_string_lossy().trim_start_matches('/').to_owned(),
        };
        let cleaned: String = name
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
                _ => '-',
            })
            .take(MAX_ID_NAME)
            .collect();
        let id = format!("tmux-{cleaned}");
        debug_assert!(is_valid_session_id(&id), "{id}");
        id
    }

    /// How the session list names it.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Default => "tmux".to_owned(),
            Self::Name(name) => format!("tmux -L {name}"),
            Self::Path(path) => format!("tmux -S {}", path.display()),
        }
    }

    /// The command line a person would type to reach this server.
    pub(crate) fn command(&self) -> Vec<String> {
        let mut command = vec!["tmux".to_owned()];
        command.extend(self.args().iter().map(|a| a.to_string_lossy().into_owned()));
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_become_arguments_and_valid_session_ids() {
        let work = TmuxSocket::parse("work");
        assert_eq!(work, TmuxSocket::Name("work".into()));
        assert_eq!(work.args(), ["-L", "work"]);
        assert_eq!(work.session_id(), "tmux-work");
        assert_eq!(work.command(), ["tmux", "-L", "work"]);
        let path = TmuxSocket::parse("/run/user/1000/tmux shared");
        assert_eq!(path.args(), ["-S", "/run/user/1000/tmux shared"]);
        assert_eq!(path.session_id(), "tmux-run-user-1000-tmux-shared");
        assert_eq!(path.label(), "tmux -S /run/user/1000/tmux shared");
        assert_eq!(TmuxSocket::Default.session_id(), "tmux-default");
        assert!(TmuxSocket::Default.args().is_empty());
        let long = TmuxSocket::parse(&"é".repeat(300));
        assert!(is_valid_session_id(&long.session_id()));
    }
}
