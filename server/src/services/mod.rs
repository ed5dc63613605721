//! The REST API's operations, between the HTTP handlers and the hub and store: each service
//! validates what a request asks, does it, and says what went wrong as a [`ServiceError`]
//! that `http` maps to a status. Handlers keep what is HTTP's (auth, extractors, status codes,
//! the audit log) and never reach into the store themselves.
//!
//! - `sessions`: [`SessionService`], the sessions of this run and of the store together
//!   (list, read, stop or delete, checkpoint, export).
//! - `projects`: [`ProjectService`], projects and their settings.
//! - `hooks`: [`HookService`], Claude Code hook payloads into the session they belong to.
//! - `mcp_servers`: [`McpServerService`], configured MCP servers and their check.
//! - `analytics`: [`AnalyticsService`], usage, costs and outcomes reports.
//! - `health`: [`health::check`], what `GET /health` reports.
//! - `error`: [`ServiceError`].

mod analytics;
mod error;
pub(crate) mod health;
mod hooks;
mod mcp_servers;
mod projects;
mod session_cursor;
mod sessions;

pub(crate) use analytics::AnalyticsService;
pub(crate) use error::ServiceError;
pub(crate) use hooks::{HookIngestError, HookService};
pub(crate) use mcp_servers::McpServerService;
pub(crate) use projects::ProjectService;
pub(crate) use sessions::{Removal, SessionService};

use std::path::PathBuf;

use crate::hub::Hub;
use crate::sources::Supervisor;

/// Every service, built once with the app and handed to the handlers in their state. Cheap
/// to clone.
#[derive(Clone)]
pub(crate) struct Services {
    pub sessions: SessionService,
    pub projects: ProjectService,
    pub mcp_servers: McpServerService,
    pub analytics: AnalyticsService,
    pub hooks: HookService,
}

impl Services {
    /// The services over `hub`'s store and sessions, with `supervisor`'s processes;
    /// `collected` are the Claude Code transcript roots the collector reads (none when off).
    pub(crate) fn new(hub: &Hub, supervisor: &Supervisor, collected: Vec<PathBuf>) -> Self {
        let store = hub.store();
        Services {
            sessions: SessionService::new(hub.clone(), supervisor.clone()),
            projects: ProjectService::new(store.projects().clone()),
            mcp_servers: McpServerService::new(store.projects().clone()),
            analytics: AnalyticsService::new(store.analytics().clone()),
            hooks: HookService::new(hub.clone(), collected),
        }
    }
}
