//! The tools' arguments. Their JSON Schemas (what `tools/list` shows a model) are derived from
//! these types, so a field's `///` is its description there. Unknown fields are refused, so a
//! misspelt argument is an error that names it rather than silently ignored; and every type is
//! read through [`Args`], so an error names the field it is about.

use agentcast_shared::{AgentKind, PermissionDecision};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// A tool's arguments `T`, read so that an error names its field: serde's own message for a
/// wrong type (`invalid type: string "many", expected u32`) does not, so the path is put in
/// front (`limit: invalid type: ...`). The schema is `T`'s.
#[derive(Debug, Clone)]
pub(crate) struct Args<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Args<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        serde_path_to_error::deserialize(value)
            .map(Args)
            .map_err(|err| {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if path == "." {
                    serde::de::Error::custom(inner)
                } else {
                    serde::de::Error::custom(format!("{path}: {inner}"))
                }
            })
    }
}

impl<T: JsonSchema> JsonSchema for Args<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Which sessions `list_sessions` returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StatusFilter {
    /// Starting, running, idle or waiting.
    Active,
    /// Completed, failed, cancelled or interrupted.
    Ended,
    /// Every session not deleted.
    #[default]
    All,
}

/// An agent kind, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Agent {
    Claude,
    Codex,
}

impl From<Agent> for AgentKind {
    fn from(agent: Agent) -> Self {
        match agent {
            Agent::Claude => AgentKind::Claude,
            Agent::Codex => AgentKind::Codex,
        }
    }
}

/// The answer to a permission request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Decision {
    /// The tool runs.
    Allow,
    /// The tool does not run; the agent gets the message.
    Deny,
}

impl From<Decision> for PermissionDecision {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Allow => PermissionDecision::Allow,
            Decision::Deny => PermissionDecision::Deny,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListSessionsArgs {
    /// active, ended or all (the default).
    #[serde(default)]
    pub status: StatusFilter,
    /// Only sessions of this agent: claude or codex.
    #[serde(default)]
    pub agent: Option<Agent>,
    /// Only sessions of this project id.
    #[serde(default)]
    pub project: Option<String>,
    /// Only sessions waiting for a person (an open permission request).
    #[serde(default)]
    pub needs_you: Option<bool>,
    /// Only sessions whose id, label, working directory or model contains this text
    /// (case-insensitive).
    #[serde(default)]
    pub query: Option<String>,
    /// Most sessions returned, newest first: 1 to 200, 50 by default.
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionArgs {
    /// The session's id (as `list_sessions` gives it).
    pub session_id: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetEventsArgs {
    /// The session's id.
    pub session_id: String,
    /// Event type patterns to keep: a type (`tool.started`), a prefix (`tool.*`) or `*`.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// Only events with an offset greater than this (page forward from it).
    #[serde(default)]
    pub after: Option<u64>,
    /// Only events with an offset less than this (page back from it).
    #[serde(default)]
    pub before: Option<u64>,
    /// Most events returned: 1 to 1000, 50 by default. Without `after` or `before`, the
    /// latest ones.
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchEventsArgs {
    /// The text to find (case-insensitive) in what the agents said and did: prompts, text,
    /// tool inputs and outputs, errors.
    pub query: String,
    /// Search this session only; otherwise the most recent sessions, newest first.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Event type patterns to search, as in `get_events`.
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// Most matches returned: 1 to 200, 20 by default.
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetTranscriptArgs {
    /// The session's id.
    pub session_id: String,
    /// Include the agent's thinking; off by default.
    #[serde(default)]
    pub thinking: bool,
    /// Most recent events the transcript is made of: 1 to 20000, 2000 by default.
    #[serde(default)]
    pub max_events: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendPromptArgs {
    /// The session's id; it must be one agentcast runs in control mode.
    pub session_id: String,
    /// The prompt.
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RespondPermissionArgs {
    /// The session's id.
    pub session_id: String,
    /// The `request_id` of the open permission request (`get_session` lists them).
    pub request_id: String,
    /// allow or deny.
    pub decision: Decision,
    /// Why (shown to the agent on a deny).
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublishTestEventArgs {
    /// The session to publish into (created when new).
    pub session_id: String,
    /// The text of the `output.text` event.
    pub text: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        value: serde_json::Value,
    ) -> String {
        serde_json::from_value::<Args<T>>(value)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_name_the_field() {
        let wrong_type = error_of::<GetEventsArgs>(json!({"session_id": "s", "limit": "many"}));
        assert!(
            wrong_type.starts_with("limit: invalid type"),
            "{wrong_type}"
        );
        let missing = error_of::<GetEventsArgs>(json!({}));
        assert!(missing.contains("missing field `session_id`"), "{missing}");
        let unknown = error_of::<SearchEventsArgs>(json!({"query": "x", "colour": 1}));
        assert!(unknown.contains("unknown field `colour`"), "{unknown}");
        let nested = error_of::<GetEventsArgs>(json!({"session_id": "s", "types": ["a", 2]}));
        assert!(nested.starts_with("types[1]: invalid type"), "{nested}");
        let variant = error_of::<ListSessionsArgs>(json!({"status": "sleeping"}));
        assert!(
            variant.starts_with("status: unknown variant `sleeping`"),
            "{variant}"
        );
        let Args(args) =
            serde_json::from_value::<Args<GetEventsArgs>>(json!({"session_id": "s"})).unwrap();
        assert_eq!(args.session_id, "s");
    }
}
