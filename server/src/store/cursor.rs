//! [`FileCursor`]: how far a collector has read one transcript file. It is stored in the same
//! transaction as the events that reading produced ([`EventLog::commit`](super::EventLog)),
//! so after a restart, a SIGKILL or a crash the collector resumes exactly after the last line
//! whose events are stored: nothing duplicated, nothing missing.

use agentcast_shared::AgentKind;

/// A transcript file's read position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCursor {
    /// The file, as the collector found it (absolute).
    pub path: String,
    /// Whose transcript it is.
    pub agent: AgentKind,
    /// The session its events went to.
    pub session_id: String,
    /// Bytes consumed: the position just after the last complete line read. A line still
    /// being written (no newline yet) is not consumed.
    pub position: u64,
    /// The file's identity when it was read (`<device>:<inode>`), so that a file replaced
    /// under the same path is read again from its start. `None` where the platform has none.
    pub file_id: Option<String>,
}
