//! What the HTTP ingest routes answer: an ndjson body of agent JSONL
//! (`POST /api/sessions/{id}/events`), a Claude Code hook payload (`POST /api/hooks`), and
//! a permission asked by a hook in approve mode (`POST /api/hooks/approve`).
//! `POST /api/sessions/{id}/publish` takes [`PublishArgs`](crate::PublishArgs) and answers
//! [`PublishResult`](crate::PublishResult), as the `publish` command does.

use serde::{Deserialize, Serialize};

use crate::events::PermissionDecision;

/// What an ndjson body did: lines read and refused, bytes, and the head after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StreamIngest {
    /// Lines read.
    pub lines: u64,
    /// Lines that were malformed or could not be mapped (counted, not fatal).
    pub errors: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The session's latest offset after the body.
    pub head_offset: u64,
}

/// The answer to `POST /api/hooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct HookIngested {
    /// The session the payload named.
    pub session_id: String,
    /// The session's latest offset after the payload's events.
    pub head_offset: u64,
}

/// The answer to `POST /api/hooks/approve`: what the `PermissionRequest` hook tells Claude
/// Code (`ask`: nothing, so Claude Code shows its own prompt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct HookDecision {
    /// The request it answers (as `permission.requested` named it).
    pub request_id: String,
    /// `allow`, `deny` or `ask`.
    #[cfg_attr(feature = "utoipa", schema(value_type = String))]
    pub decision: PermissionDecision,
    /// Who answered (a token's subject), absent for `ask` after the wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// What a denial tells the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The input the tool runs with instead of the requested one (allow only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub updated_input: Option<serde_json::Value>,
}

/// The query parameters of `POST /api/hooks/approve`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "utoipa",
    derive(utoipa::IntoParams),
    into_params(parameter_in = Query)
)]
#[serde(deny_unknown_fields)]
pub struct ApproveParams {
    /// How long to wait for a watcher's answer, in seconds, before answering `ask`
    /// [default and max: the server's `--permission-timeout-s`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_s: Option<u64>,
}
