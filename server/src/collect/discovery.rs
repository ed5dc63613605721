//! Finding transcripts: a walk of a root that descends only into the directories its agent
//! kind keeps transcripts in (the table in `agents`), listing the transcript files (with size,
//! modification time and identity) and the directories to watch.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::agents::{AgentSpec, Transcript, classify};
use super::reader::file_id;

/// A transcript file found.
#[derive(Debug, Clone)]
pub(crate) struct FoundFile {
    pub path: PathBuf,
    pub transcript: Transcript,
    pub size: u64,
    pub modified: SystemTime,
    pub file_id: Option<String>,
}

/// What a walk found; directories and files it could not read are in `errors`.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub files: Vec<FoundFile>,
    /// The directories that can hold transcripts, the walked one first.
    pub dirs: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, std::io::Error)>,
}

/// Walks `dir` (at `depth` under `root`; the root is 0) and what it may hold.
pub(crate) fn walk(spec: &AgentSpec, root: &Path, dir: &Path, depth: usize, found: &mut Found) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            found.errors.push((dir.to_owned(), err));
            return;
        }
    };
    found.dirs.push(dir.to_owned());
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                found.errors.push((dir.to_owned(), err));
                continue;
            }
        };
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let name = entry.file_name();
            if name
                .to_str()
                .is_some_and(|name| (spec.descend)(depth, name))
            {
                walk(spec, root, &path, depth + 1, found);
            }
        } else if let Some(transcript) = classify(spec, root, &path) {
            match stat(&path, transcript) {
                Ok(file) => found.files.push(file),
                Err(err) => found.errors.push((path, err)),
            }
        }
    }
}

/// The depth of `dir` under `root`, if it is under it.
pub(crate) fn depth(root: &Path, dir: &Path) -> Option<usize> {
    dir.strip_prefix(root)
        .ok()
        .map(|relative| relative.components().count())
}

/// A transcript file's size, modification time and identity now (symbolic links followed).
/// Only a regular file is one: opening a FIFO would block the reader.
pub(crate) fn stat(path: &Path, transcript: Transcript) -> std::io::Result<FoundFile> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(FoundFile {
        path: path.to_owned(),
        transcript,
        size: metadata.len(),
        modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        file_id: file_id(&metadata),
    })
}

/// The import order: sessions newest first (by their newest file), each session's own
/// transcript before its sub-agents', so the first screen of sessions comes first.
pub(crate) fn newest_first(files: &mut [FoundFile]) {
    use std::collections::HashMap;
    let mut newest: HashMap<String, SystemTime> = HashMap::new();
    for file in files.iter() {
        let at = newest
            .entry(file.transcript.agent_session_id.clone())
            .or_insert(file.modified);
        *at = (*at).max(file.modified);
    }
    files.sort_by(|a, b| {
        let session = |f: &FoundFile| newest[&f.transcript.agent_session_id];
        session(b)
            .cmp(&session(a))
            .then_with(|| {
                a.transcript
                    .agent_session_id
                    .cmp(&b.transcript.agent_session_id)
            })
            .then_with(|| is_subagent(a).cmp(&is_subagent(b)))
            .then_with(|| a.path.cmp(&b.path))
    });
}

fn is_subagent(file: &FoundFile) -> bool {
    !matches!(file.transcript.role, super::agents::Role::Main)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use agentcast_shared::AgentKind;

    use super::*;
    use crate::collect::agents::Role;

    fn file(session: &str, role: Role, age_s: u64) -> FoundFile {
        FoundFile {
            path: PathBuf::from(format!("/r/{session}/{role:?}")),
            transcript: Transcript {
                kind: AgentKind::Claude,
                agent_session_id: session.into(),
                role,
            },
            size: 1,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 - age_s),
            file_id: None,
        }
    }

    #[test]
    fn sessions_are_imported_newest_first_each_before_its_subagents() {
        let sub = || Role::Subagent { meta: "m".into() };
        let mut files = vec![
            file("old", Role::Main, 300),
            // A sub-agent written after its session's own file: the session counts as newer.
            file("mid", sub(), 10),
            file("new", Role::Main, 50),
            file("mid", Role::Main, 200),
        ];
        newest_first(&mut files);
        let order: Vec<(&str, bool)> = files
            .iter()
            .map(|f| (f.transcript.agent_session_id.as_str(), is_subagent(f)))
            .collect();
        assert_eq!(
            order,
            [
                ("mid", false),
                ("mid", true),
                ("new", false),
                ("old", false)
            ]
        );
    }
}
