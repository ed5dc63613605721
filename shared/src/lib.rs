//! agentcast-shared: the wire contract between the agentcast server and every client.
//!
//! Serde types only; builds for native targets and `wasm32-unknown-unknown` (no tokio, axum or
//! web-sys). The server, the Rust client, the dashboard and the generated TypeScript
//! definitions all speak through these types, and golden JSON tests pin their shape.
//!
//! - [`envelope`]: [`Envelope`], the one argument of every server-to-client event, and
//!   [`format_ts_millis`] for its timestamp.
//! - [`events`]: one data struct per event type, the type-name constants beside them,
//!   [`EventData`], the [`Event`] enum (the shape of a `publish` item) and
//!   [`ALL_EVENT_TYPES`].
//! - [`pattern`]: subscription patterns (`*`, `tool.*`, `output.text`) and their expansion
//!   into event types (rooms).
//! - [`commands`]: client-to-server command names, their arguments and their ack results.
//! - [`control`]: the commands that answer the agent (`prompt`, `interrupt`,
//!   `permission.respond`, `end`), on a session namespace and over REST.
//! - [`ack`]: [`Ack`], the `{"ok": ...}` / `{"error": {...}}` answer to every command.
//! - [`claims`]: the JWT claims and scopes.
//! - [`session_id`]: what a session id may be.
//! - [`rest`]: the REST API's bodies and query parameters, one file per resource (with the
//!   `utoipa` feature, their OpenAPI schemas too).
//! - `typescript` (feature `ts`): renders `shared/ts/agentcast.d.ts`.
//! - `json_schema` (feature `schemars`): renders `shared/python/schema/agentcast.schema.json`,
//!   the JSON Schema the Python package's models are generated from.
//! - `view` (feature `view`): a session's and the sessions list's events folded into what
//!   the dashboard and the terminal show (transcript, tool rows, todos, usage, permissions,
//!   the sessions list, needs-you), one fold for every client.
//!
//! Features: `ts` (the TypeScript export), `utoipa` (OpenAPI schemas of the REST types,
//! for the server), `schemars` (JSON Schema of the wire types, for the Python models and the
//! MCP tools) and `view` (the view models, for the dashboard and the terminal); wasm clients
//! build without the first three.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ack;
pub mod claims;
pub mod commands;
pub mod control;
pub mod envelope;
pub mod events;
#[cfg(feature = "schemars")]
pub mod json_schema;
pub mod pattern;
pub mod rest;
pub mod session_id;
#[cfg(feature = "ts")]
pub mod typescript;
#[cfg(feature = "view")]
pub mod view;

pub use ack::{Ack, ErrorBody, ErrorCode};
pub use claims::{Claims, Scope};
pub use commands::{
    ConnectAuth, GetHistoryArgs, GetStatusArgs, HistoryPage, HubStatusReport, IngestArgs,
    IngestResult, MAX_HISTORY_LIMIT, PingArgs, Pong, PublishArgs, PublishResult, RefreshArgs,
    Refreshed, RejectedLine, SessionStatusReport, SessionSummary, SubscribeArgs, Subscription,
};
pub use control::{
    EndArgs, EndResult, InterruptArgs, InterruptResult, PermissionAnswer, PermissionRespondArgs,
    PermissionResponded, PromptArgs, PromptResult,
};
pub use envelope::{Envelope, format_ts_millis, parse_ts_millis};
// Every event struct, enum and type-name constant, so `agentcast_shared::TOOL_STARTED` works.
pub use events::*;
pub use pattern::{Pattern, PatternError, expand};
pub use session_id::is_valid_session_id;
