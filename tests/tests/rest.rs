//! The REST API of DESIGN.md section 6 against the real server (in-process, port 0, a fresh
//! SQLite database): sessions, events, export, checkpoints, projects, MCP servers, analytics,
//! and the JSON errors (400 naming the parameter, 404, 409, 413).

use agentcast_server::cli::ServeArgs;
use agentcast_server::config::EngineArgs;
use agentcast_tests::http::Api;
use agentcast_tests::raw::{TestServer, sample_events};
use serde_json::{Value, json};

async fn start() -> (TestServer, Api) {
    let server = TestServer::start(ServeArgs::default()).await;
    let api = Api::for_addr(server.addr);
    (server, api)
}

fn started(session_id: &str, model: &str, project: &str, at: &str) -> Value {
    json!({"type": "session.started", "data": {
        "session_id": session_id, "label": format!("label of {session_id}"), "project_id": project,
        "source": "publish", "model": model, "started_at": at
    }})
}

fn usage(model: &str, input: u64, output: u64, cost: f64) -> Value {
    json!({"type": "usage.updated", "data": {
        "model": model, "input_tokens": input, "output_tokens": output,
        "cache_read_tokens": 10, "cache_creation_tokens": 5, "total_cost_usd": cost
    }})
}

fn ended(status: &str, duration_ms: u64, cost: f64) -> Value {
    json!({"type": "session.ended", "data": {
        "status": status, "duration_ms": duration_ms, "total_cost_usd": cost
    }})
}

async fn publish(api: &Api, session_id: &str, events: Vec<Value>) -> u64 {
    let answer = api
        .post(
            &format!("/api/sessions/{session_id}/publish"),
            json!({ "events": events }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["head_offset"].as_u64().unwrap()
}

/// The string `field` of each object in the array `list`.
fn each<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap())
        .collect()
}

fn offsets(page: &Value) -> Vec<u64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn sessions_are_listed_read_and_filtered_by_status() {
    let (_server, api) = start().await;
    publish(
        &api,
        "done",
        vec![
            started("done", "m1", "p", "2026-11-20T10:00:00.000Z"),
            ended("completed", 1000, 0.5),
        ],
    )
    .await;
    let running = json!({"type": "session.status", "data": {"status": "running"}});
    publish(
        &api,
        "live",
        vec![
            started("live", "m1", "p", "2026-11-21T10:00:00.000Z"),
            running,
            usage("m1", 100, 20, 0.25),
        ],
    )
    .await;

    let all = api.get("/api/sessions").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(
        each(&all.body["sessions"], "id"),
        ["live", "done"],
        "newest started first"
    );

    let active = api.get("/api/sessions?status=active").await;
    assert_eq!(each(&active.body["sessions"], "id"), ["live"]);

    let live = api.get("/api/sessions/live").await;
    assert_eq!(live.status, 200);
    assert_eq!(live.body["status"], "running");
    assert_eq!(live.body["model"], "m1");
    assert_eq!(live.body["project_id"], "p");
    assert_eq!(live.body["head_offset"], 3);
    assert_eq!(live.body["input_tokens"], 100);
    assert_eq!(live.body["total_cost_usd"], 0.25);
    assert_eq!(live.body["checkpoints"], json!([]));

    let done = api.get("/api/sessions/done").await;
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["duration_ms"], 1000);

    let missing = api.get("/api/sessions/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "not_found");

    let bad = api.get("/api/sessions?status=sleeping").await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_message().starts_with("status: "), "{}", bad.text);
    let bad = api.get("/api/sessions?limit=many").await;
    assert!(bad.error_message().starts_with("limit: "), "{}", bad.text);
    let bad = api.get("/api/sessions?stauts=active").await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_message().contains("stauts"), "{}", bad.text);
}

#[tokio::test]
async fn the_sessions_list_pages_with_a_cursor() {
    let (_server, api) = start().await;
    // Seven sessions, three of them started at the same instant: the cursor's id tiebreak
    // must neither repeat nor skip one at a page boundary.
    let starts = [
        ("s1", "2026-11-20T10:00:00.000Z"),
        ("s2", "2026-11-21T10:00:00.000Z"),
        ("t3", "2026-11-22T10:00:00.000Z"),
        ("t1", "2026-11-22T10:00:00.000Z"),
        ("t2", "2026-11-22T10:00:00.000Z"),
        ("s6", "2026-11-23T10:00:00.000Z"),
        ("s7", "2026-11-24T10:00:00.000Z"),
    ];
    for (id, at) in starts {
        publish(&api, id, vec![started(id, "m1", "p", at)]).await;
    }

    let mut seen = Vec::new();
    let mut path = "/api/sessions?limit=2".to_string();
    for _page in 0..10 {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(
            each(&page.body["sessions"], "id")
                .into_iter()
                .map(str::to_owned),
        );
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/sessions?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["s7", "s6", "t1", "t2", "t3", "s2", "s1"]);

    let one_page = api.get("/api/sessions?limit=100").await;
    assert_eq!(each(&one_page.body["sessions"], "id").len(), 7);
    assert!(
        one_page.body.get("next_cursor").is_none(),
        "a page that is not full is the last: {}",
        one_page.text
    );

    let bad = api.get("/api/sessions?cursor=not-ours").await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_message().starts_with("cursor: "), "{}", bad.text);
}

#[tokio::test]
async fn events_page_forward_and_back_with_type_patterns() {
    let (_server, api) = start().await;
    // 30 events: offsets 1..=30, types cycling output.text, tool.started, tool.completed.
    assert_eq!(publish(&api, "s", sample_events(30, 10)).await, 30);

    let page = api.get("/api/sessions/s/events?limit=10").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(offsets(&page.body), (1..=10).collect::<Vec<_>>());
    assert_eq!(page.body["has_more"], true);
    assert_eq!(page.body["head_offset"], 30);
    let first = &page.body["events"][0];
    assert_eq!(first["session_id"], "s");
    assert_eq!(first["type"], "output.text");

    let page = api.get("/api/sessions/s/events?after=25").await;
    assert_eq!(offsets(&page.body), [26, 27, 28, 29, 30]);
    assert_eq!(page.body["has_more"], false);

    // Only `before`: the newest events before it, still in offset order.
    let page = api.get("/api/sessions/s/events?before=21&limit=5").await;
    assert_eq!(offsets(&page.body), [16, 17, 18, 19, 20]);
    assert_eq!(page.body["has_more"], true);

    let page = api.get("/api/sessions/s/events?after=5&before=12").await;
    assert_eq!(offsets(&page.body), [6, 7, 8, 9, 10, 11]);

    let page = api.get("/api/sessions/s/events?types=tool.*&limit=4").await;
    assert_eq!(offsets(&page.body), [2, 3, 5, 6]);
    let page = api
        .get("/api/sessions/s/events?types=output.text,tool.completed&after=20")
        .await;
    assert_eq!(offsets(&page.body), [21, 22, 24, 25, 27, 28, 30]);

    for (query, param) in [
        ("types=tool.bogus", "types[0]: "),
        ("limit=0", "limit: "),
        ("after=-1", "after: "),
        ("after=9&before=9", "before: "),
        ("colour=red", "colour"),
    ] {
        let bad = api.get(&format!("/api/sessions/s/events?{query}")).await;
        assert_eq!(bad.status, 400, "{query}: {}", bad.text);
        assert_eq!(bad.error_code(), "bad_request");
        assert!(bad.error_message().contains(param), "{query}: {}", bad.text);
    }
    assert_eq!(api.get("/api/sessions/nope/events").await.status, 404);
}

#[tokio::test]
async fn export_streams_every_event_as_json_lines() {
    let (_server, api) = start().await;
    // More than one export page (1000 events per read).
    for _ in 0..3 {
        publish(&api, "big", sample_events(900, 20)).await;
    }
    let export = api.get("/api/sessions/big/export.jsonl").await;
    assert_eq!(export.status, 200);
    assert_eq!(export.content_type.as_deref(), Some("application/x-ndjson"));
    let lines: Vec<Value> = export
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2700);
    for (k, envelope) in lines.iter().enumerate() {
        assert_eq!(envelope["offset"], k as u64 + 1);
    }
    // The same envelopes as the history pages.
    let page = api.get("/api/sessions/big/events?limit=3").await;
    assert_eq!(page.body["events"].as_array().unwrap()[..], lines[..3]);

    let empty = api.get("/api/sessions/nope/export.jsonl").await;
    assert_eq!(empty.status, 404);
}

#[tokio::test]
async fn checkpoints_mark_the_head_and_delete_removes_the_session() {
    let (server, api) = start().await;
    publish(&api, "s", sample_events(5, 10)).await;
    let mut watcher = server.connect("/sessions/s").await;

    let made = api
        .post(
            "/api/sessions/s/checkpoint",
            json!({"label": "before refactor"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.body["offset"], 5);
    assert_eq!(made.body["label"], "before refactor");
    let checkpoint_id = made.body["checkpoint_id"].as_str().unwrap().to_owned();

    // Announced in the stream, after the events it covers.
    let (name, envelope) = watcher.next_event().await.expect("the checkpoint event");
    assert_eq!(name, "session.checkpoint");
    assert_eq!(envelope["offset"], 6);
    assert_eq!(envelope["data"]["checkpoint_id"], checkpoint_id.as_str());
    assert_eq!(envelope["data"]["offset"], 5);

    // An empty body is fine.
    let unnamed = api
        .call(reqwest::Method::POST, "/api/sessions/s/checkpoint", None)
        .await;
    assert_eq!(unnamed.status, 201, "{}", unnamed.text);
    let detail = api.get("/api/sessions/s").await;
    assert_eq!(detail.body["checkpoints"].as_array().unwrap().len(), 2);
    assert_eq!(
        detail.body["checkpoints"][0]["checkpoint_id"],
        checkpoint_id.as_str()
    );

    let bad = api
        .post("/api/sessions/s/checkpoint", json!({"lable": "typo"}))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_message().contains("lable"), "{}", bad.text);
    assert_eq!(
        api.post("/api/sessions/nope/checkpoint", json!({}))
            .await
            .status,
        404
    );

    let deleted = api.delete("/api/sessions/s").await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(api.get("/api/sessions/s").await.status, 404);
    assert_eq!(api.get("/api/sessions/s/events").await.status, 404);
    let listed = api.get("/api/sessions").await;
    assert_eq!(listed.body["sessions"], json!([]));
    let conflict = api.post("/api/sessions/s/checkpoint", json!({})).await;
    assert_eq!(conflict.status, 409, "{}", conflict.text);
    assert_eq!(conflict.error_code(), "conflict");
    assert_eq!(api.delete("/api/sessions/s").await.status, 404);

    // The id may be used again: its offsets continue, nothing old comes back.
    assert_eq!(publish(&api, "s", sample_events(1, 1)).await, 8);
}

#[tokio::test]
async fn projects_are_created_read_and_configured() {
    let (_server, api) = start().await;
    let made = api
        .post(
            "/api/projects",
            json!({"id": "web", "name": "Web app", "settings": {"theme": "dark"}}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.body["settings"], json!({"theme": "dark"}));
    let generated = api.post("/api/projects", json!({"name": "Other"})).await;
    assert_eq!(generated.status, 201);
    assert!(!generated.body["id"].as_str().unwrap().is_empty());

    let duplicate = api
        .post("/api/projects", json!({"id": "web", "name": "Again"}))
        .await;
    assert_eq!(duplicate.status, 409);
    for (body, field) in [
        (json!({"id": "web"}), "name"),
        (json!({"id": "w b", "name": "x"}), "id: "),
        (json!({"name": " "}), "name: "),
        (json!({"name": "x", "settings": [1]}), "settings: "),
    ] {
        let bad = api.post("/api/projects", body.clone()).await;
        assert_eq!(bad.status, 400, "{body}: {}", bad.text);
        assert!(bad.error_message().contains(field), "{body}: {}", bad.text);
    }

    let updated = api
        .put(
            "/api/projects/web/settings",
            json!({"theme": "light", "budget_usd": 5}),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let read = api.get("/api/projects/web").await;
    assert_eq!(
        read.body["settings"],
        json!({"theme": "light", "budget_usd": 5})
    );
    assert_eq!(read.body["name"], "Web app");
    assert_eq!(
        api.put("/api/projects/web/settings", json!("dark"))
            .await
            .status,
        400
    );
    assert_eq!(
        api.put("/api/projects/nope/settings", json!({}))
            .await
            .status,
        404
    );
    assert_eq!(api.get("/api/projects/nope").await.status, 404);

    let list = api.get("/api/projects").await;
    assert_eq!(list.body["projects"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn mcp_servers_are_added_tested_and_removed() {
    let (_server, api) = start().await;
    let fake = env!("CARGO_BIN_EXE_agentcast-fake-mcp-server");
    let added = api
        .post(
            "/api/mcp-servers",
            json!({"name": "fake", "command": fake, "args": ["ok"]}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    api.post(
        "/api/mcp-servers",
        json!({"name": "broken", "command": fake, "args": ["exit"]}),
    )
    .await;
    assert_eq!(
        api.post("/api/mcp-servers", json!({"name": "fake", "command": "x"}))
            .await
            .status,
        409
    );
    let bad = api
        .post("/api/mcp-servers", json!({"name": "x", "command": ""}))
        .await;
    assert!(bad.error_message().starts_with("command: "), "{}", bad.text);

    let passed = api.post("/api/mcp-servers/fake/test", json!({})).await;
    assert_eq!(passed.status, 200, "{}", passed.text);
    assert_eq!(passed.body["ok"], true);
    assert_eq!(passed.body["server_name"], "fake-mcp");
    assert_eq!(passed.body["server_version"], "1.2.3");
    assert_eq!(
        passed.body["capabilities"],
        json!({"tools": {"listChanged": true}})
    );

    let failed = api
        .post("/api/mcp-servers/broken/test?timeout_ms=5000", json!({}))
        .await;
    assert_eq!(failed.status, 200, "{}", failed.text);
    assert_eq!(failed.body["ok"], false);
    assert!(
        failed.body["error"].as_str().unwrap().contains("exited"),
        "{}",
        failed.text
    );

    let list = api.get("/api/mcp-servers").await;
    assert_eq!(each(&list.body["servers"], "name"), ["broken", "fake"]);
    assert_eq!(api.delete("/api/mcp-servers/fake").await.status, 204);
    assert_eq!(api.delete("/api/mcp-servers/fake").await.status, 404);
    assert_eq!(
        api.post("/api/mcp-servers/fake/test", json!({}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn analytics_group_tokens_costs_and_outcomes() {
    let (_server, api) = start().await;
    // Session, model, project, start; tokens in and out, cost; how it ended, after how many ms.
    #[rustfmt::skip]
    let sessions = [
        ("a", "opus", "web", "2026-11-20T10:00:00.000Z", 1000, 100, 1.0, Some(("completed", 2000))),
        ("b", "opus", "web", "2026-11-20T12:00:00.000Z", 500, 50, 0.5, Some(("failed", 4000))),
        ("c", "haiku", "cli", "2026-11-21T09:00:00.000Z", 10, 1, 0.01, None),
    ];
    for (id, model, project, at, input, output, cost, end) in sessions {
        let mut events = vec![
            started(id, model, project, at),
            usage(model, input, output, cost),
        ];
        events.extend(end.map(|(status, duration_ms)| ended(status, duration_ms, cost)));
        publish(&api, id, events).await;
    }

    let usage = api.get("/api/analytics/usage?group_by=model").await;
    assert_eq!(usage.status, 200, "{}", usage.text);
    assert_eq!(
        usage.body["rows"],
        json!([
            {"key": "haiku", "sessions": 1, "input_tokens": 10, "output_tokens": 1, "cache_read_tokens": 10, "cache_creation_tokens": 5},
            {"key": "opus", "sessions": 2, "input_tokens": 1500, "output_tokens": 150, "cache_read_tokens": 20, "cache_creation_tokens": 10},
        ])
    );

    let costs = api.get("/api/analytics/costs?group_by=project").await;
    let rows = costs.body["rows"].as_array().unwrap();
    assert_eq!(rows[0]["key"], "cli");
    assert_eq!(rows[1]["key"], "web");
    assert!((rows[1]["total_cost_usd"].as_f64().unwrap() - 1.5).abs() < 1e-9);
    assert!((costs.body["total_cost_usd"].as_f64().unwrap() - 1.51).abs() < 1e-9);

    let sessions = api.get("/api/analytics/sessions").await;
    assert_eq!(sessions.body["group_by"], "day");
    let day = &sessions.body["rows"][0];
    assert_eq!(day["key"], "2026-11-20");
    assert_eq!(
        (day["completed"].as_u64(), day["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(day["success_rate"], 0.5);
    assert_eq!(day["avg_duration_ms"], 3000.0);
    assert_eq!(sessions.body["rows"][1]["active"], 1);

    let november_21 = api
        .get("/api/analytics/sessions?from=2026-11-21&to=2026-11-22")
        .await;
    assert_eq!(november_21.body["rows"].as_array().unwrap().len(), 1);

    for (query, param) in [
        ("group_by=week", "group_by: "),
        ("from=yesterday", "from: "),
        ("to=2026-1-1", "to: "),
    ] {
        let bad = api.get(&format!("/api/analytics/usage?{query}")).await;
        assert_eq!(bad.status, 400, "{query}");
        assert!(
            bad.error_message().starts_with(param),
            "{query}: {}",
            bad.text
        );
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_and_bad_json_names_the_field() {
    let server = TestServer::start(ServeArgs {
        engine: EngineArgs {
            max_payload: Some(4096),
            ..EngineArgs::default()
        },
        ..ServeArgs::default()
    })
    .await;
    let api = Api::for_addr(server.addr);
    let big = json!({"name": "x".repeat(5000)});
    let answer = api.post("/api/projects", big).await;
    assert_eq!(answer.status, 413, "{}", answer.text);
    assert_eq!(answer.error_code(), "payload_too_large");

    let answer = api
        .call(
            reqwest::Method::POST,
            "/api/projects",
            Some("{\"name\": ".into()),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.error_message().contains("EOF while parsing"),
        "{}",
        answer.text
    );
    let answer = api.post("/api/projects", json!({"name": 7})).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.error_message().starts_with("name: invalid type"),
        "{}",
        answer.text
    );
}
