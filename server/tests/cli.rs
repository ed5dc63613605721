//! The `agentcast` binary as a user runs it: help, configuration precedence, signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_agentcast");

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("agentcast-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Spawns `agentcast serve` and returns the child with the URL it printed (10 s at most).
fn serve(configure: impl FnOnce(&mut Command)) -> (Child, String) {
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    configure(&mut command);
    let mut child = command.spawn().expect("spawn agentcast");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix(agentcast_server::LISTENING_PREFIX) {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("listening line within 10 s");
    (child, url)
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("agentcast did not exit within 10 s");
}

/// One HTTP/1.1 request on a new connection (`head` is the method and the path); the whole
/// response, read within 10 s.
fn request(addr: &str, head: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn help_documents_every_serve_option() {
    let output = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--config",
        "--bind",
        "--data-dir",
        "--conformance",
        "--max-buffer-size",
        "--max-payload",
        "--ping-interval-ms",
        "--ping-timeout-ms",
        "--connect-timeout-ms",
        "--max-events-per-publish",
        "--session-queue",
        "--stats-interval-ms",
        "--shutdown-grace-ms",
        "--log-format",
        "AGENTCAST_BIND",
        "AGENTCAST_DATA_DIR",
    ] {
        assert!(
            help.contains(option),
            "serve --help lacks {option}:\n{help}"
        );
    }
}

#[test]
fn flag_beats_environment_beats_file() {
    let dir = temp_dir("precedence");
    let file = dir.join("agentcast.toml");
    // Port 1 cannot be bound by a test: the server only starts if something overrides it.
    std::fs::write(&file, "bind = \"127.0.0.1:1\"\n").unwrap();

    let (mut child, url) = serve(|c| {
        c.arg("--config")
            .arg(&file)
            .env("AGENTCAST_BIND", "127.0.0.1:0")
            .env("AGENTCAST_DATA_DIR", &dir);
    });
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":1"),
        "{url}"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url) = serve(|c| {
        c.arg("--config")
            .arg(&file)
            .args(["--bind", "127.0.0.2:0"])
            .env("AGENTCAST_BIND", "127.0.0.1:1");
        c.env("AGENTCAST_DATA_DIR", &dir);
    });
    assert!(url.starts_with("http://127.0.0.2:"), "the flag wins: {url}");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Across groups (the Socket.IO engine, the hub, authentication): a flag beats its
/// environment variable, the environment beats the file, the file beats the default.
#[test]
fn each_layer_beats_the_next_across_groups() {
    let dir = temp_dir("layers");
    let file = dir.join("agentcast.toml");
    let toml = "ping_interval_ms = 1111\nping_timeout_ms = 2222\nmax_payload = 4444\n\
                max_events_per_publish = 7\n[auth]\nmode = \"jwt\"\n";
    std::fs::write(&file, toml).unwrap();
    let (mut child, url) = serve(|c| {
        c.arg("--config")
            .arg(&file)
            .args(["--bind", "127.0.0.1:0", "--max-payload", "6666"])
            .env("AGENTCAST_DATA_DIR", &dir)
            .env("AGENTCAST_PING_TIMEOUT_MS", "3333")
            .env("AGENTCAST_MAX_PAYLOAD", "5555")
            .env("AGENTCAST_MAX_EVENTS_PER_PUBLISH", "3")
            .env("AGENTCAST_AUTH", "none");
    });
    let addr = url.trim_start_matches("http://");
    // The Engine.IO handshake tells a client the engine's settings.
    let open = request(addr, "GET /socket.io/?EIO=4&transport=polling", "");
    assert!(open.contains(r#""pingInterval":1111"#), "file: {open}");
    assert!(
        open.contains(r#""pingTimeout":3333"#),
        "environment: {open}"
    );
    assert!(open.contains(r#""maxPayload":6666"#), "flag: {open}");
    // No token needed (the environment's `none`), and the environment's publish limit.
    let event = r#"{"type":"output.text","data":{"text":"a"}}"#;
    let events = format!(r#"{{"events":[{}]}}"#, [event; 5].join(","));
    let published = request(addr, "POST /api/sessions/layers/publish", &events);
    assert!(
        published.starts_with("HTTP/1.1 400") && published.contains("the limit is 3"),
        "{published}"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    // Nothing given: the defaults, authentication on.
    let (mut child, url) = serve(|c| {
        c.args(["--bind", "127.0.0.1:0"])
            .env("AGENTCAST_DATA_DIR", &dir);
    });
    let addr = url.trim_start_matches("http://");
    let open = request(addr, "GET /socket.io/?EIO=4&transport=polling", "");
    for default in [
        r#""pingInterval":25000"#,
        r#""pingTimeout":20000"#,
        r#""maxPayload":1000000"#,
    ] {
        assert!(open.contains(default), "{default}: {open}");
    }
    let listed = request(addr, "GET /api/sessions", "");
    assert!(listed.starts_with("HTTP/1.1 401"), "{listed}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = temp_dir("badconfig");
    let file = dir.join("agentcast.toml");
    std::fs::write(&file, "bnid = \"127.0.0.1:0\"\n").unwrap();
    let output = Command::new(BIN)
        .arg("serve")
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid config file") && stderr.contains("bnid"),
        "{stderr}"
    );
}

#[test]
fn sigterm_and_sigint_shut_down_gracefully() {
    for signal in ["TERM", "INT"] {
        let dir = temp_dir("signal");
        let (mut child, _) = serve(|c| {
            c.args(["--bind", "127.0.0.1:0"])
                .arg("--data-dir")
                .arg(&dir);
        });
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status();
        assert!(status.unwrap().success());
        assert!(
            wait_exit(&mut child).success(),
            "exit code 0 after SIG{signal}"
        );
    }
}

#[test]
fn health_answers() {
    let dir = temp_dir("health");
    let (mut child, url) = serve(|c| {
        c.args(["--bind", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&dir);
    });
    let addr = url.trim_start_matches("http://");
    let response = request(addr, "GET /health", "");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"status\":\"ok\""), "{response}");
    child.kill().unwrap();
    child.wait().unwrap();
}
