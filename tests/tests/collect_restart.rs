//! Restarts of the collector, on the real binary: a server killed with SIGKILL while it
//! imports a large transcript, restarted, ends with exactly the events a server that read
//! the whole file in one go stores: no duplicate, no gap. And a transcript of a session
//! agentcast runs is joined to that session, not shown twice.

use agentcast_tests::http::Api;
use agentcast_tests::server::ServerProcess;
use agentcast_tests::transcripts::{
    Roots, append, claude_home, content, eventually, imported, sessions, stored_events, user_line,
};

const SESSION: &str = "d10f1cdd-f20b-4a97-a3ee-51656f7edd6b";

#[tokio::test]
async fn sigkill_in_the_middle_of_a_transcript_neither_duplicates_nor_loses_events() {
    let Some(home) = claude_home() else { return };
    // One large transcript: a real one repeated (about 16 MB).
    let fixture = std::fs::read(
        home.join("projects/-home-dev-example-app")
            .join(format!("{SESSION}.jsonl")),
    )
    .unwrap();
    let make_root = || {
        let roots = Roots::new();
        let project = roots.claude.join("-home-dev-example-app");
        std::fs::create_dir_all(&project).unwrap();
        for _ in 0..100 {
            append(&project.join(format!("{SESSION}.jsonl")), &fixture);
        }
        roots
    };

    // The reference: read in one go.
    let reference_roots = make_root();
    let reference = ServerProcess::start(&reference_roots.args(&[]))
        .await
        .unwrap();
    imported(&reference).await;
    let expected: Vec<_> = stored_events(&Api::new(&reference.url), SESSION)
        .await
        .iter()
        .map(content)
        .collect();
    drop(reference);

    let roots = make_root();
    let mut server = ServerProcess::start(&roots.args(&[])).await.unwrap();
    let api = Api::new(&server.url);
    // Killed as soon as part of the file is stored.
    eventually(30, "the first events", || async {
        let head = api.get(&format!("/api/sessions/{SESSION}")).await.body["head_offset"]
            .as_u64()
            .unwrap_or(0);
        (head > 0).then_some(())
    })
    .await;
    server
        .restart_after(std::time::Duration::from_millis(100))
        .await
        .unwrap();
    imported(&server).await;
    let api = Api::new(&server.url);
    let events = stored_events(&api, SESSION).await;
    let offsets: Vec<u64> = events
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(
        offsets,
        (1..=offsets.len() as u64).collect::<Vec<_>>(),
        "no gap"
    );
    // Statuses depend on timing (running, idle); the transcript's events must be the same.
    let without_status = |events: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        events
            .into_iter()
            .filter(|e| e["type"] != "session.status")
            .collect()
    };
    let got = without_status(events.iter().map(content).collect());
    let expected = without_status(expected);
    assert_eq!(got.len(), expected.len(), "no duplicate, nothing missing");
    assert!(got == expected, "the same events in the same order");
}

#[tokio::test]
async fn the_transcript_of_a_session_agentcast_runs_is_joined_not_shown_twice() {
    let roots = Roots::new();
    // A fake `claude`: writes a transcript under the id agentcast gave it (--session-id), as
    // the real CLI does, and prints one stream-json line.
    let bin = roots.dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    let project = roots.claude.join("-tmp-run");
    std::fs::write(
        &claude,
        format!(
            r#"#!/bin/sh
[ "$1" = "--session-id" ] || exit 3
mkdir -p {project}
printf '%s\n' '{{"type":"user","message":{{"role":"user","content":"from the run"}},"sessionId":"'$2'"}}' >> {project}/$2.jsonl
printf '%s\n' '{{"type":"system","subtype":"init","session_id":"'$2'","model":"m","tools":[]}}'
"#,
            project = project.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();

    let server = ServerProcess::start(&roots.args(&[])).await.unwrap();
    imported(&server).await;
    let api = Api::new(&server.url);
    let started = api
        .post(
            "/api/sessions",
            serde_json::json!({"command": [claude.to_str().unwrap(), "-p", "hi"], "session_id": "the-run"}),
        )
        .await;
    assert!(started.status < 300, "{}", started.text);
    let agent_id = eventually(20, "the run to record its agent session id", || async {
        let run = api.get("/api/sessions/the-run").await;
        run.body["agent_session_id"].as_str().map(str::to_owned)
    })
    .await;
    // The run's transcript exists; then a transcript of another session is written after it,
    // and once that one is collected the run's was seen too.
    eventually(20, "the run's transcript", || async {
        project
            .join(format!("{agent_id}.jsonl"))
            .is_file()
            .then_some(())
    })
    .await;
    let later = "0dd00000-1111-4222-8333-944445555666";
    std::fs::create_dir_all(roots.claude.join("-tmp-later")).unwrap();
    append(
        &roots
            .claude
            .join("-tmp-later")
            .join(format!("{later}.jsonl")),
        user_line(later, "later").as_bytes(),
    );
    eventually(20, "the later session", || async {
        sessions(&api)
            .await
            .iter()
            .any(|s| s["id"] == later)
            .then_some(())
    })
    .await;
    let ids: Vec<String> = sessions(&api)
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!ids.contains(&agent_id), "no second session: {ids:?}");
    let run_events = stored_events(&api, "the-run").await;
    let from_transcript = run_events
        .iter()
        .filter(|e| e.to_string().contains("from the run"))
        .count();
    assert_eq!(
        from_transcript, 0,
        "the transcript's entries are not published twice"
    );
}
