//! The commands that answer the agent (scope `control`), on a session namespace and over REST
//! (`POST /api/sessions/{id}/prompt`, `/interrupt`, `/end`, `/permissions/{request_id}`):
//! their arguments and results. Only sessions agentcast runs in control mode accept them
//! (`controllable` in the session's status and REST view).

use serde::{Deserialize, Deserializer, Serialize, de::IgnoredAny};

use crate::events::PermissionDecision;

/// `prompt` ([`PromptArgs`] -> [`PromptResult`]): the next prompt; queued while a turn runs.
pub const PROMPT: &str = "prompt";
/// `interrupt` ([`InterruptArgs`] -> [`InterruptResult`]): stop the running turn.
pub const INTERRUPT: &str = "interrupt";
/// `permission.respond` ([`PermissionRespondArgs`] -> [`PermissionResponded`]): answer a
/// `permission.requested`.
pub const PERMISSION_RESPOND: &str = "permission.respond";
/// `end` ([`EndArgs`] -> [`EndResult`]): end the session (the agent finishes its turn and
/// exits).
pub const END: &str = "end";

/// The longest prompt accepted, in bytes.
pub const MAX_PROMPT_BYTES: usize = 256 * 1024;

/// Arguments of `prompt`, and the body of `POST /api/sessions/{id}/prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromptArgs {
    /// The prompt (at most [`MAX_PROMPT_BYTES`]).
    pub text: String,
}

/// Result of `prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PromptResult {
    /// True when a turn was running: the prompt starts the turn after the ones before it.
    pub queued: bool,
    /// Prompts waiting before this one (0 when it was sent to the agent now).
    pub ahead: u32,
}

/// Arguments of `interrupt` and `end`: none. Accepts `{}`, `null`, a missing argument or
/// anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct InterruptArgs {}

impl<'de> Deserialize<'de> for InterruptArgs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The command takes nothing: whatever a client sends is not worth refusing.
        IgnoredAny::deserialize(deserializer).map(|_| InterruptArgs {})
    }
}

/// Result of `interrupt`, sent once the agent confirmed it stopped the turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct InterruptResult {
    /// True when a turn was running and the agent stopped it; false when none ran.
    pub interrupted: bool,
}

/// Arguments of `end`: none (the same leniency as [`InterruptArgs`]).
pub type EndArgs = InterruptArgs;

/// Result of `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct EndResult {
    /// Always true: the session ends once the agent has exited (`session.ended`).
    pub ending: bool,
}

/// An answer to a permission request: the body of
/// `POST /api/sessions/{id}/permissions/{request_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PermissionAnswer {
    /// `allow` or `deny`.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub decision: PermissionDecision,
    /// What a denial tells the agent [default: "Denied by <who> through agentcast"].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The input the tool runs with instead of the one requested (allow only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub updated_input: Option<serde_json::Value>,
    /// Suggestions of the request to apply as well ("always allow"), as the request listed
    /// them (allow only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown[]"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Vec<Object>>))]
    pub updated_permissions: Option<Vec<serde_json::Value>>,
}

/// Arguments of `permission.respond`: the request and the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PermissionRespondArgs {
    /// The `request_id` of the `permission.requested`.
    pub request_id: String,
    /// The answer's fields, inline.
    #[serde(flatten)]
    pub answer: PermissionAnswer,
}

/// Result of `permission.respond`: the answer reached the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PermissionResponded {
    /// The request answered.
    pub request_id: String,
    /// The decision the agent got.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub decision: PermissionDecision,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_respond_carries_the_answer_inline() {
        let args: PermissionRespondArgs = serde_json::from_str(
            r#"{"request_id":"r1","decision":"deny","message":"not that file"}"#,
        )
        .unwrap();
        assert_eq!(args.request_id, "r1");
        assert_eq!(args.answer.decision, PermissionDecision::Deny);
        assert_eq!(args.answer.message.as_deref(), Some("not that file"));
        assert!(
            serde_json::from_str::<PermissionRespondArgs>(r#"{"request_id":"r1"}"#).is_err(),
            "a decision is required"
        );
        assert!(
            serde_json::from_str::<PermissionAnswer>(r#"{"decision":"maybe"}"#).is_err(),
            "allow or deny"
        );
    }

    #[test]
    fn interrupt_takes_anything() {
        for any in ["{}", "null", "[1]", r#"{"x":1}"#] {
            assert_eq!(
                serde_json::from_str::<InterruptArgs>(any).unwrap(),
                InterruptArgs {}
            );
        }
    }
}
