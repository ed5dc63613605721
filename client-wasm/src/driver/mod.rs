//! The driver: one task per client that owns the connection and every namespace on it. It is
//! a state machine over one inbox of messages: commands from the handles, frames from the
//! link, and timers, each timer and link tagged with the connection's generation so that a
//! stale one is ignored. Nothing else touches the connection, so there are no locks.
//!
//! - `packets`: what arrives from the server (handshake, heartbeat, namespace packets).
//! - `commands`: what the handles ask (join, listen, emit and the bounded queue, close).
//! - `namespace`: the per-namespace state (listeners, acks, session cursor).

mod commands;
mod namespace;
mod packets;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::{StreamExt, stream};
use serde_json::Value;

use crate::backoff::Backoff;
use crate::codec::engineio::OpenInfo;
use crate::codec::socketio::{self, Packet};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::events::{Listener, RawAck};
use crate::recovery::session::SessionCursor;
use crate::rt::{self, Instant};
use crate::state::{ConnectionState, SocketStatus};
use crate::transport::{Frame, Link, Transport, TransportError};
use namespace::Namespace;

/// What the handles ask of the driver.
pub(crate) enum Command {
    /// Use a namespace (connect it now or whenever the engine is open).
    Join {
        nsp: String,
        cursor: Option<SessionCursor>,
        listener: Option<Listener>,
    },
    Listen {
        nsp: String,
        listener: Listener,
    },
    Emit {
        nsp: String,
        packet: OutgoingEvent,
        accepted: oneshot::Sender<Result<(), Error>>,
    },
    /// The types of a `subscribe`/`unsubscribe` answer, to filter and re-apply.
    SetTypes {
        nsp: String,
        types: Vec<String>,
    },
    WatchState(mpsc::UnboundedSender<ConnectionState>),
    WatchSocket {
        nsp: String,
        tx: mpsc::UnboundedSender<SocketStatus>,
    },
    /// Leave a namespace: disconnect it from the server, end its streams, fail its acks.
    Leave {
        nsp: String,
    },
    /// Connect now: after a refusal, when attempts are exhausted, or to skip a backoff wait.
    Reconnect,
    /// A refreshed token, for the handshakes of later reconnects.
    SetToken(String),
    Close,
}

/// An event to send, with its ack request.
pub(crate) struct OutgoingEvent {
    pub name: String,
    pub args: Vec<Value>,
    pub attachments: Vec<Vec<u8>>,
    pub ack: Option<(Duration, oneshot::Sender<Result<RawAck, Error>>)>,
}

/// Everything that arrives in the driver's inbox.
enum Msg {
    Command(Command),
    /// Every handle is gone: stop.
    HandlesDropped,
    Opened {
        generation: u64,
        result: Result<Link, TransportError>,
    },
    Frame {
        generation: u64,
        frame: Frame,
    },
    LinkClosed {
        generation: u64,
    },
    HeartbeatCheck {
        generation: u64,
        pings: u64,
    },
    Reconnect {
        generation: u64,
    },
    NamespaceRetry {
        nsp: String,
        epoch: u64,
    },
    AckTimeout {
        nsp: String,
        id: u64,
        timeout: Duration,
    },
}

/// A packet waiting for its namespace to connect.
struct Queued {
    nsp: String,
    packet: Packet,
}

/// Starts the driver task; returns the sender the handles use.
pub(crate) fn spawn(
    config: ClientConfig,
    transport: Arc<dyn Transport>,
) -> mpsc::UnboundedSender<Command> {
    let (command_tx, command_rx) = mpsc::unbounded();
    let (internal_tx, internal_rx) = mpsc::unbounded();
    let commands = command_rx
        .map(Msg::Command)
        .chain(stream::once(std::future::ready(Msg::HandlesDropped)));
    let inbox = stream::select(commands, internal_rx);
    let driver = Driver::new(config, transport, internal_tx);
    rt::spawn(driver.run(inbox));
    command_tx
}

struct Driver {
    config: ClientConfig,
    transport: Arc<dyn Transport>,
    inbox: mpsc::UnboundedSender<Msg>,
    /// The connection attempt; bumped whenever a link is given up.
    generation: u64,
    link: Option<mpsc::UnboundedSender<Frame>>,
    engine: Option<OpenInfo>,
    /// Pings received on this link, for the heartbeat check.
    pings: u64,
    decoder: socketio::Decoder,
    backoff: Backoff,
    namespaces: BTreeMap<String, Namespace>,
    queue: VecDeque<Queued>,
    state: ConnectionState,
    state_watchers: Vec<mpsc::UnboundedSender<ConnectionState>>,
    latency: Option<Duration>,
    latency_published: Option<Instant>,
    closed: bool,
}

impl Driver {
    fn new(
        config: ClientConfig,
        transport: Arc<dyn Transport>,
        inbox: mpsc::UnboundedSender<Msg>,
    ) -> Self {
        let backoff = Backoff::new(config.reconnect.clone(), rt::seed());
        Driver {
            config,
            transport,
            inbox,
            generation: 0,
            link: None,
            engine: None,
            pings: 0,
            decoder: socketio::Decoder::default(),
            backoff,
            namespaces: BTreeMap::new(),
            queue: VecDeque::new(),
            state: ConnectionState::Connecting,
            state_watchers: Vec::new(),
            latency: None,
            latency_published: None,
            closed: false,
        }
    }

    async fn run(mut self, mut inbox: impl stream::Stream<Item = Msg> + Unpin) {
        self.open();
        while let Some(msg) = inbox.next().await {
            if let Msg::HandlesDropped = msg {
                break;
            }
            self.handle(msg);
        }
        // Dropping the link closes the websocket.
        self.link = None;
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Command(command) => self.command(command),
            Msg::HandlesDropped => {}
            Msg::Opened { generation, result } if generation == self.generation => match result {
                Ok(link) => self.linked(link),
                Err(err) => self.lost(err.0),
            },
            Msg::Frame { generation, frame } if generation == self.generation => self.frame(frame),
            Msg::LinkClosed { generation } if generation == self.generation => {
                self.lost("the connection closed".into())
            }
            Msg::HeartbeatCheck { generation, pings }
                if generation == self.generation && pings == self.pings =>
            {
                let reason = if self.engine.is_none() {
                    format!("no handshake within {:?}", self.config.handshake_timeout)
                } else {
                    "no ping from the server within pingInterval + pingTimeout".into()
                };
                self.lost(reason)
            }
            Msg::Reconnect { generation } if generation == self.generation => self.open(),
            Msg::NamespaceRetry { nsp, epoch } => {
                if self
                    .namespaces
                    .get(&nsp)
                    .is_some_and(|ns| ns.epoch == epoch)
                {
                    self.connect_namespace(&nsp);
                }
            }
            Msg::AckTimeout { nsp, id, timeout } => {
                if let Some(ack) = self
                    .namespaces
                    .get_mut(&nsp)
                    .and_then(|ns| ns.pending.remove(&id))
                {
                    let _ = ack.tx.send(Err(Error::AckTimeout(timeout)));
                }
            }
            // A message of an older connection or timer.
            Msg::Opened { .. }
            | Msg::Frame { .. }
            | Msg::LinkClosed { .. }
            | Msg::HeartbeatCheck { .. }
            | Msg::Reconnect { .. } => {}
        }
    }

    // ---- connection life ----

    fn open(&mut self) {
        self.generation += 1;
        self.link = None;
        self.engine = None;
        let generation = self.generation;
        let url = self.config.engine_url();
        // Connecting and the Engine.IO handshake together get `handshake_timeout`: a link that
        // hangs (an unreachable host, a proxy that never answers) is given up and retried.
        self.pings = 0;
        self.arm_heartbeat(self.config.handshake_timeout);
        let connecting = self.transport.connect(&url);
        let inbox = self.inbox.clone();
        rt::spawn(async move {
            let result = connecting.await;
            let _ = inbox.unbounded_send(Msg::Opened { generation, result });
        });
    }

    fn linked(&mut self, link: Link) {
        let generation = self.generation;
        self.link = Some(link.outgoing);
        self.decoder = socketio::Decoder::default();
        let inbox = self.inbox.clone();
        let mut incoming = link.incoming;
        rt::spawn(async move {
            while let Some(frame) = incoming.next().await {
                if inbox
                    .unbounded_send(Msg::Frame { generation, frame })
                    .is_err()
                {
                    return;
                }
            }
            let _ = inbox.unbounded_send(Msg::LinkClosed { generation });
        });
    }

    /// The link is gone: fail what waited on it, then retry or give up.
    fn lost(&mut self, reason: String) {
        tracing::debug!(%reason, "connection lost");
        self.generation += 1;
        self.link = None;
        self.engine = None;
        for ns in self.namespaces.values_mut() {
            // Queued packets go out after the reconnect; sent ones will never be answered.
            ns.fail_sent(&Error::Disconnected);
            if ns.wanted {
                ns.set_status(SocketStatus::Pending);
            }
        }
        if self.closed {
            return;
        }
        match self.backoff.next() {
            Some((attempt, delay)) => {
                self.set_state(ConnectionState::Reconnecting {
                    attempt,
                    next_in: delay,
                    reason: reason.clone(),
                });
                self.after(
                    delay,
                    Msg::Reconnect {
                        generation: self.generation,
                    },
                );
            }
            None => {
                let reason = if self.config.reconnect.enabled {
                    format!("{reason}; gave up reconnecting")
                } else {
                    reason
                };
                self.fail_queue(&Error::Disconnected);
                self.set_state(ConnectionState::Disconnected { reason });
            }
        }
    }

    fn arm_heartbeat(&mut self, within: Duration) {
        let msg = Msg::HeartbeatCheck {
            generation: self.generation,
            pings: self.pings,
        };
        self.after(within, msg);
    }

    /// Sends `msg` to the inbox after `delay`.
    fn after(&self, delay: Duration, msg: Msg) {
        let inbox = self.inbox.clone();
        rt::spawn(async move {
            rt::sleep(delay).await;
            let _ = inbox.unbounded_send(msg);
        });
    }

    fn set_state(&mut self, state: ConnectionState) {
        if self.state == state {
            return;
        }
        tracing::debug!(?state, "connection state");
        self.state = state.clone();
        self.state_watchers
            .retain(|watcher| watcher.unbounded_send(state.clone()).is_ok());
    }

    /// A new round trip: shown at once the first time, then at most once a second.
    fn measured(&mut self, round_trip: Duration) {
        self.latency = Some(round_trip);
        let due = self
            .latency_published
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if due && matches!(self.state, ConnectionState::Connected { .. }) {
            self.latency_published = Some(Instant::now());
            self.set_state(ConnectionState::Connected {
                latency: self.latency,
            });
        }
    }
}

/// True for a refusal that retrying cannot cure: authentication and authorisation failures
/// (the agentcast server's messages name the token, the scope or the session) and an unknown
/// namespace. Anything else (a rate limit, a server shutting down) is retried with backoff.
pub(crate) fn is_permanent_refusal(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    [
        "token",
        "auth",
        "scope",
        "not allowed",
        "unauthorized",
        "forbidden",
        "invalid namespace",
        "invalid session id",
    ]
    .iter()
    .any(|word| reason.contains(word))
}

// Native only: they run on tokio's paused clock.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
