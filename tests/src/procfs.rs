//! Memory and CPU time of a process, from Linux's /proc.

/// `VmRSS` of `pid` in KiB, from /proc/PID/status.
pub fn vm_rss_kb(pid: u32) -> Option<u64> {
    status_kb(pid, "VmRSS:")
}

/// `VmHWM` of `pid` in KiB: the most it was ever resident, from /proc/PID/status.
pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
    status_kb(pid, "VmHWM:")
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&status, field)
}

/// The value of `field` (`VmRSS:`) in a /proc/PID/status text, in KiB.
fn parse_status_kb(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
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
        let status =
            "Name:\tagentcast\nVmPeak:\t  9000 kB\nVmHWM:\t   20000 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(parse_status_kb(status, "VmRSS:"), Some(12345));
        assert_eq!(parse_status_kb(status, "VmHWM:"), Some(20000));
        assert_eq!(parse_status_kb("Name:\tx\n", "VmRSS:"), None);
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
        assert!(cpu_seconds(None).is_some());
    }
}
