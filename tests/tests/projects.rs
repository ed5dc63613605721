//! Projects for real, through the real binary: sessions started in one repository's
//! subdirectories share its project; `run --project` names one; the projects API counts their
//! sessions and the analytics group by them.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use agentcast_server::ingest::testing::claude_fixture_files;
use agentcast_tests::http::Api;
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir};
use serde_json::Value;

const FAKE_AGENT: &str = env!("CARGO_BIN_EXE_agentcast-fake-agent");

/// `agentcast run --server URL --session SESSION OPTIONS -- fake-agent FIXTURE` in `cwd`.
async fn run_in(
    cwd: &Path,
    server: &ServerProcess,
    session: &str,
    options: &[&str],
    fixture: &Path,
) {
    let output = tokio::process::Command::new(agentcast_bin())
        .args(["run", "--server", &server.url, "--session", session])
        .args(options)
        .arg("--")
        .arg(FAKE_AGENT)
        .arg(fixture)
        .current_dir(cwd)
        .env_remove("AGENTCAST_TOKEN")
        .stdin(Stdio::null())
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("agentcast run finished within 60 s")
        .expect("agentcast run ran");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn project_with<'a>(projects: &'a Value, field: &str, value: &str) -> &'a Value {
    projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[field] == value)
        .unwrap_or_else(|| panic!("a project with {field} {value} in {projects}"))
}

#[tokio::test]
async fn sessions_of_one_repository_share_its_project_and_the_analytics_group_by_it() {
    let Some(fixtures) = claude_fixture_files() else {
        return;
    };
    let fixture = &fixtures[0];
    let base = fresh_data_dir().canonicalize().unwrap();
    let repo = base.join("web");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("server/src")).unwrap();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    let elsewhere = base.join("scratch");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let server = ServerProcess::start(&[]).await.unwrap();
    let api = Api::new(server.url.clone());

    run_in(&repo.join("server/src"), &server, "p1", &[], fixture).await;
    run_in(&repo.join("docs"), &server, "p2", &[], fixture).await;
    // A name: the project of that name, made for it.
    run_in(
        &elsewhere,
        &server,
        "p3",
        &["--project", "Side Quest"],
        fixture,
    )
    .await;
    // A path: that directory's project, the repository's.
    run_in(
        &elsewhere,
        &server,
        "p4",
        &["--project", "../web/docs"],
        fixture,
    )
    .await;

    let projects = api.get("/api/projects").await.body;
    let web = project_with(&projects, "path", repo.to_str().unwrap());
    assert_eq!(web["name"], "web");
    assert_eq!(web["session_count"], 3, "{projects}");
    let named = project_with(&projects, "name", "Side Quest");
    assert_eq!(named["session_count"], 1);
    assert!(named.get("path").is_none(), "{named}");
    assert_eq!(
        projects["projects"].as_array().unwrap().len(),
        2,
        "{projects}"
    );
    for (session, project) in [("p1", web), ("p2", web), ("p3", named), ("p4", web)] {
        let record = api.get(&format!("/api/sessions/{session}")).await.body;
        assert_eq!(record["project_id"], project["id"], "{session}");
    }

    let usage = api.get("/api/analytics/usage?group_by=project").await;
    assert_eq!(usage.status, 200, "{}", usage.body);
    let rows = usage.body["rows"].as_array().cloned().unwrap_or_default();
    let sessions_of = |id: &Value| {
        rows.iter()
            .find(|row| row["key"] == *id)
            .map(|row| row["sessions"].clone())
    };
    assert_eq!(sessions_of(&web["id"]), Some(3.into()), "{}", usage.body);
    assert_eq!(sessions_of(&named["id"]), Some(1.into()), "{}", usage.body);
}
