//! Answering the real Claude Code CLI from a terminal: `agentcast watch` in a tmux pane shows
//! a permission request with its command and waits for a key; `a` lets the command run, `d`
//! and a typed message refuse it (Claude reads why); `agentcast prompt` starts the next turn,
//! seen in the same watch; `agentcast interrupt` answers. The CLI runs in control mode
//! against the scripted fake Messages API (`agents::control::ControlSetup`).
//!
//! Needs target/debug/agentcast, tmux and the real CLI (`cargo xtask test --only install`);
//! skips without the CLI, except under CI.

#![cfg(not(target_arch = "wasm32"))]

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use agentcast_tests::agents::control::ControlSetup;
use agentcast_tests::agents::fake_anthropic::{
    PERMISSION_COMMAND, PERMISSION_DONE_TEXT, PERMISSION_REFUSED_TEXT, chat_answer, chat_prompt,
};
use agentcast_tests::agents::tmux::TmuxServer;
use agentcast_tests::server::{agentcast_bin, fresh_data_dir, within};
use tokio::process::Command;

const WAIT: Duration = Duration::from_secs(60);

/// `agentcast watch SESSION --from-offset 0` in a pane, signing its token with the server's
/// key (the data directory of `setup`'s server), no configuration file.
fn watch_in_tmux(setup: &ControlSetup, tmux: &TmuxServer, session: &str) {
    let home = fresh_data_dir();
    let env: Vec<(String, OsString)> = vec![
        ("XDG_CONFIG_HOME".into(), home.join("config").into()),
        (
            "AGENTCAST_DATA_DIR".into(),
            setup.server.data_dir.clone().into(),
        ),
    ];
    let line = format!(
        "'{}' watch '{session}' --server '{}' --from-offset 0; echo EXIT=$?; sleep 600",
        agentcast_bin().display(),
        setup.server.url
    );
    tmux.new_session("w", &home, &env, Path::new("/bin/sh"), &["-c", &line])
        .expect("tmux runs");
}

/// `agentcast <args>` with the server's key for its token; its exit code and output.
async fn agentcast(setup: &ControlSetup, args: &[&str]) -> (i32, String) {
    let output = within(
        30,
        "agentcast to answer",
        Command::new(agentcast_bin())
            .args(args)
            .args(["--server", &setup.server.url])
            .env("AGENTCAST_DATA_DIR", &setup.server.data_dir)
            .env("XDG_CONFIG_HOME", fresh_data_dir())
            .env_remove("AGENTCAST_TOKEN")
            .output(),
    )
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn a_key_allows_the_command_and_prompt_runs_the_next_turn() {
    let Some(setup) = ControlSetup::new(&["--auth", "jwt"]).await else {
        return;
    };
    let admin = setup
        .server
        .token(&["--scope", "admin", "--session", "*"])
        .await
        .unwrap();
    let id = setup.start_permission(Some(&admin)).await;
    let tmux = TmuxServer::new();
    watch_in_tmux(&setup, &tmux, &id);

    // The request, with its command, and the question on the status line.
    let screen = tmux
        .wait_for_screen("w", "[a]llow [d]eny [s]kip", WAIT)
        .await
        .unwrap();
    assert!(screen.contains("? Bash asks for permission"), "{screen}");
    assert!(
        screen.contains(&format!("$ {PERMISSION_COMMAND}")),
        "{screen}"
    );
    assert!(!setup.command_ran());

    tmux.send_keys("w", &["a"]).unwrap();
    let screen = tmux
        .wait_for_screen("w", PERMISSION_DONE_TEXT, WAIT)
        .await
        .unwrap();
    assert!(screen.contains("allowed by"), "{screen}");
    assert!(setup.command_ran(), "the command ran");

    // The next turn, sent from another shell, shows in the watch.
    let (code, said) = agentcast(&setup, &["prompt", &id, &chat_prompt(2)]).await;
    assert_eq!(code, 0, "{said}");
    tmux.wait_for_screen("w", &chat_answer(2), WAIT)
        .await
        .unwrap();

    // Between turns there is nothing to stop; the command still answers.
    let (code, said) = agentcast(&setup, &["interrupt", &id]).await;
    assert_eq!(code, 0, "{said}");

    // A read token may watch but not prompt: refused, with what to do.
    let read = setup
        .server
        .token(&["--scope", "read", "--session", "*"])
        .await
        .unwrap();
    let (code, said) = agentcast(&setup, &["prompt", &id, "hello", "--token", &read]).await;
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("--scope control"), "{said}");
}

#[tokio::test]
async fn d_and_a_message_refuse_the_command_and_claude_reads_why() {
    let Some(setup) = ControlSetup::new(&[]).await else {
        return;
    };
    let id = setup.start_permission(None).await;
    let tmux = TmuxServer::new();
    watch_in_tmux(&setup, &tmux, &id);
    tmux.wait_for_screen("w", "[a]llow [d]eny [s]kip", WAIT)
        .await
        .unwrap();

    tmux.send_keys("w", &["d"]).unwrap();
    tmux.wait_for_screen("w", "why?", WAIT).await.unwrap();
    tmux.send_keys("w", &["-l", "not in this directory"])
        .unwrap();
    tmux.wait_for_screen("w", "not in this directory▏", WAIT)
        .await
        .unwrap();
    tmux.send_keys("w", &["Enter"]).unwrap();

    let screen = tmux
        .wait_for_screen("w", PERMISSION_REFUSED_TEXT, WAIT)
        .await
        .unwrap();
    assert!(screen.contains("denied by"), "{screen}");
    let screen = tmux
        .wait_for_screen("w", "not in this directory", WAIT)
        .await
        .unwrap();
    assert!(
        !screen.contains("[a]llow"),
        "the question is gone: {screen}"
    );
    assert!(!setup.command_ran(), "the command did not run");
}
