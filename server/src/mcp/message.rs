//! The few MCP messages of the handshake, as JSON-RPC 2.0 lines: the `initialize` request
//! and its result, the `initialized` notification, answers to the server's own requests, and
//! the classification of whatever the server writes on stdout.
//!
//! Shapes from the MCP specification, revision 2025-06-18 (basic/lifecycle, basic/transports).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The revision we ask for; the server answers the one it speaks, and we accept any.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// The id of our one request. The only response we wait for carries it.
const INITIALIZE_ID: u64 = 1;

/// JSON-RPC 2.0 "Method not found", our answer to server requests other than `ping`.
const METHOD_NOT_FOUND: i64 = -32601;

#[derive(Serialize)]
struct Request<P> {
    jsonrpc: &'static str,
    id: u64,
    method: &'static str,
    params: P,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InitializeParams {
    protocol_version: &'static str,
    /// Empty: the check offers the server nothing (no roots, sampling or elicitation), so a
    /// well-behaved server sends us no requests but `ping`.
    capabilities: Map<String, Value>,
    client_info: Implementation,
}

#[derive(Serialize)]
struct Implementation {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Notification {
    jsonrpc: &'static str,
    method: &'static str,
}

#[derive(Serialize)]
struct Response<'a> {
    jsonrpc: &'static str,
    id: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<RpcError>,
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The `initialize` request line (without the newline).
pub(crate) fn initialize_request() -> Vec<u8> {
    to_line(&Request {
        jsonrpc: "2.0",
        id: INITIALIZE_ID,
        method: "initialize",
        params: InitializeParams {
            protocol_version: PROTOCOL_VERSION,
            capabilities: Map::new(),
            client_info: Implementation {
                name: "agentcast",
                version: env!("CARGO_PKG_VERSION"),
            },
        },
    })
}

/// The `notifications/initialized` line that ends the handshake.
pub(crate) fn initialized_notification() -> Vec<u8> {
    to_line(&Notification {
        jsonrpc: "2.0",
        method: "notifications/initialized",
    })
}

/// Our answer to a request the server sent during the handshake: `ping` gets the empty
/// result the spec asks for, anything else "Method not found" (we offered no capabilities).
pub(crate) fn answer_request(id: &Value, method: &str) -> Vec<u8> {
    let (result, error) = if method == "ping" {
        (Some(Map::new()), None)
    } else {
        let error = RpcError {
            code: METHOD_NOT_FOUND,
            message: format!("agentcast does not handle `{method}` during the server check"),
            data: None,
        };
        (None, Some(error))
    };
    to_line(&Response {
        jsonrpc: "2.0",
        id,
        result,
        error,
    })
}

fn to_line(message: &impl Serialize) -> Vec<u8> {
    // Serializing these plain structs (strings, numbers, maps with string keys) cannot fail.
    serde_json::to_vec(message).expect("MCP messages serialize")
}

/// The `initialize` result, as far as the check reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InitializeResult {
    pub protocol_version: String,
    /// Required by the spec; real clients refuse a result without it, so the check does too.
    pub capabilities: Map<String, Value>,
    pub server_info: ServerInfo,
    #[serde(default)]
    pub instructions: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct ServerInfo {
    pub name: String,
    /// Required by the spec, but its absence does not stop a server from working.
    #[serde(default)]
    pub version: Option<String>,
}

impl InitializeResult {
    /// Parses the `result` member, naming the offending field when it does not fit.
    pub(crate) fn from_value(result: Value) -> Result<Self, String> {
        serde_path_to_error::deserialize(result).map_err(|err| {
            let path = err.path().to_string();
            if path == "." {
                format!("invalid `initialize` result: {}", err.inner())
            } else {
                format!("invalid `initialize` result at `{path}`: {}", err.inner())
            }
        })
    }
}

/// What one stdout line of the server is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    /// The answer to our `initialize`: its `result`, or the server's error. An error with a
    /// null id counts too: it is the server saying it could not read our request.
    InitializeResponse(Result<Value, RpcError>),
    /// The response with our id carries neither a usable `result` nor a usable `error`.
    InvalidResponse(String),
    /// A request of the server's own (`ping`, or one we will refuse).
    Request { id: Value, method: String },
    /// A notification, typically `notifications/message` (logging).
    Notification { method: String },
    /// JSON, but no message for us: another id, not an object, a batch.
    Unrelated,
    /// Not JSON at all (a banner, a log line, binary noise).
    NotJson,
}

/// The members of a JSON-RPC message that tell its kind. `id` keeps "absent" (None) apart
/// from `null` (Some(Value::Null)).
#[derive(Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// Classifies one line the server wrote (without its newline). Never fails: whatever is not
/// a message for us is `Unrelated` or `NotJson`.
pub(crate) fn classify(line: &[u8]) -> Incoming {
    let Ok(value) = serde_json::from_slice::<Value>(line) else {
        return Incoming::NotJson;
    };
    if !value.is_object() {
        return Incoming::Unrelated;
    }
    let Ok(envelope) = serde_json::from_value::<Envelope>(value) else {
        // An object whose `method` is not a string, say.
        return Incoming::Unrelated;
    };
    match envelope {
        Envelope {
            method: Some(method),
            id: Some(id),
            ..
        } => Incoming::Request { id, method },
        Envelope {
            method: Some(method),
            id: None,
            ..
        } => Incoming::Notification { method },
        Envelope {
            method: None,
            id: Some(id),
            result,
            error,
        } if is_ours(&id) || (id.is_null() && error.is_some()) => response(result, error),
        _ => Incoming::Unrelated,
    }
}

fn is_ours(id: &Value) -> bool {
    id.as_u64() == Some(INITIALIZE_ID)
}

fn response(result: Option<Value>, error: Option<Value>) -> Incoming {
    match (result, error) {
        (Some(result), None) => Incoming::InitializeResponse(Ok(result)),
        (None, Some(error)) => match serde_json::from_value::<RpcError>(error) {
            Ok(error) => Incoming::InitializeResponse(Err(error)),
            Err(err) => Incoming::InvalidResponse(format!(
                "the error answering `initialize` is not a JSON-RPC error object: {err}"
            )),
        },
        (Some(_), Some(_)) => Incoming::InvalidResponse(
            "the response to `initialize` has both `result` and `error`".to_owned(),
        ),
        (None, None) => Incoming::InvalidResponse(
            "the response to `initialize` has neither `result` nor `error`".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(line: &[u8]) -> Value {
        serde_json::from_slice(line).unwrap()
    }

    #[test]
    fn initialize_request_matches_the_spec() {
        assert_eq!(
            parse(&initialize_request()),
            json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "agentcast", "version": env!("CARGO_PKG_VERSION")},
                },
            })
        );
        assert!(!initialize_request().contains(&b'\n'), "one line");
    }

    #[test]
    fn initialized_notification_has_no_id() {
        assert_eq!(
            parse(&initialized_notification()),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
        );
    }

    #[test]
    fn ping_is_answered_with_an_empty_result_and_other_requests_are_refused() {
        assert_eq!(
            parse(&answer_request(&json!("p-1"), "ping")),
            json!({"jsonrpc": "2.0", "id": "p-1", "result": {}})
        );
        let refused = parse(&answer_request(&json!(7), "roots/list"));
        assert_eq!(refused["id"], 7);
        assert_eq!(refused["error"]["code"], -32601);
        assert!(refused.get("result").is_none());
    }

    #[test]
    fn classifies_responses_requests_notifications_and_noise() {
        assert_eq!(
            classify(br#"{"jsonrpc":"2.0","id":1,"result":{"a":1}}"#),
            Incoming::InitializeResponse(Ok(json!({"a": 1})))
        );
        assert_eq!(
            classify(br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"no"}}"#),
            Incoming::InitializeResponse(Err(RpcError {
                code: -32602,
                message: "no".into(),
                data: None
            }))
        );
        assert!(matches!(
            classify(
                br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#
            ),
            Incoming::InitializeResponse(Err(RpcError { code: -32700, .. }))
        ));
        assert_eq!(
            classify(br#"{"jsonrpc":"2.0","id":"s1","method":"ping"}"#),
            Incoming::Request {
                id: json!("s1"),
                method: "ping".into()
            }
        );
        assert_eq!(
            classify(br#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#),
            Incoming::Notification {
                method: "notifications/message".into()
            }
        );
        assert_eq!(
            classify(br#"{"jsonrpc":"2.0","id":2,"result":{}}"#),
            Incoming::Unrelated
        );
        assert_eq!(classify(b"[1,2]"), Incoming::Unrelated);
        assert_eq!(classify(b"42"), Incoming::Unrelated);
        assert_eq!(classify(br#"{"method":5}"#), Incoming::Unrelated);
        assert_eq!(classify(b"Server starting on stdio"), Incoming::NotJson);
        assert_eq!(classify(b"\xff\xfe{"), Incoming::NotJson);
        assert!(matches!(
            classify(br#"{"id":1}"#),
            Incoming::InvalidResponse(_)
        ));
        assert!(matches!(
            classify(br#"{"id":1,"error":"boom"}"#),
            Incoming::InvalidResponse(_)
        ));
    }

    #[test]
    fn initialize_result_names_the_missing_field() {
        let ok = InitializeResult::from_value(json!({
            "protocolVersion": "2025-03-26",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "s"},
        }))
        .unwrap();
        assert_eq!(ok.server_info.version, None);
        assert_eq!(ok.protocol_version, "2025-03-26");

        let err = InitializeResult::from_value(json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "serverInfo": {"version": "1"},
        }))
        .unwrap_err();
        assert!(err.contains("serverInfo") && err.contains("name"), "{err}");

        let err = InitializeResult::from_value(json!("nope")).unwrap_err();
        assert!(err.starts_with("invalid `initialize` result"), "{err}");
    }
}
