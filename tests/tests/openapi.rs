//! `/api/openapi.json` documents every REST route of DESIGN.md section 6 and nothing else, and every documented operation answers with one of the
//! statuses the document lists for it.

use std::collections::BTreeSet;

use agentcast_server::cli::ServeArgs;
use agentcast_tests::http::Api;
use agentcast_tests::raw::TestServer;
use reqwest::Method;
use serde_json::Value;

/// The routes the server serves, as DESIGN.md section 6 and the ingest API name them.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/api/openapi.json"),
    ("get", "/api/sessions"),
    ("post", "/api/sessions"),
    ("get", "/api/sessions/{id}"),
    ("delete", "/api/sessions/{id}"),
    ("post", "/api/sessions/{id}/checkpoint"),
    ("post", "/api/sessions/{id}/prompt"),
    ("post", "/api/sessions/{id}/interrupt"),
    ("post", "/api/sessions/{id}/end"),
    ("post", "/api/sessions/{id}/permissions/{request_id}"),
    ("get", "/api/sessions/{id}/events"),
    ("post", "/api/sessions/{id}/events"),
    ("get", "/api/sessions/{id}/export.jsonl"),
    ("post", "/api/sessions/{id}/publish"),
    ("post", "/api/hooks"),
    ("post", "/api/hooks/approve"),
    ("get", "/api/projects"),
    ("post", "/api/projects"),
    ("get", "/api/projects/{id}"),
    ("put", "/api/projects/{id}/settings"),
    ("get", "/api/mcp-servers"),
    ("post", "/api/mcp-servers"),
    ("delete", "/api/mcp-servers/{name}"),
    ("post", "/api/mcp-servers/{name}/test"),
    ("get", "/api/analytics/usage"),
    ("get", "/api/analytics/costs"),
    ("get", "/api/analytics/sessions"),
    ("get", "/api/auth/whoami"),
    ("post", "/api/auth/refresh"),
    ("get", "/.well-known/jwks.json"),
];

async fn document(api: &Api) -> Value {
    let answer = api.get("/api/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    answer.body
}

/// Every (method, path) of the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                found.insert((method.clone(), path.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_is_documented_and_nothing_else() {
    let server = TestServer::start(ServeArgs::default()).await;
    let doc = document(&Api::for_addr(server.addr)).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "agentcast");
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(operations(&doc), expected);

    // Every operation says what it answers, errors included, and every schema it names exists.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "missing schema {name}");
    }
    for (method, path) in &expected {
        let responses = doc["paths"][path][method]["responses"].as_object().unwrap();
        assert!(
            !responses.is_empty(),
            "{method} {path} documents no response"
        );
    }
}

/// Calls every documented operation the way a careless client would (unknown ids, no body,
/// no parameters) and checks the status is one the document lists for that operation.
#[tokio::test]
async fn every_operation_answers_a_documented_status() {
    let server = TestServer::start(ServeArgs::default()).await;
    let api = Api::for_addr(server.addr);
    let doc = document(&api).await;
    for (method, path) in operations(&doc) {
        let documented: Vec<u16> = doc["paths"][&path][&method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|code| code.parse().unwrap())
            .collect();
        let url = path
            .replace("{id}", "unknown-id")
            .replace("{name}", "unknown-name");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let answer = api.call(method.clone(), &url, None).await;
        assert!(
            documented.contains(&answer.status),
            "{method} {url} answered {} ({}), documented: {documented:?}",
            answer.status,
            answer.text
        );
        if answer.status >= 400 {
            assert!(
                !answer.error_code().is_empty(),
                "{method} {url}: {}",
                answer.text
            );
        }
    }
}
