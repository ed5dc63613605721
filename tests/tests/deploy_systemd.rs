//! The repository's systemd unit (`server/deploy/systemd/agentcast.service`) as a user
//! installs it: `systemd-analyze verify` accepts it without a single warning (an unknown or
//! misspelled key is only a warning there, so any output fails), and `agentcast serve` starts
//! with exactly the settings its `Environment=` lines give (the data directory and the bind
//! address swapped for a test's), logging JSON as the unit asks.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_tests::agents::system_tool;
use agentcast_tests::server::{LISTENING_PREFIX, agentcast_bin, fresh_data_dir, within};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const UNIT: &str = "server/deploy/systemd/agentcast.service";
const INSTALLED_BIN: &str = "ExecStart=/usr/local/bin/agentcast serve";

fn unit_text() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(UNIT)).expect("the unit file is in the repository")
}

/// The unit's `Environment=VAR=value` settings, in order.
fn environment(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .filter_map(|line| line.strip_prefix("Environment="))
        .map(|setting| {
            let (var, value) = setting.split_once('=').expect("Environment=VAR=value");
            (var.to_owned(), value.to_owned())
        })
        .collect()
}

#[test]
fn systemd_analyze_verifies_the_unit_without_a_warning() {
    if system_tool("systemd-analyze", "--version").is_none() {
        return;
    }
    let unit = unit_text();
    assert!(
        unit.contains(INSTALLED_BIN),
        "{UNIT} no longer runs {INSTALLED_BIN}"
    );
    // verify checks that ExecStart's program exists: point it at the binary under test.
    let bin = agentcast_bin();
    let tested = unit.replace(INSTALLED_BIN, &format!("ExecStart={} serve", bin.display()));
    let dir = fresh_data_dir();
    let path = dir.join("agentcast.service");
    std::fs::write(&path, tested).expect("unit written");
    let output = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "systemd-analyze verify failed:\n{said}"
    );
    assert_eq!(said.trim(), "", "systemd-analyze verify warned");
}

#[tokio::test]
async fn the_server_starts_with_the_units_environment() {
    let settings = environment(&unit_text());
    let vars: Vec<&str> = settings.iter().map(|(var, _)| var.as_str()).collect();
    assert!(
        vars.contains(&"AGENTCAST_DATA_DIR") && vars.contains(&"AGENTCAST_BIND"),
        "{UNIT} sets {vars:?}"
    );
    let data_dir = fresh_data_dir();
    let mut command = Command::new(agentcast_bin());
    command.arg("serve");
    for (var, value) in &settings {
        let value = match var.as_str() {
            "AGENTCAST_DATA_DIR" => data_dir.display().to_string(),
            "AGENTCAST_BIND" => "127.0.0.1:0".to_owned(),
            _ => value.clone(),
        };
        command.env(var, value);
    }
    let mut child = command
        // What the collectors would follow under a user's home stays in the test's dir.
        .env("CLAUDE_CONFIG_DIR", data_dir.join("claude-home"))
        .env("CODEX_HOME", data_dir.join("codex-home"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("agentcast starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let url = within(10, "the listening line", async {
        while let Some(line) = stdout.next_line().await.expect("stdout readable") {
            if let Some(url) = line.strip_prefix(LISTENING_PREFIX) {
                return url.trim().to_owned();
            }
        }
        panic!("agentcast exited before listening");
    })
    .await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // AGENTCAST_LOG_FORMAT=json: every log line is a JSON object (journald keeps them), and
    // the one that announces the address names the data directory in use.
    let listening = within(10, "the JSON log line of the start", async {
        while let Some(line) = stderr.next_line().await.expect("stderr readable") {
            let log: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|err| panic!("not a JSON log line ({err}): {line}"));
            if log["fields"]["message"] == "listening" {
                return log;
            }
        }
        panic!("agentcast exited before logging its start");
    })
    .await;
    assert_eq!(
        listening["fields"]["data_dir"].as_str(),
        Some(data_dir.to_str().expect("a UTF-8 temp dir")),
        "{listening}"
    );
    child.start_kill().expect("kill");
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}
