//! The dashboard at `/`: the files Trunk built into `dist/`, read from disk.
//!
//! The folder is found without configuration, first match wins:
//! 1. `AGENTCAST_DASHBOARD_DIR`, when set (a packaged install puts it anywhere);
//! 2. `dist/` next to the binary (a copied release);
//! 3. `dist/` in the workspace the binary was built in: `target/<profile>/agentcast` looks two
//!    folders up, and a binary built elsewhere falls back to the source tree it came from.
//!
//! Trunk names every asset with a content hash (`app-1a2b3c4d5e6f7a8b_bg.wasm`), so those are
//! cached for a year as immutable; `index.html`, which names the current hashes, is
//! `no-cache` (revalidated each load) so a rebuilt dashboard is picked up at once. A path that
//! is not a file and has no extension is a client route (`/sessions/demo-1`): it gets
//! `index.html` too. Unknown `/api/...` paths keep their JSON 404.

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Environment variable naming the dashboard folder explicitly.
pub const DIR_ENV: &str = "AGENTCAST_DASHBOARD_DIR";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// The router's fallback: every GET that no API route took.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found(format!("no route {path}")).into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let Some(dir) = dist_dir() else {
        return not_built();
    };
    let Some(relative) = safe_relative(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = dir.join(&relative);
    if !relative.as_os_str().is_empty()
        && tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_file())
    {
        return send(&file, &method).await;
    }
    // A missing file with an extension (`/x.js`) is a 404; anything else is a client route.
    if relative.extension().is_some() {
        return StatusCode::NOT_FOUND.into_response();
    }
    send(&dir.join("index.html"), &method).await
}

async fn send(file: &Path, method: &Method) -> Response {
    let bytes = match tokio::fs::read(file).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(path = %file.display(), %err, "dashboard file unreadable");
            return StatusCode::NOT_FOUND.into_response();
        }
    };
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let cache = if is_hashed(name) { IMMUTABLE } else { NO_CACHE };
    let length = bytes.len();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn not_built() -> Response {
    let body = "The agentcast dashboard is not built. Run `cargo xtask run` (it builds it with \
        Trunk into dist/), or set AGENTCAST_DASHBOARD_DIR to a folder holding index.html.\n";
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The dashboard folder (it holds `index.html`). Found once and kept; while none is found it
/// is looked for again on each request, so building the dashboard needs no server restart.
fn dist_dir() -> Option<&'static Path> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Some(dir);
    }
    let found = candidates()
        .into_iter()
        .find(|dir| dir.join("index.html").is_file())?;
    tracing::info!(dir = %found.display(), "serving the dashboard");
    Some(DIR.get_or_init(|| found))
}

fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os(DIR_ENV) {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        dirs.push(exe_dir.join("dist"));
        // target/<profile>/agentcast -> the workspace root.
        if let Some(root) = exe_dir.parent().and_then(Path::parent) {
            dirs.push(root.join("dist"));
        }
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    dirs
}

/// The request path as a relative path inside the folder; `None` for anything that could
/// leave it (`..`, a drive, a backslash, a NUL).
fn safe_relative(path: &str) -> Option<PathBuf> {
    let path = path.trim_start_matches('/');
    if path.contains('\\') || path.contains('\0') {
        return None;
    }
    let relative = PathBuf::from(path);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(relative)
}

/// True for a name carrying Trunk's content hash: `-` and 16 hex digits before the extension
/// (or before `_bg`).
fn is_hashed(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashes_are_recognised() {
        assert!(is_hashed("agentcast-dashboard-4e3a1b2c3d4e5f60_bg.wasm"));
        assert!(is_hashed("agentcast-dashboard-4e3a1b2c3d4e5f60.js"));
        assert!(is_hashed("style-0123456789abcdef.css"));
        assert!(!is_hashed("index.html"));
        assert!(!is_hashed("agentcast-dashboard.js"));
        assert!(!is_hashed("style-0123.css"));
    }

    #[test]
    fn paths_cannot_leave_the_folder() {
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative("/a/b.js"), Some(PathBuf::from("a/b.js")));
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/a/../../x"), None);
        assert_eq!(safe_relative("/a\\..\\x"), None);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("x_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("app.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("blob"), "application/octet-stream");
    }
}
