//! The `list-panes -a -F` format the collector asks tmux for, and its parse into a
//! [`Snapshot`].
//!
//! Names, commands and paths may hold any byte, tabs and newlines included (tmux keeps them
//! as given), so no separator is safe for them: each is written as its length in bytes
//! (tmux's `#{n:...}`), a colon and the bytes themselves. The other fields are ids and
//! numbers, separated by tabs. A record ends with tmux's newline.

use super::snapshot::{Pane, PaneExit, Snapshot, Window};

/// Ids and numbers, then the length-prefixed text fields (see the module docs).
pub(crate) const FORMAT: &str = concat!(
    "#{session_id}\t#{window_id}\t#{window_index}\t#{pane_id}\t#{pane_index}\t#{pane_pid}\t",
    "#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}\t",
    "#{n:session_name}:#{session_name}\t#{n:window_name}:#{window_name}\t",
    "#{n:pane_current_command}:#{pane_current_command}\t",
    "#{n:pane_current_path}:#{pane_current_path}",
);

/// How many tab-separated ids and numbers start a record.
const FIXED_FIELDS: usize = 9;

/// tmux's answer did not have the shape of [`FORMAT`] (a tmux too old for `#{n:...}`, or
/// output that is not tmux's).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unexpected tmux output in record {record}: {what}")]
pub(crate) struct ParseError {
    /// The record, counted from 1.
    pub record: usize,
    pub what: &'static str,
}

/// Parses the whole output of `list-panes -a -F FORMAT`.
pub(crate) fn parse(mut output: &[u8]) -> Result<Snapshot, ParseError> {
    let mut snapshot = Snapshot::default();
    let mut record = 0;
    while !output.is_empty() {
        record += 1;
        let fail = |what| ParseError { record, what };
        let mut fixed = [""; FIXED_FIELDS];
        for field in &mut fixed {
            let end = memchr::memchr(b'\t', output).ok_or(fail("too few fields"))?;
            *field =
                std::str::from_utf8(&output[..end]).map_err(|_| fail("a field is not text"))?;
            output = &output[end + 1..];
        }
        let mut texts = [String::new(), String::new(), String::new(), String::new()];
        for (i, text) in texts.iter_mut().enumerate() {
            let (value, rest) = length_prefixed(output).ok_or(fail("a malformed name or path"))?;
            *text = String::from_utf8_lossy(value).into_owned();
            let separator = if i + 1 == 4 { b'\n' } else { b'\t' };
            output = rest
                .strip_prefix(&[separator])
                .ok_or(fail("a missing separator"))?;
        }
        let [
            session_id,
            window_id,
            window_index,
            pane_id,
            pane_index,
            pid,
            dead,
            status,
            signal,
        ] = fixed;
        let [session_name, window_name, command, cwd] = texts;
        let window_key = id_number(window_id, '@').ok_or(fail("a malformed window id"))?;
        let pane_key = id_number(pane_id, '%').ok_or(fail("a malformed pane id"))?;
        if !session_id.starts_with('$') {
            return Err(fail("a malformed session id"));
        }
        let number = |text: &str, what| text.parse::<u32>().map_err(|_| fail(what));
        let window_index = number(window_index, "a malformed window index")?;
        let pane_index = number(pane_index, "a malformed pane index")?;
        let dead = dead == "1";
        snapshot
            .windows
            .entry(window_key)
            .or_insert_with(|| Window {
                id: window_id.to_owned(),
                index: window_index,
                name: window_name,
                session_id: session_id.to_owned(),
                session_name,
            });
        let pane = Pane {
            id: pane_id.to_owned(),
            window_id: window_id.to_owned(),
            index: pane_index,
            pid: if dead { None } else { pid.parse().ok() },
            command,
            cwd: (!cwd.is_empty()).then_some(cwd),
            exit: dead.then(|| PaneExit {
                status: status.parse().ok(),
                signal: signal.parse().ok(),
            }),
        };
        snapshot.panes.entry(pane_key).or_insert(pane);
    }
    Ok(snapshot)
}

/// `<len>:<len bytes>` at the start of `input`: the bytes and what follows them.
fn length_prefixed(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memchr(b':', input)?;
    let len: usize = std::str::from_utf8(&input[..colon]).ok()?.parse().ok()?;
    let rest = &input[colon + 1..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// `7` of `@7` (with `sigil` `@`).
fn id_number(id: &str, sigil: char) -> Option<u32> {
    id.strip_prefix(sigil)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record as tmux writes it for [`FORMAT`].
    fn record(fixed: &str, texts: [&str; 4]) -> String {
        let texts: Vec<String> = texts.iter().map(|t| format!("{}:{t}", t.len())).collect();
        format!("{fixed}\t{}\n", texts.join("\t"))
    }

    #[test]
    fn panes_and_windows_are_read_with_their_names_commands_and_exits() {
        let output = [
            record(
                "$0\t@0\t0\t%0\t0\t100\t0\t\t",
                ["work", "editor", "vim", "/src"],
            ),
            record(
                "$0\t@0\t0\t%1\t1\t101\t0\t\t",
                ["work", "editor", "bash", "/src/a b"],
            ),
            record("$0\t@1\t1\t%2\t0\t102\t1\t3\t", ["work", "job", "sh", ""]),
            record(
                "$0\t@2\t2\t%3\t0\t103\t1\t\t15",
                ["work", "killed", "sh", ""],
            ),
        ]
        .concat();
        let snapshot = parse(output.as_bytes()).unwrap();
        assert_eq!(snapshot.windows.len(), 3);
        assert_eq!(
            snapshot.windows[&1],
            Window {
                id: "@1".into(),
                index: 1,
                name: "job".into(),
                session_id: "$0".into(),
                session_name: "work".into(),
            }
        );
        assert_eq!(
            snapshot.panes[&1],
            Pane {
                id: "%1".into(),
                window_id: "@0".into(),
                index: 1,
                pid: Some(101),
                command: "bash".into(),
                cwd: Some("/src/a b".into()),
                exit: None,
            }
        );
        let exited = &snapshot.panes[&2];
        assert_eq!(
            (exited.pid, exited.cwd.as_deref(), exited.exit),
            (
                None,
                None,
                Some(PaneExit {
                    status: Some(3),
                    signal: None
                })
            )
        );
        assert_eq!(
            snapshot.panes[&3].exit,
            Some(PaneExit {
                status: None,
                signal: Some(15)
            })
        );
    }

    #[test]
    fn names_may_hold_tabs_newlines_colons_and_any_bytes() {
        let name = "a\tb\nc:d\u{1f}é";
        let output = record("$1\t@4\t0\t%9\t0\t7\t0\t\t", ["s:1", name, "x", "/"]);
        let snapshot = parse(output.as_bytes()).unwrap();
        assert_eq!(snapshot.windows[&4].name, name);
        assert_eq!(snapshot.windows[&4].session_name, "s:1");
        let mut invalid = b"$1\t@4\t0\t%9\t0\t7\t0\t\t\t1:s\t2:\xff\xfe\t1:x\t1:/\n".to_vec();
        let lossy = parse(&invalid).unwrap();
        assert_eq!(lossy.windows[&4].name, "\u{fffd}\u{fffd}");
        invalid.truncate(invalid.len() - 1);
        assert_eq!(
            parse(&invalid).unwrap_err(),
            ParseError {
                record: 1,
                what: "a missing separator"
            }
        );
    }

    #[test]
    fn a_window_in_several_sessions_is_listed_once() {
        let output = [
            record("$0\t@0\t0\t%0\t0\t1\t0\t\t", ["a", "w", "sh", "/"]),
            record("$1\t@0\t3\t%0\t0\t1\t0\t\t", ["b", "w", "sh", "/"]),
        ]
        .concat();
        let snapshot = parse(output.as_bytes()).unwrap();
        assert_eq!((snapshot.windows.len(), snapshot.panes.len()), (1, 1));
        assert_eq!(snapshot.windows[&0].session_name, "a");
    }

    #[test]
    fn nothing_is_an_empty_snapshot_and_garbage_is_an_error_never_a_panic() {
        assert_eq!(parse(b"").unwrap(), Snapshot::default());
        let good = record("$0\t@0\t0\t%0\t0\t1\t0\t\t", ["a", "w", "sh", "/"]);
        // Every truncation of a good record, and an old tmux's empty `#{n:...}`.
        for end in 1..good.len() {
            assert!(parse(&good.as_bytes()[..end]).is_err(), "{end}");
        }
        for bad in [
            "no tabs at all\n",
            "$0\t@x\t0\t%0\t0\t1\t0\t\t\t1:a\t1:w\t2:sh\t1:/\n",
            "$0\t@0\t0\t0\t0\t1\t0\t\t\t1:a\t1:w\t2:sh\t1:/\n",
            "0\t@0\t0\t%0\t0\t1\t0\t\t\t1:a\t1:w\t2:sh\t1:/\n",
            "$0\t@0\t-1\t%0\t0\t1\t0\t\t\t1:a\t1:w\t2:sh\t1:/\n",
            "$0\t@0\t0\t%0\t0\t1\t0\t\t\t:a\t:w\t:sh\t:/\n",
            "$0\t@0\t0\t%0\t0\t1\t0\t\t\t99999999999999999999999:a\t1:w\t2:sh\t1:/\n",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let second_bad = format!("{good}$0\t@1\t0\t%1\n");
        assert_eq!(parse(second_bad.as_bytes()).unwrap_err().record, 2);
    }
}
