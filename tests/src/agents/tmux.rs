//! The interactive Claude Code TUI in a pane of a private tmux server (`tmux -L <socket>`,
//! never the user's): typed into with `send-keys`, read with `capture-pane`.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::json;

use super::claude::{FOREIGN_ENV, claude_env};
use super::fake_anthropic::FakeAnthropic;
use super::home::AgentHome;
use super::{RealAgents, poll_until};

/// How long the TUI may take to show its input prompt, or a prompt typed into it.
pub const TUI_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// What 2.1.328's TUI shows under its input box once it takes input: its permission-mode
/// footer, `auto mode on (shift+tab to cycle)` or `manual mode on · ? for shortcuts`.
pub const READY_MARKER: &str = " mode on";

/// A private tmux server; killed (with everything running in it) when dropped.
pub struct TmuxServer {
    socket: String,
}

impl Default for TmuxServer {
    fn default() -> Self {
        Self::new()
    }
}

impl TmuxServer {
    /// A server name unique to this process and call; the server itself starts with the
    /// first session.
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self {
            socket: format!("agentcast-test-{}-{n}", std::process::id()),
        }
    }

    /// The `-L` name of the server.
    pub fn socket(&self) -> &str {
        &self.socket
    }

    /// `tmux -L <socket> -f /dev/null` (no user configuration), outside any tmux client.
    pub fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        for var in FOREIGN_ENV {
            command.env_remove(var);
        }
        command
    }

    fn run(&self, args: &[&std::ffi::OsStr]) -> anyhow::Result<String> {
        let output = self.command().args(args).output().context("running tmux")?;
        if !output.status.success() {
            bail!(
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Starts detached session `name` (200x50) running `program args` in `cwd` with `env`.
    pub fn new_session(
        &self,
        name: &str,
        cwd: &Path,
        env: &[(String, OsString)],
        program: &Path,
        args: &[&str],
    ) -> anyhow::Result<()> {
        let mut argv: Vec<OsString> = ["new-session", "-d", "-s", name, "-x", "200", "-y", "50"]
            .map(OsString::from)
            .to_vec();
        argv.push("-c".into());
        argv.push(cwd.into());
        for (key, value) in env {
            let mut pair = OsString::from(format!("{key}="));
            pair.push(value);
            argv.push("-e".into());
            argv.push(pair);
        }
        argv.push(program.into());
        argv.extend(args.iter().map(OsString::from));
        let argv: Vec<&std::ffi::OsStr> = argv.iter().map(OsString::as_os_str).collect();
        self.run(&argv).map(drop)
    }

    /// `send-keys -t target keys...` (key names such as `Enter`, `C-c`).
    pub fn send_keys(&self, target: &str, keys: &[&str]) -> anyhow::Result<()> {
        let mut argv = vec!["send-keys", "-t", target];
        argv.extend(keys);
        let argv: Vec<&std::ffi::OsStr> = argv.iter().map(std::ffi::OsStr::new).collect();
        self.run(&argv).map(drop)
    }

    /// Types `text` literally and presses Enter once the pane shows it (waiting at most
    /// `timeout`): an Enter sent with the text, or before the program read it, would be part
    /// of a paste (a newline in Claude's TUI), not a submit.
    pub async fn type_line(
        &self,
        target: &str,
        text: &str,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.send_keys(target, &["-l", text])?;
        self.wait_for_screen(target, text, timeout).await?;
        self.send_keys(target, &["Enter"])
    }

    /// The visible text of the pane `target`.
    pub fn capture(&self, target: &str) -> anyhow::Result<String> {
        let argv = ["capture-pane", "-p", "-t", target].map(std::ffi::OsStr::new);
        self.run(&argv)
    }

    /// The pane `target` with its colours, as SGR escape sequences (`capture-pane -e`).
    pub fn capture_with_colours(&self, target: &str) -> anyhow::Result<String> {
        let argv = ["capture-pane", "-e", "-p", "-t", target].map(std::ffi::OsStr::new);
        self.run(&argv)
    }

    /// Waits until the pane shows `needle`, for at most `timeout`; gives the screen.
    pub async fn wait_for_screen(
        &self,
        target: &str,
        needle: &str,
        timeout: Duration,
    ) -> anyhow::Result<String> {
        poll_until(
            timeout,
            &format!("{needle:?} on the screen of {target}"),
            || self.capture(target).ok().filter(|s| s.contains(needle)),
            || self.capture(target).unwrap_or_else(|e| e.to_string()),
        )
        .await
    }
}

impl Drop for TmuxServer {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// Marks first-run onboarding, the API key and trust in the project as done in
/// `$HOME/.claude.json`, so the TUI opens straight on its input prompt.
pub fn skip_onboarding(home: &AgentHome, api_key: &str) -> anyhow::Result<()> {
    let key_tail: String = api_key
        .chars()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let cwd = home.cwd.display().to_string();
    let state = json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [key_tail], "rejected": []},
        "projects": {cwd: {"hasTrustDialogAccepted": true, "hasCompletedProjectOnboarding": true}},
    });
    std::fs::write(home.home.join(".claude.json"), state.to_string())
        .context("writing .claude.json")
}

/// The interactive `claude` in a tmux pane.
pub struct ClaudeTui {
    pub tmux: TmuxServer,
    /// The pane's target (`claude:0.0`).
    pub target: String,
}

impl ClaudeTui {
    /// Starts `claude --allowedTools Bash Task` in a new private tmux server, in `home`
    /// against `fake`, and waits until it takes input.
    pub async fn start(
        agents: &RealAgents,
        home: &AgentHome,
        fake: &FakeAnthropic,
    ) -> anyhow::Result<Self> {
        Self::start_with(agents, home, fake, &["--allowedTools", "Bash", "Task"]).await
    }

    /// Like [`start`](Self::start) with `args` instead (e.g. none: every Bash command asks
    /// for permission).
    pub async fn start_with(
        agents: &RealAgents,
        home: &AgentHome,
        fake: &FakeAnthropic,
        args: &[&str],
    ) -> anyhow::Result<Self> {
        let env = claude_env(home, fake);
        let key = env
            .iter()
            .find(|(k, _)| k == "ANTHROPIC_API_KEY")
            .map(|(_, v)| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        skip_onboarding(home, &key)?;
        let tmux = TmuxServer::new();
        tmux.new_session("claude", &home.cwd, &env, &agents.claude, args)?;
        let tui = Self {
            tmux,
            target: "claude:0.0".into(),
        };
        tui.tmux
            .wait_for_screen(&tui.target, READY_MARKER, TUI_READY_TIMEOUT)
            .await?;
        Ok(tui)
    }

    /// Types `prompt` and submits it.
    pub async fn prompt(&self, prompt: &str) -> anyhow::Result<()> {
        self.tmux
            .type_line(&self.target, prompt, TUI_READY_TIMEOUT)
            .await
    }

    /// Waits until the screen shows `needle`.
    pub async fn wait_for(&self, needle: &str, timeout: Duration) -> anyhow::Result<String> {
        self.tmux
            .wait_for_screen(&self.target, needle, timeout)
            .await
    }

    /// The screen now.
    pub fn screen(&self) -> anyhow::Result<String> {
        self.tmux.capture(&self.target)
    }
}
