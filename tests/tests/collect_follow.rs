//! Following transcripts live, on the real binary: a line appended to a transcript reaches a
//! Socket.IO client of its session (with file notifications, and in polling mode), a line
//! without its newline waits for it, and a transcript that appears later is a new session.

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
