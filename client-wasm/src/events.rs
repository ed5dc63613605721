//! What listeners receive: raw events, and the typed streams built on them.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use agentcast_shared::{Envelope, EventData};
use futures_channel::mpsc;
use futures_util::Stream;
use serde_json::Value;

/// An event as it arrived: its name, its arguments and, for a binary event, its attachments
/// (the arguments then hold `{"_placeholder":true,"num":N}` where attachment N belongs).
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// The event name.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Value>,
    /// Its binary attachments, in placeholder order.
    pub attachments: Vec<Vec<u8>>,
}

/// The answer to an event sent with an ack.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAck {
    /// The ack's arguments.
    pub args: Vec<Value>,
    /// Its binary attachments, in placeholder order.
    pub attachments: Vec<Vec<u8>>,
}

/// Which events a listener wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    Any,
    Name(String),
}

/// A registered listener: the driver sends it every event its filter accepts.
///
/// Unbounded on purpose: the driver must never wait on a slow application (it also answers
/// heartbeats), and dropping an event would break exactly-once. The server bounds what one
/// socket may have in flight (a slow consumer is disconnected and recovers by offset).
#[derive(Debug)]
pub(crate) struct Listener {
    pub filter: Filter,
    pub tx: mpsc::UnboundedSender<RawEvent>,
}

impl Listener {
    pub(crate) fn new(filter: Filter) -> (Self, mpsc::UnboundedReceiver<RawEvent>) {
        let (tx, rx) = mpsc::unbounded();
        (Listener { filter, tx }, rx)
    }

    pub(crate) fn wants(&self, name: &str) -> bool {
        match &self.filter {
            Filter::Any => true,
            Filter::Name(wanted) => wanted == name,
        }
    }
}

/// A stream of raw events ([`Socket::on_any`](crate::Socket::on_any),
/// [`Socket::on_event`](crate::Socket::on_event)).
pub type RawEvents = mpsc::UnboundedReceiver<RawEvent>;

/// A stream of envelopes with data of type `D`: `Envelope<ToolStarted>` from
/// [`Socket::on`](crate::Socket::on), untyped `Envelope` from a session's event stream.
/// Events whose argument is not such an envelope are skipped (and logged): a newer server may
/// add fields, never change them, so a mismatch is a bug to see, not to crash on.
#[derive(Debug)]
pub struct EnvelopeStream<D = Value> {
    raw: RawEvents,
    _data: PhantomData<fn() -> D>,
}

impl<D> EnvelopeStream<D> {
    pub(crate) fn new(raw: RawEvents) -> Self {
        EnvelopeStream {
            raw,
            _data: PhantomData,
        }
    }
}

impl<D: serde::de::DeserializeOwned> Stream for EnvelopeStream<D> {
    type Item = Envelope<D>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(event) = futures_util::ready!(Pin::new(&mut self.raw).poll_next(cx)) else {
                return Poll::Ready(None);
            };
            let Some(first) = event.args.into_iter().next() else {
                tracing::warn!(event = %event.name, "event without an envelope");
                continue;
            };
            match serde_json::from_value::<Envelope<D>>(first) {
                Ok(envelope) => return Poll::Ready(Some(envelope)),
                Err(err) => {
                    tracing::warn!(event = %event.name, %err, "not an envelope of this type")
                }
            }
        }
    }
}

/// The typed stream of one event type.
pub type TypedEvents<E> = EnvelopeStream<E>;

/// The event name of a typed listener.
pub(crate) fn filter_of<E: EventData>() -> Filter {
    Filter::Name(E::TYPE.to_owned())
}
