//! `parse`: the import's reference. Every `.jsonl` file under the directories is read whole
//! and each of its lines parsed into a `serde_json::Value`, on one thread: the least any
//! importer of these bytes does, so the collector's MB/s over this one says what the mapping,
//! the store and the server add.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

/// One reference run.
#[derive(Debug, Serialize)]
pub struct ParseReport {
    pub files: u64,
    pub bytes: u64,
    pub lines: u64,
    /// Lines that were not JSON (the transcripts have none; a non-zero count says the tree is
    /// not what the benchmark meant to read).
    pub not_json: u64,
    pub seconds: f64,
    pub mb_per_s: f64,
    pub lines_per_s: f64,
}

pub(crate) fn run(args: &super::ParseArgs) -> anyhow::Result<ParseReport> {
    let mut paths = Vec::new();
    for dir in &args.dirs {
        jsonl_files(dir, &mut paths).with_context(|| format!("listing {}", dir.display()))?;
    }
    let started = Instant::now();
    let (mut bytes, mut lines, mut not_json) = (0u64, 0u64, 0u64);
    for path in &paths {
        let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        bytes += content.len() as u64;
        for line in content.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            lines += 1;
            if serde_json::from_slice::<serde_json::Value>(line).is_err() {
                not_json += 1;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    Ok(ParseReport {
        files: paths.len() as u64,
        bytes,
        lines,
        not_json,
        seconds,
        mb_per_s: bytes as f64 / 1e6 / seconds,
        lines_per_s: lines as f64 / seconds,
    })
}

/// Every `.jsonl` file under `dir`, depth first.
fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            jsonl_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
    Ok(())
}
