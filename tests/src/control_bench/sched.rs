//! How long a process was runnable but waiting for a CPU: the `run_delay` of Linux's
//! /proc/PID/task/*/schedstat (its second field, in nanoseconds), summed over the threads. A
//! run's latency tail that matches a large wait was other work on the same CPUs, not
//! agentcast.

/// The summed `run_delay` of the threads of `pid` (`self` for this process), in
/// nanoseconds; `None` where /proc does not say (not Linux, or the process is gone).
pub(crate) fn waited_ns(pid: &str) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        // A thread that ended since the listing is skipped: it waits no more.
        let Ok(task) = task else { continue };
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        total += run_delay(&text)?;
    }
    Some(total)
}

/// The milliseconds waited between two readings of [`waited_ns`].
pub(crate) fn waited_ms(before: Option<u64>, after: Option<u64>) -> Option<f64> {
    Some(after?.saturating_sub(before?) as f64 / 1e6)
}

/// The second field of a schedstat line (`exec_ns run_delay_ns timeslices`).
fn run_delay(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_delay_is_the_second_field_and_this_process_has_one() {
        assert_eq!(run_delay("199538130 52675639 1045\n"), Some(52_675_639));
        assert_eq!(run_delay("199538130"), None);
        assert_eq!(waited_ms(Some(1_000_000), Some(3_500_000)), Some(2.5));
        assert_eq!(waited_ms(None, Some(1)), None);
        if cfg!(target_os = "linux") {
            assert!(waited_ns("self").is_some());
        }
    }
}
