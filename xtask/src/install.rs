//! The install step: everything the later steps need that a fresh machine lacks.
//!
//! Nothing installed by hand survives to CI, so this step checks each tool and installs
//! only what is missing or at the wrong version, saying which it did. Cheap checks come
//! first so that a problem shows in seconds, the two long `cargo install`s last:
//!
//! 1. Rust: the rustfmt and clippy components, the `wasm32-unknown-unknown` target.
//! 2. System packages through apt-get (as root only): chromium and chromedriver, tmux (the
//!    interactive agent tests), nginx and systemd-analyze (the deployment examples' tests),
//!    postgresql (the store's tests on PostgreSQL start a private server from its `initdb`
//!    and `postgres`), and node, npm or python3 should they be missing.
//! 3. npm packages in `shared/ts` (the JS client's socket.io-client, which its tests and type
//!    check resolve from there), `tests/js`, `tests/js/ts-check` and `tests/agents` (the real
//!    Claude Code and Codex CLIs), when they have a package.json.
//! 4. The Python venv `tests/python/.venv` from `tests/python/requirements.txt`, then the
//!    `agentcast` package from `shared/python` (a wheel, not editable).
//! 5. wasm-bindgen-cli at exactly the version of `wasm-bindgen` in Cargo.lock.
//! 6. Trunk, pinned (0.22 needs a newer rustc than ours; TOOLCHAIN.md).
//! 7. cargo-fuzz, pinned, and a nightly toolchain (the fuzz smoke step; `cargo xtask fuzz`).
//!
//! npm and pip reinstall only when their input files changed: a stamp file holding a hash of
//! those files sits beside what they installed.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, display_path, fmt_duration, is_root, note, root};
use crate::steps::Outcome;

/// The Trunk release we build the dashboard with.
pub(crate) const TRUNK_VERSION: &str = "0.21.14";
/// The cargo-fuzz release that runs the fuzz targets (tests/fuzz).
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Folders whose package.json we install (other people create them).
const NPM_DIRS: [&str; 4] = ["shared/ts", "tests/js", "tests/js/ts-check", "tests/agents"];
const STAMP: &str = ".agentcast-install-stamp";
/// The Python package the venv gets from source (`pip install ./shared/python`).
const PYTHON_PACKAGE: &str = "shared/python";

pub(crate) fn run() -> Result<Outcome> {
    rust_toolchain().context("rust toolchain")?;
    system_packages().context("system packages")?;
    npm_packages().context("npm packages")?;
    python_venv().context("python venv")?;
    wasm_bindgen_cli().context("wasm-bindgen-cli")?;
    trunk().context("trunk")?;
    fuzz_tools().context("cargo-fuzz")?;
    Ok(Outcome::Passed)
}

/// What `cargo xtask run` needs to build the dashboard: the wasm target, npm's binaryen
/// (tests/js), wasm-bindgen-cli and Trunk; each is skipped when already there.
pub(crate) fn dashboard_tools() -> Result<()> {
    rust_toolchain().context("rust toolchain")?;
    npm_packages().context("npm packages")?;
    wasm_bindgen_cli().context("wasm-bindgen-cli")?;
    trunk().context("trunk")
}

fn rust_toolchain() -> Result<()> {
    if Cmd::new("rustup").arg("--version").probe().is_none() {
        bail!("rustup not found: install Rust with rustup (https://rustup.rs)");
    }
    let components = Cmd::new("rustup")
        .args(["component", "list", "--installed"])
        .probe()
        .unwrap_or_default();
    let missing: Vec<&str> = ["rustfmt", "clippy"]
        .into_iter()
        .filter(|c| !components.lines().any(|l| l.starts_with(&format!("{c}-"))))
        .collect();
    if missing.is_empty() {
        note("rust: rustfmt and clippy already installed");
    } else {
        note(format!("rust: installing {}", missing.join(", ")));
        Cmd::new("rustup")
            .args(["component", "add"])
            .args(&missing)
            .run()?;
    }

    let targets = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .probe()
        .unwrap_or_default();
    if targets.lines().any(|l| l.trim() == WASM_TARGET) {
        note(format!("rust: target {WASM_TARGET} already installed"));
    } else {
        note(format!("rust: installing target {WASM_TARGET}"));
        Cmd::new("rustup")
            .args(["target", "add", WASM_TARGET])
            .run()?;
    }
    Ok(())
}

fn system_packages() -> Result<()> {
    let mut wanted: Vec<&str> = Vec::new();
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        wanted.extend(["chromium", "chromium-driver"]);
    }
    if Cmd::new("tmux").arg("-V").probe().is_none() {
        wanted.push("tmux");
    }
    if Cmd::new("nginx").arg("-v").probe().is_none() {
        wanted.push("nginx");
    }
    if Cmd::new("systemd-analyze")
        .arg("--version")
        .probe()
        .is_none()
    {
        wanted.push("systemd");
    }
    if postgres_missing() {
        wanted.push("postgresql");
    }
    if tool_missing("node") {
        wanted.push("nodejs");
    }
    if tool_missing("npm") {
        wanted.push("npm");
    }
    if tool_missing("python3") {
        wanted.extend(["python3", "python3-venv"]);
    }
    if wanted.is_empty() {
        note(format!(
            "system: {CHROMIUM}, {CHROMEDRIVER}, tmux, nginx, systemd, postgresql, node, npm and \
             python3 already installed"
        ));
        return Ok(());
    }
    note(format!("system: missing {}", wanted.join(" ")));
    if !is_root() {
        bail!(
            "need apt packages {list} but not running as root; install them with \
             `sudo apt-get update && sudo apt-get install -y {list}` and run again",
            list = wanted.join(" ")
        );
    }
    apt_install(&wanted)
}

/// Whether PostgreSQL's server programs are missing: Debian keeps `initdb` and `postgres` in
/// `/usr/lib/postgresql/<version>/bin`, off PATH (where the store's test harness looks too).
fn postgres_missing() -> bool {
    let packaged = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| version.path().join("bin/initdb").is_file());
    !packaged && tool_missing("initdb")
}

fn tool_missing(program: &str) -> bool {
    Cmd::new(program).arg("--version").probe().is_none()
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let started = Instant::now();
    Cmd::new("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    Cmd::new("apt-get")
        .args(["install", "-y", "-q"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    note(format!(
        "system: installed {} ({})",
        packages.join(" "),
        fmt_duration(started.elapsed())
    ));
    Ok(())
}

pub(crate) fn npm_packages() -> Result<()> {
    for rel in NPM_DIRS {
        let dir = root().join(rel);
        let manifest = dir.join("package.json");
        if !manifest.exists() {
            note(format!("npm {rel}: no package.json yet, skipping"));
            continue;
        }
        let lock = dir.join("package-lock.json");
        let stamp = dir.join("node_modules").join(STAMP);
        if read_stamp(&stamp) == Some(fingerprint(&[&manifest, &lock])?) {
            note(format!(
                "npm {rel}: node_modules already matches package.json and package-lock.json"
            ));
            continue;
        }
        let started = Instant::now();
        let npm = Cmd::new("npm").cwd(&dir);
        if lock.exists() {
            npm.args(["ci", "--no-audit", "--no-fund"]).run()?;
        } else {
            note(format!(
                "npm {rel}: no package-lock.json, running npm install (it writes one)"
            ));
            npm.args(["install", "--no-audit", "--no-fund"]).run()?;
        }
        // After `npm install` the lock exists now: stamp what is actually installed.
        write_stamp(&stamp, &fingerprint(&[&manifest, &lock])?)?;
        note(format!(
            "npm {rel}: installed ({})",
            fmt_duration(started.elapsed())
        ));
    }
    Ok(())
}

fn python_venv() -> Result<()> {
    let dir = root().join("tests/python");
    let requirements = dir.join("requirements.txt");
    if !requirements.exists() {
        note("python: no tests/python/requirements.txt yet, skipping");
        return Ok(());
    }
    let venv = dir.join(".venv");
    let python = venv.join("bin/python");
    if Cmd::new(&python).args(["-c", ""]).probe().is_none() {
        if venv.exists() {
            note(format!(
                "python: {} does not run, recreating the venv",
                display_path(&python)
            ));
            std::fs::remove_dir_all(&venv)
                .with_context(|| format!("removing {}", venv.display()))?;
        }
        create_venv(&venv)?;
    }

    let stamp = venv.join(STAMP);
    let print = fingerprint(&[&requirements])?;
    if read_stamp(&stamp).as_deref() == Some(print.as_str()) {
        note("python: venv already matches tests/python/requirements.txt");
    } else {
        let started = Instant::now();
        Cmd::new(venv.join("bin/pip"))
            .args(["install", "--disable-pip-version-check", "--no-input", "-r"])
            .arg(display_path(&requirements))
            .run()?;
        write_stamp(&stamp, &print)?;
        note(format!(
            "python: installed requirements ({})",
            fmt_duration(started.elapsed())
        ));
    }
    python_package(&venv)
}

/// The `agentcast` Python package (shared/python) into the venv as a wheel, not editable, so
/// its tests prove it packages; reinstalled when one of its files changes. Its dependencies
/// and its build backend are pinned in requirements.txt, installed just before.
fn python_package(venv: &Path) -> Result<()> {
    let package = root().join(PYTHON_PACKAGE);
    if !package.join("pyproject.toml").exists() {
        note(format!(
            "python: no {PYTHON_PACKAGE}/pyproject.toml yet, skipping"
        ));
        return Ok(());
    }
    let sources = package.join("src/agentcast");
    let mut files = vec![package.join("pyproject.toml"), package.join("README.md")];
    let mut modules: Vec<_> = std::fs::read_dir(&sources)
        .with_context(|| format!("reading {}", sources.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    modules.sort();
    files.extend(modules.into_iter().filter(|p| p.is_file()));
    let stamp = venv.join(".agentcast-package-stamp");
    let print = fingerprint(&files.iter().map(|p| p.as_path()).collect::<Vec<_>>())?;
    if read_stamp(&stamp).as_deref() == Some(print.as_str()) {
        note(format!("python: {PYTHON_PACKAGE} already installed"));
        return Ok(());
    }
    let started = Instant::now();
    Cmd::new(venv.join("bin/pip"))
        .args(["install", "--disable-pip-version-check", "--no-input"])
        .args(["--no-deps", "--no-build-isolation", "--force-reinstall"])
        .arg(&package)
        .run()?;
    write_stamp(&stamp, &print)?;
    note(format!(
        "python: installed {PYTHON_PACKAGE} ({})",
        fmt_duration(started.elapsed())
    ));
    Ok(())
}

fn create_venv(venv: &Path) -> Result<()> {
    let venv_cmd = || {
        Cmd::new("python3")
            .args(["-m", "venv"])
            .arg(display_path(venv))
    };
    if venv_cmd().run().is_ok() {
        return Ok(());
    }
    // Debian's python3 ships without ensurepip; the venv module lives in python3-venv.
    if !is_root() {
        bail!(
            "`python3 -m venv` failed; on Debian install python3-venv \
             (`sudo apt-get install -y python3-venv`) and run again"
        );
    }
    note("python: venv creation failed, installing python3-venv and trying again");
    let _ = std::fs::remove_dir_all(venv);
    apt_install(&["python3-venv"])?;
    venv_cmd().run()
}

fn wasm_bindgen_cli() -> Result<()> {
    let lock_path = root().join("Cargo.lock");
    let lock = match std::fs::read_to_string(&lock_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", lock_path.display())),
    };
    let wanted = match locked_versions(&lock, "wasm-bindgen").as_slice() {
        [] => {
            note("wasm-bindgen-cli: wasm-bindgen is not in Cargo.lock yet, skipping");
            return Ok(());
        }
        [one] => one.clone(),
        many => bail!(
            "Cargo.lock holds several wasm-bindgen versions ({}); the CLI must match the \
             library exactly, so unify them first",
            many.join(", ")
        ),
    };
    warn_if_trunk_pin_differs(&wanted);
    // No --locked: with it, resolution fails on a missing webpki-roots (TOOLCHAIN.md).
    cargo_install(
        "wasm-bindgen",
        "wasm-bindgen-cli",
        &wanted,
        false,
        "about 2.5 minutes",
    )
}

fn trunk() -> Result<()> {
    cargo_install(
        "trunk",
        "trunk",
        TRUNK_VERSION,
        true,
        "about 9 minutes on 2 cores",
    )
}

/// What `cargo xtask fuzz` needs: a nightly toolchain (libFuzzer's instrumentation flags are
/// nightly-only) and cargo-fuzz.
pub(crate) fn fuzz_tools() -> Result<()> {
    let toolchains = Cmd::new("rustup")
        .args(["toolchain", "list"])
        .probe()
        .unwrap_or_default();
    if toolchains.lines().any(|l| l.starts_with("nightly-")) {
        note("rust: a nightly toolchain is already installed");
    } else {
        note("rust: installing a nightly toolchain (minimal profile) for the fuzz targets");
        Cmd::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .run()?;
    }
    cargo_install(
        "cargo-fuzz",
        "cargo-fuzz",
        CARGO_FUZZ_VERSION,
        true,
        "about 1 minute",
    )
}

/// `cargo install <krate> --version <version>` unless `<program> --version` reports it.
fn cargo_install(
    program: &str,
    krate: &str,
    version: &str,
    locked: bool,
    expected_time: &str,
) -> Result<()> {
    match tool_version(program) {
        Some(found) if found == version => {
            note(format!("{program}: {version} already installed"));
            return Ok(());
        }
        Some(found) => note(format!(
            "{program}: found {found}, installing {version} ({expected_time})"
        )),
        None => note(format!(
            "{program}: not found, installing {version} ({expected_time})"
        )),
    }
    let started = Instant::now();
    let mut cmd = Cmd::cargo().args(["install", krate, "--version", version]);
    if locked {
        cmd = cmd.arg("--locked");
    }
    cmd.run()?;
    match tool_version(program) {
        Some(found) if found == version => {}
        found => bail!(
            "installed {krate} {version}, but `{program} --version` reports {}: is another \
             {program} earlier on PATH?",
            found.as_deref().unwrap_or("nothing")
        ),
    }
    note(format!(
        "{program}: installed {version} ({})",
        fmt_duration(started.elapsed())
    ));
    Ok(())
}

/// The version a tool reports: `trunk 0.21.14` gives `0.21.14`.
fn tool_version(program: &str) -> Option<String> {
    let out = Cmd::new(program).arg("--version").probe()?;
    out.lines()
        .next()?
        .split_whitespace()
        .nth(1)
        .map(str::to_string)
}

/// Trunk runs with --offline and looks for the wasm-bindgen named in Trunk.toml; a
/// different pin than Cargo.lock's would make the dashboard build fail later.
fn warn_if_trunk_pin_differs(locked: &str) {
    let Ok(trunk_toml) = std::fs::read_to_string(root().join("Trunk.toml")) else {
        return;
    };
    let pinned = trunk_toml.lines().find_map(|line| {
        let value = line.trim().strip_prefix("wasm_bindgen")?.trim_start();
        Some(
            value
                .strip_prefix('=')?
                .trim()
                .trim_matches('"')
                .to_string(),
        )
    });
    if let Some(pinned) = pinned
        && pinned != locked
    {
        note(format!(
            "warning: Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has \
             wasm-bindgen {locked}; they must match for the dashboard build"
        ));
    }
}

/// Every version of package `name` in a Cargo.lock.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut current: Option<&str> = None;
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            current = None;
        } else if let Some(value) = line.strip_prefix("name = ") {
            current = Some(value.trim_matches('"'));
        } else if let Some(value) = line.strip_prefix("version = ")
            && current == Some(name)
        {
            versions.push(value.trim_matches('"').to_string());
        }
    }
    versions
}

/// A hash of the files' contents (a missing file counts as such), as hex. FNV-1a: stable
/// across Rust releases, unlike `DefaultHasher`, and plenty to notice an edit.
fn fingerprint(files: &[&Path]) -> Result<String> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in files {
        match std::fs::read(file) {
            Ok(bytes) => {
                feed(b"present\0");
                feed(&bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => feed(b"absent\0"),
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        }
        feed(b"\0");
    }
    Ok(format!("{hash:016x}"))
}

fn read_stamp(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn write_stamp(path: &Path, print: &str) -> Result<()> {
    std::fs::write(path, format!("{print}\n"))
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.100"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.100"
"#;

    #[test]
    fn finds_the_locked_version_by_exact_name() {
        assert_eq!(locked_versions(LOCK, "wasm-bindgen"), ["0.2.100"]);
        assert!(locked_versions(LOCK, "trunk").is_empty());
        assert!(locked_versions("", "wasm-bindgen").is_empty());
    }

    #[test]
    fn fingerprint_changes_with_content_and_presence() {
        let dir = std::env::temp_dir().join(format!("xtask-fp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("requirements.txt");
        let absent = fingerprint(&[&file]).unwrap();
        std::fs::write(&file, "pytest\n").unwrap();
        let one = fingerprint(&[&file]).unwrap();
        std::fs::write(&file, "pytest==8\n").unwrap();
        let two = fingerprint(&[&file]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_ne!(absent, one);
        assert_ne!(one, two);
        assert_eq!(one.len(), 16);
    }
}
