//! The agent kinds the collector knows, as a table: per kind, its roots in the settings,
//! which files under a root are transcripts (and which session each is), which directories
//! can hold them, and the mapper of its lines. A third agent kind is one more row and one
//! more mapper.

use std::path::{Component, Path, PathBuf};

use agentcast_shared::{AgentKind, SessionSource};

use crate::config::CollectSettings;
use crate::ingest::claude_transcript::subagent_parent;
use crate::ingest::{
    ClaudeTranscriptMapper, CodexRolloutMapper, IngestLimits, LineMapper, SessionContext,
    rollout_session_id,
};
use agentcast_shared::is_valid_session_id;

/// One agent kind's row.
pub(crate) struct AgentSpec {
    pub kind: AgentKind,
    /// Its roots among the settings.
    pub roots: fn(&CollectSettings) -> &[PathBuf],
    /// The transcript at these path components under a root, if it is one.
    pub transcript: fn(&[&str]) -> Option<Transcript>,
    /// Whether the directory at this depth under a root (the root is 0) with this name can
    /// hold transcripts: the collector descends into and watches only those.
    pub descend: fn(usize, &str) -> bool,
}

/// Every kind collected.
pub(crate) const AGENTS: [AgentSpec; 2] = [
    AgentSpec {
        kind: AgentKind::Claude,
        roots: |settings| &settings.claude_projects_dirs,
        transcript: claude_transcript,
        descend: |depth, name| depth < 2 || (depth == 2 && name == "subagents"),
    },
    AgentSpec {
        kind: AgentKind::Codex,
        roots: |settings| &settings.codex_sessions_dirs,
        transcript: codex_rollout,
        descend: |depth, name| depth < 3 && name.bytes().all(|b| b.is_ascii_digit()),
    },
];

/// The row of `kind`.
#[cfg(test)]
pub(crate) fn spec(kind: AgentKind) -> Option<&'static AgentSpec> {
    AGENTS.iter().find(|spec| spec.kind == kind)
}

/// A transcript file: whose, and what part of its session it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transcript {
    pub kind: AgentKind,
    /// The agent's own session id (the session's, for a sub-agent's file).
    pub agent_session_id: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// The session's own transcript.
    Main,
    /// A sub-agent's transcript, whose events go into its parent session.
    Subagent {
        /// The file name of its `.meta.json` (beside it), which names the tool call that
        /// started it.
        meta: String,
    },
}

/// The transcript at `path` under `root` of `spec`'s kind, if it is one.
pub(crate) fn classify(spec: &AgentSpec, root: &Path, path: &Path) -> Option<Transcript> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|part| match part {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (spec.transcript)(&parts)
}

/// Claude Code: `<encoded cwd>/<session id>.jsonl`, and a sub-agent's
/// `<encoded cwd>/<session id>/subagents/agent-<id>.jsonl`.
fn claude_transcript(parts: &[&str]) -> Option<Transcript> {
    let (agent_session_id, role) = match parts {
        [_project, file] => (file.strip_suffix(".jsonl")?, Role::Main),
        [_project, session, "subagents", file] => {
            let agent = file.strip_prefix("agent-")?.strip_suffix(".jsonl")?;
            let meta = format!("agent-{agent}.meta.json");
            (*session, Role::Subagent { meta })
        }
        _ => return None,
    };
    is_valid_session_id(agent_session_id).then(|| Transcript {
        kind: AgentKind::Claude,
        agent_session_id: agent_session_id.to_owned(),
        role,
    })
}

/// Codex: `YYYY/MM/DD/rollout-<timestamp>-<session id>.jsonl`.
fn codex_rollout(parts: &[&str]) -> Option<Transcript> {
    let [_year, _month, _day, file] = parts else {
        return None;
    };
    let id = rollout_session_id(file)?;
    Some(Transcript {
        kind: AgentKind::Codex,
        agent_session_id: id.to_owned(),
        role: Role::Main,
    })
}

/// The mapper of one transcript file whose events go into `session_id`. The one place a
/// transcript gets its mapper.
pub(crate) fn mapper(
    transcript: &Transcript,
    path: &Path,
    session_id: &str,
    limits: IngestLimits,
) -> Box<dyn LineMapper> {
    let context = SessionContext::new(session_id, SessionSource::Transcript);
    match (&transcript.kind, &transcript.role) {
        (AgentKind::Codex, _) => Box::new(CodexRolloutMapper::new(context, limits)),
        (_, Role::Main) => Box::new(
            ClaudeTranscriptMapper::main()
                .with_limits(limits)
                .with_context(context),
        ),
        (_, Role::Subagent { meta }) => {
            // The meta file beside it names the Task call that started the sub-agent; a
            // few hundred bytes, written when the sub-agent starts. Without it the
            // sub-agent's events are shown, only not nested.
            let parent = path
                .parent()
                .and_then(|dir| std::fs::read(dir.join(meta)).ok())
                .and_then(|bytes| subagent_parent(&bytes));
            Box::new(
                ClaudeTranscriptMapper::subagent(parent)
                    .with_limits(limits)
                    .with_context(context),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_under(kind: AgentKind, relative: &str) -> Option<Transcript> {
        let root = Path::new("/r");
        classify(spec(kind).unwrap(), root, &root.join(relative))
    }

    #[test]
    fn claude_transcripts_and_subagents_are_found_by_their_path() {
        let id = "43d0963a-d79f-46ce-8104-82550bf50a83";
        let main = classify_under(AgentKind::Claude, &format!("-home-dev-app/{id}.jsonl"));
        assert_eq!(
            main,
            Some(Transcript {
                kind: AgentKind::Claude,
                agent_session_id: id.into(),
                role: Role::Main
            })
        );
        let sub = classify_under(
            AgentKind::Claude,
            &format!("-home-dev-app/{id}/subagents/agent-aaf2.jsonl"),
        )
        .unwrap();
        assert_eq!(sub.agent_session_id, id);
        assert_eq!(
            sub.role,
            Role::Subagent {
                meta: "agent-aaf2.meta.json".into()
            }
        );
        for not_one in [
            "top.jsonl",
            "-home-dev-app/notes.txt",
            "-home-dev-app/x/subagents/agent-a.meta.json",
            "-home-dev-app/x/tool-results/agent-a.jsonl",
            "-home-dev-app/bad id.jsonl",
        ] {
            assert_eq!(
                classify_under(AgentKind::Claude, not_one),
                None,
                "{not_one}"
            );
        }
    }

    #[test]
    fn codex_rollouts_are_found_by_their_date_path_and_name() {
        let name = "rollout-2026-11-20T10-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";
        let found = classify_under(AgentKind::Codex, &format!("2026/11/20/{name}")).unwrap();
        assert_eq!(
            found.agent_session_id,
            "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        );
        assert_eq!(classify_under(AgentKind::Codex, name), None);
        assert_eq!(
            classify_under(AgentKind::Codex, "2026/11/20/rollout-short.jsonl"),
            None
        );
    }

    #[test]
    fn only_directories_that_hold_transcripts_are_descended_into() {
        let claude = spec(AgentKind::Claude).unwrap();
        assert!((claude.descend)(0, "-home-dev-app") && (claude.descend)(1, "uuid"));
        assert!((claude.descend)(2, "subagents") && !(claude.descend)(2, "tool-results"));
        assert!(!(claude.descend)(3, "deeper"));
        let codex = spec(AgentKind::Codex).unwrap();
        assert!((codex.descend)(0, "2026") && (codex.descend)(2, "20"));
        assert!(!(codex.descend)(0, "archive") && !(codex.descend)(3, "01"));
    }
}
