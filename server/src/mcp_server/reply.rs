//! What a tool answers: readable text for a model or a person, and the same facts as
//! structured content for a program. Whatever the caller can act on (a bad argument, naming
//! the field; not found; forbidden; a conflict) is a tool result marked as an error, as the MCP
//! specification asks of tool errors and as rmcp answers arguments that do not parse: MCP
//! clients show it to the model, which can correct the call. A protocol error is left for what
//! is not the call's fault.

use agentcast_shared::{ErrorBody, ErrorCode};
use rmcp::ErrorData as McpError;
use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;
use serde_json::json;

use crate::control::ControlError;
use crate::http::ApiError;
use crate::hub::history::HistoryError;
use crate::services::ServiceError;

/// A tool's answer before it becomes a `CallToolResult`.
pub(crate) struct Reply {
    pub text: String,
    pub structured: serde_json::Value,
}

impl Reply {
    /// `text` for reading, `value` as the structured content.
    pub fn new(text: String, value: &impl Serialize) -> Reply {
        Reply {
            text,
            // Our own types serialize infallibly (no maps with non-string keys).
            structured: serde_json::to_value(value).unwrap_or_default(),
        }
    }
}

/// Why a tool did not do what it was asked, with the wire's error code.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolError {
    pub code: ErrorCode,
    pub message: String,
}

impl ToolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ToolError {
        ToolError {
            code,
            message: message.into(),
        }
    }

    /// A bad argument; `field: reason`.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> ToolError {
        ToolError::new(ErrorCode::BadRequest, format!("{field}: {reason}"))
    }
}

impl From<ErrorBody> for ToolError {
    fn from(body: ErrorBody) -> Self {
        ToolError::new(body.code, body.message)
    }
}

impl From<ServiceError> for ToolError {
    fn from(err: ServiceError) -> Self {
        ApiError::from(err).0.into()
    }
}

impl From<ControlError> for ToolError {
    fn from(err: ControlError) -> Self {
        ToolError::new(err.code(), err.to_string())
    }
}

impl From<HistoryError> for ToolError {
    fn from(err: HistoryError) -> Self {
        err.into_body().into()
    }
}

/// The `tools/call` answer of a tool's outcome.
pub(crate) fn finish(outcome: Result<Reply, ToolError>) -> Result<CallToolResult, McpError> {
    match outcome {
        Ok(reply) => {
            let mut result = CallToolResult::structured(reply.structured);
            result.content = vec![ContentBlock::text(reply.text)];
            Ok(result)
        }
        Err(err) => {
            let text = format!("{}: {}", err.code.as_str(), err.message);
            let mut result = CallToolResult::structured_error(json!({
                "error": { "code": err.code.as_str(), "message": err.message }
            }));
            result.content = vec![ContentBlock::text(text)];
            Ok(result)
        }
    }
}
