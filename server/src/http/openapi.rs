//! The OpenAPI document (`GET /api/openapi.json`), collected from the handlers' annotations
//! as they are routed (see `http::routes`), so a route cannot be served without being
//! documented.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::{InfoBuilder, OpenApi};

/// The document as served. It depends on the code only, not on the configuration, so every
/// router of the process (tests start several) serves the same one.
static DOCUMENT: OnceLock<String> = OnceLock::new();

/// Fills in the document's header (the paths and schemas come from the routes) and keeps it
/// for [`serve`].
pub fn publish(mut doc: OpenApi) {
    doc.info = InfoBuilder::new()
        .title("agentcast")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The REST API of agentcast. Events stream over Socket.IO (namespaces `/` and \
             `/sessions/{id}`); see the README. Every error is \
             `{\"error\": {\"code\", \"message\"}}`.",
        ))
        .build();
    DOCUMENT.get_or_init(|| doc.to_json().expect("the OpenAPI document serializes"));
}

#[utoipa::path(
    get, path = "/api/openapi.json", tag = "operations",
    description = "This document.",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object))
)]
pub async fn serve() -> impl IntoResponse {
    let json = DOCUMENT.get().map_or("{}", String::as_str);
    ([(header::CONTENT_TYPE, "application/json")], json)
}
