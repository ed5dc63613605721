//! Claude Code's control protocol over stdin/stdout (`--input-format stream-json
//! --permission-prompt-tool stdio`, measured with 2.1.328): the lines agentcast writes, and
//! the control lines it takes out of the agent's stdout before the mapper sees them.
//!
//! Written: `control_request`s (`initialize`, `interrupt`), `user` prompts, and the
//! `control_response` to a `can_use_tool` request (`{behavior: "allow", updatedInput}` or
//! `{behavior: "deny", message}`), or an error for a request agentcast does not serve.
//! Read: `control_request` (`can_use_tool`, others), `control_response` (to ours) and
//! `control_cancel_request` (the agent withdrew a request).

use serde::Deserialize;
use serde_json::{Value, json};

/// A control line of the agent's stdout.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AgentControl {
    /// The agent asks before it uses a tool.
    CanUseTool(ToolPermission),
    /// A request agentcast does not serve (hook callbacks, MCP messages of SDK servers...):
    /// answered with an error so the agent does not wait.
    Unsupported { request_id: String, subtype: String },
    /// The answer to one of agentcast's requests; `error` when it failed.
    Response {
        request_id: String,
        error: Option<String>,
    },
    /// The agent withdrew its request `request_id` (e.g. the turn was interrupted).
    Cancel { request_id: String },
    /// A control line agentcast cannot read: kept as an `agent.error`, never fatal.
    Unreadable { reason: String },
}

/// A `can_use_tool` request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolPermission {
    pub request_id: String,
    pub tool_name: String,
    pub input: Value,
    pub tool_use_id: Option<String>,
    pub description: Option<String>,
    pub suggestions: Vec<Value>,
}

/// The control line of `line`, if it is one (`None`: a line for the mapper).
pub(crate) fn parse_control(line: &str) -> Option<AgentControl> {
    // Cheap test first: almost every line is output, and output never needs a second parse.
    if !line.contains("\"control_") {
        return None;
    }
    #[derive(Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    let head: Head<'_> = serde_json::from_str(line).ok()?;
    let parsed = match &*head.kind {
        "control_request" => serde_json::from_str::<Request>(line).map(Request::into_control),
        "control_response" => serde_json::from_str::<Response>(line).map(Response::into_control),
        "control_cancel_request" => {
            serde_json::from_str::<Cancel>(line).map(|c| AgentControl::Cancel {
                request_id: c.request_id,
            })
        }
        _ => return None,
    };
    Some(parsed.unwrap_or_else(|err| AgentControl::Unreadable {
        reason: format!("{} line: {err}", head.kind),
    }))
}

#[derive(Deserialize)]
struct Request {
    request_id: String,
    request: RequestBody,
}

#[derive(Deserialize)]
struct RequestBody {
    subtype: String,
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    tool_use_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    permission_suggestions: Option<Vec<Value>>,
}

impl Request {
    fn into_control(self) -> AgentControl {
        let body = self.request;
        match (body.subtype.as_str(), body.tool_name) {
            ("can_use_tool", Some(tool_name)) => AgentControl::CanUseTool(ToolPermission {
                request_id: self.request_id,
                tool_name,
                input: body.input.unwrap_or(Value::Null),
                tool_use_id: body.tool_use_id,
                description: body.description,
                suggestions: body.permission_suggestions.unwrap_or_default(),
            }),
            _ => AgentControl::Unsupported {
                request_id: self.request_id,
                subtype: body.subtype,
            },
        }
    }
}

#[derive(Deserialize)]
struct Response {
    response: ResponseBody,
}

#[derive(Deserialize)]
struct ResponseBody {
    subtype: String,
    request_id: String,
    #[serde(default)]
    error: Option<String>,
}

impl Response {
    fn into_control(self) -> AgentControl {
        let body = self.response;
        let error =
            (body.subtype != "success").then(|| body.error.unwrap_or_else(|| body.subtype.clone()));
        AgentControl::Response {
            request_id: body.request_id,
            error,
        }
    }
}

#[derive(Deserialize)]
struct Cancel {
    request_id: String,
}

/// `initialize`: the first line agentcast writes.
pub(crate) fn initialize(request_id: &str) -> String {
    line(json!({"type": "control_request", "request_id": request_id,
                "request": {"subtype": "initialize"}}))
}

/// `interrupt`: stop the running turn.
pub(crate) fn interrupt(request_id: &str) -> String {
    line(json!({"type": "control_request", "request_id": request_id,
                "request": {"subtype": "interrupt"}}))
}

/// A prompt: the next user message.
pub(crate) fn user_prompt(text: &str) -> String {
    line(
        json!({"type": "user", "message": {"role": "user", "content": text},
                "parent_tool_use_id": null, "session_id": ""}),
    )
}

/// Allows a tool call, with `input` (the requested one or a person's edit) and the
/// suggestions a person chose to apply ("always allow").
pub(crate) fn allow(request_id: &str, input: &Value, permissions: Option<&[Value]>) -> String {
    let mut decision = json!({"behavior": "allow", "updatedInput": input});
    if let Some(permissions) = permissions {
        decision["updatedPermissions"] = Value::from(permissions.to_vec());
    }
    success(request_id, decision)
}

/// Denies a tool call; the agent reads `message` as the tool's result.
pub(crate) fn deny(request_id: &str, message: &str) -> String {
    success(request_id, json!({"behavior": "deny", "message": message}))
}

/// Refuses a request agentcast does not serve.
pub(crate) fn unsupported(request_id: &str, subtype: &str) -> String {
    line(json!({"type": "control_response", "response": {
        "subtype": "error", "request_id": request_id,
        "error": format!("agentcast does not serve {subtype} requests")}}))
}

fn success(request_id: &str, response: Value) -> String {
    line(json!({"type": "control_response", "response": {
        "subtype": "success", "request_id": request_id, "response": response}}))
}

fn line(value: Value) -> String {
    let mut text = value.to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `can_use_tool` line as Claude Code 2.1.328 writes it (trimmed of `blocked_path`).
    const CAN_USE_TOOL: &str = r#"{"type":"control_request","request_id":"8f1b","request":{"subtype":"can_use_tool","tool_name":"Bash","display_name":"Bash","input":{"command":"touch approved.txt","description":"Create a file"},"description":"Create a file","permission_suggestions":[{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"touch approved.txt"}],"behavior":"allow","destination":"localSettings"}],"tool_use_id":"toolu_touch_1"}}"#;

    #[test]
    fn a_permission_request_is_read_with_its_suggestions() {
        let Some(AgentControl::CanUseTool(asked)) = parse_control(CAN_USE_TOOL) else {
            panic!("{:?}", parse_control(CAN_USE_TOOL));
        };
        assert_eq!(asked.request_id, "8f1b");
        assert_eq!(asked.tool_name, "Bash");
        assert_eq!(asked.input["command"], "touch approved.txt");
        assert_eq!(asked.tool_use_id.as_deref(), Some("toolu_touch_1"));
        assert_eq!(asked.description.as_deref(), Some("Create a file"));
        assert_eq!(asked.suggestions.len(), 1);
    }

    #[test]
    fn output_lines_are_not_control_lines_even_when_they_mention_one() {
        for line in [
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"\"control_request\""}]}}"#,
            r#"{"type":"result","subtype":"success"}"#,
            "not json \"control_",
            "",
        ] {
            assert_eq!(parse_control(line), None, "{line}");
        }
    }

    #[test]
    fn responses_cancels_other_requests_and_broken_lines() {
        let ok = r#"{"type":"control_response","response":{"subtype":"success","request_id":"init-1","response":{"commands":[]}}}"#;
        assert_eq!(
            parse_control(ok),
            Some(AgentControl::Response {
                request_id: "init-1".into(),
                error: None
            })
        );
        let failed = r#"{"type":"control_response","response":{"subtype":"error","request_id":"2","error":"no turn"}}"#;
        assert_eq!(
            parse_control(failed),
            Some(AgentControl::Response {
                request_id: "2".into(),
                error: Some("no turn".into())
            })
        );
        let cancel = r#"{"type":"control_cancel_request","request_id":"8f1b"}"#;
        assert_eq!(
            parse_control(cancel),
            Some(AgentControl::Cancel {
                request_id: "8f1b".into()
            })
        );
        let hook = r#"{"type":"control_request","request_id":"h1","request":{"subtype":"hook_callback","callback_id":"x"}}"#;
        assert_eq!(
            parse_control(hook),
            Some(AgentControl::Unsupported {
                request_id: "h1".into(),
                subtype: "hook_callback".into()
            })
        );
        let broken = r#"{"type":"control_request","request":{"subtype":"can_use_tool"}}"#;
        assert!(matches!(
            parse_control(broken),
            Some(AgentControl::Unreadable { reason }) if reason.contains("request_id")
        ));
    }

    #[test]
    fn written_lines_are_one_json_object_each() {
        let allow = allow(
            "r1",
            &json!({"command": "ls"}),
            Some(&[json!({"type": "x"})]),
        );
        let value: Value = serde_json::from_str(allow.trim_end()).unwrap();
        assert!(allow.ends_with('\n') && !allow.trim_end().contains('\n'));
        assert_eq!(value["response"]["request_id"], "r1");
        assert_eq!(value["response"]["response"]["behavior"], "allow");
        assert_eq!(
            value["response"]["response"]["updatedInput"]["command"],
            "ls"
        );
        assert_eq!(
            value["response"]["response"]["updatedPermissions"][0]["type"],
            "x"
        );
        let deny: Value = serde_json::from_str(&deny("r2", "not\nthat")).unwrap();
        assert_eq!(deny["response"]["response"]["message"], "not\nthat");
        let prompt: Value = serde_json::from_str(&user_prompt("hi")).unwrap();
        assert_eq!(prompt["message"]["content"], "hi");
        let init: Value = serde_json::from_str(&initialize("i")).unwrap();
        assert_eq!(init["request"]["subtype"], "initialize");
        let stop: Value = serde_json::from_str(&interrupt("s")).unwrap();
        assert_eq!(stop["request"]["subtype"], "interrupt");
    }
}
