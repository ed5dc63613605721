//! Starting and stopping a server under test (agentcast or the Node reference), for every
//! benchmark of `cargo xtask bench`: its address from the line it prints, pinning to a CPU,
//! the machine's load.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::Cmd;

/// The `agentcast listening on` line both servers print once they accept connections.
pub(super) const LISTENING_PREFIX: &str = "agentcast listening on ";

/// Raises the open-file limit (to the hard limit when 65536 is refused, as it is without
/// CAP_SYS_RESOURCE), then replaces the shell with its arguments (`taskset -c 0 <server> ...`).
const SERVER_SHELL: &str = r#"ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@""#;

/// taskset is there and this process may use CPUs 0 and 1.
pub(super) fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Cmd::new("taskset")
            .args(["-c", "0,1", "true"])
            .probe()
            .is_some()
}

pub(super) fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A server under test: started through `sh` (to raise its open-file limit), which then
/// `exec`s it, so the child's pid is the server's own.
pub(super) struct ServerChild {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Its log lines (stderr), when captured ([`ServerChild::spawn_capturing_log`]).
    log: Option<mpsc::Receiver<String>>,
}

impl ServerChild {
    /// Starts the server; its log goes to this process's stderr.
    pub(super) fn spawn(argv: &[OsString], envs: &[(&str, &str)], cwd: &Path) -> Result<Self> {
        Self::spawn_with(argv, envs, cwd, false)
    }

    /// Starts the server with its log (stderr) read into [`ServerChild::log_line`] instead
    /// of shown.
    pub(super) fn spawn_capturing_log(
        argv: &[OsString],
        envs: &[(&str, &str)],
        cwd: &Path,
    ) -> Result<Self> {
        Self::spawn_with(argv, envs, cwd, true)
    }

    fn spawn_with(
        argv: &[OsString],
        envs: &[(&str, &str)],
        cwd: &Path,
        capture_log: bool,
    ) -> Result<Self> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(SERVER_SHELL)
            .arg("sh")
            .args(argv)
            .envs(envs.iter().copied())
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if capture_log {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .with_context(|| format!("starting {argv:?}"))?;
        // The pipes were requested just above.
        let lines = read_lines(child.stdout.take().expect("piped stdout"));
        let log = capture_log.then(|| read_lines(child.stderr.take().expect("piped stderr")));
        Ok(Self { child, lines, log })
    }

    /// The next log line within `timeout`; `None` when there is none by then, the process
    /// ended, or the log is not captured.
    pub(super) fn log_line(&self, timeout: Duration) -> Option<String> {
        self.log.as_ref()?.recv_timeout(timeout).ok()
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(super) fn wait_for_url(&mut self, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(LISTENING_PREFIX) {
                        // `http://127.0.0.1:PORT` possibly followed by a path or fragment.
                        let url = rest.split_whitespace().next().unwrap_or_default();
                        let base = match url.find("://") {
                            Some(at) => match url[at + 3..].find(['/', '#', '?']) {
                                Some(end) => &url[..at + 3 + end],
                                None => url,
                            },
                            None => url,
                        };
                        return Ok(base.to_string());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the server printed no address within {timeout:?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    bail!("the server exited before printing its address ({status})")
                }
            }
        }
    }

    /// SIGTERM, then SIGKILL after two seconds.
    pub(super) fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads every line of `pipe` into a channel, so the server never blocks on a full pipe;
/// the thread ends with the process.
fn read_lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    lines
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a benchmark turns off in `agentcast serve` unless the user set it: authentication
/// (the clients have no token) and the rate limits (a benchmark opens thousands of
/// connections from one address and publishes far more than a person would).
const BENCH_DEFAULTS: [(&str, &str); 5] = [
    ("--auth", "none"),
    // The default total (10,000) would refuse the publisher of a 10,000-client run.
    ("--max-connections", "0"),
    ("--connections-per-ip-per-s", "0"),
    ("--messages-per-socket-per-s", "0"),
    ("--http-requests-per-ip-per-s", "0"),
];

/// The [`BENCH_DEFAULTS`] that `help` (of `agentcast serve`) knows and `user_args` does not
/// set, as arguments; an older server without a flag simply does not get it.
pub(super) fn bench_defaults(help: &str, user_args: &[String]) -> Vec<String> {
    BENCH_DEFAULTS
        .iter()
        .filter(|(flag, _)| help.contains(&format!("{flag} ")))
        .filter(|(flag, _)| !user_args.iter().any(|a| a.starts_with(flag)))
        .flat_map(|(flag, value)| [flag.to_string(), value.to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_defaults_skip_what_the_server_lacks_or_the_user_set() {
        let help = "  --auth <MODE>\n  --messages-per-socket-per-s <N>\n  --connections-per-ip-per-s <N>\n";
        let user = vec!["--auth".to_string(), "jwt".to_string()];
        assert_eq!(
            bench_defaults(help, &user),
            [
                "--connections-per-ip-per-s",
                "0",
                "--messages-per-socket-per-s",
                "0"
            ]
        );
        assert!(bench_defaults("", &[]).is_empty());
    }
}
