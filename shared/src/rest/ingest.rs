//! What the HTTP ingest routes answer: an ndjson body of agent JSONL
//! (`POST /api/sessions/{id}/events`) and a Claude Code hook payload (`POST /api/hooks`).
//! `POST /api/sessions/{id}/publish` takes [`PublishArgs`](crate::PublishArgs) and answers
//! [`PublishResult`](crate::PublishResult), as the `publish` command does.

use serde::{Deserialize, Serialize};

/// What an ndjson body did: lines read and refused, bytes, and the head after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct StreamIngest {
    /// Lines read.
    pub lines: u64,
    /// Lines that were malformed or could not be mapped (counted, not fatal).
    pub errors: u64,
    /// Bytes read.
    pub bytes: u64,
    /// The session's latest offset after the body.
    pub head_offset: u64,
}

/// The answer to `POST /api/hooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct HookIngested {
    /// The session the payload named.
    pub session_id: String,
    /// The session's latest offset after the payload's events.
    pub head_offset: u64,
}
