//! A temp `HOME` for one agent run, laid out like a developer's machine: `<root>/dev` is
//! `HOME`, `<root>/dev/example-app` the project the agent works in. The CLIs write their
//! transcripts under it (DESIGN.md section 9), and a collector under test reads them there.

use std::path::{Path, PathBuf};

/// A temp home directory; removed when dropped.
pub struct AgentHome {
    root: PathBuf,
    /// `HOME` of the agents.
    pub home: PathBuf,
    /// The working directory of the agents (a project inside `HOME`).
    pub cwd: PathBuf,
}

impl AgentHome {
    /// A fresh, empty home with its project directory.
    pub fn new() -> anyhow::Result<Self> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("agentcast-agents-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let home = root.join("dev");
        let cwd = home.join("example-app");
        std::fs::create_dir_all(&cwd)?;
        Ok(Self { root, home, cwd })
    }

    /// `$HOME/.claude/projects`: where Claude Code keeps its transcripts.
    pub fn claude_projects_dir(&self) -> PathBuf {
        self.home.join(".claude/projects")
    }

    /// The folder of the transcripts of sessions run in [`cwd`](Self::cwd).
    pub fn claude_project_dir(&self) -> PathBuf {
        self.claude_projects_dir().join(encode_cwd(&self.cwd))
    }

    /// The transcript of Claude session `session_id` run in [`cwd`](Self::cwd).
    pub fn claude_transcript(&self, session_id: &str) -> PathBuf {
        self.claude_project_dir()
            .join(format!("{session_id}.jsonl"))
    }

    /// The session transcripts of [`cwd`](Self::cwd) (sub-agents left out), sorted.
    pub fn claude_transcripts(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.claude_project_dir())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|f| f.is_file() && f.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    }

    /// The sub-agent transcripts of a session (`<session>/subagents/agent-*.jsonl`), sorted.
    pub fn claude_subagent_transcripts(&self, session_id: &str) -> Vec<PathBuf> {
        let dir = self.claude_project_dir().join(session_id).join("subagents");
        let mut files = files_under(&dir);
        files.retain(|f| f.extension().is_some_and(|e| e == "jsonl"));
        files
    }

    /// `$HOME/.codex`: Codex's home (its config and its sessions).
    pub fn codex_home(&self) -> PathBuf {
        self.home.join(".codex")
    }

    /// `$HOME/.codex/sessions`: where Codex keeps its rollouts (`YYYY/MM/DD/rollout-*.jsonl`).
    pub fn codex_sessions_dir(&self) -> PathBuf {
        self.codex_home().join("sessions")
    }

    /// Every Codex rollout under [`codex_sessions_dir`](Self::codex_sessions_dir), sorted.
    pub fn codex_rollouts(&self) -> Vec<PathBuf> {
        let mut files = files_under(&self.codex_sessions_dir());
        files.retain(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
        });
        files
    }

    /// Text with this home's paths as on the example machine: `HOME` is `/home/dev`, the
    /// project `/home/dev/example-app` (also in Claude's encoded form).
    pub fn rewrite_paths(&self, text: &str) -> String {
        text.replace(&encode_cwd(&self.cwd), "-home-dev-example-app")
            .replace(&self.home.display().to_string(), "/home/dev")
    }
}

impl Drop for AgentHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Claude Code's folder name for a working directory: every character that is not ASCII
/// alphanumeric becomes `-` (`/home/dev/app` is `-home-dev-app`).
pub fn encode_cwd(cwd: &Path) -> String {
    cwd.display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Every file under `dir`, recursively, sorted (nothing when it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The texts of the assistant entries of a transcript or a stream-json output, in order.
pub fn assistant_texts(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["type"] == "assistant")
        .filter_map(|l| l["message"]["content"].as_array())
        .flatten()
        .filter_map(|b| b["text"].as_str().map(str::to_owned))
        .collect()
}

/// The JSON lines of a JSONL file that parse (a last line still being written does not).
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
