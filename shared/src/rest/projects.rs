//! Projects over REST (`/api/projects`): sessions are grouped by project; a project's
//! settings are a JSON object the client owns.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A project, as stored and as every project route answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Project {
    /// 1 to 128 letters, digits, `-`, `_` or `.`.
    pub id: String,
    /// Its human name.
    pub name: String,
    /// Free-form settings, a JSON object.
    #[cfg_attr(feature = "utoipa", schema(value_type = Object))]
    pub settings: Value,
    /// When it was created, RFC 3339 UTC with milliseconds.
    pub created_at: String,
    /// The directory it is the project of (a git root, or a working directory outside any
    /// work tree); none for a project made by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Its sessions, deleted ones left out (as the store counts them; `0` when creating).
    #[serde(default)]
    pub session_count: u64,
}

/// The body of `GET /api/projects`: every project, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ProjectList {
    /// The projects.
    pub projects: Vec<Project>,
}

/// The body of `POST /api/projects`. (`PUT /api/projects/{id}/settings` takes the new
/// settings object itself.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1 to 128 letters, digits, `-`, `_` or `.` [default: a new random id].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// 1 to 200 characters.
    pub name: String,
    /// Free-form settings [default: `{}`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "utoipa", schema(value_type = Option<Object>))]
    pub settings: Option<Map<String, Value>>,
}
