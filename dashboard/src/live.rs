//! The live side, through agentcast-client: one connection for the hub namespace `/` (the
//! sessions list's updates) and one for the open session's namespace, which replays from the
//! offset we hold and then streams, exactly once and in order across reconnects. The header
//! shows the state of the connection the user is looking at (the session's when one is open).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use agentcast_client::{Client, ClientConfig, ConnectionState, Envelope, Session, SocketStatus};
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::model::connection::Connection;
use crate::ui::Ctx;

/// How often the open connection is pinged, so the latency shown stays current.
const PING_EVERY: Duration = Duration::from_secs(5);

struct OpenSession {
    id: String,
    client: Client,
    socket: Session,
}

pub struct Live {
    ctx: Ctx,
    token: Option<String>,
    hub: Client,
    /// The open session: its id, connection and namespace socket.
    session: Rc<RefCell<Option<OpenSession>>>,
    /// False once dropped: the "closed by the application" that closing causes must not
    /// overwrite what the header says about why (a refused token).
    active: Rc<Cell<bool>>,
}

impl Live {
    /// Connects the hub and loads the sessions list; the list is then kept current by the hub.
    pub fn connect(ctx: Ctx, token: Option<String>) -> Live {
        let hub = Client::connect(config(token.clone()));
        let session: Rc<RefCell<Option<OpenSession>>> = Rc::default();
        let active = Rc::new(Cell::new(true));
        // The hub's state is shown while no session is open.
        let (shown, live) = (session.clone(), active.clone());
        follow_state(ctx, &hub, move || live.get() && shown.borrow().is_none());
        let socket = hub.hub();
        let mut status = socket.status();
        spawn_local(async move {
            while let Some(status) = status.next().await {
                match status {
                    SocketStatus::Connected { .. } => {
                        ctx.refusal.set(None);
                        // Anything that happened while we were away is in the list again.
                        crate::ui::load_sessions(ctx);
                    }
                    SocketStatus::Refused {
                        reason,
                        retrying: false,
                    } => {
                        ctx.refuse(crate::model::token::refusal_text(None, &reason));
                        return;
                    }
                    _ => {}
                }
            }
        });
        let mut events = socket.envelopes();
        spawn_local(async move {
            while let Some(envelope) = events.next().await {
                ctx.sessions.update(|s| {
                    s.apply(&envelope);
                });
            }
        });
        let pinger = socket.clone();
        spawn_local(async move {
            loop {
                gloo_timers::future::sleep(PING_EVERY).await;
                // Ends with the connection: a closed client answers Closed at once.
                if let Err(agentcast_client::Error::Closed) = pinger.ping().await {
                    return;
                }
            }
        });
        Live {
            ctx,
            token,
            hub,
            session,
            active,
        }
    }

    /// Streams a session's events after `offset` into `on_event` (replay first, then live),
    /// `session.recovered` included; a refusal becomes the page's notice.
    pub fn watch_session(&self, id: &str, offset: u64, on_event: impl Fn(Envelope) + 'static) {
        self.unwatch_session_any();
        let client = Client::connect(config(self.token.clone()));
        let (session, mut events) = client.session(id, Some(offset));
        let ctx = self.ctx;
        let (current, live) = (self.session.clone(), self.active.clone());
        let watched = id.to_owned();
        follow_state(ctx, &client, move || {
            live.get()
                && current
                    .borrow()
                    .as_ref()
                    .is_some_and(|open| open.id == watched)
        });
        spawn_local(async move {
            while let Some(envelope) = events.next().await {
                on_event(envelope);
            }
        });
        let mut status = session.status();
        spawn_local(async move {
            while let Some(status) = status.next().await {
                if let SocketStatus::Refused {
                    reason,
                    retrying: false,
                } = status
                {
                    ctx.connection.set(Connection::Disconnected { reason });
                }
            }
        });
        let pinger = session.clone();
        spawn_local(async move {
            loop {
                gloo_timers::future::sleep(PING_EVERY).await;
                if let Err(agentcast_client::Error::Closed) = pinger.ping().await {
                    return;
                }
            }
        });
        *self.session.borrow_mut() = Some(OpenSession {
            id: id.to_owned(),
            client,
            socket: session,
        });
    }

    /// Closes the session's connection, if `id` is the one open.
    pub fn unwatch_session(&self, id: &str) {
        let open = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|open| open.id == id);
        if open {
            self.unwatch_session_any();
        }
    }

    fn unwatch_session_any(&self) {
        let Some(open) = self.session.borrow_mut().take() else {
            return;
        };
        open.client.close();
        // Back to the hub's state: its stream gives the current one first.
        let mut states = self.hub.state();
        let (ctx, session, live) = (self.ctx, self.session.clone(), self.active.clone());
        spawn_local(async move {
            if let Some(state) = states.next().await
                && live.get()
                && session.borrow().is_none()
            {
                ctx.connection.set(to_connection(state));
            }
        });
    }

    /// Session `id`'s socket while the connection is up, for `get_history`; `None` while it
    /// is down (a command would wait in the queue until its timeout).
    pub fn connected_session(&self, id: &str) -> Option<Session> {
        if !matches!(
            self.ctx.connection.get_untracked(),
            Connection::Connected { .. }
        ) {
            return None;
        }
        let open = self.session.borrow();
        open.as_ref()
            .filter(|open| open.id == id)
            .map(|open| open.socket.clone())
    }

    /// The Retry button: try now instead of waiting for the backoff.
    pub fn retry(&self) {
        self.ctx.connection.set(Connection::Connecting);
        self.hub.reconnect();
        if let Some(open) = self.session.borrow().as_ref() {
            open.client.reconnect();
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.active.set(false);
        self.hub.close();
        self.unwatch_session_any();
    }
}

/// The page's own origin: the dashboard is served by the server it watches.
fn config(token: Option<String>) -> ClientConfig {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let config = ClientConfig::new(origin);
    match token {
        Some(token) => config.with_token(token),
        None => config,
    }
}

/// Mirrors a client's state into the header while `shown()` says it is the one looked at.
fn follow_state(ctx: Ctx, client: &Client, shown: impl Fn() -> bool + 'static) {
    let mut states = client.state();
    spawn_local(async move {
        while let Some(state) = states.next().await {
            if shown() {
                ctx.connection.set(to_connection(state));
            }
        }
    });
}

fn to_connection(state: ConnectionState) -> Connection {
    match state {
        ConnectionState::Connecting => Connection::Connecting,
        ConnectionState::Connected { latency } => Connection::Connected {
            latency_ms: latency.map(|l| l.as_millis() as u64),
        },
        ConnectionState::Reconnecting { attempt, next_in } => Connection::Reconnecting {
            attempt,
            retry_at_ms: now() + next_in.as_secs_f64() * 1000.0,
        },
        ConnectionState::Disconnected { reason } => Connection::Disconnected { reason },
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
