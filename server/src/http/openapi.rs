//! The OpenAPI document (`GET /api/openapi.json`), collected from the handlers' annotations
//! as they are routed (see `http::routes`), so a route cannot be served without being
//! documented.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, InfoBuilder, OpenApi, Ref, ResponseBuilder};

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
    secure(&mut doc);
    DOCUMENT.get_or_init(|| doc.to_json().expect("the OpenAPI document serializes"));
}

/// Routes anyone may call: liveness, this document and the public keys.
pub const PUBLIC_PATHS: &[&str] = &["/health", "/api/openapi.json", "/.well-known/jwks.json"];

/// Every route but the public ones takes a bearer token and may answer 401 (no or a bad
/// token), 403 (a token without the scope or session) and 429 (rate limited): documented
/// here once rather than on each handler.
fn secure(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.bearer_format = Some("JWT".into());
    components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorResponse"))),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        if PUBLIC_PATHS.contains(&path.as_str()) {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security = Some(vec![SecurityRequirement::new(
                "bearer",
                Vec::<String>::new(),
            )]);
            let responses = &mut operation.responses.responses;
            for (status, description) in [
                ("401", "Missing, invalid or expired token"),
                ("403", "The token lacks the scope or the session"),
                ("429", "Rate limited; see Retry-After"),
            ] {
                responses
                    .entry(status.into())
                    .or_insert_with(|| error(description).into());
            }
        }
    }
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
