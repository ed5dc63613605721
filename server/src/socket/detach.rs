//! Keeps an Engine.IO connection from holding hyper's read buffer for its whole life.
//!
//! hyper parses a request's URI and header values as slices (`Bytes`) of the connection's
//! read buffer, 8 KiB grown to 16 KiB by the time an upgrade request is read. engineioxide
//! keeps the request's parts as long as the socket lives (`req_parts()`); its vendored copy
//! copies the URI and header values it keeps (server/vendor/README.md), but not the
//! extensions, and axum's router puts a clone of the URI there as `OriginalUri`. That one
//! slice kept the whole buffer: 16 KiB of heap per idle connection, the largest cost of one
//! (BENCHMARKS.md, "Memory per idle connection"). This middleware, outside the Socket.IO
//! layer, gives Socket.IO requests an `OriginalUri` of their own.

use axum::extract::{OriginalUri, Request};
use axum::http::Uri;

/// Where socketioxide answers (its default path).
const SOCKET_IO_PATH: &str = "/socket.io/";

/// `request` with its `OriginalUri` (set by the router, shared with hyper's read buffer)
/// copied into an allocation of its own, for Socket.IO requests; others as they are.
pub(crate) async fn detach_original_uri(mut request: Request) -> Request {
    if !request.uri().path().starts_with(SOCKET_IO_PATH) {
        return request;
    }
    if let Some(original) = request.extensions_mut().get_mut::<OriginalUri>() {
        // Re-parsing a URI that parsed once cannot fail; if it did, the shared one stays.
        if let Ok(copy) = Uri::try_from(original.0.to_string()) {
            original.0 = copy;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use bytes::Bytes;

    use super::*;

    /// A request as hyper makes it: its `OriginalUri` a slice of `buffer`.
    fn request_sharing(buffer: &Bytes, path: &str) -> Request {
        let start = buffer.len() - path.len();
        let uri = Uri::from_maybe_shared(buffer.slice(start..)).unwrap();
        let mut request = Request::builder().uri(path).body(Body::empty()).unwrap();
        request.extensions_mut().insert(OriginalUri(uri));
        request
    }

    #[tokio::test]
    async fn a_socket_io_request_no_longer_shares_the_read_buffer() {
        let path = "/socket.io/?EIO=4&transport=websocket";
        let buffer = Bytes::from(format!("GET {path}"));
        let request = detach_original_uri(request_sharing(&buffer, path)).await;
        assert!(buffer.is_unique(), "the OriginalUri still holds the buffer");
        let kept = request.extensions().get::<OriginalUri>().unwrap();
        assert_eq!(kept.0, path);
    }

    #[tokio::test]
    async fn other_requests_are_left_alone() {
        let path = "/api/sessions";
        let buffer = Bytes::from(format!("GET {path}"));
        let request = detach_original_uri(request_sharing(&buffer, path)).await;
        assert!(!buffer.is_unique());
        drop(request);
        assert!(buffer.is_unique());
    }
}
