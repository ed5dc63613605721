//! Collect: the agents' own transcripts the server reads (DESIGN.md section 9): where they
//! are, how they are followed, and the bounds of that.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::group::settings_group;
use super::values::{millis, positive};

/// How transcript files are followed once imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    /// File notifications (inotify); directories past the watch limit are polled.
    #[default]
    Notify,
    /// Every directory and file is polled at the poll interval (network file systems,
    /// containers where notifications do not arrive).
    Poll,
}

settings_group! {
    /// Which transcripts `agentcast serve` collects, and how it follows them.
    CollectSettings from CollectArgs and CollectFile, heading "Collectors", switches [
        /// Collect no transcripts (Claude Code's and Codex's sessions on this machine).
        no_collect -> disabled { flag: "no-collect", env: "AGENTCAST_NO_COLLECT" }
    ];
    /// A Claude Code projects directory to collect transcripts from (repeat for several).
    claude_projects_dirs -> claude_projects_dirs: Vec<PathBuf> {
        flag: "claude-projects-dir", env: "AGENTCAST_CLAUDE_PROJECTS_DIRS", value_name: "DIR",
        input: Vec<PathBuf>, default: default_claude_projects_dirs(),
        shown: "$CLAUDE_CONFIG_DIR/projects, else ~/.claude/projects",
        clap: (value_delimiter = ','),
    }
    /// A Codex sessions directory to collect rollouts from (repeat for several).
    codex_sessions_dirs -> codex_sessions_dirs: Vec<PathBuf> {
        flag: "codex-sessions-dir", env: "AGENTCAST_CODEX_SESSIONS_DIRS", value_name: "DIR",
        input: Vec<PathBuf>, default: default_codex_sessions_dirs(),
        shown: "$CODEX_HOME/sessions, else ~/.codex/sessions",
        clap: (value_delimiter = ','),
    }
    /// How transcripts are followed: notify (file notifications, polling past the watch
    /// limit) or poll.
    collect_watch -> watch: WatchMode {
        flag: "collect-watch", env: "AGENTCAST_COLLECT_WATCH", value_name: "MODE",
        input: WatchMode, default: WatchMode::Notify, shown: "notify",
    }
    /// Interval of the polling of transcript directories and files, in ms.
    collect_poll_interval_ms -> poll_interval: Duration {
        flag: "collect-poll-interval-ms", env: "AGENTCAST_COLLECT_POLL_INTERVAL_MS",
        value_name: "MS", input: u64, default: 1000, check: positive, convert: millis,
    }
    /// A collected session is running while its transcript grows and idle after this many ms
    /// without a new line.
    collect_idle_after_ms -> idle_after: Duration {
        flag: "collect-idle-after-ms", env: "AGENTCAST_COLLECT_IDLE_AFTER_MS", value_name: "MS",
        input: u64, default: 30_000, check: positive, convert: millis,
    }
    /// Most transcript files collected; files past it are reported and skipped.
    collect_max_files -> max_files: usize {
        flag: "collect-max-files", env: "AGENTCAST_COLLECT_MAX_FILES", value_name: "N",
        input: usize, default: 100_000, check: positive,
    }
    /// Most directories watched with file notifications; the others are polled.
    collect_max_watches -> max_watches: usize {
        flag: "collect-max-watches", env: "AGENTCAST_COLLECT_MAX_WATCHES", value_name: "N",
        input: usize, default: 8192, check: positive,
    }
}

/// `$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects` (none without a home).
fn default_claude_projects_dirs() -> Vec<PathBuf> {
    agent_home("CLAUDE_CONFIG_DIR", ".claude")
        .map(|dir| dir.join("projects"))
        .into_iter()
        .collect()
}

/// `$CODEX_HOME/sessions`, else `~/.codex/sessions` (none without a home).
fn default_codex_sessions_dirs() -> Vec<PathBuf> {
    agent_home("CODEX_HOME", ".codex")
        .map(|dir| dir.join("sessions"))
        .into_iter()
        .collect()
}

/// The agent's own directory: its environment variable when set, else `~/<dot_dir>`.
fn agent_home(variable: &str, dot_dir: &str) -> Option<PathBuf> {
    match std::env::var_os(variable) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::home_dir().map(|home| home.join(dot_dir)),
    }
}
