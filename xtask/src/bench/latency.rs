//! `cargo xtask bench latency`: publish-to-client latency at a light, fixed load, agentcast
//! with its events committed to SQLite against the Node reference relay in the same run.
//!
//! The fan-out benchmark (bench.rs) in open loop: the publisher sends `--rate` events per
//! second on a fixed schedule (`agentcast-loadgen --rate`), whatever the acks do, so the
//! latency is that of a server with room to spare, not of a queue. agentcast runs with
//! `--durability normal` (SQLite, WAL, synchronous NORMAL: every event committed before it is
//! sent) unless a `--server-arg --durability ...` says otherwise.
//!
//! ```text
//! cargo xtask bench latency            # 100 clients, 1,000 events/s for 5 s, 5 repeats (~1 min)
//! cargo xtask bench latency --quick    # 1 repeat
//! cargo xtask bench latency --clients 1000 --rate 500 --events 2500
//! ```

use anyhow::Result;

pub(super) const NAME: &str = "latency";

/// The fan-out benchmark's arguments for this one: its defaults, then `args` (a flag given
/// twice takes its last value).
pub(super) fn args(args: &[String]) -> Vec<String> {
    let mut all: Vec<String> = "--clients 100 --rate 1000 --events 5000 --repeats 5"
        .split(' ')
        .map(String::from)
        .collect();
    // A durability the user gave the server (not the baseline: `--baseline-arg`).
    let chosen = args.iter().enumerate().any(|(i, a)| {
        a.starts_with("--server-arg=--durability")
            || (a.starts_with("--durability") && i > 0 && args[i - 1] == "--server-arg")
    });
    if !chosen {
        all.extend(["--server-arg", "--durability", "--server-arg", "normal"].map(String::from));
    }
    all.extend(args.iter().cloned());
    all
}

/// Runs it.
pub(super) fn run(args_given: &[String]) -> Result<()> {
    super::run_fanout(&args(args_given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_unless_told_otherwise_and_the_user_has_the_last_word() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let default = args(&[]);
        assert!(default.windows(2).any(|w| w == ["--rate", "1000"]));
        assert!(default.ends_with(&strings(&["--server-arg", "normal"])));
        let memory = args(&strings(&[
            "--server-arg",
            "--durability=memory",
            "--rate",
            "10",
        ]));
        assert_eq!(
            memory.iter().filter(|a| a.contains("durability")).count(),
            1
        );
        assert!(memory.ends_with(&strings(&["--rate", "10"])));
        let baseline = args(&strings(&["--baseline-arg", "--durability=memory"]));
        assert!(
            baseline
                .windows(4)
                .any(|w| w == ["--server-arg", "--durability", "--server-arg", "normal"])
        );
    }
}
