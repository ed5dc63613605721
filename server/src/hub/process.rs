//! The server process's own CPU time and resident memory, read from /proc (Linux): what
//! `system.stats` (`cpu_percent`, `memory_bytes`) and `/metrics` (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`) report. Where /proc cannot be read both are 0.

use std::time::Duration;

/// CPU time (user + system) this process has used since it started, in seconds.
pub(crate) fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // SAFETY: sysconf only reads a configuration value.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    match cpu_ticks(&stat) {
        Some(ticks) if ticks_per_s > 0 => ticks as f64 / ticks_per_s as f64,
        _ => 0.0,
    }
}

/// Resident set size in bytes.
pub(crate) fn resident_memory_bytes() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * page)
}

/// utime + stime of a /proc/PID/stat line, in clock ticks. The command name (field 2) is in
/// parentheses and may itself contain spaces and parentheses, so the fields are counted from
/// the last `)`: state is the first after it, utime the 12th and stime the 13th.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The CPU used between two readings, in percent of one core (two busy cores are 200).
pub(crate) fn cpu_percent(cpu_before_s: f64, cpu_now_s: f64, elapsed: Duration) -> f64 {
    let elapsed = elapsed.as_secs_f64();
    if elapsed <= 0.0 {
        return 0.0;
    }
    ((cpu_now_s - cpu_before_s).max(0.0) / elapsed) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_count_from_the_last_parenthesis() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime ...
        let stat = "4242 (agent cast) (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 25 0 0 20 0";
        assert_eq!(cpu_ticks(stat), Some(175));
        assert_eq!(cpu_ticks("4242 (short) S 1"), None);
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn cpu_percent_is_of_one_core_over_the_interval() {
        let two_s = Duration::from_secs(2);
        assert_eq!(cpu_percent(10.0, 11.0, two_s), 50.0);
        assert_eq!(cpu_percent(10.0, 14.0, two_s), 200.0);
        // A reading that went backwards (it cannot, but a clock can) is no negative load.
        assert_eq!(cpu_percent(10.0, 9.0, two_s), 0.0);
        assert_eq!(cpu_percent(0.0, 1.0, Duration::ZERO), 0.0);
    }

    #[test]
    fn this_process_has_a_cpu_time_and_memory() {
        // Busy until the kernel has counted a tick of CPU time (10 ms), for at most 5 s.
        let spin = std::time::Instant::now();
        while cpu_seconds() == 0.0 && spin.elapsed() < Duration::from_secs(5) {
            std::hint::black_box(0u64);
        }
        assert!(cpu_seconds() > 0.0);
        assert!(resident_memory_bytes() > 0);
    }
}
