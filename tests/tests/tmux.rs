//! `serve --collect-tmux` against a private tmux server of the real tmux binary: opening,
//! renaming and closing windows, a pane's command changing and a pane exiting with its
//! status become exactly the `tmux.*` events of the session `tmux-<socket>`, and polls that
//! find nothing changed add nothing; the real Claude Code CLI started in a pane is detected
//! and linked to the session it writes (when `AGENTCAST_CLAUDE_BIN` names it).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::TmuxArgs;
use agentcast_tests::raw::{Client, TestServer};
use agentcast_tests::server::{fresh_data_dir, within};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How long the tests leave the collector polling with nothing changed (many polls at
/// [`POLL_MS`]) before the next change: any event a poll made of nothing would arrive before
/// that change's events, and fail the test.
const QUIET: Duration = Duration::from_millis(400);
const POLL_MS: u64 = 50;

/// A private tmux server (`tmux -L agentcast-test-<pid>-<n>`, no configuration file,
/// panes kept after their process exits), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// `None` when tmux is not installed here (outside CI only: under CI it must be).
    async fn start(first_window: &str) -> Option<Self> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmux = Self {
            socket: format!("agentcast-test-{}-{n}", std::process::id()),
        };
        let started = tokio::process::Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args([
                "-s",
                "test",
                "-n",
                first_window,
                "-x",
                "120",
                "-y",
                "40",
                "sh",
            ])
            .output()
            .await;
        match started {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "tmux is not installed, and CI needs it"
                );
                eprintln!("SKIPPED: tmux is not installed");
                return None;
            }
            Err(err) => panic!("tmux: {err}"),
            Ok(output) => assert!(output.status.success(), "{output:?}"),
        }
        tmux.run(&["set-option", "-g", "remain-on-exit", "on"])
            .await;
        Some(tmux)
    }

    /// Runs a tmux command on this server; it must succeed.
    async fn run(&self, args: &[&str]) -> Output {
        let output = within(10, "a tmux command", async {
            tokio::process::Command::new("tmux")
                .args(["-L", &self.socket])
                .args(args)
                .output()
                .await
                .expect("tmux runs")
        })
        .await;
        assert!(output.status.success(), "tmux {args:?}: {output:?}");
        output
    }

    /// Waits (bounded) until `pane` shows `text`.
    async fn wait_for_screen(&self, pane: &str, text: &str) {
        within(30, &format!("{text:?} on the screen of {pane}"), async {
            loop {
                let screen = self.run(&["capture-pane", "-p", "-t", pane]).await;
                if String::from_utf8_lossy(&screen.stdout).contains(text) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
    }

    /// `agentcast serve --collect-tmux --tmux-socket <this>` in this process, and a client
    /// of the session `tmux-<this>` from its first event.
    async fn collected(&self) -> (TestServer, Client) {
        let args = ServeArgs {
            tmux: TmuxArgs {
                collect_tmux: true,
                tmux_poll_interval_ms: Some(POLL_MS),
                tmux_sockets: Some(vec![self.socket.clone()]),
                tmux_timeout_ms: None,
            },
            ..Default::default()
        };
        let server = TestServer::start(args).await;
        let ns = format!("/sessions/tmux-{}", self.socket);
        let client = Client::connect(server.addr, &ns, Some(json!({"offset": 0})))
            .await
            .unwrap();
        (server, client)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The next event that is not the replay's control event, with gapless offsets checked.
async fn next(client: &mut Client, offset: &mut u64) -> (String, Value) {
    loop {
        let (name, envelope) = client.next_event().await.expect("the session goes on");
        if name == "session.recovered" {
            continue;
        }
        *offset += 1;
        assert_eq!(envelope["offset"], *offset, "{name}: gapless offsets");
        return (name, envelope["data"].clone());
    }
}

/// The next event is `kind` with `data` (every field given must match).
async fn expect(client: &mut Client, offset: &mut u64, kind: &str, data: Value) -> Value {
    let what = format!("{kind} {data} (offset {})", *offset + 1);
    let (name, got) = within(15, &what, next(client, offset)).await;
    assert_eq!(name, kind, "{got}");
    for (field, value) in data.as_object().unwrap() {
        assert_eq!(&got[field], value, "{kind}.{field} in {got}");
    }
    got
}

/// A new pane's `tmux.pane_opened` with `command`. A poll may see a pane in the moment
/// between tmux's fork and the exec of its command (no foreground command yet, or tmux's
/// own name): then the command changes to `command` right after, and only then.
async fn expect_pane_opened(client: &mut Client, offset: &mut u64, pane: &str, command: &str) {
    let opened = expect(client, offset, "tmux.pane_opened", json!({"pane_id": pane})).await;
    if opened["command"] != command {
        assert!(
            ["", "tmux"].contains(&opened["command"].as_str().unwrap()),
            "{opened}"
        );
        expect(
            client,
            offset,
            "tmux.pane_command_changed",
            json!({"pane_id": pane, "command": command}),
        )
        .await;
    }
}

#[tokio::test]
async fn windows_panes_commands_and_exits_become_exactly_their_events() {
    let Some(tmux) = Tmux::start("first").await else {
        return;
    };
    let (_server, mut client) = tmux.collected().await;
    let offset = &mut 0;
    let started = expect(
        &mut client,
        offset,
        "session.started",
        json!({"source": "tmux"}),
    )
    .await;
    assert_eq!(started["session_id"], format!("tmux-{}", tmux.socket));
    assert_eq!(started["command"], json!(["tmux", "-L", tmux.socket]));
    expect(
        &mut client,
        offset,
        "session.status",
        json!({"status": "running"}),
    )
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_opened",
        json!({"window_id": "@0", "index": 0, "name": "first", "tmux_session": "test"}),
    )
    .await;
    expect_pane_opened(&mut client, offset, "%0", "sh").await;

    tokio::time::sleep(QUIET).await;
    tmux.run(&["new-window", "-d", "-t", "test:", "-n", "second", "sh"])
        .await;
    expect(
        &mut client,
        offset,
        "tmux.window_opened",
        json!({"window_id": "@1", "name": "second"}),
    )
    .await;
    expect_pane_opened(&mut client, offset, "%1", "sh").await;

    tokio::time::sleep(QUIET).await;
    tmux.run(&["rename-window", "-t", "@1", "renamed"]).await;
    expect(
        &mut client,
        offset,
        "tmux.window_renamed",
        json!({"window_id": "@1", "name": "renamed", "previous_name": "second"}),
    )
    .await;

    tokio::time::sleep(QUIET).await;
    tmux.run(&["send-keys", "-t", "%1", "sleep 30", "Enter"])
        .await;
    expect(
        &mut client,
        offset,
        "tmux.pane_command_changed",
        json!({"pane_id": "%1", "window_id": "@1", "command": "sleep", "previous_command": "sh"}),
    )
    .await;

    // A job that waits for a line, then exits with status 3; the pane stays.
    tokio::time::sleep(QUIET).await;
    tmux.run(&[
        "new-window",
        "-d",
        "-t",
        "test:",
        "-n",
        "job",
        "sh -c 'read line; exit 3'",
    ])
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_opened",
        json!({"window_id": "@2", "name": "job"}),
    )
    .await;
    expect_pane_opened(&mut client, offset, "%2", "sh").await;
    tokio::time::sleep(QUIET).await;
    tmux.run(&["send-keys", "-t", "%2", "Enter"]).await;
    let exited = expect(
        &mut client,
        offset,
        "tmux.pane_exited",
        json!({"pane_id": "%2", "window_id": "@2"}),
    )
    .await;
    // tmux 3.3a sometimes marks the pane dead and never learns its status (2 runs in 8
    // here): the collector then reports the exit one poll later without one.
    assert!(
        exited["exit_status"] == 3 || exited.get("exit_status").is_none(),
        "{exited}"
    );
    assert!(exited.get("signal").is_none(), "{exited}");

    tokio::time::sleep(QUIET).await;
    tmux.run(&["kill-window", "-t", "@1"]).await;
    expect(
        &mut client,
        offset,
        "tmux.pane_closed",
        json!({"pane_id": "%1", "window_id": "@1"}),
    )
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_closed",
        json!({"window_id": "@1", "name": "renamed"}),
    )
    .await;

    // The tmux server stops: what is left closes, and the session waits for it, idle.
    tokio::time::sleep(QUIET).await;
    tmux.run(&["kill-server"]).await;
    for (kind, data) in [
        ("tmux.pane_closed", json!({"pane_id": "%0"})),
        ("tmux.pane_closed", json!({"pane_id": "%2"})),
        ("tmux.window_closed", json!({"window_id": "@0"})),
        ("tmux.window_closed", json!({"window_id": "@2"})),
        ("session.status", json!({"status": "idle"})),
    ] {
        expect(&mut client, offset, kind, data).await;
    }
    // The poll after the last change: nothing more comes, however long it is watched.
    let quiet = tokio::time::timeout(QUIET, client.next_event()).await;
    assert!(quiet.is_err(), "an event after the last change: {quiet:?}");
}

// ----- the real Claude Code CLI in a pane -----

/// A fake of the Messages API: every streamed request is answered with one short text
/// message, anything else with a small JSON message.
async fn fake_messages_api() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Some(body) = read_request(&mut stream).await else {
                    return;
                };
                let response = if body.contains("\"stream\":true") {
                    let events = [
                        (
                            "message_start",
                            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-fake", "content": [], "stop_reason": null, "usage": {"input_tokens": 1, "output_tokens": 1}}}),
                        ),
                        (
                            "content_block_start",
                            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                        ),
                        (
                            "content_block_delta",
                            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hello from the fake"}}),
                        ),
                        (
                            "content_block_stop",
                            json!({"type": "content_block_stop", "index": 0}),
                        ),
                        (
                            "message_delta",
                            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 4}}),
                        ),
                        ("message_stop", json!({"type": "message_stop"})),
                    ];
                    let sse: String = events
                        .iter()
                        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
                        .collect();
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n{sse}"
                    )
                } else {
                    let message = json!({"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-fake", "content": [{"type": "text", "text": "A title"}], "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 1}}).to_string();
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{message}",
                        message.len()
                    )
                };
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

/// The body of one HTTP/1.1 request (its head read up to the blank line, then
/// `content-length` bytes); `None` if the connection closes first or the request is over
/// 16 MiB.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<String> {
    const MAX: usize = 16 << 20;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > MAX {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if length > MAX {
        return None;
    }
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned())
}

/// A `HOME` where Claude Code starts straight into its prompt: onboarding done, the working
/// directory trusted, the fake API key approved.
fn claude_home(work: &Path, api_key: &str) -> PathBuf {
    let home = fresh_data_dir();
    let approved = &api_key[api_key.len() - 20..];
    let config = json!({
        "hasCompletedOnboarding": true,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [approved], "rejected": []},
        "projects": {work.to_str().unwrap(): {"hasTrustDialogAccepted": true, "allowedTools": []}},
    });
    std::fs::write(home.join(".claude.json"), config.to_string()).unwrap();
    home
}

#[tokio::test]
async fn claude_started_in_a_pane_is_detected_and_linked_to_its_session() {
    let Some(claude) = agentcast_tests::agents::real_agents().map(|agents| agents.claude) else {
        return;
    };
    let Some(tmux) = Tmux::start("shell").await else {
        return;
    };
    let api = fake_messages_api().await;
    let api_key = "sk-ant-agentcast-test-key-0123456789";
    let work = fresh_data_dir();
    let home = claude_home(&work, api_key);
    let (_server, mut client) = tmux.collected().await;
    let offset = &mut 0;
    expect(
        &mut client,
        offset,
        "session.started",
        json!({"source": "tmux"}),
    )
    .await;
    expect(
        &mut client,
        offset,
        "session.status",
        json!({"status": "running"}),
    )
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_opened",
        json!({"window_id": "@0"}),
    )
    .await;
    expect_pane_opened(&mut client, offset, "%0", "sh").await;

    let env = |name: &str, value: &str| format!("{name}={value}");
    tmux.run(&[
        "new-window",
        "-d",
        "-t",
        "test:",
        "-n",
        "agent",
        "-c",
        work.to_str().unwrap(),
        "-e",
        &env("HOME", home.to_str().unwrap()),
        "-e",
        &env("ANTHROPIC_BASE_URL", &api),
        "-e",
        &env("ANTHROPIC_API_KEY", api_key),
        "-e",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
        claude.to_str().unwrap(),
    ])
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_opened",
        json!({"window_id": "@1", "name": "agent"}),
    )
    .await;
    expect_pane_opened(&mut client, offset, "%1", "claude").await;
    // Detected as soon as its process runs; its session id once it wrote its session file
    // (then detected again, with it). Nothing else happens meanwhile.
    let linked = within(30, "claude's session to be linked", async {
        loop {
            let detected = expect(
                &mut client,
                offset,
                "tmux.agent_detected",
                json!({"pane_id": "%1", "window_id": "@1", "agent": "claude"}),
            )
            .await;
            if detected.get("agent_session_id").is_some() {
                return detected;
            }
        }
    })
    .await;
    let session_id = linked["agent_session_id"].as_str().unwrap().to_owned();
    let pid = linked["pid"].as_u64().unwrap();
    assert_eq!(linked["cwd"], work.to_str().unwrap());

    // A prompt: the transcript the CLI writes for it is the linked session's.
    // Typed once the prompt is drawn (keys sent while the TUI starts may be lost), and sent
    // once it shows what was typed.
    tmux.wait_for_screen("%1", "❯").await;
    tmux.run(&["send-keys", "-t", "%1", "-l", "say hi"]).await;
    tmux.wait_for_screen("%1", "say hi").await;
    tmux.run(&["send-keys", "-t", "%1", "Enter"]).await;
    let project = work
        .to_str()
        .unwrap()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let transcript = home
        .join(".claude/projects")
        .join(project)
        .join(format!("{session_id}.jsonl"));
    within(30, "the linked session's transcript", async {
        while !std::fs::read_to_string(&transcript).is_ok_and(|t| t.contains("hello from the fake"))
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;

    tmux.run(&["kill-window", "-t", "@1"]).await;
    let ended = expect(
        &mut client,
        offset,
        "tmux.agent_ended",
        json!({"pane_id": "%1", "agent": "claude", "agent_session_id": session_id}),
    )
    .await;
    assert_eq!(ended["pid"], pid);
    expect(
        &mut client,
        offset,
        "tmux.pane_closed",
        json!({"pane_id": "%1"}),
    )
    .await;
    expect(
        &mut client,
        offset,
        "tmux.window_closed",
        json!({"window_id": "@1"}),
    )
    .await;
}
