//! The MCP server check against a fake server in each of its modes: what a user sees after
//! pressing "Test" on a configured server.

use std::path::PathBuf;
use std::time::Duration;

use agentcast_server::mcp::{McpLaunch, McpTestError, test_server};
use agentcast_shared::rest::McpServerConfig;
use serde_json::{Value, json};

const FAKE_MCP: &str = env!("CARGO_BIN_EXE_agentcast-fake-mcp-server");

/// Generous for a server that answers at once (2 cores, tests in parallel), yet it bounds
/// every test.
const ANSWERS: Duration = Duration::from_secs(20);

fn fake(mode: &str) -> McpLaunch {
    McpLaunch {
        config: McpServerConfig {
            name: format!("fake-{mode}"),
            command: FAKE_MCP.to_owned(),
            args: vec![mode.to_owned()],
            env: Default::default(),
        },
        cwd: None,
    }
}

/// A fresh directory for one test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("agentcast-mcp-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn ok_reports_name_version_and_capabilities_and_shuts_down_cleanly() {
    // The env and cwd of the config reach the server: a relative record path lands in `dir`.
    let dir = scratch_dir("ok");
    let mut config = fake("ok");
    config.cwd = Some(dir.clone());
    config
        .config
        .env
        .insert("FAKE_MCP_RECORD".into(), "received.jsonl".into());

    let info = test_server(&config, ANSWERS)
        .await
        .expect("the fake passes");
    assert_eq!(info.name, "fake-mcp");
    assert_eq!(info.version.as_deref(), Some("1.2.3"));
    assert_eq!(info.protocol_version, "2025-06-18");
    assert_eq!(info.capabilities, json!({"tools": {"listChanged": true}}));
    assert_eq!(
        info.instructions.as_deref(),
        Some("A fake for agentcast's tests.")
    );
    assert!(info.duration_ms < ANSWERS.as_millis() as u64);
    let reported = serde_json::to_value(&info).unwrap();
    assert_eq!(reported["protocol_version"], "2025-06-18");
    assert_eq!(reported["capabilities"]["tools"]["listChanged"], true);

    // What the server received, in order: initialize, the answer to its ping, initialized,
    // and then its stdin closed (the polite shutdown, not a kill).
    let received = std::fs::read_to_string(dir.join("received.jsonl")).unwrap();
    let lines: Vec<&str> = received.lines().collect();
    assert_eq!(lines.len(), 4, "{received}");
    let initialize: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(initialize["method"], "initialize");
    assert_eq!(initialize["params"]["protocolVersion"], "2025-06-18");
    assert_eq!(initialize["params"]["capabilities"], json!({}));
    assert_eq!(initialize["params"]["clientInfo"]["name"], "agentcast");
    let pong: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(
        pong,
        json!({"jsonrpc": "2.0", "id": "fake-ping-1", "result": {}})
    );
    let initialized: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(
        initialized,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
    );
    assert_eq!(lines[3], "<stdin closed>");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn error_reports_the_servers_json_rpc_error() {
    let err = test_server(&fake("error"), ANSWERS).await.unwrap_err();
    match &err {
        McpTestError::ServerError { code, message } => {
            assert_eq!(*code, -32602);
            assert_eq!(message, "Unsupported protocol version");
        }
        other => panic!("expected ServerError, got {other:?}"),
    }
    assert!(
        err.to_string().contains("Unsupported protocol version"),
        "{err}"
    );
}

#[tokio::test]
async fn silent_times_out_with_the_stderr_tail() {
    let started = std::time::Instant::now();
    let err = test_server(&fake("silent"), Duration::from_secs(2))
        .await
        .unwrap_err();
    match &err {
        McpTestError::Timeout {
            after_ms,
            stderr_tail,
        } => {
            assert_eq!(*after_ms, 2000);
            assert!(
                stderr_tail.contains("silent mode, never answering"),
                "{stderr_tail:?}"
            );
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    // Bounded: the timeout, plus killing and draining stderr.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn exit_reports_the_exit_code_and_the_last_of_stderr() {
    let err = test_server(&fake("exit"), ANSWERS).await.unwrap_err();
    match &err {
        McpTestError::Exited {
            code,
            signal,
            stderr_tail,
        } => {
            assert_eq!(*code, Some(3));
            assert_eq!(*signal, None);
            assert!(
                stderr_tail
                    .trim_end()
                    .ends_with("fatal: FAKE_MCP_TOKEN is not set"),
                "{stderr_tail:?}"
            );
            // ~4 KiB were written; the tail keeps the last 2 KiB, the first lines are gone.
            assert!(stderr_tail.len() <= 2048, "{}", stderr_tail.len());
            assert!(!stderr_tail.contains("plugin 000"), "{stderr_tail:?}");
        }
        other => panic!("expected Exited, got {other:?}"),
    }
    assert!(err.to_string().contains("exit code 3"), "{err}");
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let err = test_server(&fake("garbage"), ANSWERS).await.unwrap_err();
    match &err {
        McpTestError::Protocol {
            message,
            stderr_tail,
        } => {
            assert!(
                message.contains("without answering `initialize`"),
                "{message}"
            );
            assert!(message.contains("not JSON-RPC messages"), "{message}");
            assert!(stderr_tail.contains("garbage mode"), "{stderr_tail:?}");
        }
        other => panic!("expected Protocol, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_command_is_a_spawn_error() {
    let config = McpLaunch {
        config: McpServerConfig {
            name: "missing".into(),
            command: "agentcast-no-such-mcp-server".into(),
            args: Vec::new(),
            env: Default::default(),
        },
        cwd: None,
    };
    let err = test_server(&config, ANSWERS).await.unwrap_err();
    match &err {
        McpTestError::Spawn { command, source } => {
            assert_eq!(command, "agentcast-no-such-mcp-server");
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Spawn, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("cannot start `agentcast-no-such-mcp-server`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_working_directory_is_named() {
    let mut config = fake("ok");
    config.cwd = Some(std::env::temp_dir().join("agentcast-mcp-no-such-dir"));
    let err = test_server(&config, ANSWERS).await.unwrap_err();
    assert!(matches!(err, McpTestError::Spawn { .. }), "{err:?}");
    assert!(
        err.to_string().contains("the working directory")
            && err.to_string().contains("agentcast-mcp-no-such-dir"),
        "{err}"
    );
}

#[test]
fn a_config_needs_only_name_and_command() {
    // As an MCP client's `mcpServers` entry, and as the REST API stores it: one flat object.
    let launch: McpLaunch =
        serde_json::from_value(json!({"name": "fs", "command": "npx"})).unwrap();
    let config = &launch.config;
    assert_eq!(config.args, Vec::<String>::new());
    assert!(config.env.is_empty());
    assert_eq!(launch.cwd, None);
}
