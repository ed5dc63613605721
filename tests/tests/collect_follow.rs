//! Following transcripts live, on the real binary: a line appended to a transcript reaches a
//! Socket.IO client of its session (with file notifications, and in polling mode), a line
//! without its newline waits for it, a transcript that appears later is a new session, and a
//! title written after the start relabels the session in the sessions list.

use agentcast_tests::http::Api;
use agentcast_tests::raw::Client;
use agentcast_tests::server::{ServerProcess, within};
use agentcast_tests::transcripts::{
    Roots, append, eventually, imported, sessions, stored_events, user_line,
};

const SESSION: &str = "5e55a0e1-aaaa-4bbb-8ccc-0123456789ab";

/// The next event of the client whose JSON contains `marker`.
async fn receive_marker(client: &mut Client, marker: &str) -> String {
    within(20, marker, async {
        loop {
            let (name, data) = client.next_event().await.expect("the session's events");
            if data.to_string().contains(marker) {
                return name;
            }
        }
    })
    .await
}

async fn appended_lines_arrive_live(extra: &[&str]) {
    let roots = Roots::new();
    let project = roots.claude.join("-tmp-app");
    std::fs::create_dir_all(&project).unwrap();
    let transcript = project.join(format!("{SESSION}.jsonl"));
    append(
        &transcript,
        user_line(SESSION, "before the start").as_bytes(),
    );
    let server = ServerProcess::start(&roots.args(extra)).await.unwrap();
    imported(&server).await;
    let api = Api::new(&server.url);
    let head = stored_events(&api, SESSION).await.len() as u64;
    assert!(head > 0);
    // Live from the stored head: only what comes next.
    let auth = serde_json::json!({ "offset": head });
    let mut client = Client::connect(server.addr(), &format!("/sessions/{SESSION}"), Some(auth))
        .await
        .unwrap();

    append(&transcript, user_line(SESSION, "live one").as_bytes());
    receive_marker(&mut client, "live one").await;

    // Half a line: nothing until its newline.
    let line = user_line(SESSION, "split line");
    let (first, rest) = line.split_at(line.len() / 2);
    append(&transcript, first.as_bytes());
    let stored = stored_events(&api, SESSION).await.len();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        stored_events(&api, SESSION).await.len(),
        stored,
        "a line without its newline is not read"
    );
    append(&transcript, rest.as_bytes());
    receive_marker(&mut client, "split line").await;

    // A new project directory and transcript: a new session.
    let other = "5e55a0e1-bbbb-4bbb-8ccc-0123456789ab";
    let new_project = roots.claude.join("-tmp-other");
    std::fs::create_dir_all(&new_project).unwrap();
    append(
        &new_project.join(format!("{other}.jsonl")),
        user_line(other, "new session").as_bytes(),
    );
    eventually(20, "the new session", || async {
        sessions(&api)
            .await
            .iter()
            .any(|s| s["id"] == other)
            .then_some(())
    })
    .await;
    // Nothing was stored twice.
    let events = stored_events(&api, SESSION).await;
    let offsets: Vec<u64> = events
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, (1..=offsets.len() as u64).collect::<Vec<_>>());
    for marker in ["before the start", "live one", "split line"] {
        let count = events
            .iter()
            .filter(|e| e.to_string().contains(marker))
            .count();
        assert!(count >= 1, "{marker} stored");
        let started = events
            .iter()
            .filter(|e| e["type"] == "session.started")
            .count();
        assert_eq!(started, 1);
    }
}

#[tokio::test]
async fn appended_lines_arrive_live_with_notifications() {
    appended_lines_arrive_live(&[]).await;
}

#[tokio::test]
async fn appended_lines_arrive_live_when_polling() {
    appended_lines_arrive_live(&[
        "--collect-watch",
        "poll",
        "--collect-poll-interval-ms",
        "100",
    ])
    .await;
}

/// The label `GET /api/sessions` gives session `id`, once it is `want`.
async fn label_becomes(api: &Api, id: &str, want: &str) {
    eventually(20, want, || async {
        let list = sessions(api).await;
        let label = list.iter().find(|s| s["id"] == id)?["label"].clone();
        (label == want).then_some(())
    })
    .await;
}

/// A title line as Claude Code 2.1.x appends it (`ai-title`, `custom-title` from `/rename`).
fn title_line(kind: &str, field: &str, title: &str) -> String {
    let mut line = serde_json::json!({"type": kind, "sessionId": SESSION});
    line[field] = title.into();
    format!("{line}\n")
}

#[tokio::test]
async fn a_late_title_relabels_the_session_and_a_rename_outlives_generated_titles() {
    let roots = Roots::new();
    let project = roots.claude.join("-tmp-app");
    std::fs::create_dir_all(&project).unwrap();
    let transcript = project.join(format!("{SESSION}.jsonl"));
    append(&transcript, user_line(SESSION, "fix the parser").as_bytes());
    let mut server = ServerProcess::start(&roots.args(&[])).await.unwrap();
    imported(&server).await;
    let api = Api::new(&server.url);
    label_becomes(&api, SESSION, "fix the parser").await;
    // The hub namespace carries the new label too: an open sessions list updates live.
    let mut hub = Client::connect(server.addr(), "/", None).await.unwrap();

    append(
        &transcript,
        title_line("ai-title", "aiTitle", "Parser fix").as_bytes(),
    );
    assert_eq!(
        receive_marker(&mut hub, "Parser fix").await,
        "agent.notification"
    );
    label_becomes(&api, SESSION, "Parser fix").await;
    append(
        &transcript,
        title_line("custom-title", "customTitle", "My parser").as_bytes(),
    );
    label_becomes(&api, SESSION, "My parser").await;
    // A generated title after the rename does not replace it; the marker after it shows the
    // collector read that far.
    append(
        &transcript,
        title_line("ai-title", "aiTitle", "Parsing").as_bytes(),
    );
    append(
        &transcript,
        user_line(SESSION, "after the titles").as_bytes(),
    );
    eventually(20, "the line after the titles", || async {
        let events = stored_events(&api, SESSION).await;
        events
            .iter()
            .any(|e| e.to_string().contains("after the titles"))
            .then_some(())
    })
    .await;
    label_becomes(&api, SESSION, "My parser").await;

    // The label is the stored summary's: a restarted server lists it too.
    server
        .restart_after(std::time::Duration::from_millis(100))
        .await
        .unwrap();
    label_becomes(&Api::new(&server.url), SESSION, "My parser").await;
}
