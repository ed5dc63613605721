//! Running external programs with a log line, and where things are in the checkout.
//!
//! Every command that changes something is printed before it runs, as a line a reader can
//! paste into a shell (`    $ cd tests/js && AGENTCAST_BIN=... node --test a.test.mjs`).
//! Probes (`trunk --version`) run quietly: they only ask a question.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The workspace root: the folder above this crate.
pub(crate) fn root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        // The xtask crate always sits one level below the workspace root.
        .expect("xtask/ has a parent folder")
        .to_path_buf()
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// `path` relative to the workspace root when it is inside it (for log lines).
pub(crate) fn display_path(path: &Path) -> String {
    let root = root();
    match path.strip_prefix(&root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// Whether this process runs as root (then the install step may use apt-get).
pub(crate) fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|uid| uid.trim() == "0")
}

/// Whether we run under CI (env `CI` set to anything but empty, `0` or `false`).
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// A progress line inside a step: what was found or decided.
pub(crate) fn note(msg: impl std::fmt::Display) {
    println!("    {msg}");
}

/// `12.3s` under a minute, `5m07s` above.
pub(crate) fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// PATH for every child: the caller's PATH with cargo's bin folder in front when it is
/// missing, so that tools we just ran `cargo install` for are found on a fresh machine.
fn search_path() -> &'static OsString {
    static PATH: OnceLock<OsString> = OnceLock::new();
    PATH.get_or_init(|| {
        let current = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = std::env::split_paths(&current).collect();
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|home| home.join("bin"));
        if let Some(bin) = cargo_bin
            && !dirs.contains(&bin)
        {
            dirs.insert(0, bin);
        }
        // Joining fails only for a folder containing ':'; keep the caller's PATH then.
        std::env::join_paths(dirs).unwrap_or(current)
    })
}

/// A command to run: program, arguments, working folder and extra environment.
pub(crate) struct Cmd {
    program: OsString,
    /// What the log line shows for the program instead of its path (`cargo` for `$CARGO`).
    shown: Option<String>,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    envs: Vec<(String, OsString)>,
    /// A file its stderr goes to instead of ours.
    stderr: Option<PathBuf>,
    /// Variables of ours it does not get.
    removed: Vec<OsString>,
}

impl Cmd {
    pub(crate) fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            shown: None,
            args: Vec::new(),
            cwd: None,
            envs: Vec::new(),
            stderr: None,
            removed: Vec::new(),
        }
    }

    /// The cargo that runs this xtask (`$CARGO`), so nested builds use the same toolchain.
    pub(crate) fn cargo() -> Self {
        let mut cmd = Self::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.shown = Some("cargo".to_string());
        cmd
    }

    pub(crate) fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Run in `dir` (default: the workspace root).
    pub(crate) fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub(crate) fn env(mut self, key: impl Into<String>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    pub(crate) fn envs(mut self, envs: &[(String, OsString)]) -> Self {
        self.envs.extend(envs.iter().cloned());
        self
    }

    /// Leaves out the variables that `cargo run` gives the xtask about the xtask itself
    /// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...): a nested build of another crate would see
    /// them change between runs by hand and through the xtask, and rebuild (ring's build
    /// script watches `CARGO_MANIFEST_DIR`).
    pub(crate) fn without_cargo_run_env(mut self) -> Self {
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            let ours = matches!(
                &*name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            ) || name.starts_with("CARGO_PKG_");
            if ours {
                self.removed.push(key);
            }
        }
        self
    }

    /// Sends its stderr to the file `path` (created or truncated) instead of ours.
    pub(crate) fn stderr_to(mut self, path: &Path) -> Self {
        self.stderr = Some(path.to_path_buf());
        self
    }

    /// This command run by `wrapper` (`nice -n 19 <this command>`), in the same folder with
    /// the same environment and stderr.
    pub(crate) fn under(self, wrapper: &[&str]) -> Self {
        let (program, rest) = wrapper.split_first().expect("a wrapper names a program");
        let mut args: Vec<OsString> = rest.iter().map(OsString::from).collect();
        args.push(self.program);
        args.extend(self.args);
        Self {
            program: program.into(),
            shown: None,
            args,
            cwd: self.cwd,
            envs: self.envs,
            stderr: self.stderr,
            removed: self.removed,
        }
    }

    /// The program as the log shows it: relative to the workspace root when the command
    /// runs there, else as given.
    fn shown(&self) -> String {
        if let Some(shown) = &self.shown {
            return shown.clone();
        }
        match &self.cwd {
            Some(cwd) if cwd != &root() => self.program.to_string_lossy().into_owned(),
            _ => display_path(Path::new(&self.program)),
        }
    }

    /// The shell line this command corresponds to.
    pub(crate) fn to_shell_line(&self) -> String {
        let mut line = String::new();
        if let Some(cwd) = &self.cwd
            && cwd != &root()
        {
            let _ = write!(line, "cd {} && ", quote(&display_path(cwd)));
        }
        for (key, value) in &self.envs {
            let _ = write!(line, "{key}={} ", quote(&value.to_string_lossy()));
        }
        line.push_str(&quote(&self.shown()));
        for arg in &self.args {
            line.push(' ');
            line.push_str(&quote(&arg.to_string_lossy()));
        }
        if let Some(path) = &self.stderr {
            let _ = write!(line, " 2> {}", quote(&display_path(path)));
        }
        line
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .current_dir(self.cwd.clone().unwrap_or_else(root))
            .env("PATH", search_path());
        for (key, value) in &self.envs {
            cmd.env(key, value);
        }
        for key in &self.removed {
            cmd.env_remove(key);
        }
        cmd
    }

    /// [`command`](Self::command) with its stderr sent where [`stderr_to`](Self::stderr_to)
    /// said.
    fn command_with_stderr(&self) -> Result<Command> {
        let mut cmd = self.command();
        if let Some(path) = &self.stderr {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            cmd.stderr(file);
        }
        Ok(cmd)
    }

    /// Print the command, run it with inherited stdout/stderr and no stdin (CI has none,
    /// and a prompt must fail rather than hang), and fail unless it exits with 0.
    ///
    /// Inside a step, the command is killed (with every process it started) when the
    /// step's deadline passes: a hung suite fails its step instead of using up CI's time.
    pub(crate) fn run(&self) -> Result<()> {
        let line = self.to_shell_line();
        println!("    $ {line}");
        let mut child = self
            .command_with_stderr()?
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start `{}` (is it installed?)", self.shown()))?;
        let status = match step_deadline() {
            None => child.wait()?,
            Some(deadline) => match wait_until(&mut child, deadline)? {
                Some(status) => status,
                None => {
                    let killed = kill_tree(child.id());
                    child.wait()?;
                    bail!(
                        "`{line}` was still running at the step's time limit; \
                         killed it and {} process(es) it started",
                        killed.saturating_sub(1)
                    );
                }
            },
        };
        if !status.success() {
            match status.code() {
                Some(code) => bail!("`{line}` exited with status {code}"),
                None => bail!("`{line}` was killed by a signal ({status})"),
            }
        }
        Ok(())
    }

    /// Run quietly and return stdout when the command exists and exits with 0.
    pub(crate) fn probe(&self) -> Option<String> {
        let out = self
            .command()
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Replace this process with the command (stdio inherited), for `cargo xtask run`:
    /// signals such as Ctrl-C then reach the server directly. Returns only on failure.
    pub(crate) fn exec(self) -> anyhow::Error {
        use std::io::Write as _;
        use std::os::unix::process::CommandExt as _;

        println!("    $ exec {}", self.to_shell_line());
        let _ = std::io::stdout().flush();
        let err = self.command().exec();
        anyhow::Error::new(err).context(format!("could not start `{}`", self.shown()))
    }
}

/// When the running step must end; `None` outside a step (and in `cargo xtask run`).
static STEP_DEADLINE: Mutex<Option<Instant>> = Mutex::new(None);

/// Set by the step runner around each step.
pub(crate) fn set_step_deadline(deadline: Option<Instant>) {
    *STEP_DEADLINE.lock().unwrap_or_else(|e| e.into_inner()) = deadline;
}

fn step_deadline() -> Option<Instant> {
    *STEP_DEADLINE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits for `child` until `deadline`; `None` when it is still running then.
fn wait_until(child: &mut Child, deadline: Instant) -> Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(200)));
    }
}

/// SIGKILLs `pid` and every process below it (found through /proc, so the children keep
/// the terminal's process group and Ctrl-C still reaches them); returns how many.
fn kill_tree(pid: u32) -> usize {
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        tree.extend(children_of(tree[i]));
        i += 1;
    }
    // Parents first, so that none of them starts a replacement for a killed child.
    let pids: Vec<String> = tree.iter().map(u32::to_string).collect();
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(&pids)
        .stderr(Stdio::null())
        .status();
    tree.len()
}

/// The direct children of `pid`, from /proc/<pid>/task/*/children (empty when it is gone).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Quote a word for a shell line when it has characters a shell would interpret.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(fmt_duration(Duration::from_secs(307)), "5m07s");
    }

    #[test]
    fn shell_line_quotes_and_shows_cwd_and_env() {
        let line = Cmd::new("node")
            .args(["--test", "a b.test.mjs"])
            .cwd(root().join("tests/js"))
            .env("AGENTCAST_BIN", "/x/agentcast")
            .to_shell_line();
        assert_eq!(
            line,
            "cd tests/js && AGENTCAST_BIN=/x/agentcast node --test 'a b.test.mjs'"
        );
        let line = Cmd::new(root().join("target/release/agentcast"))
            .arg("serve")
            .to_shell_line();
        assert_eq!(line, "target/release/agentcast serve");
    }
}
