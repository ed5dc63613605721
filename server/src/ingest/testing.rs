//! Test support for ingest, one copy for every test that needs it: the unit tests here, the
//! server's fixture tests and benchmark (`server/tests`, `server/benches`) and the end-to-end
//! tests (`agentcast-tests`). Built for this crate's tests and with the `test-support`
//! feature, which those others turn on; never part of the server itself.
//!
//! - Where the real Claude Code transcripts are: `../shared/fixtures/claude-stream-json/`
//!   (and the other folders of `../shared/fixtures`, [`shared_fixtures`]) beside the
//!   repository, never copied into it. A clone without them prints a notice and
//!   skips, unless `AGENTCAST_REQUIRE_FIXTURES=1` (set by CI) makes that a failure.
//! - What a mapper made: [`kinds`], [`get!`](get) and [`todo_counts`].

use std::path::PathBuf;

use agentcast_shared::{Event, TodoUpdated};

/// The fixture folder, whether it is there or not.
pub fn claude_fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/claude-stream-json")
}

/// The fixture folder, or `None` (after printing why) when it is absent and not required.
pub fn claude_fixtures() -> Option<PathBuf> {
    present(claude_fixture_dir())
}

/// A folder of `../shared/fixtures` (`claude-live`, `claude-home/projects`,
/// `claude-transcripts-2025`, ...), or `None` (after printing why) when it is absent and not
/// required.
pub fn shared_fixtures(folder: &str) -> Option<PathBuf> {
    present(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures")
            .join(folder),
    )
}

/// `dir` when it is there; else `None` with a notice, or a failure when fixtures are required.
fn present(dir: PathBuf) -> Option<PathBuf> {
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("AGENTCAST_REQUIRE_FIXTURES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "fixtures not found at {} and AGENTCAST_REQUIRE_FIXTURES=1",
        dir.display()
    );
    eprintln!(
        "NOTICE: fixtures not found at {}, skipping; set AGENTCAST_REQUIRE_FIXTURES=1 to fail instead",
        dir.display()
    );
    None
}

/// The fixture files (`.jsonl` and `.ndjson`), sorted by name.
pub fn claude_fixture_files() -> Option<Vec<PathBuf>> {
    let dir = claude_fixtures()?;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture folder is readable")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|e| e == "jsonl" || e == "ndjson")
        })
        .collect();
    files.sort();
    Some(files)
}

/// The bytes of the fixture `name`.
pub fn claude_fixture(name: &str) -> Option<Vec<u8>> {
    let path = claude_fixtures()?.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The type of each event, in order.
pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::kind).collect()
}

/// A todo list's counts: (total, pending, in progress, completed).
pub fn todo_counts(todos: &TodoUpdated) -> (u32, u32, u32, u32) {
    let stats = &todos.stats;
    (
        stats.total,
        stats.pending,
        stats.in_progress,
        stats.completed,
    )
}

/// `get!(event, Variant)`: the data of an [`Event`] of that variant, or a panic naming the
/// event it is instead. Exported at the crate root only because `macro_rules!` must be; use it
/// as `ingest::testing::get`.
#[doc(hidden)]
#[macro_export]
macro_rules! __ingest_testing_get {
    ($event:expr, $variant:ident) => {
        match &$event {
            ::agentcast_shared::Event::$variant(data) => data,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

pub use crate::__ingest_testing_get as get;
