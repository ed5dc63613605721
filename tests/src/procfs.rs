//! Memory, CPU time, threads and open files of a process, from Linux's /proc.

/// `VmRSS` of `pid` in KiB, from /proc/PID/status.
pub fn vm_rss_kb(pid: u32) -> Option<u64> {
    status_field(pid, "VmRSS:")
}

/// `RssAnon` of `pid` in KiB, from /proc/PID/status: the resident memory that is the
/// process's own (heap, stacks), without the pages of files it maps (its executable's code).
pub fn rss_anon_kb(pid: u32) -> Option<u64> {
    status_field(pid, "RssAnon:")
}

/// `VmHWM` of `pid` in KiB: the most it was ever resident, from /proc/PID/status.
pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
    status_field(pid, "VmHWM:")
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_field(&status, field)
}

/// The number on the line of `field` (`VmRSS:`, in KiB; `Threads:`) in a /proc/PID/status
/// text, a `kB` unit dropped.
fn parse_status_field(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `Threads` of `pid`, from /proc/PID/status.
pub fn threads(pid: u32) -> Option<u64> {
    status_field(pid, "Threads:")
}

/// The open file descriptors of `pid`, and how many of them are sockets (a leaked connection
/// shows in both), from /proc/PID/fd. Reading another process's fds needs the same user.
pub fn open_fds(pid: u32) -> Option<OpenFds> {
    let mut fds = OpenFds::default();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()? {
        let Ok(entry) = entry else { continue };
        fds.total += 1;
        // A descriptor closed between the listing and this read is simply not a socket.
        if std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
        {
            fds.sockets += 1;
        }
    }
    Some(fds)
}

/// What [`open_fds`] counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpenFds {
    pub total: u64,
    pub sockets: u64,
}

/// User plus system CPU time of a process (`self` or a pid) in seconds, from /proc/.../stat.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    parse_cpu_seconds(&std::fs::read_to_string(path).ok()?)
}

fn parse_cpu_seconds(stat: &str) -> Option<f64> {
    // The command name (field 2) may hold spaces and parentheses: split after the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // Fields 14 (utime) and 15 (stime) of the line are the 12th and 13th after the name.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // /proc reports clock ticks of USER_HZ, which is 100 on every Linux ABI.
    Some((utime + stime) as f64 / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vm_rss() {
        let status = "Name:\tagentcast\nVmPeak:\t  9000 kB\nVmHWM:\t   20000 kB\nVmRSS:\t   12345 kB\nThreads:\t2\n";
        assert_eq!(parse_status_field(status, "VmRSS:"), Some(12345));
        assert_eq!(parse_status_field(status, "VmHWM:"), Some(20000));
        assert_eq!(parse_status_field("Name:\tx\n", "VmRSS:"), None);
        assert_eq!(parse_status_field(status, "Threads:"), Some(2));
    }

    #[test]
    fn parses_cpu_ticks_after_an_odd_name() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
        assert_eq!(parse_cpu_seconds(stat), Some(3.0));
    }

    #[test]
    fn reads_this_process() {
        assert!(vm_rss_kb(std::process::id()).is_some_and(|kb| kb > 0));
        assert!(vm_hwm_kb(std::process::id()).is_some_and(|kb| kb > 0));
        assert!(rss_anon_kb(std::process::id()).is_some_and(|kb| kb > 0));
        assert!(cpu_seconds(None).is_some());
        let me = std::process::id();
        assert!(threads(me).is_some_and(|n| n >= 1));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fds = open_fds(me).unwrap();
        assert!(fds.sockets >= 1 && fds.total > fds.sockets);
        drop(listener);
    }
}
