//! Key rotation through the real binary: `agentcast keys rotate` while `agentcast serve` runs.
//! Old and new tokens are both accepted during the overlap and only the new after it (an
//! overlap of 0s ends it at once, so nothing here waits for a clock), on a socket and on REST
//! alike; tokens carry the new kid; `/.well-known/jwks.json` lists every public key that
//! verifies; SIGHUP reloads the single key; a corrupt keyring or a missing key file stops
//! the start naming the file.

use std::path::{Path, PathBuf};
use std::process::Output;

use agentcast_tests::http::Api;
use agentcast_tests::raw::Client;
use agentcast_tests::server::{ServerProcess, agentcast_bin, fresh_data_dir, within};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::process::Command;

/// `agentcast <args>`, finished within 60 s (RSA key generation is slow in a debug build).
async fn agentcast(args: &[&str]) -> Output {
    let run = Command::new(agentcast_bin()).args(args).output();
    within(60, &format!("agentcast {}", args.join(" ")), run)
        .await
        .expect("running agentcast")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `agentcast keys rotate --data-dir <dir> <args>`: the new kid it prints.
async fn rotate(data_dir: &Path, args: &[&str]) -> String {
    let dir = data_dir.to_str().unwrap();
    let output = agentcast(&[&["keys", "rotate", "--data-dir", dir], args].concat()).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

/// `agentcast keys list --data-dir <dir> <args>`.
async fn list(data_dir: &Path, args: &[&str]) -> String {
    let dir = data_dir.to_str().unwrap();
    let output = agentcast(&[&["keys", "list", "--data-dir", dir], args].concat()).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// A token for every session from `agentcast token create`, with the server's key options.
async fn token(server: &ServerProcess, args: &[&str]) -> String {
    let base = ["--scope", "read", "--session", "*", "--ttl", "1h"];
    let args = [&base[..], args].concat();
    within(30, "agentcast token create", server.token(&args))
        .await
        .unwrap()
}

fn kid(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).unwrap().kid
}

/// Whether `token` is accepted by a socket connect (the hub namespace) and by a REST call;
/// both must agree. `Err` is the refusal's message.
async fn accepted(server: &ServerProcess, token: &str) -> Result<(), String> {
    let socket = Client::connect(server.addr(), "/", Some(json!({ "token": token })))
        .await
        .map(drop);
    let answer = Api::new(&server.url)
        .call_as(Method::GET, "/api/auth/whoami", Some(token), None)
        .await;
    let rest = match answer.status {
        200 => Ok(()),
        401 => Err(answer.error_message().to_owned()),
        other => panic!("whoami answered {other}: {}", answer.text),
    };
    assert_eq!(socket, rest, "the socket and REST disagree");
    rest
}

/// The audit log's lines once one of them satisfies `wanted` (the log is written by its own
/// thread: polled, 10 s at most).
async fn audit_line(data_dir: &Path, wanted: impl Fn(&Value) -> bool) -> Value {
    within(10, "the audit line", async {
        loop {
            let log = std::fs::read_to_string(data_dir.join("audit.jsonl")).unwrap_or_default();
            let found = log
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .find(|line| wanted(line));
            if let Some(line) = found {
                return line;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await
}

#[tokio::test]
async fn old_and_new_tokens_verify_during_the_overlap_and_only_the_new_after_it() {
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let dir = server.data_dir.clone();
    assert!(list(&dir, &[]).await.starts_with("no keyring in"));
    let single = token(&server, &[]).await;
    assert_eq!(kid(&single), None, "the single key signs without a kid");
    accepted(&server, &single).await.unwrap();

    // A rotation with a day's overlap: the new kid signs, and both tokens verify.
    let first = rotate(&dir, &["--overlap", "24h"]).await;
    let with_first = token(&server, &[]).await;
    assert_eq!(kid(&with_first).as_deref(), Some(first.as_str()));
    accepted(&server, &with_first).await.unwrap();
    accepted(&server, &single).await.unwrap();

    // A rotation with no overlap: the key `with_first` carries stops verifying at once.
    let second = rotate(&dir, &["--overlap", "0s"]).await;
    let with_second = token(&server, &[]).await;
    assert_eq!(kid(&with_second).as_deref(), Some(second.as_str()));
    accepted(&server, &with_second).await.unwrap();
    let refusal = accepted(&server, &with_first).await.unwrap_err();
    assert!(
        refusal.starts_with(&format!("invalid token: key {first} was retired")),
        "{refusal}"
    );
    // The single key's token (no kid) is in its own day of overlap still.
    accepted(&server, &single).await.unwrap();

    let refused = audit_line(&dir, |l| l["event"] == "token.refused").await;
    assert_eq!(refused["reason"], "key_retired");
    let rotated = audit_line(&dir, |l| l["event"] == "keys.rotated" && l["kid"] == second).await;
    assert_eq!(rotated["retired"], first.as_str());

    // `keys list`: kid, algorithm, state, until when; never key material.
    let shown = list(&dir, &[]).await;
    let row = |kid: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(kid))
            .unwrap()
            .to_owned()
    };
    assert!(row(&second).contains("HS256") && row(&second).contains("signing"));
    assert!(row(&first).contains("expired"), "{shown}");
    let configured = shown
        .lines()
        .find(|l| l.contains("retired") && l.contains("tokens without a kid"));
    assert!(configured.is_some(), "{shown}");
    for secret in std::fs::read_dir(dir.join("keys")).unwrap() {
        let path = secret.unwrap().path();
        if path.extension().is_some_and(|e| e == "secret") {
            let secret = std::fs::read_to_string(&path).unwrap();
            assert!(!shown.contains(secret.trim()), "keys list shows a secret");
        }
    }

    // The JWKS is public, and an HS256 secret is never in it.
    let jwks = Api::new(&server.url).get("/.well-known/jwks.json").await;
    assert_eq!(jwks.status, 200, "{}", jwks.text);
    assert_eq!(jwks.body, json!({"keys": []}));
}

/// `server/tests/keys/<name>`.
fn key_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../server/tests/keys")
        .join(name)
}

#[tokio::test]
async fn the_jwks_lists_every_public_key_that_verifies() {
    // An EdDSA server whose only keys are the keyring's: no --jwt-public-key.
    let dir = fresh_data_dir();
    let eddsa = ["--jwt-algorithm", "EdDSA"];
    let first = rotate(&dir, &eddsa).await;
    let server = ServerProcess::start_in(&dir, &[&["--auth", "jwt"][..], &eddsa].concat())
        .await
        .unwrap();
    let with_first = token(&server, &eddsa).await;
    assert_eq!(kid(&with_first).as_deref(), Some(first.as_str()));

    // A second EdDSA key, then an RS256 key given as a PEM file: three keys verify.
    let second = rotate(&dir, &[&["--overlap", "1h"][..], &eddsa].concat()).await;
    let with_second = token(&server, &eddsa).await;
    let rsa_key = key_file("rs256-other-private.pem");
    let rs256 = [
        "--overlap",
        "1h",
        "--jwt-algorithm",
        "RS256",
        "--private-key",
        rsa_key.to_str().unwrap(),
    ];
    let third = rotate(&dir, &rs256).await;
    let with_third = token(&server, &eddsa).await;
    assert_eq!(kid(&with_third).as_deref(), Some(third.as_str()));
    for token in [&with_first, &with_second, &with_third] {
        accepted(&server, token).await.unwrap();
    }

    let answer = Api::new(&server.url).get("/.well-known/jwks.json").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let keys = answer.body["keys"].as_array().unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, [&third, &second, &first]);
    for key in keys {
        assert_eq!(key["use"], "sig", "{key}");
        assert!(key.get("d").is_none(), "a private key in the JWKS: {key}");
        if key["kid"] == third {
            assert_eq!((&key["kty"], &key["alg"]), (&json!("RSA"), &json!("RS256")));
            assert!(key["n"].is_string() && key["e"] == "AQAB", "{key}");
        } else {
            assert_eq!((&key["kty"], &key["alg"]), (&json!("OKP"), &json!("EdDSA")));
            assert!(key["crv"] == "Ed25519" && key["x"].is_string(), "{key}");
        }
    }

    // Another service verifies each token with the JWK its kid names, as a JWKS client does.
    let jwks: JwkSet = serde_json::from_value(answer.body.clone()).unwrap();
    for token in [&with_first, &with_second, &with_third] {
        let jwk = jwks.find(&kid(token).unwrap()).unwrap();
        let alg = algorithm_of(jwk);
        let mut validation = Validation::new(alg);
        validation.set_required_spec_claims(&["sub", "exp"]);
        let key = DecodingKey::from_jwk(jwk).unwrap();
        jsonwebtoken::decode::<Value>(token, &key, &validation).unwrap();
    }
}

/// The algorithm a JWK names.
fn algorithm_of(jwk: &jsonwebtoken::jwk::Jwk) -> jsonwebtoken::Algorithm {
    match jwk.common.key_algorithm {
        Some(jsonwebtoken::jwk::KeyAlgorithm::RS256) => jsonwebtoken::Algorithm::RS256,
        Some(jsonwebtoken::jwk::KeyAlgorithm::EdDSA) => jsonwebtoken::Algorithm::EdDSA,
        other => panic!("unexpected alg {other:?}"),
    }
}

/// Sends SIGHUP to the server.
async fn hang_up(server: &ServerProcess) {
    let pid = server.child.id().expect("the server runs").to_string();
    let status = within(
        10,
        "kill -HUP",
        Command::new("kill").args(["-HUP", &pid]).status(),
    )
    .await
    .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sighup_reloads_the_keys_and_a_broken_keyring_keeps_the_ones_in_use() {
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let dir = server.data_dir.clone();
    let old = token(&server, &[]).await;
    // A new secret on disk is not watched: the old one verifies until SIGHUP.
    std::fs::write(dir.join("jwt-secret"), "ab".repeat(32)).unwrap();
    accepted(&server, &old).await.unwrap();
    hang_up(&server).await;
    let reloaded = audit_line(&dir, |l| l["event"] == "keys.reloaded").await;
    assert_eq!(reloaded["ok"], true, "{reloaded}");
    assert_eq!(
        accepted(&server, &old).await,
        Err("invalid token: bad signature".into())
    );
    let new = token(&server, &[]).await;
    accepted(&server, &new).await.unwrap();

    // A keyring that does not parse: the server goes on with the keys it has, and a SIGHUP
    // says why it kept them.
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys/keyring.toml"), "[[keys]]\nkid = 1\n").unwrap();
    accepted(&server, &new).await.unwrap();
    hang_up(&server).await;
    let refused = audit_line(&dir, |l| l["event"] == "keys.reloaded" && l["ok"] == false).await;
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("keyring.toml"),
        "{refused}"
    );
    accepted(&server, &new).await.unwrap();
}

/// `agentcast serve` on `dir` with authentication: it must fail to start; its stderr.
async fn start_fails(dir: &Path) -> String {
    let dir = dir.to_str().unwrap();
    let args = [
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--auth",
        "jwt",
        "--data-dir",
        dir,
    ];
    let output = agentcast(&args).await;
    let stderr = text(&output.stderr);
    assert!(!output.status.success(), "it started: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[tokio::test]
async fn a_corrupt_keyring_or_a_missing_key_file_stops_the_start_naming_the_file() {
    let corrupt = fresh_data_dir();
    std::fs::create_dir_all(corrupt.join("keys")).unwrap();
    std::fs::write(corrupt.join("keys/keyring.toml"), "[[keys]\n").unwrap();
    let stderr = start_fails(&corrupt).await;
    assert!(stderr.contains("keys/keyring.toml"), "{stderr}");

    let missing = fresh_data_dir();
    let kid = rotate(&missing, &[]).await;
    let file = format!("{kid}.secret");
    std::fs::remove_file(missing.join("keys").join(&file)).unwrap();
    let stderr = start_fails(&missing).await;
    assert!(
        stderr.contains("cannot read") && stderr.contains(&file),
        "{stderr}"
    );
}
