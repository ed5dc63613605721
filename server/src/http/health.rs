//! `GET /health`: liveness, for load balancers and humans.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::hub::Hub;

pub async fn health(State(hub): State<Hub>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_s": hub.stats().uptime().as_secs(),
    }))
}
