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
pub(crate) fn stat(path: &Path, transcript: Transcript) -> std::io::Result<FoundFile> {
    let metadata = std::fs::metadata(path)?;
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
