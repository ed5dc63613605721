//! [`ApiError`]: every HTTP error is `shared`'s `ErrorResponse`, `{"error": {"code",
//! "message"}}`, with the status its code means. A 5xx is logged in full and answered without
//! internals. The services' errors (`ServiceError`) map to it here.

use agentcast_shared::rest::ErrorResponse;
use agentcast_shared::{ErrorBody, ErrorCode};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::services::ServiceError;

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

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Invalid { .. } => Self::bad_request(err.to_string()),
            ServiceError::NotFound { .. } => Self::not_found(err.to_string()),
            ServiceError::Exists { .. } | ServiceError::Deleted(_) => {
                Self::conflict(err.to_string())
            }
            ServiceError::Hub(err) => err.into(),
            // The services answer not-found and conflicts before the store's errors; what is
            // left is ours.
            ServiceError::Store(err) => Self::internal(err),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorResponse { error: self.0 })).into_response()
    }
}

/// Parses a JSON body into `T`; the error names the field.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    crate::parse::from_slice(body).map_err(ApiError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_keep_their_message_under_the_status_they_mean() {
        let cases = [
            (ServiceError::invalid("limit", "must be at least 1"), 400),
            (ServiceError::not_found("project", "web"), 404),
            (
                ServiceError::Exists {
                    what: "MCP server",
                    key: "fs".into(),
                },
                409,
            ),
            (ServiceError::Deleted("s1".into()), 409),
            (ServiceError::Hub(crate::hub::HubError::ShuttingDown), 503),
        ];
        for (err, status) in cases {
            let message = err.to_string();
            let ApiError(body) = err.into();
            assert_eq!(body.code.http_status(), status, "{message}");
            assert_eq!(body.message, message);
        }
        let corrupt = crate::store::StoreError::Corrupt {
            what: "project settings",
            detail: "SELECT ...".into(),
        };
        let ApiError(body) = ServiceError::Store(corrupt).into();
        assert_eq!(body.code, ErrorCode::Internal);
        assert!(
            !body.message.contains("SELECT"),
            "no internals: {}",
            body.message
        );
    }
}
