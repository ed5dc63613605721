//! The real Claude Code transcripts in `../shared/fixtures/claude-stream-json/` (beside the
//! repository, never copied into it). A user's clone has no `../shared`: tests then print a
//! notice and skip, unless `AGENTCAST_REQUIRE_FIXTURES=1` (set by CI) turns that into a failure.

use std::path::PathBuf;

/// The fixture folder, or `None` (after printing why) when it is absent and not required.
pub fn claude_fixtures() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/claude-stream-json");
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

/// The fixture files, sorted by name.
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
