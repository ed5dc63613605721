//! What a session is ingested with: its limits and the facts its source knows about it.

use agentcast_shared::SessionSource;

/// Bounds on what one input line may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestLimits {
    /// The longest line accepted, in bytes without its line ending. A longer line becomes one
    /// `agent.error` and is skipped without being held in memory (default 16 MiB).
    pub max_line_bytes: usize,
    /// The most bytes of a tool's output (or a hook's) carried in an event: one huge result
    /// must not flood every client. `output_bytes` still reports the full size (default 2 KiB).
    pub preview_bytes: usize,
}

impl IngestLimits {
    /// The default longest line: 16 MiB.
    pub const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
    /// The default tool output preview: 2 KiB.
    pub const DEFAULT_PREVIEW_BYTES: usize = 2 * 1024;
}

impl Default for IngestLimits {
    fn default() -> Self {
        IngestLimits {
            max_line_bytes: Self::DEFAULT_MAX_LINE_BYTES,
            preview_bytes: Self::DEFAULT_PREVIEW_BYTES,
        }
    }
}

/// What the source of a session knows before the agent says anything; it fills the
/// `session.started` the mapper emits when the agent reports its `system/init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContext {
    /// The agentcast session id (not the agent's own session id).
    pub session_id: String,
    /// How the events arrive.
    pub source: agentcast_shared::SessionSource,
    /// A human name for the session list.
    pub label: Option<String>,
    /// The command line of the process, when agentcast started one.
    pub command: Option<Vec<String>>,
    /// The process's working directory; the agent's own report wins when it gives one.
    pub cwd: Option<String>,
}

impl SessionContext {
    /// A context with only an id and a source.
    pub fn new(session_id: impl Into<String>, source: SessionSource) -> Self {
        SessionContext {
            session_id: session_id.into(),
            source,
            label: None,
            command: None,
            cwd: None,
        }
    }
}
