//! [`AppState`]: what HTTP handlers are given, built once in `app::build`.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::config::Config;
use crate::hub::Hub;
use crate::sources::Supervisor;

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub supervisor: Supervisor,
    pub config: Arc<Config>,
}

impl FromRef<AppState> for Hub {
    fn from_ref(state: &AppState) -> Hub {
        state.hub.clone()
    }
}
