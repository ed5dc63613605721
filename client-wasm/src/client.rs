//! [`Client`]: the connection, shared by every namespace on it. Cheap to clone; it only
//! sends commands to the driver task.

use std::sync::Arc;
use std::time::Duration;

use futures_channel::mpsc;

use crate::config::ClientConfig;
use crate::driver::{self, Command};
use crate::events::{EnvelopeStream, Filter, Listener};
use crate::recovery::session::SessionCursor;
use crate::session::{Hub, Session};
use crate::socket::Socket;
use crate::state::ConnectionState;
use crate::transport::{DefaultTransport, Transport};

/// A connection to one agentcast (or any Socket.IO v5) server, shared by every namespace.
/// Cheap to clone; the connection lives until every clone and every socket is dropped.
#[derive(Clone)]
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    ack_timeout: Duration,
}

impl Client {
    /// Starts connecting in the background (tokio natively: call it inside a runtime; the
    /// page's event loop in the browser) and returns at once. Watch [`Client::state`].
    pub fn connect(config: ClientConfig) -> Client {
        let transport = Arc::new(DefaultTransport::new(&config));
        Client::with_transport(config, transport)
    }

    /// Like [`Client::connect`] over another transport.
    pub fn with_transport(config: ClientConfig, transport: Arc<dyn Transport>) -> Client {
        let ack_timeout = config.ack_timeout;
        Client {
            commands: driver::spawn(config, transport),
            ack_timeout,
        }
    }

    /// The connection's state: the current one first, then every change.
    pub fn state(&self) -> mpsc::UnboundedReceiver<ConnectionState> {
        let (tx, rx) = mpsc::unbounded();
        self.send(Command::WatchState(tx));
        rx
    }

    /// A namespace, connected now and after every reconnect. Register listeners right away:
    /// events are given to the listeners present when they arrive.
    pub fn socket(&self, nsp: &str) -> Socket {
        self.join(nsp, None, None)
    }

    /// The hub namespace `/`: the sessions list, lifecycle events, system stats.
    pub fn hub(&self) -> Hub {
        Hub::new(self.socket("/"))
    }

    /// The session namespace `/sessions/{session_id}` and the stream of its events, every one
    /// exactly once and in offset order, across reconnects and server restarts.
    ///
    /// `after`: replay the stored events after this offset first (`Some(0)`: the whole
    /// session); `None`: live events only. After a reconnect the client resumes from the last
    /// offset it applied. The stream also carries `session.recovered` (offset 0) after each
    /// replay; `recovered: false` means the history no longer held everything
    /// (page back with [`Session::get_history`]).
    pub fn session(&self, session_id: &str, after: Option<u64>) -> (Session, EnvelopeStream) {
        let nsp = format!("/sessions/{session_id}");
        // The stream's listener travels with the join, so not even the first replayed event
        // can arrive before it.
        let (listener, events) = Listener::new(Filter::Any);
        let socket = self.join(&nsp, Some(SessionCursor::new(after)), Some(listener));
        (
            Session::new(socket, session_id),
            EnvelopeStream::new(events),
        )
    }

    /// Connects again now: after a refusal (for example once a new token is set), after the
    /// attempts ran out, or to skip the current backoff wait (a Retry button).
    pub fn reconnect(&self) {
        self.send(Command::Reconnect);
    }

    /// Closes the connection; pending and queued operations fail with [`Error::Closed`](crate::Error::Closed).
    pub fn close(&self) {
        self.send(Command::Close);
    }

    fn join(&self, nsp: &str, cursor: Option<SessionCursor>, listener: Option<Listener>) -> Socket {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        self.send(Command::Join {
            nsp: nsp.clone(),
            cursor,
            listener,
        });
        Socket::new(nsp, self.commands.clone(), self.ack_timeout)
    }

    fn send(&self, command: Command) {
        // Fails only once the driver stopped, when every operation reports Closed anyway.
        let _ = self.commands.unbounded_send(command);
    }
}
