//! CORS: an explicit allow-list of origins (`--cors-origin`); none by default, so only pages
//! served from this server's own origin (the dashboard) can call the API from a browser.

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The layer for `origins` (`*` allows any origin; empty: same origin only).
pub fn layer(origins: &[String]) -> CorsLayer {
    if origins.is_empty() {
        // No Access-Control headers at all: browsers keep cross-origin pages out.
        return CorsLayer::new();
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // Validated at startup (config::security): each is a scheme and a host.
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}
