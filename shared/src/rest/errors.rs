//! [`ErrorResponse`]: the body of every REST error answer, `{"error": {"code", "message"}}`,
//! with the HTTP status its [`ErrorCode`](crate::ErrorCode) means.

use serde::{Deserialize, Serialize};

use crate::ack::ErrorBody;

/// The body of every error answer of the REST API; its `error` is the same `ErrorBody` a
/// failed Socket.IO command acknowledges with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ErrorResponse {
    /// What failed and why.
    pub error: ErrorBody,
}
