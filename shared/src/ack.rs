//! The acknowledgement every command answers with.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A command's answer: `{"ok": <result>}` or `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Ack<T> {
    /// The command succeeded.
    Ok(T),
    /// The command failed.
    Error(ErrorBody),
}

impl<T> Ack<T> {
    /// A failure with a code and a message.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Ack::Error(ErrorBody::new(code, message))
    }

    /// A `bad_request` failure: the arguments were wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Ack::error(ErrorCode::BadRequest, message)
    }

    /// The answer as a `Result`, for `?` on the client side.
    pub fn into_result(self) -> Result<T, ErrorBody> {
        match self {
            Ack::Ok(value) => Ok(value),
            Ack::Error(error) => Err(error),
        }
    }
}

impl<T> From<Result<T, ErrorBody>> for Ack<T> {
    fn from(result: Result<T, ErrorBody>) -> Self {
        match result {
            Ok(value) => Ack::Ok(value),
            Err(error) => Ack::Error(error),
        }
    }
}

/// Why a command or a REST request failed: the stable JSON error body of Socket.IO acks and
/// of the REST API (`{"error": <ErrorBody>}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[error("{code}: {message}")]
pub struct ErrorBody {
    /// The kind of failure, for programs.
    pub code: ErrorCode,
    /// What went wrong, for people; names the field or parameter at fault, never internals
    /// such as SQL or paths.
    pub message: String,
}

impl ErrorBody {
    /// An error body with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
        }
    }
}

/// The kind of a failure; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The arguments were malformed or invalid (400).
    BadRequest,
    /// No valid token: missing, expired or badly signed (401).
    Unauthorized,
    /// The token is valid but does not allow this (403).
    Forbidden,
    /// No such session or resource (404).
    NotFound,
    /// Too many requests or messages; try again later (429).
    RateLimited,
    /// The payload or a line is over the limit (413).
    PayloadTooLarge,
    /// The request conflicts with the current state, e.g. an id already in use (409).
    Conflict,
    /// A permission request was already answered (by someone else, or by its timeout) (409).
    AlreadyResolved,
    /// The server cannot serve this now, e.g. it is shutting down (503).
    Unavailable,
    /// A bug or an unexpected failure on the server (500).
    Internal,
}

impl ErrorCode {
    /// The wire name, e.g. `bad_request`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Conflict => "conflict",
            Self::AlreadyResolved => "already_resolved",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status the REST API answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::RateLimited => 429,
            Self::PayloadTooLarge => 413,
            Self::Conflict | Self::AlreadyResolved => 409,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
