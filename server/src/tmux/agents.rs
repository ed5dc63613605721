//! Which coding agent runs in which pane, and which of its sessions: the link from a pane to
//! the agent's session (`tmux.agent_detected`, `tmux.agent_ended`).
//!
//! A pane's processes are its first process and everything under it (`/proc`, see
//! `procfs`); the nearest one that is an agent CLI is the pane's agent. Claude Code (seen
//! with the real 2.1.328) writes `<config dir>/sessions/<pid>.json` while it runs, with its
//! `sessionId` (the name of its transcript, updated by `/clear`), `cwd` and `procStart` (the
//! process's start time, as in `/proc/<pid>/stat`, which tells the file of this process from
//! a stale one of an earlier process with the same pid). The config dir is the agent
//! process's own (`$CLAUDE_CONFIG_DIR`, else `$HOME/.claude`, from its environment), so
//! agents run with another `HOME` are found too. Codex is recognised by its process only.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use agentcast_shared::{AgentKind, Event, TmuxAgentDetected, TmuxAgentEnded};
use serde::Deserialize;

use super::procfs;
use super::snapshot::Snapshot;

/// An agent process found in a pane, and what it says of its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentLink {
    pub agent: AgentKind,
    pub pid: u32,
    /// The agent's own id of the session it runs, when it wrote one.
    pub session_id: Option<String>,
    pub cwd: Option<String>,
}

/// Pane (the number of its `%id`) -> its agent.
pub(crate) type Links = BTreeMap<u32, AgentLink>;

/// Finds the agents of a snapshot's panes. Blocking (it reads `/proc` and small files): run
/// it off the async threads.
pub(crate) struct AgentFinder {
    /// A session file larger than this is not read (the configured line limit: the file is
    /// one JSON object of a few hundred bytes).
    max_file_bytes: usize,
    /// Oversized files already reported, so each is logged once.
    reported: HashSet<PathBuf>,
}

impl AgentFinder {
    pub(crate) fn new(max_file_bytes: usize) -> Self {
        Self {
            max_file_bytes,
            reported: HashSet::new(),
        }
    }

    /// The agent of each live pane that runs one.
    pub(crate) fn links(&mut self, snapshot: &Snapshot) -> Links {
        let mut links = Links::new();
        for (key, pane) in &snapshot.panes {
            let Some(root) = pane.pid else { continue };
            let found = procfs::descendants(root).find_map(|pid| Some((pid, agent_of(pid)?)));
            if let Some((pid, agent)) = found {
                links.insert(*key, self.link(agent, pid));
            }
        }
        links
    }

    fn link(&mut self, agent: AgentKind, pid: u32) -> AgentLink {
        let record = match agent {
            AgentKind::Claude => self.claude_session(pid),
            _ => None,
        };
        let (session_id, cwd) = match record {
            Some(record) => (record.session_id, record.cwd),
            None => (None, None),
        };
        let cwd = cwd.or_else(|| procfs::cwd(pid).map(|p| p.to_string_lossy().into_owned()));
        AgentLink {
            agent,
            pid,
            session_id,
            cwd,
        }
    }

    /// What Claude Code process `pid` wrote of itself, if the file is this process's.
    fn claude_session(&mut self, pid: u32) -> Option<ClaudeSessionFile> {
        let dir = procfs::environ_var(pid, "CLAUDE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| procfs::environ_var(pid, "HOME").map(|h| Path::new(&h).join(".claude")))?;
        let path = dir.join("sessions").join(format!("{pid}.json"));
        let text = self.read_bounded(&path)?;
        let record: ClaudeSessionFile = serde_json::from_str(&text).ok()?;
        let start_time = procfs::stat(pid)?.start_time.to_string();
        match &record.proc_start {
            Some(recorded) if *recorded != start_time => None,
            _ => Some(record),
        }
    }

    fn read_bounded(&mut self, path: &Path) -> Option<String> {
        let mut text = String::new();
        let limit = self.max_file_bytes as u64;
        std::fs::File::open(path)
            .ok()?
            .take(limit + 1)
            .read_to_string(&mut text)
            .ok()?;
        if text.len() as u64 > limit {
            if self.reported.insert(path.to_owned()) {
                tracing::warn!(
                    path = %path.display(),
                    max_line_bytes = limit,
                    "an agent's session file is larger than max_line_bytes; not read"
                );
            }
            return None;
        }
        Some(text)
    }
}

/// The fields of Claude Code's `sessions/<pid>.json` used here.
#[derive(Debug, Deserialize)]
struct ClaudeSessionFile {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    cwd: Option<String>,
    /// `/proc/<pid>/stat`'s start time of the process that wrote it, as a string.
    #[serde(rename = "procStart")]
    proc_start: Option<String>,
}

/// The agent process `pid` is, if any: by its name (the native `claude` binary, `codex`),
/// else by the program or script it runs (`node .../@anthropic-ai/claude-code/cli.js`).
fn agent_of(pid: u32) -> Option<AgentKind> {
    let by_name = |name: &str| match name {
        "claude" => Some(AgentKind::Claude),
        "codex" => Some(AgentKind::Codex),
        _ => None,
    };
    if let Some(agent) = by_name(&procfs::stat(pid)?.comm) {
        return Some(agent);
    }
    procfs::cmdline(pid).iter().take(2).find_map(|arg| {
        let file = Path::new(arg).file_name()?.to_str()?;
        by_name(file).or_else(|| {
            if arg.contains("@anthropic-ai/claude-code/") {
                Some(AgentKind::Claude)
            } else if arg.contains("@openai/codex/") {
                Some(AgentKind::Codex)
            } else {
                None
            }
        })
    })
}

/// The events from the links of one poll to the next: an agent gone (or replaced by
/// another process) ends, a new one or one whose session changed is detected. Returned
/// apart, `(ended, detected)`, so an agent ends before its pane closes and is detected after
/// its pane opens. `was` and `now` are the snapshots the links were found in (a closed pane
/// is only in `was`).
pub(crate) fn diff_links(
    before: &Links,
    after: &Links,
    was: &Snapshot,
    now: &Snapshot,
) -> (Vec<Event>, Vec<Event>) {
    let window_of = |key: &u32| {
        now.panes
            .get(key)
            .or(was.panes.get(key))
            .map(|pane| (pane.id.clone(), pane.window_id.clone()))
    };
    let mut ended = Vec::new();
    for (key, old) in before {
        if after.get(key).is_some_and(|new| new.pid == old.pid) {
            continue;
        }
        let Some((pane_id, window_id)) = window_of(key) else {
            continue;
        };
        ended.push(
            TmuxAgentEnded {
                pane_id,
                window_id,
                agent: old.agent,
                pid: old.pid,
                agent_session_id: old.session_id.clone(),
            }
            .into(),
        );
    }
    let mut detected = Vec::new();
    for (key, new) in after {
        if before.get(key) == Some(new) {
            continue;
        }
        let Some((pane_id, window_id)) = window_of(key) else {
            continue;
        };
        detected.push(
            TmuxAgentDetected {
                pane_id,
                window_id,
                agent: new.agent,
                pid: new.pid,
                agent_session_id: new.session_id.clone(),
                cwd: new.cwd.clone(),
            }
            .into(),
        );
    }
    (ended, detected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tmux::snapshot::Pane;

    fn pane(n: u32, pid: Option<u32>) -> Pane {
        Pane {
            id: format!("%{n}"),
            window_id: "@0".into(),
            index: 0,
            pid,
            command: "bash".into(),
            cwd: None,
            exit: None,
        }
    }

    fn link(pid: u32, session: Option<&str>) -> AgentLink {
        AgentLink {
            agent: AgentKind::Claude,
            pid,
            session_id: session.map(str::to_owned),
            cwd: Some("/src".into()),
        }
    }

    #[test]
    fn links_are_detected_once_updated_when_their_session_changes_and_ended() {
        let panes = Snapshot {
            windows: Default::default(),
            exits_reported: Default::default(),
            panes: [(1, pane(1, Some(10))), (2, pane(2, Some(20)))].into(),
        };
        let none = Links::new();
        let started: Links = [(1, link(11, None))].into();
        assert_eq!(
            diff_links(&none, &started, &panes, &panes).1,
            [TmuxAgentDetected {
                pane_id: "%1".into(),
                window_id: "@0".into(),
                agent: AgentKind::Claude,
                pid: 11,
                agent_session_id: None,
                cwd: Some("/src".into()),
            }
            .into()]
        );
        assert_eq!(
            diff_links(&started, &started.clone(), &panes, &panes),
            (vec![], vec![])
        );
        // Its session id once written, then a new one after `/clear`: detected again.
        let named: Links = [(1, link(11, Some("a")))].into();
        let (ended, detected) = diff_links(&started, &named, &panes, &panes);
        assert_eq!((ended.len(), detected.len()), (0, 1));
        assert_eq!(detected[0].data_json()["agent_session_id"], "a");
        // Another process in the same pane: the first ends, the second is detected.
        let replaced: Links = [(1, link(12, Some("b")))].into();
        let (ended, detected) = diff_links(&named, &replaced, &panes, &panes);
        let kinds: Vec<_> = [ended, detected]
            .concat()
            .iter()
            .map(|e| (e.kind(), e.data_json()["pid"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [("tmux.agent_ended", 11), ("tmux.agent_detected", 12)]
        );
        // The pane closed: its agent ends, named by the pane of the previous snapshot.
        let closed = Snapshot::default();
        assert_eq!(
            diff_links(&replaced, &none, &panes, &closed).0,
            [TmuxAgentEnded {
                pane_id: "%1".into(),
                window_id: "@0".into(),
                agent: AgentKind::Claude,
                pid: 12,
                agent_session_id: Some("b".into()),
            }
            .into()]
        );
    }

    /// A process named `claude` (a copy of `sleep`) started by a shell, with the session
    /// file Claude Code writes in its `HOME`, is the agent of the shell's pane; a session
    /// file of an earlier process with the same pid (another start time) is not believed.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_claude_process_under_a_pane_is_found_with_its_own_session_file() {
        let home = tempfile::tempdir().unwrap();
        let bin = home.path().join("claude");
        std::fs::copy("/bin/sleep", &bin).unwrap();
        let mut shell = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("{} 30; :", bin.display()))
            .env("HOME", home.path())
            .spawn()
            .unwrap();
        let shell_pid = shell.id();
        let snapshot = Snapshot {
            windows: Default::default(),
            exits_reported: Default::default(),
            panes: [(3, pane(3, Some(shell_pid))), (4, pane(4, None))].into(),
        };
        let mut finder = AgentFinder::new(4096);
        // The shell forks `claude`: wait (bounded) until it runs under it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let claude = loop {
            if let Some(found) = finder.links(&snapshot).remove(&3) {
                break found;
            }
            assert!(std::time::Instant::now() < deadline, "claude never ran");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(claude.agent, AgentKind::Claude);
        assert_ne!(claude.pid, shell_pid);
        assert_eq!(claude.session_id, None, "no session file yet");
        let sessions = home.path().join(".claude/sessions");
        std::fs::create_dir_all(&sessions).unwrap();
        let file = sessions.join(format!("{}.json", claude.pid));
        let start = procfs::stat(claude.pid).unwrap().start_time;
        let write = |start: u64| {
            let record = serde_json::json!({
                "pid": claude.pid, "sessionId": "s-1", "cwd": "/work",
                "procStart": start.to_string(), "kind": "interactive",
            });
            std::fs::write(&file, record.to_string()).unwrap();
        };
        write(start + 1);
        assert_eq!(finder.links(&snapshot)[&3].session_id, None, "a stale file");
        write(start);
        let linked = &finder.links(&snapshot)[&3];
        assert_eq!(
            (linked.session_id.as_deref(), linked.cwd.as_deref()),
            (Some("s-1"), Some("/work"))
        );
        // A file over the limit is not read.
        let mut small = AgentFinder::new(10);
        assert_eq!(small.links(&snapshot)[&3].session_id, None);
        assert!(!finder.links(&snapshot).contains_key(&4), "a dead pane");
        let _ = shell.kill();
        let _ = shell.wait();
        let _ = std::process::Command::new("kill")
            .arg(claude.pid.to_string())
            .status();
    }
}
