//! The agentcast namespaces: [`Session`] (`/sessions/{id}`, with the session commands) and
//! [`Hub`] (`/`).

use std::ops::Deref;
use std::sync::Arc;

use agentcast_shared::commands::{GET_HISTORY, GET_STATUS, INGEST, PUBLISH};
use agentcast_shared::{
    Event, GetHistoryArgs, GetStatusArgs, HistoryPage, HubStatusReport, IngestArgs, IngestResult,
    PublishArgs, PublishResult, SessionStatusReport,
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
