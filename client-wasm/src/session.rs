//! The agentcast namespaces: [`Session`] (`/sessions/{id}`, with the session commands and
//! the control commands that answer the agent) and [`Hub`] (`/`).

use std::ops::Deref;
use std::sync::Arc;

use agentcast_shared::commands::{GET_HISTORY, GET_STATUS, INGEST, PUBLISH};
use agentcast_shared::control::{END, INTERRUPT, PERMISSION_RESPOND, PROMPT};
use agentcast_shared::{
    EndArgs, EndResult, Event, GetHistoryArgs, GetStatusArgs, HistoryPage, HubStatusReport,
    IngestArgs, IngestResult, InterruptArgs, InterruptResult, PermissionAnswer,
    PermissionRespondArgs, PermissionResponded, PromptArgs, PromptResult, PublishArgs,
    PublishResult, SessionStatusReport,
};

use crate::error::Error;
use crate::socket::Socket;

/// A session namespace: a [`Socket`] with the session commands.
#[derive(Clone)]
pub struct Session {
    socket: Socket,
    id: Arc<str>,
}

impl Session {
    pub(crate) fn new(socket: Socket, id: &str) -> Self {
        Session {
            socket,
            id: id.into(),
        }
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `get_history`: a page of stored events.
    pub async fn get_history(&self, args: &GetHistoryArgs) -> Result<HistoryPage, Error> {
        self.command(GET_HISTORY, args).await
    }

    /// `get_status`: the session's state, head offset and clients.
    pub async fn get_status(&self) -> Result<SessionStatusReport, Error> {
        self.command(GET_STATUS, &GetStatusArgs {}).await
    }

    /// `publish`: append typed events (write scope).
    pub async fn publish(&self, events: Vec<Event>) -> Result<PublishResult, Error> {
        self.command(PUBLISH, &PublishArgs { events }).await
    }

    /// `ingest`: append raw agent JSONL lines (write scope).
    pub async fn ingest(&self, lines: Vec<String>) -> Result<IngestResult, Error> {
        self.command(INGEST, &IngestArgs { lines }).await
    }

    // The control commands (scope `control`; only a session agentcast runs in control mode,
    // `controllable` in its status, accepts them). A token without the scope gets
    // `Error::Command` with code `forbidden` (`Error::code`).

    /// `prompt`: the agent's next prompt; queued while a turn runs (the result says how many
    /// prompts are ahead of it).
    pub async fn prompt(&self, text: impl Into<String>) -> Result<PromptResult, Error> {
        self.command(PROMPT, &PromptArgs { text: text.into() })
            .await
    }

    /// `interrupt`: stop the running turn; answered once the agent confirmed it stopped
    /// (`interrupted: false` when no turn ran).
    pub async fn interrupt(&self) -> Result<InterruptResult, Error> {
        self.command(INTERRUPT, &InterruptArgs {}).await
    }

    /// `permission.respond`: answer the `permission.requested` with this `request_id`. The
    /// first answer wins: a later one fails with code `already_resolved`, an unknown request
    /// with `not_found` (see [`Error::code`]).
    pub async fn respond_permission(
        &self,
        request_id: impl Into<String>,
        answer: PermissionAnswer,
    ) -> Result<PermissionResponded, Error> {
        let args = PermissionRespondArgs {
            request_id: request_id.into(),
            answer,
        };
        self.command(PERMISSION_RESPOND, &args).await
    }

    /// `end`: end the session; the agent finishes and exits, then `session.ended` comes.
    pub async fn end(&self) -> Result<EndResult, Error> {
        self.command(END, &EndArgs {}).await
    }
}

impl Deref for Session {
    type Target = Socket;

    fn deref(&self) -> &Socket {
        &self.socket
    }
}

/// The hub namespace `/`.
#[derive(Clone)]
pub struct Hub(Socket);

impl Hub {
    pub(crate) fn new(socket: Socket) -> Self {
        Hub(socket)
    }

    /// `get_status`: server statistics and the sessions the token may see.
    pub async fn get_status(&self) -> Result<HubStatusReport, Error> {
        self.0.command(GET_STATUS, &GetStatusArgs {}).await
    }
}

impl Deref for Hub {
    type Target = Socket;

    fn deref(&self) -> &Socket {
        &self.0
    }
}
