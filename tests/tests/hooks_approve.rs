//! Approving an interactive `claude` that agentcast did not start (DESIGN.md section 10):
//! `agentcast hooks install --approve` makes Claude Code's `PermissionRequest` hook ask
//! agentcast and wait. The real TUI in a tmux pane, against the scripted fake Messages API,
//! asks to run a command; a client of the hub namespace sees `permission.requested` with
//! the session it belongs to, answers over REST, and the command runs. Unanswered, the
//! request falls back to Claude Code's own prompt in the terminal.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_tests::agents::fake_anthropic::{
    ClaudeScenario, FakeAnthropic, PERMISSION_COMMAND, PERMISSION_DONE_TEXT, PERMISSION_FILE,
};
use agentcast_tests::agents::home::AgentHome;
use agentcast_tests::agents::real_agents_and_tmux;
use agentcast_tests::agents::tmux::ClaudeTui;
use agentcast_tests::http::Api;
use agentcast_tests::raw::Client;
use agentcast_tests::server::{ServerProcess, agentcast_bin, within};
use serde_json::{Value, json};

/// `agentcast hooks install --approve` into `home`'s Claude Code settings.
async fn install_approve_hooks(home: &Path, server: &ServerProcess, wait_s: &str) {
    let output = tokio::process::Command::new(agentcast_bin())
        .args(["hooks", "install", "--server", &server.url, "--approve"])
        .args(["--approve-wait-s", wait_s])
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("AGENTCAST_SERVER")
        .stdin(Stdio::null())
        .output();
    let output = within(30, "hooks install", output).await.unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && said.contains("approve mode"),
        "{said}"
    );
}

/// A server collecting `home`'s transcripts, the hooks installed in approve mode, and the
/// TUI (no tool allowed in advance) told to run the permission scenario.
async fn tui_asking(
    home: &AgentHome,
    fake: &FakeAnthropic,
    wait_s: &str,
) -> Option<(ServerProcess, ClaudeTui)> {
    let agents = real_agents_and_tmux()?;
    let projects = home.claude_projects_dir();
    let server = ServerProcess::start(&["--claude-projects-dir", projects.to_str().unwrap()])
        .await
        .unwrap();
    install_approve_hooks(&home.home, &server, wait_s).await;
    // 2.1.328 runs the TUI in auto mode by default, which runs `touch` unasked.
    let manual = ["--permission-mode", "default"];
    let tui = ClaudeTui::start_with(&agents, home, fake, &manual)
        .await
        .unwrap();
    Some((server, tui))
}

#[tokio::test]
async fn a_permission_the_tui_asks_is_answered_from_the_hub_and_the_command_runs() {
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let Some((server, tui)) = tui_asking(&home, &fake, "60").await else {
        return;
    };
    // The hub namespace lists every session's requests: no need to know the session first.
    let mut hub = Client::connect(server.addr(), "/", None).await.unwrap();
    tui.prompt(&ClaudeScenario::Permission.prompt())
        .await
        .unwrap();
    let asked = within(90, "permission.requested on the hub", async {
        loop {
            let (name, envelope) = hub.next_event().await.expect("the hub stays connected");
            if name == "permission.requested" {
                return envelope;
            }
        }
    })
    .await;
    let request = &asked["data"];
    assert_eq!(request["tool_name"], "Bash", "{asked}");
    assert_eq!(request["input"]["command"], PERMISSION_COMMAND, "{asked}");
    let session = asked["session_id"].as_str().unwrap();
    let request_id = request["request_id"].as_str().unwrap();
    assert!(!home.cwd.join(PERMISSION_FILE).exists());

    let api = Api::new(&server.url);
    let status = api.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status.body["status"], "waiting", "{}", status.text);
    let answered = api
        .post(
            &format!("/api/sessions/{session}/permissions/{request_id}"),
            json!({"decision": "allow"}),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let again = api
        .post(
            &format!("/api/sessions/{session}/permissions/{request_id}"),
            json!({"decision": "deny"}),
        )
        .await;
    assert_eq!(
        again.body["error"]["code"], "already_resolved",
        "{}",
        again.text
    );

    tui.wait_for(PERMISSION_DONE_TEXT, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(home.cwd.join(PERMISSION_FILE).is_file(), "the command ran");
    let resolved = within(10, "permission.resolved on the hub", async {
        loop {
            let (name, envelope) = hub.next_event().await.expect("the hub stays connected");
            if name == "permission.resolved" {
                return envelope["data"].clone();
            }
        }
    })
    .await;
    assert_eq!(resolved["request_id"], request_id, "{resolved}");
    assert_eq!(resolved["decision"], "allow", "{resolved}");
    assert_eq!(resolved["by"], "anonymous", "{resolved}");
}

#[tokio::test]
async fn unanswered_the_tui_asks_in_its_own_terminal() {
    let home = AgentHome::new().unwrap();
    let fake = FakeAnthropic::start().await.unwrap();
    let Some((server, tui)) = tui_asking(&home, &fake, "1").await else {
        return;
    };
    let mut hub = Client::connect(server.addr(), "/", None).await.unwrap();
    tui.prompt(&ClaudeScenario::Permission.prompt())
        .await
        .unwrap();
    let resolved: Value = within(90, "the request to time out", async {
        loop {
            let (name, envelope) = hub.next_event().await.expect("the hub stays connected");
            if name == "permission.resolved" {
                return envelope["data"].clone();
            }
        }
    })
    .await;
    assert_eq!(resolved["decision"], "ask", "{resolved}");
    assert_eq!(resolved["reason"], "timeout", "{resolved}");
    // Claude Code's own dialog, in the pane.
    let screen = tui
        .wait_for("Do you want to proceed", Duration::from_secs(30))
        .await
        .unwrap_or_else(|err| panic!("{err}: {}", tui.screen().unwrap_or_default()));
    assert!(screen.contains(PERMISSION_COMMAND), "{screen}");
    assert!(!home.cwd.join(PERMISSION_FILE).exists());
}
