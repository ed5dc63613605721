//! The collector's import, on the real binary: the real Claude Code transcripts of
//! ../shared/fixtures/claude-home copied into a temp root are imported at start, newest
//! first, each as one session of its own id (sub-agents inside their parent), with the
//! progress in `system.stats`; files that cannot be read are reported and skipped.

use std::time::{Duration, SystemTime};

use agentcast_tests::http::Api;
use agentcast_tests::server::ServerProcess;
use agentcast_tests::transcripts::{
    Roots, claude_home, collector_stats, copy_tree, imported, sessions, set_modified, stored_events,
};

const PROJECT: &str = "-home-dev-example-app";

/// The fixture sessions, oldest first (the test gives them these modification times).
const OLDEST_FIRST: [&str; 5] = [
    "80a6947f-c785-4c3e-92d4-fe95711d3bee",
    "ac8d0bca-4044-47b1-bcf8-6af2c0f12e71",
    "ce1a2b20-e35e-4bc3-8f39-98a3fa3dcdf7",
    "43d0963a-d79f-46ce-8104-82550bf50a83",
    "d10f1cdd-f20b-4a97-a3ee-51656f7edd6b",
];
const WITH_SUBAGENT: &str = "43d0963a-d79f-46ce-8104-82550bf50a83";

#[tokio::test]
async fn existing_transcripts_are_imported_newest_first_as_sessions_of_their_own_id() {
    let Some(home) = claude_home() else { return };
    let roots = Roots::new();
    copy_tree(&home.join("projects"), &roots.claude);
    let project = roots.claude.join(PROJECT);
    let day_ago = SystemTime::now() - Duration::from_secs(24 * 3600);
    for (age, id) in OLDEST_FIRST.iter().enumerate() {
        let at = day_ago + Duration::from_secs(60 * age as u64);
        set_modified(&project.join(format!("{id}.jsonl")), at);
    }
    // Its sub-agent's file is older than every session's own file.
    let subagents = project.join(WITH_SUBAGENT).join("subagents");
    let subagent = std::fs::read_dir(&subagents)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("the fixture's sub-agent transcript");
    set_modified(&subagent, day_ago - Duration::from_secs(3600));

    let server = ServerProcess::start(&roots.args(&[])).await.unwrap();
    let stats = imported(&server).await;
    assert_eq!(stats["files_total"], 6, "{stats}");
    assert_eq!(stats["files_imported"], 6, "{stats}");
    assert_eq!(stats["bytes_imported"], stats["bytes_total"], "{stats}");
    assert_eq!(stats["errors"], 0, "{stats}");

    let api = Api::new(&server.url);
    let listed = sessions(&api).await;
    let mut ids: Vec<&str> = listed.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected = OLDEST_FIRST.to_vec();
    expected.sort();
    assert_eq!(
        ids, expected,
        "one session per transcript, none for the sub-agent"
    );
    // Newest first: the first event of a newer session was stored no later than an older
    // one's (the order itself is pinned by discovery's unit test).
    let mut first_stored = Vec::new();
    for id in OLDEST_FIRST.iter().rev() {
        let session = api.get(&format!("/api/sessions/{id}")).await;
        assert_eq!(session.body["source"], "transcript", "{}", session.text);
        assert_eq!(session.body["agent"], "claude", "{}", session.text);
        assert_eq!(session.body["agent_session_id"], *id, "{}", session.text);
        let events = stored_events(&api, id).await;
        assert!(!events.is_empty(), "{id} has events");
        let offsets: Vec<u64> = events
            .iter()
            .map(|e| e["offset"].as_u64().unwrap())
            .collect();
        assert_eq!(
            offsets,
            (1..=offsets.len() as u64).collect::<Vec<_>>(),
            "{id}"
        );
        assert_eq!(events[0]["type"], "session.started", "{id}");
        first_stored.push(events[0]["ts"].as_str().unwrap().to_owned());
    }
    let mut sorted = first_stored.clone();
    sorted.sort();
    assert_eq!(first_stored, sorted, "imported newest first");
}

#[tokio::test]
async fn unreadable_transcripts_are_reported_and_skipped() {
    let roots = Roots::new();
    let project = roots.claude.join("-tmp-app");
    std::fs::create_dir_all(&project).unwrap();
    let good = "0b7f8f8e-1111-4222-8333-944445555666";
    std::fs::write(
        project.join(format!("{good}.jsonl")),
        agentcast_tests::transcripts::user_line(good, "hello"),
    )
    .unwrap();
    // A transcript name pointing nowhere, and one that is a FIFO (opening it would block).
    let dangling = project.join("0b7f8f8e-2222-4222-8333-944445555666.jsonl");
    std::os::unix::fs::symlink(roots.dir.join("nowhere"), &dangling).unwrap();
    let fifo = project.join("0b7f8f8e-3333-4222-8333-944445555666.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Garbage in a transcript is an agent.error in its session, not a failure.
    let garbage = "0b7f8f8e-4444-4222-8333-944445555666";
    std::fs::write(
        project.join(format!("{garbage}.jsonl")),
        b"\xff\xfe not utf-8\n{not json\n",
    )
    .unwrap();

    let server = ServerProcess::start(&roots.args(&[])).await.unwrap();
    let stats = imported(&server).await;
    assert_eq!(
        stats["errors"], 2,
        "the dangling link and the FIFO: {stats}"
    );
    let api = Api::new(&server.url);
    let mut ids: Vec<String> = sessions(&api)
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, [good, garbage]);
    let types: Vec<String> = stored_events(&api, garbage)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    // (Then `session.status`: the file is new, so its session is running.)
    assert_eq!(
        types[..3],
        ["session.started", "agent.error", "agent.error"]
    );
    // Still serving and collecting.
    assert_eq!(collector_stats(&server).await["errors"], 2);
}
