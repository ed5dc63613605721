//! [`AppState`]: what HTTP handlers are given, built once in `app::build`.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::audit::Audit;
use crate::auth::Authenticator;
use crate::config::Config;
use crate::control::Controls;
use crate::hub::Hub;
use crate::services::Services;
use crate::socket::SocketLayer;
use crate::sources::Supervisor;

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    /// The Socket.IO server, for what is connected (the MCP `server_status` tool).
    pub sockets: SocketLayer,
    pub supervisor: Supervisor,
    /// The sessions that take prompts and answers.
    pub controls: Controls,
    /// What handlers do beyond HTTP (sessions, projects, MCP servers, analytics).
    pub(crate) services: Services,
    pub config: Arc<Config>,
    pub auth: Authenticator,
    pub audit: Audit,
}

impl FromRef<AppState> for Hub {
    fn from_ref(state: &AppState) -> Hub {
        state.hub.clone()
    }
}
