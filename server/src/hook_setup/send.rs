//! `agentcast hooks send`: the command Claude Code runs for every hook. It reads the payload
//! on stdin and posts it to the server's `POST /api/hooks`, within one deadline for both. It
//! must never hold up or fail the agent: the caller reports a [`SendError`] on stderr and
//! exits 0 regardless, and nothing is printed on stdout (Claude Code adds a hook's stdout
//! to the conversation for some events) except, in approve mode (`--approve`), the decision
//! a watcher took: the payload goes to `POST /api/hooks/approve`, which answers once someone
//! allowed or denied the tool call, and [`hook_output`] is what Claude Code reads of it. No
//! answer in time, or any failure, prints nothing: Claude Code then asks in its terminal.

use std::path::PathBuf;
use std::time::Duration;

use agentcast_shared::PermissionDecision;
use agentcast_shared::rest::HookDecision;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// A write token, from `--token` or `AGENTCAST_TOKEN`.
    pub token: Option<String>,
    /// A file holding the token (what `hooks install --token` writes): kept out of the
    /// command line, so `ps` does not show it. Wins over `token`.
    pub token_file: Option<PathBuf>,
    /// Reading stdin and the request together.
    pub timeout: Duration,
    /// The largest payload sent; a larger one is dropped (and said so on stderr).
    pub max_bytes: usize,
    /// Approve mode: how long the server waits for a watcher's answer.
    pub approve_wait: Option<Duration>,
}

/// What the server said.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// The payload was taken.
    Ingested,
    /// Approve mode: the answer to the permission, and the hook event that asked.
    Decided {
        event: String,
        decision: HookDecision,
    },
}

/// Why a payload did not reach the server. Reported, never fatal to the agent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("reading the hook payload failed: {0}")]
    Stdin(std::io::Error),
    #[error("the hook payload is larger than {max_bytes} bytes (--max-bytes); not sent")]
    TooLarge { max_bytes: usize },
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gave up after {0:?} (--timeout-ms)")]
    Timeout(Duration),
    #[error("cannot reach the server at {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("the server refused the payload: {status}: {body}")]
    Refused { status: u16, body: String },
}

/// Reads one payload from `stdin` and posts it; see the module docs.
pub async fn send(options: &SendOptions, stdin: impl AsyncRead + Unpin) -> Result<Sent, SendError> {
    tokio::time::timeout(options.timeout, send_unbounded(options, stdin))
        .await
        .map_err(|_| SendError::Timeout(options.timeout))?
}

async fn send_unbounded(
    options: &SendOptions,
    stdin: impl AsyncRead + Unpin,
) -> Result<Sent, SendError> {
    let mut payload = Vec::new();
    // One byte past the limit tells a payload at the limit from a larger one.
    stdin
        .take(options.max_bytes as u64 + 1)
        .read_to_end(&mut payload)
        .await
        .map_err(SendError::Stdin)?;
    if payload.len() > options.max_bytes {
        return Err(SendError::TooLarge {
            max_bytes: options.max_bytes,
        });
    }
    let token = match &options.token_file {
        Some(path) => Some(
            tokio::fs::read_to_string(path)
                .await
                .map_err(|source| SendError::TokenFile {
                    path: path.clone(),
                    source,
                })?
                .trim()
                .to_owned(),
        ),
        None => options.token.clone(),
    };
    let base = options.server.trim_end_matches('/');
    let url = match options.approve_wait {
        Some(wait) => format!("{base}/api/hooks/approve?wait_s={}", wait.as_secs()),
        None => format!("{base}/api/hooks"),
    };
    // The event that asks, for the shape of the answer (approve mode only).
    let event = options.approve_wait.map(|_| {
        serde_json::from_slice::<serde_json::Value>(&payload)
            .ok()
            .and_then(|p| p["hook_event_name"].as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    let http = |source| SendError::Http {
        url: url.clone(),
        source,
    };
    let mut request = reqwest::Client::new()
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload);
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(http)?;
    let status = response.status();
    if status.is_success() {
        return match event {
            None => Ok(Sent::Ingested),
            Some(event) => {
                let decision = response.json().await.map_err(http)?;
                Ok(Sent::Decided { event, decision })
            }
        };
    }
    let body = response.text().await.unwrap_or_default();
    Err(SendError::Refused {
        status: status.as_u16(),
        body: body.chars().take(500).collect(),
    })
}

/// What the hook prints for Claude Code: the decision in the shape of the `event` that
/// asked (`PermissionRequest` or `PreToolUse`); `None` for `ask` (Claude Code then asks in
/// its terminal) and for other events.
pub fn hook_output(event: &str, decision: &HookDecision) -> Option<String> {
    let by = decision.by.as_deref().unwrap_or("a watcher");
    let output = match (event, decision.decision) {
        (_, PermissionDecision::Ask) => return None,
        ("PermissionRequest", PermissionDecision::Allow) => {
            let mut allow = json!({"behavior": "allow"});
            if let Some(input) = &decision.updated_input {
                allow["updatedInput"] = input.clone();
            }
            json!({"hookEventName": "PermissionRequest", "decision": allow})
        }
        ("PermissionRequest", PermissionDecision::Deny) => json!({
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "deny", "message": decision.message},
        }),
        ("PreToolUse", verdict) => {
            let (word, reason) = match verdict {
                PermissionDecision::Allow => {
                    ("allow", format!("Allowed by {by} through agentcast"))
                }
                _ => ("deny", decision.message.clone().unwrap_or_default()),
            };
            let mut output = json!({"hookEventName": "PreToolUse", "permissionDecision": word,
                                    "permissionDecisionReason": reason});
            if let Some(input) = &decision.updated_input {
                output["updatedInput"] = input.clone();
            }
            output
        }
        _ => return None,
    };
    Some(json!({"hookSpecificOutput": output}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(server: &str) -> SendOptions {
        SendOptions {
            server: server.to_owned(),
            token: None,
            token_file: None,
            timeout: Duration::from_secs(5),
            max_bytes: 16,
            approve_wait: None,
        }
    }

    fn decided(decision: PermissionDecision, message: Option<&str>) -> HookDecision {
        HookDecision {
            request_id: "r".into(),
            decision,
            by: Some("alice".into()),
            message: message.map(str::to_owned),
            updated_input: None,
        }
    }

    #[test]
    fn decisions_take_the_shape_of_the_event_that_asked() {
        let allow = decided(PermissionDecision::Allow, None);
        let output: serde_json::Value =
            serde_json::from_str(&hook_output("PermissionRequest", &allow).unwrap()).unwrap();
        assert_eq!(
            output["hookSpecificOutput"]["decision"]["behavior"],
            "allow"
        );
        let deny = decided(PermissionDecision::Deny, Some("no"));
        let output: serde_json::Value =
            serde_json::from_str(&hook_output("PreToolUse", &deny).unwrap()).unwrap();
        assert_eq!(output["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(
            output["hookSpecificOutput"]["permissionDecisionReason"],
            "no"
        );
        let ask = decided(PermissionDecision::Ask, None);
        assert_eq!(hook_output("PermissionRequest", &ask), None);
        assert_eq!(hook_output("Stop", &allow), None);
    }

    #[tokio::test]
    async fn a_server_that_is_down_is_a_quick_error() {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = send(&options(&format!("http://127.0.0.1:{port}")), &b"{}"[..])
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Http { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_payload_over_the_limit_is_not_sent() {
        let err = send(&options("http://127.0.0.1:1"), &[b'x'; 17][..])
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendError::TooLarge { max_bytes: 16 }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn stdin_that_never_ends_times_out() {
        let (_writer, reader) = tokio::io::duplex(64);
        let mut options = options("http://127.0.0.1:1");
        options.timeout = Duration::from_millis(50);
        let err = send(&options, reader).await.unwrap_err();
        assert!(matches!(err, SendError::Timeout(_)), "{err}");
    }
}
