//! The REST API's request and response bodies and query parameters (DESIGN.md section 6), one
//! file per resource. The server answers with these types, the dashboard and Rust clients
//! parse them, and the TypeScript definitions declare them; golden JSON tests pin their shape.
//!
//! With the `utoipa` feature (the server's) every type also derives its OpenAPI schema
//! (`ToSchema`, and `IntoParams` for query parameters), so the document at
//! `/api/openapi.json` describes exactly what is sent.
//!
//! - [`sessions`]: [`SessionRecord`] (a session's summary and totals, as stored) and the
//!   views of it, session lists, checkpoints, starting a process, history parameters.
//! - [`projects`]: [`Project`] and its requests.
//! - [`mcp_servers`]: [`McpServerConfig`], [`McpServer`] and the check's report.
//! - [`analytics`]: the rows and reports of `/api/analytics/*`.
//! - [`auth`]: `/api/auth/whoami` and `/api/auth/refresh`.
//! - [`health`]: `GET /health`.
//! - [`ingest`]: what the ndjson and hook ingest routes answer (`publish` answers
//!   [`PublishResult`](crate::PublishResult), as the socket command does).
//! - [`errors`]: [`ErrorResponse`], the body of every error answer.
//!
//! ```
//! use agentcast_shared::rest::SessionList;
//!
//! let body = r#"{"sessions":[]}"#;
//! let list: SessionList = serde_json::from_str(body).unwrap();
//! assert!(list.sessions.is_empty());
//! ```

pub mod analytics;
pub mod auth;
pub mod errors;
pub mod health;
pub mod ingest;
pub mod mcp_servers;
pub mod projects;
pub mod sessions;

pub use analytics::{
    AnalyticsParams, CostReport, CostRow, GroupBy, SessionStatsRow, SessionsReport, UsageReport,
    UsageRow,
};
pub use auth::{RefreshedToken, WhoAmI};
pub use errors::ErrorResponse;
pub use health::{BrokerState, CollectorState, DatabaseStatus, Health, HealthStatus};
pub use ingest::{ApproveParams, HookDecision, HookIngested, StreamIngest};
pub use mcp_servers::{McpServer, McpServerConfig, McpServerList, McpTestParams, McpTestReport};
pub use projects::{CreateProject, Project, ProjectList};
pub use sessions::{
    Checkpoint, CreateCheckpoint, CreateSession, CreatedSession, HistoryParams, ListSessionsParams,
    SessionDetail, SessionFilter, SessionList, SessionRecord, SessionView, Stopping,
};
