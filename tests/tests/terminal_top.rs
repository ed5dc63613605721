//! `agentcast top`, the real binary in a real terminal: a shell in a pane of a private tmux
//! server runs it against a real server on port 0 while this test publishes events over REST,
//! and reads the screen with `capture-pane` (polling until a deadline, never sleeping as the
//! check), Enter opening `agentcast watch` and coming back. Also its exit codes without a
//! terminal: a refused token (3) and no server (4).

use std::process::Stdio;
use std::time::Duration;

use agentcast_tests::agents::poll_until;
use agentcast_tests::agents::tmux::TmuxServer;
use agentcast_tests::http::Api;
use agentcast_tests::server::{ServerProcess, agentcast_bin, within};
use serde_json::{Value, json};

/// How long a change may take to reach the screen (a frame is drawn every 100 ms).
const SCREEN: Duration = Duration::from_secs(15);
/// The pane's target.
const PANE: &str = "top:0.0";

async fn publish(api: &Api, token: Option<&str>, session: &str, events: Vec<Value>) {
    let answer = api
        .call_as(
            reqwest::Method::POST,
            &format!("/api/sessions/{session}/publish"),
            token,
            Some(json!({ "events": events }).to_string()),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

fn started(session: &str, label: &str, project: &str) -> Value {
    json!({"type": "session.started", "data": {
        "session_id": session, "label": label, "project_id": project, "source": "publish",
        "agent": "claude", "started_at": agentcast_server::clock::now_ts()
    }})
}

fn status(status: &str) -> Value {
    json!({"type": "session.status", "data": {"status": status}})
}

/// The table's rows on `screen`: the lines under the column headers, up to the first blank
/// one (the footer is the screen's last line, after the blank rest of the table).
fn table_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip_while(|line| !line.contains("STATUS"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .collect()
}

/// Whether tmux is here; outside CI a missing tmux skips the test (under CI it must be there,
/// as in tests/tmux.rs).
fn have_tmux() -> bool {
    match std::process::Command::new("tmux").arg("-V").output() {
        Ok(output) => output.status.success(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("CI").is_none(),
                "tmux is not installed, and CI needs it"
            );
            eprintln!("SKIPPED: tmux is not installed");
            false
        }
        Err(err) => panic!("tmux: {err}"),
    }
}

/// Waits until `check` holds for the pane's screen; gives the screen.
async fn screen_until(tmux: &TmuxServer, what: &str, check: impl Fn(&str) -> bool) -> String {
    poll_until(
        SCREEN,
        what,
        || tmux.capture(PANE).ok().filter(|s| check(s)),
        || tmux.capture(PANE).unwrap_or_else(|e| e.to_string()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn top_lists_sessions_live_needs_you_first_filters_and_quits_restoring_the_screen() {
    if !have_tmux() {
        return;
    }
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let read = server
        .token(&["--scope", "read", "--session", "*"])
        .await
        .unwrap();
    let write = server
        .token(&["--scope", "write", "--session", "*"])
        .await
        .unwrap();
    let api = Api::new(server.url.clone());
    publish(
        &api,
        Some(&write),
        "alpha",
        vec![started("alpha", "Fix the parser", "web"), status("running")],
    )
    .await;
    publish(&api, Some(&write), "beta", vec![
        started("beta", "Old work", "api"),
        json!({"type": "session.ended", "data": {"status": "completed", "total_cost_usd": 1.25}}),
    ])
    .await;

    let tmux = TmuxServer::new();
    tmux.new_session("top", &std::env::temp_dir(), &[], "/bin/sh".as_ref(), &[])
        .unwrap();
    // Its output differs from the typed command, wherever the shell's prompt lands.
    tmux.send_keys(PANE, &["-l", "echo shell-before-$((40 + 2))"])
        .unwrap();
    tmux.send_keys(PANE, &["Enter"]).unwrap();
    screen_until(&tmux, "the shell's output", |s| {
        s.contains("shell-before-42")
    })
    .await;
    let command = format!(
        "'{}' top --server {} --token {read}; echo \"top-exited-$?\"",
        agentcast_bin().display(),
        server.url
    );
    tmux.send_keys(PANE, &["-l", &command]).unwrap();
    tmux.send_keys(PANE, &["Enter"]).unwrap();

    // Both sessions with their status, label, project and cost; the header with the server.
    let screen = screen_until(&tmux, "both sessions listed", |s| {
        s.contains("Fix the parser") && s.contains("Old work")
    })
    .await;
    assert!(screen.contains(&server.url), "{screen}");
    assert!(screen.contains("connected"), "{screen}");
    let rows = table_rows(&screen);
    let alpha = rows.iter().find(|r| r.contains("Fix the parser")).unwrap();
    assert!(
        alpha.contains("running") && alpha.contains("web") && alpha.contains("claude"),
        "{screen}"
    );
    let beta = rows.iter().find(|r| r.contains("Old work")).unwrap();
    assert!(
        beta.contains("completed") && beta.contains("$1.25"),
        "{screen}"
    );
    assert!(
        !screen.contains("shell-before"),
        "the alternate screen: {screen}"
    );

    // A session published now appears live; when it waits for a person it sorts first.
    publish(
        &api,
        Some(&write),
        "gamma",
        vec![started("gamma", "Deploy", "ops"), status("running")],
    )
    .await;
    screen_until(&tmux, "the new session", |s| s.contains("Deploy")).await;
    publish(&api, Some(&write), "gamma", vec![status("waiting")]).await;
    let screen = screen_until(&tmux, "gamma needing you on the first row", |s| {
        table_rows(s)
            .first()
            .is_some_and(|row| row.contains("NEEDS YOU") && row.contains("Deploy"))
    })
    .await;
    assert!(screen.contains("1 need you"), "{screen}");

    // The running tool of an alive session, from its own namespace.
    publish(
        &api,
        Some(&write),
        "alpha",
        vec![json!({"type": "tool.started", "data": {
        "tool_use_id": "t1", "name": "Bash", "input": {"command": "cargo test"}}})],
    )
    .await;
    screen_until(&tmux, "alpha's running tool", |s| {
        table_rows(s)
            .iter()
            .any(|row| row.contains("Fix the parser") && row.contains("Bash"))
    })
    .await;

    // `/` filters by text: only alpha is left.
    tmux.send_keys(PANE, &["/"]).unwrap();
    tmux.send_keys(PANE, &["-l", "parser"]).unwrap();
    tmux.send_keys(PANE, &["Enter"]).unwrap();
    let screen = screen_until(&tmux, "the filter narrowing the table to alpha", |s| {
        let rows = table_rows(s);
        rows.len() == 1 && rows[0].contains("Fix the parser") && s.contains("filter: parser")
    })
    .await;
    assert!(
        !screen.contains("Deploy") && !screen.contains("Old work"),
        "{screen}"
    );

    // Esc while typing clears the filter: all three are back. (Waited for before the next
    // key: an Esc and a letter read together are Alt+letter.)
    tmux.send_keys(PANE, &["/"]).unwrap();
    screen_until(&tmux, "the filter being typed", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.starts_with("filter: parser"))
    })
    .await;
    tmux.send_keys(PANE, &["Escape"]).unwrap();
    screen_until(&tmux, "the filter cleared", |s| {
        table_rows(s).len() == 3 && !s.contains("filter:")
    })
    .await;

    // `f` keeps only the sessions needing you.
    tmux.send_keys(PANE, &["f"]).unwrap();
    screen_until(&tmux, "the needs-you status filter", |s| {
        let rows = table_rows(s);
        s.contains("status: needs you") && rows.len() == 1 && rows[0].contains("Deploy")
    })
    .await;

    // Enter runs `agentcast watch` on the selected session (gamma, the only row) with the
    // same connection; Ctrl-C ends the watch and the table is back, saying how it ended.
    tmux.send_keys(PANE, &["Enter"]).unwrap();
    screen_until(&tmux, "watch's status line", |s| {
        !s.contains("STATUS") && s.contains("connected")
    })
    .await;
    let text = json!({"type": "output.text", "data": {"message_id": "m1",
        "text": "hello from the watch\n", "delta": false}});
    publish(&api, Some(&write), "gamma", vec![text]).await;
    screen_until(&tmux, "gamma's event in the watch", |s| {
        s.contains("hello from the watch")
    })
    .await;
    tmux.send_keys(PANE, &["C-c"]).unwrap();
    screen_until(&tmux, "the table again, after the watch", |s| {
        s.contains("watch gamma ended") && table_rows(s).len() == 1
    })
    .await;

    // `q` quits with 0 and the shell's screen is back.
    tmux.send_keys(PANE, &["q"]).unwrap();
    let screen = screen_until(&tmux, "the shell again", |s| s.contains("top-exited-0")).await;
    assert!(screen.contains("shell-before-42"), "{screen}");
    assert!(
        !screen.contains("STATUS") && !screen.contains("Deploy"),
        "{screen}"
    );
}

/// Runs `agentcast top args` without a terminal (it fails before taking one); gives its exit
/// code and stderr.
async fn top_fails(args: &[&str]) -> (Option<i32>, String) {
    let output = within(
        30,
        "agentcast top to exit",
        tokio::process::Command::new(agentcast_bin())
            .arg("top")
            .args(args)
            .env_remove("AGENTCAST_TOKEN")
            .env_remove("AGENTCAST_SERVER")
            .env("AGENTCAST_CLIENT_CONFIG", "/dev/null")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_wrong_token_is_explained_with_exit_code_3() {
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let (code, stderr) = top_fails(&["--server", &server.url, "--token", "not-a-token"]).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("refused the token of --token / AGENTCAST_TOKEN"),
        "{stderr}"
    );
    assert!(
        stderr.contains("agentcast token create --scope read --session '*'"),
        "says how to get one: {stderr}"
    );
}

#[tokio::test]
async fn no_server_is_exit_code_4_after_the_connect_timeout() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, stderr) =
        top_fails(&["--server", &url, "--token", "t", "--connect-timeout", "2s"]).await;
    assert_eq!(code, Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach {url} within 2s")),
        "{stderr}"
    );
}

/// Events arriving far faster than 10 a second (usage updates of 50 sessions, as fast as the
/// server takes them) are coalesced: `top` draws at most `--max-fps` frames a second.
#[tokio::test]
async fn a_stream_of_events_is_drawn_at_most_ten_times_a_second() {
    if !have_tmux() {
        return;
    }
    let server = ServerProcess::start(&[]).await.unwrap();
    let api = Api::new(server.url.clone());
    for n in 0..50 {
        let id = format!("s{n}");
        publish(
            &api,
            None,
            &id,
            vec![
                started(&id, &format!("load {n}"), "bench"),
                status("running"),
            ],
        )
        .await;
    }
    let tmux = TmuxServer::new();
    tmux.new_session("top", &std::env::temp_dir(), &[], "/bin/sh".as_ref(), &[])
        .unwrap();
    let command = format!(
        "'{}' top --server {} --max-fps 10 --print-frames",
        agentcast_bin().display(),
        server.url
    );
    tmux.send_keys(PANE, &["-l", &command]).unwrap();
    tmux.send_keys(PANE, &["Enter"]).unwrap();
    screen_until(&tmux, "the 50 sessions", |s| s.contains("50 sessions")).await;

    // Three seconds of updates, every one changing a row (its tokens grow).
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut sent: u64 = 0;
    while tokio::time::Instant::now() < until {
        let id = format!("s{}", sent % 50);
        let usage: Vec<Value> = (0..10)
            .map(|k| {
                let tokens = sent * 10 + k;
                json!({"type": "usage.updated", "data": {"model": "m", "input_tokens": tokens,
                    "output_tokens": 0, "total_cost_usd": 0.0}})
            })
            .collect();
        publish(&api, None, &id, usage).await;
        sent += 1;
    }
    let events = sent * 10;
    assert!(
        events >= 300,
        "the load must outpace 10 frames a second by far: {events} events"
    );
    // A last update, bigger than any before, reaches the screen: the table is live, not
    // just throttled.
    let last = json!({"type": "usage.updated", "data": {"model": "m", "input_tokens": 7_700_000,
        "output_tokens": 0, "total_cost_usd": 0.0}});
    publish(&api, None, "s0", vec![last]).await;
    // (The header's total: the row may have scrolled off, the selection following its session.)
    screen_until(&tmux, "the last update drawn", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|header| header.contains("M tokens"))
    })
    .await;

    tmux.send_keys(PANE, &["q"]).unwrap();
    let screen = screen_until(&tmux, "the frame count", |s| s.contains(" frames in ")).await;
    let line = screen.lines().find(|l| l.contains(" frames in ")).unwrap();
    // "agentcast top: N frames in S s", wherever the shell's prompt left the cursor.
    let summary = line
        .find("agentcast top: ")
        .map(|at| &line[at..])
        .unwrap_or_else(|| panic!("no summary in {line:?}"));
    let words: Vec<&str> = summary.split_whitespace().collect();
    let number = |word: &str| -> f64 {
        word.parse()
            .unwrap_or_else(|err| panic!("{word:?} in {summary:?}: {err}"))
    };
    let (frames, secs) = (number(words[2]), number(words[5]));
    eprintln!("{line}, while {events} events arrived");
    assert!(frames >= 4.0, "{line}");
    assert!(
        frames <= 10.0 * secs + 1.0,
        "{line}: more than 10 frames a second for {events} events"
    );
}
