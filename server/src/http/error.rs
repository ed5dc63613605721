//! [`ApiError`]: every HTTP error is `{"error": {"code", "message"}}` with the status its code
//! means. A 5xx is logged in full and answered without internals.

use agentcast_shared::{ErrorBody, ErrorCode};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorBody::new(code, message))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PayloadTooLarge, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// A failure of ours: logged with its detail, answered generically.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(ErrorCode::Internal, "internal error; see the server log")
    }
}

impl From<crate::hub::HubError> for ApiError {
    fn from(err: crate::hub::HubError) -> Self {
        let code = match err {
            crate::hub::HubError::ShuttingDown => ErrorCode::Unavailable,
            crate::hub::HubError::Store => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        };
        Self::new(code, err.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    /// Not-found and conflicts are answered by the handlers before they reach the store's
    /// errors; what is left is ours.
    fn from(err: crate::store::StoreError) -> Self {
        Self::internal(err)
    }
}

/// The body of every error answer, for the OpenAPI document (the wire form of [`ApiError`]).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used
pub struct ErrorResponse {
    error: ErrorDetail,
}

/// `{"code", "message"}` of an [`ErrorResponse`].
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used
pub struct ErrorDetail {
    /// Machine-readable: `bad_request`, `not_found`, `conflict`, `payload_too_large`,
    /// `forbidden`, `internal`, ...
    code: String,
    /// For humans; names the field or parameter at fault.
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(json!({ "error": self.0 }))).into_response()
    }
}

/// Parses a JSON body into `T`; the error names the field.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    crate::parse::from_slice(body).map_err(ApiError)
}
