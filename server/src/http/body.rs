//! Request bodies: [`JsonBody`] parses JSON into a type with errors that name the field, and
//! [`RawBody`] takes the bytes; both answer a body over the route's limit (`max_payload`) with
//! the JSON 413 of every other error, not axum's plain-text one.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{ApiError, parse_json};
use super::state::AppState;

/// The body's bytes, within the route's limit.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| rejected(rejection, state.config.engine.max_payload))
    }
}

/// The body parsed as JSON into `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

fn rejected(rejection: BytesRejection, max_payload: u64) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!(
            "body: larger than the limit of {max_payload} bytes (max_payload)"
        ))
    } else {
        ApiError::bad_request(format!("body: {}", rejection.body_text()))
    }
}
