//! What the collector reads of processes in Linux's `/proc`: a process's parent, start time
//! and name, its children, its command line and environment. Elsewhere (no `/proc`) every
//! read finds nothing, and no agent is ever linked to a pane.

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

/// The fields of `/proc/<pid>/stat` the collector uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stat {
    /// The process name (`comm`, at most 15 bytes).
    pub comm: String,
    /// When the process started, in clock ticks after boot: with the pid, it tells a process
    /// from a later one that got the same pid.
    pub start_time: u64,
}

/// Parses `/proc/<pid>/stat`. `comm` is in parentheses and may hold spaces and parentheses
/// itself, so the fields after it are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    // After `)`: field 3 (state) is the first; start time is field 22.
    let start_time = text[close + 1..]
        .split_whitespace()
        .nth(22 - 3)?
        .parse()
        .ok()?;
    Some(Stat { comm, start_time })
}

pub(crate) fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The children of every thread of `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut children = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(
                text.split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    children
}

/// `root` and every process under it, nearest first. A process seen twice (its pid reused
/// while walking) is visited once, so the walk always ends.
pub(crate) fn descendants(root: u32) -> impl Iterator<Item = u32> {
    let mut queue = VecDeque::from([root]);
    let mut seen = HashSet::from([root]);
    std::iter::from_fn(move || {
        let pid = queue.pop_front()?;
        queue.extend(
            children(pid)
                .into_iter()
                .filter(|child| seen.insert(*child)),
        );
        Some(pid)
    })
}

/// The command line's arguments (lossy UTF-8).
pub(crate) fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| split_nul(&bytes))
        .unwrap_or_default()
}

/// The value of `name` in the environment the process started with.
pub(crate) fn environ_var(pid: u32, name: &str) -> Option<String> {
    let bytes = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{name}=");
    split_nul(&bytes)
        .into_iter()
        .find_map(|entry| entry.strip_prefix(&prefix).map(str::to_owned))
}

/// The process's working directory now.
pub(crate) fn cwd(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|part| !part.is_empty())
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_is_read_around_a_name_with_spaces_and_parentheses() {
        let line = "17007 (my (odd) name) S 16846 17007 16846 34816 17007 4194304 8 0 0 0 \
                    1 2 0 0 20 0 8 0 1302649 1000 200 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                comm: "my (odd) name".into(),
                start_time: 1302649,
            })
        );
        for bad in [
            "",
            "17007 (x",
            "17007 (x) S 1 2",
            "1 (x) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 z",
        ] {
            assert_eq!(parse_stat(bad), None, "{bad:?}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_is_found_under_itself_with_its_name_and_environment() {
        let me = std::process::id();
        let own = stat(me).expect("this process's stat");
        assert!(own.start_time > 0);
        assert_eq!(descendants(me).next(), Some(me));
        assert!(!cmdline(me).is_empty());
        let path = std::env::var("PATH").ok();
        assert_eq!(environ_var(me, "PATH"), path);
        assert_eq!(cwd(me), std::env::current_dir().ok());
        assert_eq!(stat(u32::MAX), None);
    }
}
