//! Authentication against the real server (in-process, port 0, auth on): forged, expired and
//! early tokens refused on sockets and REST with the reason; sessions and scopes enforced;
//! expiry disconnecting a live socket and `auth.refresh` preventing it; the audit log.

use std::time::Duration;

use agentcast_server::auth::{Authenticator, now_s};
use agentcast_server::cli::ServeArgs;
use agentcast_server::config::{AuthArgs, AuthMode};
use agentcast_shared::Scope;
use agentcast_tests::http::Api;
use agentcast_tests::raw::{Client, TestServer, sample_events};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

async fn secured(grace_ms: u64) -> TestServer {
    TestServer::start(ServeArgs {
        auth: AuthArgs {
            mode: Some(AuthMode::Jwt),
            token_expiry_grace_ms: Some(grace_ms),
            ..AuthArgs::default()
        },
        ..ServeArgs::default()
    })
    .await
}

/// Tokens signed with the server's own key.
fn issuer(server: &TestServer) -> Authenticator {
    Authenticator::from_config(&server.config.auth).unwrap()
}

fn token(server: &TestServer, scope: Scope, sessions: &[&str]) -> String {
    let sessions = sessions.iter().map(|s| s.to_string()).collect();
    issuer(server)
        .issue("tester", scope, sessions, Duration::from_secs(600))
        .unwrap()
}

/// A read token for every session, for `sub`, valid `ttl`.
fn read_token(auth: &Authenticator, sub: &str, ttl: Duration) -> String {
    auth.issue(sub, Scope::Read, vec!["*".into()], ttl).unwrap()
}

fn secret(server: &TestServer) -> Vec<u8> {
    std::fs::read(&server.config.auth.jwt_secret_file).unwrap()
}

fn hs256(key: &[u8], claims: Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

fn claims(exp_in: i64) -> Value {
    let now = now_s() as i64;
    json!({"sub": "mallory", "iat": now, "exp": now + exp_in, "scope": ["admin"], "sessions": ["*"]})
}

async fn refused(server: &TestServer, ns: &str, auth: Option<Value>) -> String {
    match Client::connect(server.addr, ns, auth).await {
        Ok(_) => panic!("{ns}: connected, expected a refusal"),
        Err(message) => message,
    }
}

fn with_token(token: &str) -> Option<Value> {
    Some(json!({ "token": token }))
}

/// The audit log once every line recorded so far is written.
async fn audit_lines(server: &TestServer) -> Vec<Value> {
    let text = server.audit_log().await;
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn sockets_refuse_bad_tokens_with_the_reason() {
    let server = secured(0).await;
    let key = secret(&server);
    let ns = "/sessions/a";
    assert_eq!(
        refused(&server, ns, None).await,
        "missing token: send it as auth {token} on connect or as Authorization: Bearer"
    );
    assert_eq!(
        refused(&server, ns, with_token(&hs256(&[9; 32], claims(60)))).await,
        "invalid token: bad signature"
    );
    assert_eq!(
        refused(&server, ns, with_token(&hs256(&key, claims(-5)))).await,
        "token expired"
    );
    let mut early = claims(600);
    early["nbf"] = json!(now_s() + 300);
    assert_eq!(
        refused(&server, ns, with_token(&hs256(&key, early))).await,
        "token not yet valid"
    );
    let none = {
        use base64::Engine as _;
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.",
            b64(br#"{"alg":"none"}"#),
            b64(claims(60).to_string().as_bytes())
        )
    };
    assert!(
        refused(&server, ns, with_token(&none))
            .await
            .contains("algorithm none is not accepted")
    );

    // A valid token, but for another session, or without read, or for the hub.
    let for_b = token(&server, Scope::Read, &["b"]);
    assert_eq!(
        refused(&server, ns, with_token(&for_b)).await,
        "token not allowed for session a"
    );
    assert!(
        refused(&server, "/", with_token(&for_b))
            .await
            .contains("every session")
    );
    let mut no_scope = claims(60);
    no_scope["scope"] = json!([]);
    assert_eq!(
        refused(&server, ns, with_token(&hs256(&key, no_scope))).await,
        "missing scope: read needed"
    );
    // A malformed offset is an error too, not a silent "no replay".
    let good = token(&server, Scope::Read, &["a"]);
    let message = refused(&server, ns, Some(json!({"token": good, "offset": "5"}))).await;
    assert!(message.starts_with("invalid auth: offset"), "{message}");

    let mut ok = Client::connect(server.addr, ns, with_token(&good))
        .await
        .expect("a good token connects");
    let pong = ok.emit_with_ack("ping", json!({})).await;
    assert!(pong["ok"]["ts"].is_string());

    // The audit log has the refusals with their reasons, and never a token.
    let lines = audit_lines(&server).await;
    let reasons: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "token.refused")
        .map(|l| l["reason"].as_str().unwrap())
        .collect();
    for reason in [
        "missing",
        "bad_signature",
        "expired",
        "not_yet_valid",
        "wrong_algorithm",
        "session_not_allowed",
    ] {
        assert!(reasons.contains(&reason), "no {reason} in {reasons:?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "token.accepted" && l["sub"] == "tester" && l["ns"] == ns)
    );
    let all = serde_json::to_string(&lines).unwrap();
    assert!(
        !all.contains(&good[..20]),
        "the audit log must not contain tokens"
    );
}

#[tokio::test]
async fn publish_and_ingest_need_write_scope() {
    let server = secured(0).await;
    let read = token(&server, Scope::Read, &["s"]);
    let mut reader = Client::connect(server.addr, "/sessions/s", with_token(&read))
        .await
        .unwrap();
    for (command, args) in [
        ("publish", json!({"events": sample_events(1, 1)})),
        ("ingest", json!({"lines": ["{}"]})),
    ] {
        let ack = reader.emit_with_ack(command, args).await;
        assert_eq!(ack["error"]["code"], "forbidden", "{command}: {ack}");
        assert_eq!(ack["error"]["message"], "missing scope: write needed");
    }
    let write = token(&server, Scope::Write, &["s"]);
    let mut writer = Client::connect(server.addr, "/sessions/s", with_token(&write))
        .await
        .unwrap();
    let ack = writer
        .emit_with_ack("publish", json!({"events": sample_events(2, 1)}))
        .await;
    assert_eq!(ack["ok"]["head_offset"], 2);
}

#[tokio::test]
async fn an_expired_token_disconnects_a_live_socket_unless_refreshed() {
    let server = secured(0).await;
    let auth = issuer(&server);
    let short = |sub: &str| read_token(&auth, sub, Duration::from_secs(2));
    let mut expiring = Client::connect(server.addr, "/sessions/e", with_token(&short("tester")))
        .await
        .unwrap();
    let mut refreshed = Client::connect(server.addr, "/sessions/e", with_token(&short("tester")))
        .await
        .unwrap();

    // Refresh at once: a token for someone else is refused, then a longer one is taken.
    let other = read_token(&auth, "someone-else", Duration::from_secs(600));
    let ack = refreshed
        .emit_with_ack("auth.refresh", json!({"token": other}))
        .await;
    assert_eq!(ack["error"]["code"], "forbidden", "{ack}");
    let longer = read_token(&auth, "tester", Duration::from_secs(600));
    let ack = refreshed
        .emit_with_ack("auth.refresh", json!({"token": longer}))
        .await;
    assert!(
        ack["ok"]["expires_at"].as_u64().unwrap() > now_s() + 500,
        "{ack}"
    );
    let ack = refreshed
        .emit_with_ack("auth.refresh", json!({"token": "nope"}))
        .await;
    assert_eq!(ack["error"]["code"], "unauthorized", "{ack}");

    // The other one is told why, then disconnected (within the receive timeout).
    let (name, envelope) = expiring.next_event().await.expect("the expiry notice");
    assert_eq!(name, "agent.error");
    assert_eq!(envelope["data"]["code"], "token_expired");
    assert_eq!(envelope["offset"], 0);
    assert!(
        expiring.next_event().await.is_none(),
        "disconnected after the notice"
    );

    // The refreshed socket outlived its first token (which expired with the other's).
    let pong = refreshed.emit_with_ack("ping", json!({})).await;
    assert!(pong["ok"]["ts"].is_string(), "{pong}");
    assert!(
        audit_lines(&server)
            .await
            .iter()
            .any(|l| l["event"] == "token.expired")
    );
    assert!(
        audit_lines(&server)
            .await
            .iter()
            .any(|l| l["event"] == "token.refreshed")
    );
}

#[tokio::test]
async fn rest_answers_401_without_a_token_and_403_without_the_right() {
    let server = secured(0).await;
    let api = Api::for_addr(server.addr);
    let call = |method: Method, path: &str, token: Option<String>, body: Option<Value>| {
        let api = api.clone();
        let path = path.to_owned();
        async move {
            api.call_as(method, &path, token.as_deref(), body.map(|b| b.to_string()))
                .await
        }
    };
    // Public routes.
    assert_eq!(api.get("/health").await.status, 200);
    assert_eq!(api.get("/api/openapi.json").await.status, 200);

    let missing = api.get("/api/sessions").await;
    assert_eq!(
        (missing.status, missing.error_code()),
        (401, "unauthorized")
    );
    let forged = call(
        Method::GET,
        "/api/sessions",
        Some(hs256(&[1; 32], claims(60))),
        None,
    )
    .await;
    assert_eq!(forged.status, 401);
    assert_eq!(forged.error_message(), "invalid token: bad signature");
    let expired = call(
        Method::GET,
        "/api/sessions",
        Some(hs256(&secret(&server), claims(-1))),
        None,
    )
    .await;
    assert_eq!(expired.error_message(), "token expired");

    let write_a = token(&server, Scope::Write, &["a"]);
    let published = call(
        Method::POST,
        "/api/sessions/a/publish",
        Some(write_a.clone()),
        Some(json!({"events": sample_events(3, 1)})),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.text);
    let other = call(
        Method::POST,
        "/api/sessions/b/publish",
        Some(write_a.clone()),
        Some(json!({"events": []})),
    )
    .await;
    assert_eq!(
        (other.status, other.error_message()),
        (403, "token not allowed for session b")
    );

    let read_a = token(&server, Scope::Read, &["a"]);
    let page = call(
        Method::GET,
        "/api/sessions/a/events",
        Some(read_a.clone()),
        None,
    )
    .await;
    assert_eq!(page.body["events"].as_array().unwrap().len(), 3);
    let denied = call(
        Method::POST,
        "/api/sessions/a/publish",
        Some(read_a.clone()),
        Some(json!({"events": []})),
    )
    .await;
    assert_eq!(
        (denied.status, denied.error_message()),
        (403, "missing scope: write needed")
    );
    let analytics = call(
        Method::GET,
        "/api/analytics/usage",
        Some(read_a.clone()),
        None,
    )
    .await;
    assert_eq!(analytics.status, 403);
    let start = call(
        Method::POST,
        "/api/sessions",
        Some(write_a.clone()),
        Some(json!({"command": ["claude"]})),
    )
    .await;
    assert_eq!(
        (start.status, start.error_message()),
        (403, "missing scope: admin needed")
    );
    let mcp = call(Method::GET, "/api/mcp-servers", Some(write_a.clone()), None).await;
    assert_eq!(mcp.status, 403);

    // The list shows only the sessions the token may see.
    let admin = token(&server, Scope::Admin, &["*"]);
    call(
        Method::POST,
        "/api/sessions/b/publish",
        Some(admin.clone()),
        Some(json!({"events": sample_events(1, 1)})),
    )
    .await;
    let listed = call(Method::GET, "/api/sessions", Some(read_a.clone()), None).await;
    let ids: Vec<&str> = listed.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a"]);

    // whoami and refresh.
    let me = call(Method::GET, "/api/auth/whoami", Some(read_a.clone()), None).await;
    assert_eq!(
        (me.body["sub"].as_str(), me.body["scope"].clone()),
        (Some("tester"), json!(["read"]))
    );
    let fresh = call(
        Method::POST,
        "/api/auth/refresh",
        Some(read_a.clone()),
        None,
    )
    .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let new_token = fresh.body["token"].as_str().unwrap().to_owned();
    let again = call(Method::GET, "/api/sessions/a", Some(new_token), None).await;
    assert_eq!(again.status, 200);

    // Admin actions are audited with who did them.
    let deleted = call(Method::DELETE, "/api/sessions/b", Some(admin), None).await;
    assert_eq!(deleted.status, 204);
    let lines = audit_lines(&server).await;
    assert!(lines.iter().any(|l| l["event"] == "admin.action"
        && l["action"] == "session.delete"
        && l["session_id"] == "b"
        && l["sub"] == "tester"));
    assert!(
        lines.iter().any(|l| l["event"] == "token.refused"
            && l["via"] == "http"
            && l["reason"] == "missing")
    );
}

/// With authentication on, every documented operation but the public ones answers 401 to a
/// call without a token, and the document lists that answer.
#[tokio::test]
async fn every_protected_operation_documents_its_401() {
    let server = secured(0).await;
    let api = Api::for_addr(server.addr);
    let doc = api.get("/api/openapi.json").await.body;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let url = path.replace("{id}", "x").replace("{name}", "x");
            let answer = api
                .call(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &url,
                    None,
                )
                .await;
            let documented = operation["responses"]
                .get(answer.status.to_string())
                .is_some();
            assert!(
                documented,
                "{method} {path}: {} not documented",
                answer.status
            );
            let public =
                ["/health", "/api/openapi.json", "/.well-known/jwks.json"].contains(&path.as_str());
            assert_eq!(
                answer.status == 401,
                !public,
                "{method} {path}: {}",
                answer.status
            );
        }
    }
}

/// A stopped server has written every audit line recorded before it stopped.
#[tokio::test]
async fn the_audit_log_is_complete_once_the_server_stopped() {
    let server = secured(0).await;
    let path = server.config.server.data_dir.join("audit.jsonl");
    for _ in 0..20 {
        let message = refused(&server, "/", None).await;
        assert!(message.starts_with("missing token"), "{message}");
    }
    server.stop().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let refusals = text
        .lines()
        .filter(|line| line.contains(r#""event":"token.refused""#))
        .count();
    assert_eq!(refusals, 20, "{text}");
}
