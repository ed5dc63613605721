//! Spawns the real `agentcast` binary and waits for the line that tells where it listens.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The line prefix `agentcast serve` prints on stdout once it accepts connections.
pub const LISTENING_PREFIX: &str = "agentcast listening on ";

/// A running `agentcast` process; killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    /// Base URL such as `http://127.0.0.1:41234`, or `https://127.0.0.1:41234` with TLS.
    pub url: String,
    /// The data directory (the store, the signing key).
    pub data_dir: PathBuf,
    /// The arguments it was started with, beyond bind, data dir and the test defaults.
    args: Vec<String>,
    /// Variables set (or, `None`, removed) for it and so for the agents it starts, after
    /// the test defaults.
    env: Vec<(String, Option<OsString>)>,
}

/// The binary under test: `$AGENTCAST_BIN`, else target/debug/agentcast of this workspace.
pub fn agentcast_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("AGENTCAST_BIN") {
        return PathBuf::from(bin);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/agentcast")
}

/// A new empty directory under the system temp dir, unique per call and per process: made
/// with a random name that no other process has (a name made of the process id met a
/// directory another test process had used before the id came round again).
pub fn fresh_data_dir() -> PathBuf {
    tempfile::Builder::new()
        .prefix("agentcast-data-")
        .tempdir()
        .expect("temp data dir")
        .keep()
}

/// What the tests whose subject is not security run with: no authentication and no rate
/// limits (they open many connections and send fast from one address). A test gives its own
/// value of any of these flags to test it; the security tests do.
pub const TEST_DEFAULTS: &[(&str, &str)] = &[
    ("--auth", "none"),
    ("--connections-per-ip-per-s", "0"),
    ("--messages-per-socket-per-s", "0"),
    ("--http-requests-per-ip-per-s", "0"),
];

/// The `defaults` whose flag is not among `args`, as arguments.
pub fn unless_given(defaults: &[(&str, &str)], args: &[&str]) -> Vec<String> {
    defaults
        .iter()
        .filter(|(flag, _)| !args.contains(flag))
        .flat_map(|(flag, value)| [flag.to_string(), value.to_string()])
        .collect()
}

impl ServerProcess {
    /// Starts `agentcast serve --bind 127.0.0.1:0 --data-dir <fresh temp dir> <args>` and
    /// waits (10 s at most) for its URL. Logs at `warn` unless `RUST_LOG` says otherwise.
    pub async fn start(args: &[&str]) -> anyhow::Result<Self> {
        Self::start_in(&fresh_data_dir(), args).await
    }

    /// Like [`start`](Self::start) on a given data directory (to restart on the same store).
    pub async fn start_in(data_dir: &Path, args: &[&str]) -> anyhow::Result<Self> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Self::spawn(data_dir, "127.0.0.1:0", args, Vec::new()).await
    }

    /// Like [`start`](Self::start) with `env` set for the server, and so for the agent
    /// processes it starts (`POST /api/sessions`); `unset` variables removed, except the
    /// collector roots in the data directory (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`), which stay.
    pub async fn start_with_env(
        args: &[&str],
        env: Vec<(String, OsString)>,
        unset: &[&str],
    ) -> anyhow::Result<Self> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let env = env
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .chain(unset.iter().map(|var| (var.to_string(), None)))
            .collect();
        Self::spawn(&fresh_data_dir(), "127.0.0.1:0", args, env).await
    }

    /// Kills the server (SIGKILL: nothing graceful), waits `down`, and starts it again on the
    /// same address, data directory and arguments: what a client sees as a server restart.
    pub async fn restart_after(&mut self, down: Duration) -> anyhow::Result<()> {
        self.kill().await?;
        tokio::time::sleep(down).await;
        self.start_again().await
    }

    /// Kills the server (SIGKILL: nothing graceful); [`start_again`](Self::start_again)
    /// brings it back.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await.context("killing agentcast")
    }

    /// Starts the server again on the same address, data directory and arguments.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        let bind = self.addr().to_string();
        *self = Self::spawn(
            &self.data_dir.clone(),
            &bind,
            std::mem::take(&mut self.args),
            std::mem::take(&mut self.env),
        )
        .await?;
        Ok(())
    }

    /// A token from `agentcast token create <args>`, signed with this server's key.
    pub async fn token(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(agentcast_bin())
            .args(["token", "create", "--data-dir"])
            .arg(&self.data_dir)
            .args(args)
            .output()
            .await
            .context("running agentcast token create")?;
        if !output.status.success() {
            bail!(
                "agentcast token create: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8(output.stdout)?.trim().to_owned())
    }

    async fn spawn(
        data_dir: &Path,
        bind: &str,
        args: Vec<String>,
        env: Vec<(String, Option<OsString>)>,
    ) -> anyhow::Result<Self> {
        let bin = agentcast_bin();
        let given: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut command = Command::new(&bin);
        for (var, value) in &env {
            match value {
                Some(value) => command.env(var, value),
                None => command.env_remove(var),
            };
        }
        let mut child = command
            .arg("serve")
            .args(["--bind", bind])
            .arg("--data-dir")
            .arg(data_dir)
            .args(unless_given(TEST_DEFAULTS, &given))
            .args(&args)
            // The collector's default roots point into the data directory, never at the
            // real ~/.claude or ~/.codex; a test of the collector names its roots.
            .env("CLAUDE_CONFIG_DIR", data_dir.join("claude-home"))
            .env("CODEX_HOME", data_dir.join("codex-home"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix(LISTENING_PREFIX) {
                    return Ok::<_, anyhow::Error>(rest.trim().to_string());
                }
            }
            bail!("agentcast exited before printing its address")
        })
        .await
        .context("agentcast did not print its address within 10 s")??;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            url,
            data_dir: data_dir.to_owned(),
            args,
            env,
        })
    }

    /// The address in [`url`](Self::url), `http://` or `https://`.
    pub fn addr(&self) -> std::net::SocketAddr {
        let (_scheme, addr) = self.url.split_once("://").expect("a URL with a scheme");
        addr.parse()
            .unwrap_or_else(|err| panic!("{}: not http(s)://IP:PORT: {err}", self.url))
    }
}

/// `future`, or a panic naming `what` after `secs` seconds: every receive in a test is
/// bounded.
pub async fn within<T>(secs: u64, what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s waiting for {what}"))
}
