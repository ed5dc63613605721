//! [`Socket`]: one namespace on the connection: listeners, emits, acks and the commands
//! every agentcast namespace takes.

use std::sync::Arc;
use std::time::Duration;

use agentcast_shared::commands::{AUTH_REFRESH, PING, SUBSCRIBE, UNSUBSCRIBE};
use agentcast_shared::{
    Ack, EventData, PingArgs, Pong, RefreshArgs, Refreshed, SubscribeArgs, Subscription,
};
use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::driver::{Command, OutgoingEvent};
use crate::error::Error;
use crate::events::{EnvelopeStream, Filter, Listener, RawAck, RawEvents, filter_of};
use crate::state::SocketStatus;

/// One namespace on the connection.
#[derive(Clone)]
pub struct Socket {
    nsp: Arc<str>,
    commands: mpsc::UnboundedSender<Command>,
    ack_timeout: Duration,
}

impl Socket {
    pub(crate) fn new(
        nsp: String,
        commands: mpsc::UnboundedSender<Command>,
        ack_timeout: Duration,
    ) -> Self {
        Socket {
            nsp: nsp.into(),
            commands,
            ack_timeout,
        }
    }

    /// Its namespace, e.g. `/sessions/abc`.
    pub fn namespace(&self) -> &str {
        &self.nsp
    }

    /// Every event of type `E` (an agentcast event such as `ToolStarted`), typed.
    pub fn on<E: EventData>(&self) -> EnvelopeStream<E> {
        EnvelopeStream::new(self.listen(filter_of::<E>()))
    }

    /// Every event named `name`, raw.
    pub fn on_event(&self, name: &str) -> RawEvents {
        self.listen(Filter::Name(name.to_owned()))
    }

    /// Every event, raw: for events outside agentcast-shared and other servers.
    pub fn on_any(&self) -> RawEvents {
        self.listen(Filter::Any)
    }

    /// Every agentcast event as an untyped envelope (`envelope.event()` types it).
    pub fn envelopes(&self) -> EnvelopeStream {
        EnvelopeStream::new(self.listen(Filter::Any))
    }

    /// The namespace's status: the current one first, then every change.
    pub fn status(&self) -> mpsc::UnboundedReceiver<SocketStatus> {
        let (tx, rx) = mpsc::unbounded();
        self.send(Command::WatchSocket {
            nsp: self.nsp.to_string(),
            tx,
        });
        rx
    }

    /// Waits until the server accepted the namespace (the socket id) or refused it for good.
    /// Refusals that will be retried are waited through. Put a timeout around it.
    pub async fn connected(&self) -> Result<String, Error> {
        let mut status = self.status();
        while let Some(status) = status.next().await {
            match status {
                SocketStatus::Connected { sid } => return Ok(sid),
                SocketStatus::Refused {
                    reason,
                    retrying: false,
                } => return Err(Error::Refused(reason)),
                _ => {}
            }
        }
        Err(Error::Closed)
    }

    /// Sends `event` with one argument. While disconnected it is queued (bounded).
    pub async fn emit(&self, event: &str, arg: &impl Serialize) -> Result<(), Error> {
        self.emit_raw(event, vec![to_value(arg)?], Vec::new()).await
    }

    /// Sends `event` with any arguments and binary attachments (each referenced from the
    /// arguments by `{"_placeholder":true,"num":N}`).
    pub async fn emit_raw(
        &self,
        event: &str,
        args: Vec<Value>,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), Error> {
        self.emit_packet(event, args, attachments, None).await
    }

    /// Sends `event` with one argument and waits for the ack's arguments (the configured
    /// ack timeout).
    pub async fn emit_with_ack(
        &self,
        event: &str,
        arg: &impl Serialize,
    ) -> Result<Vec<Value>, Error> {
        let ack = self
            .emit_raw_with_ack(event, vec![to_value(arg)?], Vec::new(), self.ack_timeout)
            .await?;
        Ok(ack.args)
    }

    /// Sends `event` with any arguments and attachments and waits at most `timeout` for the
    /// ack.
    pub async fn emit_raw_with_ack(
        &self,
        event: &str,
        args: Vec<Value>,
        attachments: Vec<Vec<u8>>,
        timeout: Duration,
    ) -> Result<RawAck, Error> {
        let (tx, rx) = oneshot::channel();
        self.emit_packet(event, args, attachments, Some((timeout, tx)))
            .await?;
        // The driver answers every registered ack: the reply, a timeout or a failure.
        rx.await.unwrap_or(Err(Error::Closed))
    }

    /// An agentcast command: `name` with `args`, answered by an [`Ack`] of `R`.
    pub async fn command<R: DeserializeOwned>(
        &self,
        name: &str,
        args: &impl Serialize,
    ) -> Result<R, Error> {
        let answer = self.emit_with_ack(name, args).await?;
        let first = answer.into_iter().next().unwrap_or(Value::Null);
        let ack: Ack<R> = serde_json::from_value(first)
            .map_err(|err| Error::Data(format!("the answer to {name}: {err}")))?;
        ack.into_result().map_err(Error::Command)
    }

    /// `subscribe`: receive the event types these patterns match (`*`, `tool.*`,
    /// `output.text`). The first call replaces the default `*`; later ones add. Kept across
    /// reconnects.
    pub async fn subscribe(&self, patterns: &[&str]) -> Result<Subscription, Error> {
        self.change_subscription(SUBSCRIBE, patterns).await
    }

    /// `unsubscribe`: stop receiving the types these patterns match.
    pub async fn unsubscribe(&self, patterns: &[&str]) -> Result<Subscription, Error> {
        self.change_subscription(UNSUBSCRIBE, patterns).await
    }

    /// Leaves this namespace (every handle to it): the server is told, its streams end and
    /// its pending acks fail with [`Error::Closed`]. The connection and the other namespaces
    /// stay; joining the namespace again later starts afresh.
    pub fn leave(&self) {
        self.send(Command::Leave {
            nsp: self.nsp.to_string(),
        });
    }

    /// `ping`: a round trip to the server.
    pub async fn ping(&self) -> Result<Pong, Error> {
        self.command(PING, &PingArgs {}).await
    }

    /// `auth.refresh`: replace the socket's token before it expires; later reconnects use it.
    pub async fn refresh_auth(&self, token: &str) -> Result<Refreshed, Error> {
        let refreshed = self
            .command(
                AUTH_REFRESH,
                &RefreshArgs {
                    token: token.to_owned(),
                },
            )
            .await?;
        self.send(Command::SetToken(token.to_owned()));
        Ok(refreshed)
    }

    async fn change_subscription(
        &self,
        name: &str,
        patterns: &[&str],
    ) -> Result<Subscription, Error> {
        let args = SubscribeArgs {
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
        };
        let subscription: Subscription = self.command(name, &args).await?;
        self.send(Command::SetTypes {
            nsp: self.nsp.to_string(),
            types: subscription.types.clone(),
        });
        Ok(subscription)
    }

    async fn emit_packet(
        &self,
        event: &str,
        args: Vec<Value>,
        attachments: Vec<Vec<u8>>,
        ack: Option<(Duration, oneshot::Sender<Result<RawAck, Error>>)>,
    ) -> Result<(), Error> {
        let (accepted, answer) = oneshot::channel();
        self.send(Command::Emit {
            nsp: self.nsp.to_string(),
            packet: OutgoingEvent {
                name: event.to_owned(),
                args,
                attachments,
                ack,
            },
            accepted,
        });
        answer.await.unwrap_or(Err(Error::Closed))
    }

    fn listen(&self, filter: Filter) -> RawEvents {
        let (listener, events) = Listener::new(filter);
        self.send(Command::Listen {
            nsp: self.nsp.to_string(),
            listener,
        });
        events
    }

    fn send(&self, command: Command) {
        // Fails only once the driver stopped, when every operation reports Closed anyway.
        let _ = self.commands.unbounded_send(command);
    }
}

fn to_value(arg: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(arg).map_err(|err| Error::Data(err.to_string()))
}
