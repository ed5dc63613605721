//! `serve --demo` produces a realistic session: streamed thinking and text, tools (one
//! failing), progressing todos, a sub-agent delegation, usage, and an end.

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::DemoArgs;
use agentcast_tests::raw::{Client, TestServer};

#[tokio::test]
async fn the_demo_session_shows_every_kind_of_activity() {
    let args = ServeArgs {
        demo: DemoArgs {
            demo: true,
            demo_speed: Some(10.0),
        },
        ..Default::default()
    };
    let server = TestServer::start(args).await;
    // Connecting with offset 0 replays the session from its first event, however far the
    // demo has got by then.
    let auth = serde_json::json!({"offset": 0});
    let mut watcher = Client::connect(server.addr, "/sessions/demo-1", Some(auth))
        .await
        .unwrap();

    let mut events = Vec::new();
    loop {
        let (name, envelope) = watcher.next_event().await.expect("the demo keeps going");
        if name == "session.recovered" {
            continue; // the control event between the replay and the live events
        }
        assert_eq!(
            envelope["offset"].as_u64(),
            Some(events.len() as u64 + 1),
            "gapless from 1"
        );
        events.push((name.clone(), envelope));
        if name == "session.ended" {
            break;
        }
    }
    let count = |kind: &str| events.iter().filter(|(name, _)| name == kind).count();
    assert_eq!(events[0].0, "session.started");
    assert_eq!(events[0].1["data"]["source"], "demo");
    assert!(
        count("output.thinking") > 1 && count("output.text") > 3,
        "streamed in pieces"
    );
    assert!(
        events
            .iter()
            .any(|(n, e)| n == "output.text" && e["data"]["delta"] == true)
    );
    assert_eq!(count("tool.started"), count("tool.completed"));
    let failed = events
        .iter()
        .filter(|(n, e)| n == "tool.completed" && e["data"]["is_error"] == true);
    assert_eq!(failed.count(), 1, "one tool fails");
    assert!(
        events
            .iter()
            .any(|(n, e)| n == "tool.started" && e["data"]["parent_tool_use_id"] == "demo-t4")
    );
    assert_eq!(count("agent.delegation"), 2);
    let last_todos = events
        .iter()
        .rev()
        .find(|(n, _)| n == "todo.updated")
        .unwrap();
    assert_eq!(
        last_todos.1["data"]["stats"]["completed"],
        last_todos.1["data"]["stats"]["total"]
    );
    let usage = events
        .iter()
        .rev()
        .find(|(n, _)| n == "usage.updated")
        .unwrap();
    assert!(usage.1["data"]["total_cost_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(events.last().unwrap().1["data"]["status"], "completed");
}

#[tokio::test]
async fn a_restarted_demo_starts_new_sessions_instead_of_appending_to_old_ones() {
    use agentcast_tests::http::Api;
    use agentcast_tests::server::ServerProcess;
    let args = ["--demo", "--demo-speed", "10"];
    let mut server = ServerProcess::start(&args).await.unwrap();
    let offset0 = || Some(serde_json::json!({"offset": 0}));
    let mut first = Client::connect(server.addr(), "/sessions/demo-1", offset0())
        .await
        .unwrap();
    let ended_at = loop {
        let (name, envelope) = first.next_event().await.expect("demo-1 plays to its end");
        if name == "session.ended" {
            break envelope["offset"].as_u64().unwrap();
        }
    };
    server
        .restart_after(std::time::Duration::ZERO)
        .await
        .unwrap();
    let mut second = Client::connect(server.addr(), "/sessions/demo-2", offset0())
        .await
        .unwrap();
    // The control event after the (maybe empty) replay comes first if demo-2 has not
    // started yet.
    let (name, envelope) = loop {
        let (name, envelope) = second.next_event().await.expect("demo-2 starts");
        if name != "session.recovered" {
            break (name, envelope);
        }
    };
    assert_eq!(
        (name.as_str(), &envelope["offset"]),
        ("session.started", &1.into())
    );
    // The restarted demo went on with demo-2 at once: demo-1 got nothing more.
    let demo_1 = Api::new(&server.url).get("/api/sessions/demo-1").await;
    assert_eq!(demo_1.body["head_offset"], ended_at, "{:?}", demo_1.body);
}
