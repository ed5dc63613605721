//! A private PostgreSQL server for tests and benchmarks (this crate's tests and the
//! `test-support` feature only): [`TempPostgres`] runs `initdb` and `postgres` from the
//! installed PostgreSQL in a temp dir, on a free 127.0.0.1 port with its unix socket in that
//! dir, and stops it when dropped. [`TempPostgres::shared`] is one server per test process,
//! which each test takes a fresh database of ([`TempPostgres::new_database`]). Its URLs have
//! no password (trust authentication on 127.0.0.1).
//!
//! PostgreSQL refuses to run as root: as root, `initdb` and `postgres` run as the `postgres`
//! system user (the package creates it), in a dir it owns. Without PostgreSQL, `shared` prints
//! a notice and returns `None` (the test skips), except under CI (`CI` set, or
//! `AGENTCAST_REQUIRE_FIXTURES=1`), where the test fails: `cargo xtask test`'s install step
//! installs it (`apt-get install postgresql`).
//!
//! The server dies with the process even when nothing drops it (the shared one is a static):
//! it is started with a parent-death signal, from a thread that lives exactly as long as it.
//! Temp dirs a killed test process left behind are removed by the next start.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::Connection;

/// How long `postgres` may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The prefix of the servers' temp dirs: `agentcast-pg-<pid>-<n>`.
const DIR_PREFIX: &str = "agentcast-pg-";

/// Whether the WAL is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// `fsync = off`: tests, where a power loss is not the question.
    Off,
    /// PostgreSQL's default: benchmarks, to compare with SQLite on the same disk.
    On,
}

/// A running private PostgreSQL server.
pub struct TempPostgres {
    port: u16,
    pid: i32,
    dir: PathBuf,
    /// How it was started, to start it again ([`restart`](Self::restart)).
    bin: PathBuf,
    fsync: Fsync,
    /// The postmaster's exit status, from the thread that started and waits for it (in a
    /// mutex only so that the shared server can be a static: it is read at start and drop).
    exited: Mutex<mpsc::Receiver<std::io::Result<ExitStatus>>>,
}

impl TempPostgres {
    /// This process's server (`fsync = off`), started on first use; `None` after a notice
    /// when PostgreSQL is not installed and not required (see the module doc). Panics when it
    /// is installed but does not start.
    pub fn shared() -> Option<&'static TempPostgres> {
        static SHARED: OnceLock<Option<TempPostgres>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let bin = installed()?;
                Some(
                    TempPostgres::start_with(&bin, Fsync::Off)
                        .unwrap_or_else(|e| panic!("a private PostgreSQL server: {e}")),
                )
            })
            .as_ref()
    }

    /// A server of its own; `None` after a notice as [`shared`](Self::shared).
    pub fn start(fsync: Fsync) -> Option<Result<TempPostgres, String>> {
        let bin = installed()?;
        Some(TempPostgres::start_with(&bin, fsync))
    }

    fn start_with(bin: &Path, fsync: Fsync) -> Result<TempPostgres, String> {
        remove_stale_dirs();
        // A port freed just before the server binds it may be taken meanwhile: try again.
        let mut last_error = String::new();
        for _ in 0..3 {
            match start_once(bin, fsync) {
                Ok(server) => return Ok(server),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `database` on this server (user `postgres`, trust authentication).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new empty database, for one test: its URL.
    pub async fn new_database(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let name = format!(
            "agentcast_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connects to the private PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("creates a database");
        admin.close().await.ok();
        self.url(&name)
    }
}

impl TempPostgres {
    /// Stops the server at once (as a crash of PostgreSQL would) and waits until it is gone.
    pub fn stop(&mut self) {
        // SIGQUIT: immediate shutdown (what `pg_ctl stop -m immediate` sends).
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe { libc::kill(self.pid, libc::SIGQUIT) };
        if let Ok(exited) = self.exited.get_mut() {
            let _ = exited.recv_timeout(Duration::from_secs(10));
        }
    }

    /// Starts it again after [`stop`](Self::stop), on the same data and port, and waits
    /// until it accepts connections.
    pub fn start_again(&mut self) -> Result<(), String> {
        let (pid, exited) = spawn_postgres(&self.bin, run_as()?, &self.dir, self.port, self.fsync)?;
        self.pid = pid;
        self.exited = Mutex::new(exited);
        self.wait_ready()
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a missing PostgreSQL fails the test (CI) rather than skipping it.
fn required() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    ci || std::env::var("AGENTCAST_REQUIRE_FIXTURES").is_ok_and(|v| v == "1")
}

/// The directory of `initdb` and `postgres`; `None` after a notice (a panic under CI).
fn installed() -> Option<PathBuf> {
    if let Some(bin) = find_bindir() {
        return Some(bin);
    }
    assert!(
        !required(),
        "PostgreSQL (initdb, postgres) missing under CI (the install step of `cargo xtask test` \
         installs it: apt-get install postgresql)"
    );
    eprintln!(
        "NOTICE: PostgreSQL (initdb, postgres) missing, skipping; run `cargo xtask test --only \
         install` (CI fails instead of skipping)"
    );
    None
}

/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/<version>/bin` (Debian keeps
/// the server's programs there, off PATH), else `initdb` on PATH.
fn find_bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|dir| has_server(dir)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|dir| has_server(dir)))
}

/// The `postgres` user's ids when running as root (PostgreSQL refuses root), else `None`.
fn run_as() -> Result<Option<(libc::uid_t, libc::gid_t)>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    // SAFETY: a NUL-terminated name; the returned entry is read before any other getpw* call
    // (tests call this from one thread at a time: the shared server starts once).
    let entry = unsafe { libc::getpwnam(c"postgres".as_ptr()) };
    if entry.is_null() {
        return Err(
            "running as root, and there is no `postgres` user to run PostgreSQL as \
                    (the postgresql package creates it)"
                .into(),
        );
    }
    // SAFETY: not null, just returned by getpwnam.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Ok(Some((uid, gid)))
}

/// A command that runs as `user` (when root), and gets SIGKILL if its parent thread dies.
fn command(program: PathBuf, user: Option<(libc::uid_t, libc::gid_t)>, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).stdin(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if let Some((uid, gid)) = user
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            // After setuid, which clears it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

fn start_once(bin: &Path, fsync: Fsync) -> Result<TempPostgres, String> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let user = run_as()?;
    let dir = std::env::temp_dir().join(format!(
        "{DIR_PREFIX}{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let init = command(bin.join("initdb"), user, &dir)
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-locale",
        ])
        .args(["--no-sync", "--pgdata"])
        .arg(&data)
        .output()
        .map_err(|e| format!("running initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    let port = free_port()?;
    let (pid, exited) = spawn_postgres(bin, user, &dir, port, fsync)?;
    let server = TempPostgres {
        port,
        pid,
        dir,
        bin: bin.to_owned(),
        fsync,
        exited: Mutex::new(exited),
    };
    server.wait_ready()?;
    Ok(server)
}

/// Starts `postgres` on the data dir of `dir`, logging to its `postgres.log`: its pid, and
/// where its exit status arrives.
fn spawn_postgres(
    bin: &Path,
    user: Option<(libc::uid_t, libc::gid_t)>,
    dir: &Path,
    port: u16,
    fsync: Fsync,
) -> Result<(i32, mpsc::Receiver<std::io::Result<ExitStatus>>), String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("postgres.log"))
        .map_err(|e| e.to_string())?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.join("postgres.log"), Some(uid), Some(gid))
            .map_err(|e| e.to_string())?;
    }
    let fsync = match fsync {
        Fsync::Off => "off",
        Fsync::On => "on",
    };
    let mut postgres = command(bin.join("postgres"), user, dir);
    postgres
        .arg("-D")
        .arg(dir.join("data"))
        .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
        .arg(dir)
        .args(["-c", &format!("fsync={fsync}"), "-c", "max_connections=200"])
        .stdout(Stdio::null())
        .stderr(log);
    // The thread that forks the server waits for it: the parent-death signal fires when that
    // thread ends, so it must outlive the server (or the process ends, and the server too).
    let (pid_tx, pid_rx) = mpsc::channel();
    let (exit_tx, exited) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("postgres-{port}"))
        .spawn(move || match postgres.spawn() {
            Ok(mut child) => {
                let _ = pid_tx.send(Ok(child.id() as i32));
                let _ = exit_tx.send(child.wait());
            }
            Err(e) => {
                let _ = pid_tx.send(Err(e));
            }
        })
        .map_err(|e| e.to_string())?;
    let pid = pid_rx
        .recv()
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("starting postgres: {e}"))?;
    Ok((pid, exited))
}

impl TempPostgres {
    /// Waits until `postmaster.pid` says `ready` (PostgreSQL 10 and later write it there).
    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let pid_file = self.dir.join("data").join("postmaster.pid");
        loop {
            let exited = self.exited.lock().map(|rx| rx.try_recv());
            if let Ok(Ok(status)) = exited {
                return Err(format!("postgres exited ({status:?}): {}", self.log()));
            }
            let ready = std::fs::read_to_string(&pid_file)
                .is_ok_and(|text| text.lines().nth(7).is_some_and(|l| l.trim() == "ready"));
            if ready && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "postgres not ready in {READY_TIMEOUT:?}: {}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Removes the dirs of servers whose test process is gone (a killed `cargo test`).
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(DIR_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
