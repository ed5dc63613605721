//! The reader's cursor rules with a test mapper (one `output.stderr` per line, numbered by
//! how many lines the mapper has seen, so a lost mapper state shows): partial lines, huge
//! lines, restarts, and files replaced or shrunk.

use std::io::Write;

use agentcast_shared::{Event, OutputStderr};

use super::reader::{FileReader, ReadError};
use crate::ingest::{LineMapper, Mapped, NotJson};

/// Maps a line to `output.stderr` "<lines seen>:<line>"; a line starting with `!` is not JSON.
struct Counting(u64);

impl LineMapper for Counting {
    fn map_line(&mut self, line: &str, _: u64, out: &mut Vec<Event>) -> Result<Mapped, NotJson> {
        if line.starts_with('!') {
            return Err(NotJson("bang".into()));
        }
        self.0 += 1;
        out.push(Event::OutputStderr(OutputStderr {
            line: format!("{}:{line}", self.0),
        }));
        Ok(Mapped::Typed)
    }
}

fn lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|event| match event {
            Event::OutputStderr(out) => out.line.clone(),
            other => other.kind().to_owned(),
        })
        .collect()
}

fn reader(path: &std::path::Path, published_until: u64) -> FileReader {
    FileReader::new(path, Box::new(Counting(0)), 64, published_until)
}

fn append(path: &std::path::Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn a_line_without_its_newline_waits_and_the_cursor_stops_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    append(&path, b"a\nb\npart");
    let mut reader = reader(&path, 0);
    let chunk = reader.read(1024, 0).unwrap();
    assert_eq!(lines(&chunk.events), ["1:a", "2:b"]);
    assert_eq!(chunk.position, 4);
    let chunk = reader.read(1024, 0).unwrap();
    assert!(chunk.events.is_empty());
    assert_eq!(chunk.position, 4, "the partial line is not consumed");
    append(&path, b"ial\n");
    let chunk = reader.read(1024, 0).unwrap();
    assert_eq!(lines(&chunk.events), ["3:partial"]);
    assert_eq!(chunk.position, 12);
}

#[test]
fn small_budgets_split_lines_anywhere_and_give_the_same_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    append(&path, b"one\ntwo\n\nthree\r\nfour\n");
    let mut reader = reader(&path, 0);
    let mut all = Vec::new();
    loop {
        let chunk = reader.read(3, 0).unwrap();
        all.extend(chunk.events);
        if !chunk.more {
            break;
        }
    }
    assert_eq!(lines(&all), ["1:one", "2:two", "3:three", "4:four"]);
}

#[test]
fn a_line_over_the_limit_is_reported_and_skipped_without_being_buffered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    append(&path, b"before\n");
    append(&path, &[b'x'; 500]);
    let mut reader = reader(&path, 0);
    let mut events = Vec::new();
    let mut too_long = 0;
    loop {
        let chunk = reader.read(100, 0).unwrap();
        assert!(chunk.position <= 7, "no cursor inside the huge line");
        events.extend(chunk.events);
        too_long += chunk.too_long;
        if !chunk.more {
            break;
        }
    }
    append(&path, b"\nafter\n!bad\n");
    let chunk = reader.read(1 << 20, 0).unwrap();
    events.extend(chunk.events);
    too_long += chunk.too_long;
    assert_eq!(too_long, 1);
    assert_eq!(
        lines(&events),
        ["1:before", "agent.error", "2:after", "agent.error"]
    );
    assert_eq!(chunk.position, 7 + 501 + 6 + 5);
}

#[test]
fn a_restart_maps_the_stored_lines_again_and_publishes_only_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    append(&path, b"a\nb\nc\n");
    let mut first = reader(&path, 0);
    let chunk = first.read(4, 0).unwrap();
    assert_eq!(
        (lines(&chunk.events), chunk.position),
        (vec!["1:a".to_owned(), "2:b".to_owned()], 4)
    );
    // Restarted with the cursor at 4: the mapper has seen a and b again (its state), but only
    // c is published.
    let mut again = reader(&path, 4);
    let chunk = again.read(1024, 0).unwrap();
    assert_eq!(lines(&chunk.events), ["3:c"]);
    assert_eq!(chunk.position, 6);
}

#[test]
fn a_replaced_or_shrunk_file_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    append(&path, b"a\nb\n");
    let mut reader_ = reader(&path, 0);
    reader_.read(1024, 0).unwrap();
    let other = dir.path().join("new.jsonl");
    append(&other, b"a\nb\nc\n");
    std::fs::rename(&other, &path).unwrap();
    assert!(matches!(reader_.read(1024, 0), Err(ReadError::Replaced)));
    // Read again from the start without what was published: only c.
    let mut fresh = reader(&path, 4);
    assert_eq!(lines(&fresh.read(1024, 0).unwrap().events), ["3:c"]);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"a\n")
        .unwrap();
    assert!(matches!(
        fresh.read(1024, 0),
        Err(ReadError::Shrunk { was: 6, now: 2 })
    ));
}

#[test]
fn an_unreadable_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut gone = reader(&dir.path().join("missing.jsonl"), 0);
    assert!(matches!(gone.read(1024, 0), Err(ReadError::Io(_))));
}
