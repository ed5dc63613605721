//! The live side, through agentcast-client: one connection per page, multiplexing the hub
//! namespace `/` (the sessions list's updates and the open permission requests per session,
//! applied once per frame, and `system.stats` with the collectors' import progress) and the
//! open session's namespace, which
//! replays from the offset we hold and then streams, exactly once and in order across
//! reconnects. Leaving a session leaves its namespace; the connection stays.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use agentcast_client::{Client, ClientConfig, ConnectionState, Envelope, Session, SocketStatus};
use futures_util::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::model::connection::Connection;
use crate::model::import_progress::ImportProgress;
use crate::ui::{Ctx, Feed};

/// How often the hub is pinged, so the latency shown stays current.
const PING_EVERY: Duration = Duration::from_secs(5);

pub struct Live {
    ctx: Ctx,
    client: Client,
    /// The open session's id and namespace socket.
    session: Rc<RefCell<Option<(String, Session)>>>,
    /// False once dropped: the "closed by the application" that closing causes must not
    /// overwrite what the header says about why (a refused token).
    active: Rc<Cell<bool>>,
}

impl Live {
    /// Connects the hub and loads the sessions list; the list is then kept current by the hub.
    pub fn connect(ctx: Ctx, token: Option<String>) -> Live {
        let client = Client::connect(config(token));
        let active = Rc::new(Cell::new(true));
        let live = active.clone();
        let mut states = client.state();
        spawn_local(async move {
            while let Some(state) = states.next().await {
                if live.get() {
                    ctx.connection.set(to_connection(state));
                }
            }
        });
        let socket = client.hub();
        let mut status = socket.status();
        spawn_local(async move {
            while let Some(status) = status.next().await {
                match status {
                    SocketStatus::Connected { .. } => {
                        ctx.refusal.set(None);
                        // Anything that happened while we were away is in the list again.
                        crate::ui::load_sessions(ctx);
                        load_who(ctx);
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
        // A collector importing thousands of sessions sends their events in bursts: one
        // update of the list per frame, and none for a batch that changed nothing.
        let feed = Feed::new(move |batch| {
            if let Some(stats) = batch.iter().rev().find_map(ImportProgress::stats_in)
                && ctx.collector.with_untracked(|c| *c != stats)
            {
                ctx.collector.set(stats);
            }
            ctx.sessions.maybe_update(|s| s.apply_all(&batch));
            ctx.open_requests.maybe_update(|o| o.apply_all(&batch));
        });
        spawn_local(async move {
            while let Some(envelope) = events.next().await {
                feed.push(envelope);
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
            client,
            session: Rc::default(),
            active,
        }
    }

    /// Streams a session's events after `offset` into `on_event` (replay first, then live),
    /// `session.recovered` included, and calls `on_connected` each time its namespace
    /// connects (the state to ask for again); a refusal becomes the page's notice.
    pub fn watch_session(
        &self,
        id: &str,
        offset: u64,
        on_event: impl Fn(Envelope) + 'static,
        on_connected: impl Fn(Session) + 'static,
    ) {
        self.unwatch_session_any();
        let (session, mut events) = self.client.session(id, Some(offset));
        spawn_local(async move {
            while let Some(envelope) = events.next().await {
                on_event(envelope);
            }
        });
        // An explicit `*`: every type, and the opt-in `session.presence` (who is watching).
        // The client keeps it across reconnects.
        let subscriber = session.clone();
        spawn_local(async move {
            if let Err(err) = subscriber.subscribe(&["*"]).await {
                web_sys::console::warn_1(&format!("subscribing to session.presence: {err}").into());
            }
        });
        let mut status = session.status();
        let (ctx, live) = (self.ctx, self.active.clone());
        let socket = session.clone();
        spawn_local(async move {
            while let Some(status) = status.next().await {
                match status {
                    SocketStatus::Connected { .. } => on_connected(socket.clone()),
                    SocketStatus::Refused {
                        reason,
                        retrying: false,
                    } if live.get() => ctx.connection.set(Connection::Disconnected { reason }),
                    _ => {}
                }
            }
        });
        *self.session.borrow_mut() = Some((id.to_owned(), session));
    }

    /// Leaves the session's namespace, if `id` is the one open.
    pub fn unwatch_session(&self, id: &str) {
        let open = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|(open, _)| open == id);
        if open {
            self.unwatch_session_any();
        }
    }

    fn unwatch_session_any(&self) {
        let Some((_, session)) = self.session.borrow_mut().take() else {
            return;
        };
        session.leave();
        // A refused session may have put its reason in the header: show the connection's
        // state again (its stream gives the current one first).
        let mut states = self.client.state();
        let (ctx, live) = (self.ctx, self.active.clone());
        spawn_local(async move {
            if let Some(state) = states.next().await
                && live.get()
            {
                ctx.connection.set(to_connection(state));
            }
        });
    }

    /// Session `id`'s socket while the connection is up, for `get_history` and the control
    /// commands; `None` while it is down (a command would wait in the queue until its timeout).
    pub fn connected_session(&self, id: &str) -> Option<Session> {
        if !matches!(
            self.ctx.connection.get_untracked(),
            Connection::Connected { .. }
        ) {
            return None;
        }
        let open = self.session.borrow();
        open.as_ref()
            .filter(|(open, _)| open == id)
            .map(|(_, socket)| socket.clone())
    }

    /// The Retry button: try now instead of waiting for the backoff.
    pub fn retry(&self) {
        self.ctx.connection.set(Connection::Connecting);
        self.client.reconnect();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.active.set(false);
        self.client.close();
    }
}

/// What the token grants, for the controls; kept when the call fails (the controls then
/// stay as they were, and the server refuses what the token may not do anyway).
fn load_who(ctx: Ctx) {
    let token = ctx.token();
    spawn_local(async move {
        match crate::api::whoami(token.as_deref()).await {
            Ok(who) => ctx.who.set(Some(who)),
            Err(err) => web_sys::console::warn_1(&format!("whoami: {}", err.message).into()),
        }
    });
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

fn to_connection(state: ConnectionState) -> Connection {
    match state {
        ConnectionState::Connecting => Connection::Connecting,
        ConnectionState::Connected { latency } => Connection::Connected {
            latency_ms: latency.map(|l| l.as_millis() as u64),
        },
        ConnectionState::Reconnecting {
            attempt,
            next_in,
            reason,
        } => Connection::Reconnecting {
            attempt,
            reason,
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
