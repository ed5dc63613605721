//! The transcript tree the collector benchmark imports: copies of the real transcripts
//! (`../shared/fixtures/claude-home`, the repository's `tests/fixtures/agents`, and a few
//! Codex rollouts), laid out as Claude Code and Codex lay them out, each copy with a fresh
//! session id, cwd and times, so the server sees thousands of distinct sessions.
//!
//! The tree is deterministic: copy `i` takes source `i mod sources`, session id
//! [`session_id`]`(i)`, project `i mod projects`, and starts [`SPACING_MS`] after copy `i - 1`
//! (from [`BASE_MS`]); its file's modification time is its last entry's, so the newest copy
//! is the last one and the import (newest first) reads copies from the end.
//!
//! A copy is its source with three textual rewrites, so every entry keeps the shape the CLI
//! wrote: the source's session id becomes the copy's, the fixtures' cwd
//! ([`FIXTURE_CWD`], also in its encoded form, the project directory's name) the copy's, and
//! every `"timestamp":"..."` is shifted by the copy's offset.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};

/// The cwd the fixtures were rewritten to (../shared/fixtures/README.md).
const FIXTURE_CWD: &str = "/home/dev/example-app";
/// When copy 0 starts: 2026-01-01T00:00:00Z, in the past of any run of this benchmark, so
/// every copy is imported as an old (idle) session.
const BASE_MS: i64 = 1_767_225_600_000;
/// Between the starts of two consecutive copies: a session a minute.
const SPACING_MS: i64 = 60_000;
/// The newest sessions the first screen must show: a screenful of the dashboard's list.
pub(super) const SCREEN: usize = 20;

/// What kind of agent wrote a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Claude,
    Codex,
}

/// A real transcript to copy: its main file and (Claude) its sub-agents' files.
#[derive(Debug, Clone)]
pub(super) struct Source {
    kind: Kind,
    /// The agent's session id in the source (the file's stem, or a rollout's uuid).
    id: String,
    main: String,
    /// `subagents/` files by name: `agent-<id>.jsonl` and its `.meta.json`.
    subagents: Vec<(String, String)>,
    /// The earliest `timestamp` in the main file.
    first_ms: i64,
}

/// The shape of the tree to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    /// Main transcripts (sessions), sub-agent files not counted.
    pub transcripts: usize,
    /// Project directories (cwds) the Claude sessions are spread over.
    pub projects: usize,
    /// Every `codex_every`-th copy is a Codex rollout (0: none).
    pub codex_every: usize,
}

/// What was made.
#[derive(Debug, Clone, Default)]
pub(super) struct Tree {
    /// `--claude-projects-dir` and `--codex-sessions-dir` for the server.
    pub claude_root: PathBuf,
    pub codex_root: PathBuf,
    /// Sessions, by kind.
    pub claude_sessions: usize,
    pub codex_sessions: usize,
    /// Transcript files (`.jsonl`: main, sub-agent and rollout) and their bytes: what the
    /// collector imports.
    pub files: u64,
    pub bytes: u64,
    /// The [`SCREEN`] newest sessions, newest first.
    pub newest: Vec<String>,
    /// The newest session's main transcript.
    pub newest_path: PathBuf,
}

/// Loads the sources: the Claude transcripts under each `claude_projects` directory, the
/// Codex rollouts under each `codex_sessions` directory (missing directories are skipped).
pub(super) fn load_sources(
    claude_projects: &[PathBuf],
    codex_sessions: &[PathBuf],
) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for projects in claude_projects.iter().filter(|d| d.is_dir()) {
        for project in sorted_entries(projects)?.into_iter().filter(|p| p.is_dir()) {
            for file in sorted_entries(&project)? {
                let Some(id) = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".jsonl"))
                else {
                    continue;
                };
                let subagents_dir = project.join(id).join("subagents");
                let mut subagents = Vec::new();
                if subagents_dir.is_dir() {
                    for sub in sorted_entries(&subagents_dir)? {
                        let name = sub.file_name().unwrap_or_default().to_string_lossy();
                        subagents.push((name.into_owned(), read(&sub)?));
                    }
                }
                sources.push(Source::new(Kind::Claude, id, read(&file)?, subagents)?);
            }
        }
    }
    for sessions in codex_sessions.iter().filter(|d| d.is_dir()) {
        let mut rollouts = Vec::new();
        rollout_files(sessions, &mut rollouts)?;
        for file in rollouts {
            let name = file.file_name().unwrap_or_default().to_string_lossy();
            let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
            let id = stem.get(stem.len().saturating_sub(36)..).unwrap_or(stem);
            sources.push(Source::new(Kind::Codex, id, read(&file)?, Vec::new())?);
        }
    }
    if !sources.iter().any(|s| s.kind == Kind::Claude) {
        bail!("no Claude Code transcript found in {claude_projects:?}");
    }
    Ok(sources)
}

impl Source {
    fn new(kind: Kind, id: &str, main: String, subagents: Vec<(String, String)>) -> Result<Self> {
        let first_ms = timestamps(&main)
            .map(|(_, ms)| ms)
            .min()
            .with_context(|| format!("transcript {id} has no timestamp"))?;
        Ok(Source {
            kind,
            id: id.to_owned(),
            main,
            subagents,
            first_ms,
        })
    }
}

/// One copy: which source, and what it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Planned {
    pub source: usize,
    pub kind: Kind,
    pub session_id: String,
    pub cwd: String,
    pub start_ms: i64,
}

/// Copy `i` of a tree of `shape` made from `sources` (their kinds, in order).
pub(super) fn plan(i: usize, shape: Shape, kinds: &[Kind]) -> Planned {
    let claude: Vec<usize> = (0..kinds.len())
        .filter(|&s| kinds[s] == Kind::Claude)
        .collect();
    let codex: Vec<usize> = (0..kinds.len())
        .filter(|&s| kinds[s] == Kind::Codex)
        .collect();
    let codex_turn = shape.codex_every > 0 && i % shape.codex_every == shape.codex_every - 1;
    let (source, kind) = if codex_turn && !codex.is_empty() {
        (codex[(i / shape.codex_every) % codex.len()], Kind::Codex)
    } else {
        (claude[i % claude.len()], Kind::Claude)
    };
    Planned {
        source,
        kind,
        session_id: session_id(i),
        cwd: format!("/home/dev/bench/project-{:03}", i % shape.projects.max(1)),
        start_ms: BASE_MS + i as i64 * SPACING_MS,
    }
}

/// A fresh, deterministic, uuid-shaped session id for copy `i` (version 4 and variant bits
/// set, as Claude Code's are).
pub(super) fn session_id(i: usize) -> String {
    let a = splitmix64(i as u64 ^ 0x5eed_c011_ec70_0000);
    let b = splitmix64(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Writes the tree of `shape` from `sources` under `dir` (`claude/` and `codex/`).
pub(super) fn generate(dir: &Path, shape: Shape, sources: &[Source]) -> Result<Tree> {
    let kinds: Vec<Kind> = sources.iter().map(|s| s.kind).collect();
    let mut tree = Tree {
        claude_root: dir.join("claude"),
        codex_root: dir.join("codex"),
        ..Tree::default()
    };
    std::fs::create_dir_all(&tree.claude_root)?;
    std::fs::create_dir_all(&tree.codex_root)?;
    for i in 0..shape.transcripts {
        let copy = plan(i, shape, &kinds);
        let source = &sources[copy.source];
        let shift = copy.start_ms - source.first_ms;
        let rewrite = |text: &str| rewrite(text, &source.id, &copy.session_id, &copy.cwd, shift);
        let main = rewrite(&source.main);
        let last_ms = timestamps(&main)
            .map(|(_, ms)| ms)
            .max()
            .unwrap_or(copy.start_ms);
        let path = match copy.kind {
            Kind::Claude => {
                let project = tree.claude_root.join(encode_cwd(&copy.cwd));
                if !source.subagents.is_empty() {
                    let subagents = project.join(&copy.session_id).join("subagents");
                    std::fs::create_dir_all(&subagents)?;
                    for (name, text) in &source.subagents {
                        let text = rewrite(text);
                        let sub = subagents.join(name);
                        write(&sub, &text, last_ms)?;
                        if name.ends_with(".jsonl") {
                            tree.files += 1;
                            tree.bytes += text.len() as u64;
                        }
                    }
                }
                std::fs::create_dir_all(&project)?;
                tree.claude_sessions += 1;
                project.join(format!("{}.jsonl", copy.session_id))
            }
            Kind::Codex => {
                let stamp = format_ts(copy.start_ms);
                let day = tree
                    .codex_root
                    .join(&stamp[0..4])
                    .join(&stamp[5..7])
                    .join(&stamp[8..10]);
                std::fs::create_dir_all(&day)?;
                tree.codex_sessions += 1;
                // rollout-2026-01-01T00-00-00-<uuid>.jsonl, as Codex names them.
                let name = format!(
                    "rollout-{}-{}.jsonl",
                    stamp[..19].replace(':', "-"),
                    copy.session_id
                );
                day.join(name)
            }
        };
        write(&path, &main, last_ms)?;
        tree.newest_path = path;
        tree.files += 1;
        tree.bytes += main.len() as u64;
    }
    tree.newest = (0..shape.transcripts)
        .rev()
        .take(SCREEN)
        .map(session_id)
        .collect();
    Ok(tree)
}

/// A source's text as copy of `new_id` in `cwd`, its times shifted by `shift_ms`.
pub(super) fn rewrite(text: &str, old_id: &str, new_id: &str, cwd: &str, shift_ms: i64) -> String {
    let text = text
        .replace(old_id, new_id)
        .replace(FIXTURE_CWD, cwd)
        .replace(&encode_cwd(FIXTURE_CWD), &encode_cwd(cwd));
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, ms) in timestamps(&text) {
        out.push_str(&text[rest..at]);
        out.push_str(&format_ts(ms + shift_ms));
        rest = at + TS_LEN;
    }
    out.push_str(&text[rest..]);
    out
}

/// Claude Code's name for a cwd's project directory: every `/` and `.` becomes `-`.
fn encode_cwd(cwd: &str) -> String {
    cwd.replace(['/', '.'], "-")
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
const TS_LEN: usize = 24;
const TS_KEY: &str = "\"timestamp\":\"";

/// Where each `"timestamp":"<ts>"` value starts in `text`, with its time in unix ms (values
/// of another form are left out).
fn timestamps(text: &str) -> impl Iterator<Item = (usize, i64)> + '_ {
    text.match_indices(TS_KEY).filter_map(|(at, _)| {
        let start = at + TS_KEY.len();
        let value = text.get(start..start + TS_LEN)?;
        Some((start, parse_ts(value)?))
    })
}

/// `2026-12-06T15:36:09.298Z` to unix milliseconds.
pub(super) fn parse_ts(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() != TS_LEN || &ts[4..5] != "-" || &ts[10..11] != "T" || &ts[23..] != "Z" {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = ts.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let secs = days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    Some(secs * 1000 + num(20..23)?)
}

/// Unix milliseconds to `2026-12-06T15:36:09.298Z`.
pub(super) fn format_ts(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn write(path: &Path, text: &str, modified_ms: i64) -> Result<()> {
    let mut file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    let modified = SystemTime::UNIX_EPOCH + Duration::from_millis(modified_ms.max(0) as u64);
    file.set_modified(modified)
        .with_context(|| format!("setting the time of {}", path.display()))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

/// The `rollout-*.jsonl` files under a Codex sessions directory, sorted.
fn rollout_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for path in sorted_entries(dir)? {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            rollout_files(&path, out)?;
        } else if name.starts_with("rollout-") && name.ends_with(".jsonl") {
            out.push(path);
        }
    }
    Ok(())
}

/// What a tree holds on disk, by walking it: (main transcripts, sub-agent transcripts,
/// rollouts, bytes of them all). The tests compare it with the [`Tree`] returned.
#[cfg(test)]
fn census(tree: &Tree) -> (usize, usize, usize, u64) {
    use std::collections::BTreeMap;

    fn walk(dir: &Path, found: &mut BTreeMap<PathBuf, u64>) {
        for path in sorted_entries(dir).unwrap() {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                found.insert(path.clone(), std::fs::metadata(&path).unwrap().len());
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(&tree.claude_root, &mut found);
    walk(&tree.codex_root, &mut found);
    let sub = |p: &Path| p.components().any(|c| c.as_os_str() == "subagents");
    let rollout = |p: &Path| p.starts_with(&tree.codex_root);
    (
        found.keys().filter(|p| !sub(p) && !rollout(p)).count(),
        found.keys().filter(|p| sub(p)).count(),
        found.keys().filter(|p| rollout(p)).count(),
        found.values().sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_bad_ones_are_refused() {
        for ts in [
            "2026-12-06T15:36:09.298Z",
            "2024-02-29T23:59:59.999Z",
            "1970-01-01T00:00:00.000Z",
        ] {
            assert_eq!(format_ts(parse_ts(ts).unwrap()), ts);
        }
        assert_eq!(parse_ts("2026-01-01T00:00:00.000Z"), Some(BASE_MS));
        assert_eq!(format_ts(BASE_MS + 90_061_001), "2026-01-02T01:01:01.001Z");
        for bad in [
            "2026-12-06T15:36:09Z",
            "2026-12-06 15:36:09.298Z",
            "2026-1a-06T15:36:09.298Z",
        ] {
            assert_eq!(parse_ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_copy_has_its_id_cwd_and_shifted_times() {
        let line = r#"{"cwd":"/home/dev/example-app","sessionId":"old","path":"/x/-home-dev-example-app/old.jsonl","timestamp":"2026-12-06T15:36:09.298Z","n":{"timestamp":"2026-12-06T15:36:10.000Z"},"t":"timestamp"}"#;
        let out = rewrite(line, "old", "new-id", "/home/dev/bench/project-007", 1000);
        assert_eq!(
            out,
            r#"{"cwd":"/home/dev/bench/project-007","sessionId":"new-id","path":"/x/-home-dev-bench-project-007/new-id.jsonl","timestamp":"2026-12-06T15:36:10.298Z","n":{"timestamp":"2026-12-06T15:36:11.000Z"},"t":"timestamp"}"#
        );
    }

    #[test]
    fn copies_are_spread_over_sources_projects_and_time() {
        let kinds = [Kind::Claude, Kind::Claude, Kind::Codex];
        let shape = Shape {
            transcripts: 100,
            projects: 7,
            codex_every: 5,
        };
        let copies: Vec<Planned> = (0..100).map(|i| plan(i, shape, &kinds)).collect();
        assert_eq!(copies.iter().filter(|c| c.kind == Kind::Codex).count(), 20);
        assert!(
            copies
                .iter()
                .all(|c| (c.kind == Kind::Codex) == (c.source == 2))
        );
        assert_eq!(copies[8].cwd, "/home/dev/bench/project-001");
        assert!(copies.windows(2).all(|w| w[0].start_ms < w[1].start_ms));
        let ids: std::collections::HashSet<_> = copies.iter().map(|c| &c.session_id).collect();
        assert_eq!(ids.len(), 100, "every copy its own session");
        assert_eq!(plan(42, shape, &kinds), copies[42], "deterministic");
        // Session ids are uuid-shaped, as the collector requires of a transcript's name.
        let id = session_id(3);
        let dashes: Vec<usize> = id.match_indices('-').map(|(at, _)| at).collect();
        assert_eq!((id.len(), dashes), (36, vec![8, 13, 18, 23]));
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        // Without Codex sources, every copy is a Claude one.
        assert!((0..10).all(|i| plan(i, shape, &[Kind::Claude]).kind == Kind::Claude));
    }

    /// A small tree from the real transcripts: their layout, sub-agents included.
    #[test]
    fn a_tree_from_the_real_transcripts_has_their_layout() {
        let root = crate::cmd::root();
        let claude = [
            root.join("../shared/fixtures/claude-home/projects"),
            root.join("tests/fixtures/agents/claude-home/projects"),
        ];
        let codex = [
            root.join("../shared/fixtures/codex-home/sessions"),
            root.join("tests/fixtures/agents/codex-home/sessions"),
        ];
        if !claude[0].is_dir() {
            assert!(
                std::env::var_os("CI").is_none(),
                "../shared/fixtures is missing"
            );
            eprintln!("skipped: ../shared/fixtures is missing");
            return;
        }
        let sources = load_sources(&claude, &codex).unwrap();
        let with_subagents = sources.iter().filter(|s| !s.subagents.is_empty()).count();
        assert!(with_subagents >= 1 && sources.iter().any(|s| s.kind == Kind::Codex));
        let dir = std::env::temp_dir().join(format!("xtask-tree-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let shape = Shape {
            transcripts: 2 * sources.len(),
            projects: 3,
            codex_every: 4,
        };
        let tree = generate(&dir, shape, &sources).unwrap();
        let (main, sub, rollouts, bytes) = census(&tree);
        assert_eq!(main + rollouts, shape.transcripts);
        assert_eq!(
            (main, rollouts),
            (tree.claude_sessions, tree.codex_sessions)
        );
        assert!(rollouts > 0 && sub > 0);
        assert_eq!(
            ((main + sub + rollouts) as u64, bytes),
            (tree.files, tree.bytes)
        );
        // The newest copy is the last; its file is the most recently modified.
        assert_eq!(tree.newest[0], session_id(shape.transcripts - 1));
        assert_eq!(tree.newest.len(), SCREEN.min(shape.transcripts));
        let kinds: Vec<Kind> = sources.iter().map(|s| s.kind).collect();
        let file = |i: usize| {
            let copy = plan(i, shape, &kinds);
            tree.claude_root
                .join(encode_cwd(&copy.cwd))
                .join(format!("{}.jsonl", copy.session_id))
        };
        let last_claude = (0..shape.transcripts)
            .rev()
            .find(|&i| plan(i, shape, &kinds).kind == Kind::Claude)
            .unwrap();
        let modified = |i| std::fs::metadata(file(i)).unwrap().modified().unwrap();
        assert!(modified(last_claude) > modified(0));
        // A copy names its own session and cwd only.
        let text = std::fs::read_to_string(file(0)).unwrap();
        assert!(text.contains(&session_id(0)) && !text.contains(FIXTURE_CWD));
        assert!(!sources.iter().any(|s| text.contains(&s.id)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
