//! Which session a transcript's events go to. Its own (the agent's session id is the
//! agentcast session id), unless agentcast runs that session itself (`agentcast run`,
//! `POST /api/sessions`): the run recorded the agent's session id before the agent started
//! (`--session-id`), and the transcript joins the run's session. A joined transcript
//! publishes nothing there (the run's stream already carries the same entries): it is
//! consumed with its cursor only, so it is neither shown twice nor read again after a restart.

use agentcast_shared::AgentKind;

use super::agents::Transcript;
use crate::hub::Hub;
use crate::store::{FileCursor, StoreError};

/// Where a transcript's events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub session_id: String,
    /// The session is one agentcast runs: nothing of the transcript is published.
    pub joined: bool,
}

/// The target of `transcript`: the one its stored cursor names, else a run's session that
/// knows its agent session id, else its own.
pub(crate) async fn target(
    hub: &Hub,
    transcript: &Transcript,
    stored: Option<&FileCursor>,
) -> Result<Target, StoreError> {
    let own = &transcript.agent_session_id;
    let session_id = match stored {
        Some(cursor) => cursor.session_id.clone(),
        None => hub
            .store()
            .sessions()
            .find_by_agent_session_id(own)
            .await?
            .map_or_else(|| own.clone(), |record| record.id),
    };
    Ok(Target {
        joined: &session_id != own,
        session_id,
    })
}

/// The cursor to store after reading `path` to `position`.
pub(crate) fn cursor(
    path: &std::path::Path,
    kind: AgentKind,
    target: &Target,
    position: u64,
    file_id: Option<&str>,
) -> FileCursor {
    FileCursor {
        path: path.display().to_string(),
        agent: kind,
        session_id: target.session_id.clone(),
        position,
        file_id: file_id.map(str::to_owned),
    }
}
