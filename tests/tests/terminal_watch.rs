//! `agentcast watch` on the real binary against `agentcast serve` on port 0: a session's
//! history as readable lines (streamed text joined, tools, todos, cost), as JSON envelopes,
//! exported byte for byte like the REST export, filtered by type and by a regular expression,
//! replayed at its own pace; `--until-end`'s exit code; a live watch of every session in a
//! real terminal (tmux) with session labels and the status line, across a server restart
//! with nothing lost or doubled; and refused tokens explained with what to do.

#![cfg(not(target_arch = "wasm32"))]

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_client::shared::{Event, format_ts_millis};
use agentcast_client::{Client, ClientConfig};
use agentcast_tests::agents::tmux::TmuxServer;
use agentcast_tests::http::Api;
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir, within};
use serde_json::{Value, json};
use tokio::process::Command;

/// Now, as the wire writes times.
fn now_ts() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    format_ts_millis(ms as u64)
}

/// An event from its wire form.
fn event(kind: &str, data: Value) -> Event {
    serde_json::from_value(json!({"type": kind, "data": data})).expect("a valid event")
}

/// A short session: started, a prompt, a reply streamed in three pieces, a failing Bash
/// call, todos, cost, and its end with `outcome`.
fn session_events(id: &str, label: &str, outcome: &str) -> Vec<Event> {
    let piece = |text: &str| {
        event(
            "output.text",
            json!({"message_id": "m1", "text": text, "delta": true}),
        )
    };
    vec![
        event(
            "session.started",
            json!({"session_id": id, "label": label, "source": "publish", "model": "claude-test",
                   "started_at": now_ts()}),
        ),
        event("user.prompt", json!({"text": "fix the leap year"})),
        piece("Hel"),
        piece("lo\nwor"),
        piece("ld\n"),
        event(
            "tool.started",
            json!({"tool_use_id": "t1", "name": "Bash", "input": {"command": "cargo test"}}),
        ),
        event(
            "tool.completed",
            json!({"tool_use_id": "t1", "name": "Bash", "is_error": true,
                   "output_preview": "test parses_feb_29 ... FAILED", "output_bytes": 30,
                   "duration_ms": 1500}),
        ),
        event(
            "todo.updated",
            json!({"todos": [{"content": "Read the test", "status": "completed"},
                             {"content": "Fix the check", "status": "in_progress"}],
                   "stats": {"total": 2, "completed": 1, "in_progress": 1, "pending": 0}}),
        ),
        event(
            "usage.updated",
            json!({"input_tokens": 6100, "output_tokens": 420, "cache_read_tokens": 0,
                   "cache_creation_tokens": 0, "total_cost_usd": 0.031}),
        ),
        event(
            "session.ended",
            json!({"status": outcome, "duration_ms": 8600}),
        ),
    ]
}

/// Publishes `events` into session `id` (a client with `token`, when given).
async fn publish(server: &ServerProcess, token: Option<&str>, id: &str, events: Vec<Event>) {
    let mut config = ClientConfig::new(&server.url);
    if let Some(token) = token {
        config = config.with_token(token);
    }
    let client = Client::connect(config);
    let (session, _events) = client.session(id, None);
    within(20, "publish", session.publish(events))
        .await
        .expect("published");
    client.close();
}

/// The environment of a watch: no user configuration file, no token, and `data_dir` as the
/// local key's data directory (a fresh one without a key unless given).
fn watch_env(home: &Path, data_dir: Option<&Path>) -> Vec<(String, OsString)> {
    vec![
        ("XDG_CONFIG_HOME".into(), home.join("config").into()),
        (
            "AGENTCAST_DATA_DIR".into(),
            data_dir.map_or_else(|| home.join("no-key").into(), |d| d.into()),
        ),
    ]
}

/// What a finished `agentcast watch` printed, and how it exited.
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `agentcast watch args` to its end (30 s at most), its output piped.
async fn run_watch(env: &[(String, OsString)], args: &[&str]) -> Output {
    let mut command = Command::new(agentcast_bin());
    command.arg("watch").args(args);
    command
        .env_remove("AGENTCAST_SERVER")
        .env_remove("AGENTCAST_TOKEN")
        .env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = within(
        30,
        "agentcast watch to exit",
        command.stdin(Stdio::null()).kill_on_drop(true).output(),
    )
    .await
    .expect("agentcast watch runs");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn history_prints_as_lines_json_and_the_rest_export() {
    let server = ServerProcess::start(&[]).await.unwrap();
    publish(
        &server,
        None,
        "w1",
        session_events("w1", "first", "completed"),
    )
    .await;
    let home = fresh_data_dir();
    let env = watch_env(&home, None);
    let url = server.url.as_str();

    let lines = run_watch(&env, &["w1", "--server", url, "--no-follow"]).await;
    assert_eq!(lines.code, 0, "{}", lines.stderr);
    assert!(
        !lines.stdout.contains('\x1b'),
        "no colour into a pipe: {}",
        lines.stdout
    );
    let printed: Vec<&str> = lines.stdout.lines().collect();
    assert_eq!(
        printed,
        [
            "▶ first · claude-test",
            "❯ fix the leap year",
            "Hello",
            "world",
            "→ Bash cargo test",
            "← ✗ Bash 1.5 s test parses_feb_29 ... FAILED",
            "  ☑ Read the test",
            "  ◐ Fix the check",
            "$0.03 · 6.1k in / 420 out tokens",
            "■ ended: completed · 8.6 s",
        ],
        "{}",
        lines.stdout
    );

    // --json: one envelope per line, offsets 1..=10; the export is the REST export.
    let export = home.join("w1.jsonl");
    let json = run_watch(
        &env,
        &[
            "w1",
            "--server",
            url,
            "--no-follow",
            "--json",
            "--export",
            export.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let offsets: Vec<u64> = json
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["offset"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(offsets, (1..=10).collect::<Vec<_>>());
    let rest = Api::new(&server.url)
        .get("/api/sessions/w1/export.jsonl")
        .await;
    assert_eq!(rest.status, 200);
    assert_eq!(std::fs::read_to_string(&export).unwrap(), rest.text);

    // --export .md: the session as a readable transcript, written at exit.
    let markdown = home.join("w1.md");
    let md = run_watch(
        &env,
        &[
            "w1",
            "--server",
            url,
            "--no-follow",
            "--export",
            markdown.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(md.code, 0, "{}", md.stderr);
    let transcript = std::fs::read_to_string(&markdown).unwrap();
    for part in [
        "fix the leap year",
        "Hello\nworld",
        "cargo test",
        "parses_feb_29",
        "- [x] Read the test",
    ] {
        assert!(transcript.contains(part), "{part:?} in {transcript}");
    }

    // Filters: types, then a regular expression (on the printed line).
    let tools = run_watch(
        &env,
        &["w1", "--server", url, "--no-follow", "--types", "tool.*"],
    )
    .await;
    assert_eq!(
        tools.stdout.lines().collect::<Vec<_>>(),
        [
            "→ Bash cargo test",
            "← ✗ Bash 1.5 s test parses_feb_29 ... FAILED"
        ]
    );
    let grep = run_watch(
        &env,
        &["w1", "--server", url, "--no-follow", "--grep", "FAIL|Hel+o"],
    )
    .await;
    assert_eq!(
        grep.stdout.lines().collect::<Vec<_>>(),
        ["Hello", "← ✗ Bash 1.5 s test parses_feb_29 ... FAILED"]
    );
    let colour = run_watch(
        &env,
        &[
            "w1",
            "--server",
            url,
            "--no-follow",
            "--grep",
            "FAIL",
            "--color",
            "always",
        ],
    )
    .await;
    assert!(
        colour.stdout.contains("\x1b[7mFAIL\x1b[0m"),
        "{:?}",
        colour.stdout
    );

    // --since: the history of the last hour (all of it here), for one session or every
    // session started in that hour, each line then labelled.
    let since = run_watch(
        &env,
        &["w1", "--server", url, "--since", "1h", "--no-follow"],
    )
    .await;
    assert_eq!(since.stdout, lines.stdout);
    let every = run_watch(&env, &["--server", url, "--since", "1h", "--no-follow"]).await;
    assert_eq!(every.code, 0, "{}", every.stderr);
    let labelled: Vec<String> = printed
        .iter()
        .map(|line| format!("[first] {line}"))
        .collect();
    assert_eq!(every.stdout.lines().collect::<Vec<_>>(), labelled);

    // A terminal with NO_COLOR set gets no colour.
    let tmux = TmuxServer::new();
    let mut no_colour = env.clone();
    no_colour.push(("NO_COLOR".into(), "1".into()));
    watch_in_tmux(&tmux, &no_colour, &["w1", "--server", url, "--no-follow"]);
    tmux.wait_for_screen("w", "EXIT=0", Duration::from_secs(20))
        .await
        .unwrap();
    let plain = tmux.capture_with_colours("w").unwrap();
    assert!(
        plain.contains("← ✗ Bash") && !plain.contains("\x1b[31m"),
        "{plain:?}"
    );

    // A bad pattern is a usage error that names it.
    let bad = run_watch(&env, &["w1", "--server", url, "--grep", "("]).await;
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--grep"), "{}", bad.stderr);
}

#[tokio::test]
async fn until_end_exits_with_the_outcome_and_replay_keeps_the_order() {
    let server = ServerProcess::start(&[]).await.unwrap();
    publish(
        &server,
        None,
        "ok1",
        session_events("ok1", "ok", "completed"),
    )
    .await;
    publish(
        &server,
        None,
        "bad1",
        session_events("bad1", "bad", "failed"),
    )
    .await;
    let home = fresh_data_dir();
    let env = watch_env(&home, None);
    let url = server.url.as_str();

    let ok = run_watch(&env, &["ok1", "--server", url, "--until-end"]).await;
    assert_eq!(ok.code, 0, "{} {}", ok.stdout, ok.stderr);
    let failed = run_watch(
        &env,
        &["bad1", "--server", url, "--until-end", "--from-offset", "0"],
    )
    .await;
    assert_eq!(failed.code, 1, "{} {}", failed.stdout, failed.stderr);
    assert!(
        failed.stdout.contains("■ ended: failed"),
        "{}",
        failed.stdout
    );

    // Live: the watch (from the start, so it cannot miss what comes before it joined) waits
    // for the end, published after it started.
    let live = tokio::spawn({
        let env = env.clone();
        let url = url.to_owned();
        async move {
            run_watch(
                &env,
                &[
                    "later",
                    "--server",
                    &url,
                    "--until-end",
                    "--from-offset",
                    "0",
                ],
            )
            .await
        }
    });
    publish(
        &server,
        None,
        "later",
        session_events("later", "later", "cancelled"),
    )
    .await;
    let later = live.await.unwrap();
    assert_eq!(later.code, 5, "{} {}", later.stdout, later.stderr);
    assert!(
        later.stdout.contains("■ ended: cancelled"),
        "{}",
        later.stdout
    );

    // Replay: the same lines as the history, paced (fast here).
    let replay = run_watch(
        &env,
        &["ok1", "--server", url, "--replay", "--speed", "1000"],
    )
    .await;
    let history = run_watch(&env, &["ok1", "--server", url, "--no-follow"]).await;
    assert_eq!(replay.code, 0, "{}", replay.stderr);
    assert_eq!(replay.stdout, history.stdout);
}

/// `agentcast watch args` in a 160x48 pane of a private tmux server, with `env`; when it
/// exits the pane shows `EXIT=<code>` and stays.
fn watch_in_tmux(tmux: &TmuxServer, env: &[(String, OsString)], args: &[&str]) {
    let mut line = format!("'{}' watch", agentcast_bin().display());
    for arg in args {
        line.push_str(&format!(" '{arg}'"));
    }
    line.push_str("; echo EXIT=$?; sleep 600");
    // The shell ignores Ctrl-C so it outlives the watch and shows its exit code (the watch
    // installs its own handler).
    let line = format!("trap \"\" INT; {line}");
    let cwd = std::env::temp_dir();
    tmux.new_session("w", &cwd, env, Path::new("/bin/sh"), &["-c", &line])
        .expect("tmux runs");
}

/// How often `needle` is on the screen.
fn count(screen: &str, needle: &str) -> usize {
    screen.matches(needle).count()
}

#[tokio::test]
async fn a_live_watch_of_every_session_in_a_terminal_survives_a_restart() {
    let mut server = ServerProcess::start(&[]).await.unwrap();
    let home = fresh_data_dir();
    let env = watch_env(&home, None);
    let tmux = TmuxServer::new();
    // A terminal gets colour unless NO_COLOR says otherwise (empty: not set).
    let mut env = env;
    env.push(("NO_COLOR".into(), "".into()));
    watch_in_tmux(&tmux, &env, &["--server", &server.url]);
    let wait = |needle: &'static str| tmux.wait_for_screen("w", needle, Duration::from_secs(20));
    wait("● connected").await.unwrap();

    // Two sessions start after the watch: each is followed from its first event, its lines
    // prefixed with its label.
    publish(
        &server,
        None,
        "s-alpha",
        session_events("s-alpha", "alpha", "completed"),
    )
    .await;
    let started = vec![
        event(
            "session.started",
            json!({"session_id": "s-beta", "label": "beta", "source": "publish",
                   "started_at": now_ts()}),
        ),
        event(
            "tool.started",
            json!({"tool_use_id": "b1", "name": "Bash", "input": {"command": "sleep 100"}}),
        ),
    ];
    publish(&server, None, "s-beta", started).await;
    let screen = wait("[beta] → Bash sleep 100").await.unwrap();
    assert!(screen.contains("[alpha] ❯ fix the leap year"), "{screen}");
    assert!(screen.contains("[alpha] ■ ended: completed"), "{screen}");
    // The running tool has a spinner with its elapsed time on the status line.
    wait(" Bash 1s").await.unwrap();

    // Colours by kind: the failed tool in red, the prompt in bold cyan.
    let coloured = tmux.capture_with_colours("w").unwrap();
    assert!(coloured.contains("\x1b[31m← ✗ Bash"), "{coloured:?}");
    assert!(
        coloured.contains("\x1b[1m\x1b[36m❯ fix the leap year"),
        "{coloured:?}"
    );

    // The server dies: the status line says the watch is reconnecting. It comes back on the
    // same port and store, and what beta did meanwhile arrives once, in order.
    server.kill().await.unwrap();
    wait("↻ reconnecting in").await.unwrap();
    server.start_again().await.unwrap();
    publish(
        &server,
        None,
        "s-beta",
        vec![event("user.prompt", json!({"text": "after the restart"}))],
    )
    .await;
    let screen = wait("[beta] ❯ after the restart").await.unwrap();
    assert_eq!(count(&screen, "after the restart"), 1, "{screen}");
    assert_eq!(count(&screen, "[beta] → Bash sleep 100"), 1, "{screen}");
    assert_eq!(count(&screen, "[alpha] ❯ fix the leap year"), 1, "{screen}");
    wait("● connected").await.unwrap();

    // Ctrl-C quits cleanly.
    tmux.send_keys("w", &["C-c"]).unwrap();
    wait("EXIT=0").await.unwrap();
}

#[tokio::test]
async fn refused_tokens_are_explained_and_the_local_key_just_works() {
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let admin = server
        .token(&["--scope", "admin", "--session", "*"])
        .await
        .unwrap();
    publish(
        &server,
        Some(&admin),
        "t1",
        session_events("t1", "t", "completed"),
    )
    .await;
    let home = fresh_data_dir();
    let url = server.url.as_str();

    // No token at all, and no key on this machine.
    let none = run_watch(
        &watch_env(&home, None),
        &["t1", "--server", url, "--no-follow"],
    )
    .await;
    assert_eq!(none.code, 3, "{}", none.stderr);
    assert!(
        none.stderr.contains("this server wants a token"),
        "{}",
        none.stderr
    );
    assert!(
        none.stderr.contains("agentcast token create --scope read"),
        "{}",
        none.stderr
    );

    // A wrong token: which one, why, and how to get another.
    let wrong = run_watch(
        &watch_env(&home, None),
        &["--server", url, "--no-follow", "--token", "not.a.token"],
    )
    .await;
    assert_eq!(wrong.code, 3, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("refused the token of --token"),
        "{}",
        wrong.stderr
    );
    assert!(wrong.stderr.contains("invalid token"), "{}", wrong.stderr);

    // A token for another session.
    let other = server
        .token(&["--scope", "read", "--session", "elsewhere"])
        .await
        .unwrap();
    let denied = run_watch(
        &watch_env(&home, None),
        &["t1", "--server", url, "--no-follow", "--token", &other],
    )
    .await;
    assert_eq!(denied.code, 3, "{}", denied.stderr);
    assert!(
        denied.stderr.contains("not allowed for session t1"),
        "{}",
        denied.stderr
    );

    // On the server's machine, its key signs a token: no token to copy.
    let local = run_watch(
        &watch_env(&home, Some(&server.data_dir)),
        &["t1", "--server", url, "--no-follow"],
    )
    .await;
    assert_eq!(local.code, 0, "{}", local.stderr);
    assert!(
        local.stdout.contains("■ ended: completed"),
        "{}",
        local.stdout
    );

    // The configuration file gives the server and the token.
    let config = home.join("config").join("agentcast");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("server = \"{url}\"\ntoken = \"{admin}\"\n[watch]\ntypes = [\"tool.*\"]\n"),
    )
    .unwrap();
    let from_file = run_watch(&watch_env(&home, None), &["t1", "--no-follow"]).await;
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_file.stdout.lines().count(), 2, "{}", from_file.stdout);

    // Nothing listening: --no-follow gives up after its deadline with the reason.
    std::fs::remove_file(config.join("config.toml")).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let unreachable = run_watch(
        &watch_env(&home, None),
        &[
            "t1",
            "--server",
            &dead,
            "--no-follow",
            "--connect-timeout",
            "2s",
        ],
    )
    .await;
    assert_eq!(unreachable.code, 4, "{}", unreachable.stderr);
    assert!(
        unreachable.stderr.contains("cannot reach"),
        "{}",
        unreachable.stderr
    );
    // Following, it keeps trying and says so on its status line.
    let tmux = TmuxServer::new();
    watch_in_tmux(&tmux, &watch_env(&home, None), &["--server", &dead]);
    let screen = tmux
        .wait_for_screen("w", "(attempt 2)", Duration::from_secs(20))
        .await
        .unwrap();
    assert!(screen.contains("↻ reconnecting in"), "{screen}");
}
