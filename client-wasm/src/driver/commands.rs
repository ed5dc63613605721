//! Commands from the handles: joining namespaces, listeners, emits (sent at once or queued,
//! bounded), watchers, reconnect and close.

use std::collections::VecDeque;

use super::namespace::{Namespace, PendingAck};
use super::{Command, Driver, Msg, OutgoingEvent, Queued};
use crate::backoff::Backoff;
use crate::codec::engineio;
use crate::codec::socketio::Packet;
use crate::error::Error;
use crate::rt::{self, Instant};
use crate::state::{ConnectionState, SocketStatus};
use crate::transport::Frame;

impl Driver {
    pub(super) fn command(&mut self, command: Command) {
        match command {
            Command::Join {
                nsp,
                cursor,
                listener,
            } => {
                let ns = self.namespaces.entry(nsp.clone()).or_insert_with(|| {
                    let seed = rt::seed();
                    Namespace::new(cursor, Backoff::new(self.config.reconnect.clone(), seed))
                });
                ns.listeners.extend(listener);
                // A namespace already joined (another handle to it) is connected already.
                if ns.epoch == 0 {
                    self.connect_namespace(&nsp);
                }
                // Stopped because every namespace was refused or attempts ran out (not closed
                // by the application): a new namespace is a reason to try again.
                let stopped = matches!(self.state, ConnectionState::Disconnected { .. });
                if stopped && self.link.is_none() && !self.closed {
                    self.backoff.reset();
                    self.set_state(ConnectionState::Connecting);
                    self.open();
                }
            }
            Command::Listen { nsp, listener } => {
                if let Some(ns) = self.namespaces.get_mut(&nsp) {
                    ns.listeners.push(listener);
                }
            }
            Command::Emit {
                nsp,
                packet,
                accepted,
            } => {
                let result = self.emit(&nsp, packet);
                let _ = accepted.send(result);
            }
            Command::SetTypes { nsp, types } => {
                if let Some(ns) = self.namespaces.get_mut(&nsp) {
                    ns.types = Some(types);
                }
            }
            Command::WatchState(tx) => {
                if tx.unbounded_send(self.state.clone()).is_ok() {
                    self.state_watchers.push(tx);
                }
            }
            Command::WatchSocket { nsp, tx } => {
                if let Some(ns) = self.namespaces.get_mut(&nsp)
                    && tx.unbounded_send(ns.status.clone()).is_ok()
                {
                    ns.status_watchers.push(tx);
                }
            }
            Command::Leave { nsp } => self.leave(&nsp),
            Command::SetToken(token) => self.config.token = Some(token),
            Command::Reconnect => {
                self.closed = false;
                for ns in self.namespaces.values_mut() {
                    // The current link, if any, is dropped: its answers will not come.
                    ns.fail_sent(&Error::Disconnected);
                    ns.wanted = true;
                    ns.backoff.reset();
                    ns.set_status(SocketStatus::Pending);
                }
                self.backoff.reset();
                self.set_state(ConnectionState::Connecting);
                self.open();
            }
            Command::Close => {
                self.closed = true;
                self.generation += 1;
                // Say goodbye so the server frees the socket at once.
                self.send_frame(Frame::Text(engineio::encode(&engineio::Packet::Close)));
                self.link = None;
                self.engine = None;
                for ns in self.namespaces.values_mut() {
                    ns.fail_pending(&Error::Closed);
                    ns.set_status(SocketStatus::Pending);
                }
                self.fail_queue(&Error::Closed);
                self.set_state(ConnectionState::Disconnected {
                    reason: "closed by the application".into(),
                });
            }
        }
    }

    /// Forgets `nsp`. The server is told when a connect was sent on the current link (a
    /// connect still unanswered is then closed by the server as soon as it is made); the
    /// other namespaces and the connection stay.
    fn leave(&mut self, nsp: &str) {
        let Some(mut ns) = self.namespaces.remove(nsp) else {
            return;
        };
        if self.engine.is_some() && (ns.is_connected() || ns.connect_sent_at.is_some()) {
            self.send_packet(&Packet::disconnect(nsp));
        }
        self.queue.retain(|queued| queued.nsp != nsp);
        ns.fail_pending(&Error::Closed);
        ns.set_status(SocketStatus::Left);
        // Dropping `ns` drops its listeners: their streams end.
    }

    pub(super) fn emit(&mut self, nsp: &str, event: OutgoingEvent) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        let Some(ns) = self.namespaces.get_mut(nsp) else {
            return Err(Error::Data(format!(
                "namespace {nsp} is not joined (never, or left)"
            )));
        };
        if let SocketStatus::Refused {
            reason,
            retrying: false,
        } = &ns.status
        {
            return Err(Error::Refused(reason.clone()));
        }
        let ready = ns.is_connected() && self.link.is_some();
        if !ready && self.queue.len() >= self.config.queue_capacity {
            return Err(Error::QueueFull {
                capacity: self.config.queue_capacity,
            });
        }
        let id = event.ack.map(|(timeout, tx)| {
            let id = ns.next_ack_id;
            ns.next_ack_id += 1;
            ns.pending.insert(
                id,
                PendingAck {
                    tx,
                    sent_at: Instant::now(),
                    sent: ready,
                },
            );
            (id, timeout)
        });
        let packet = Packet::event(
            nsp,
            &event.name,
            event.args,
            event.attachments,
            id.map(|i| i.0),
        );
        if let Some((id, timeout)) = id {
            self.after(
                timeout,
                Msg::AckTimeout {
                    nsp: nsp.to_owned(),
                    id,
                    timeout,
                },
            );
        }
        if ready {
            self.send_packet(&packet);
        } else {
            self.queue.push_back(Queued {
                nsp: nsp.to_owned(),
                packet,
            });
        }
        Ok(())
    }

    pub(super) fn flush_queue(&mut self, nsp: &str) {
        let (ready, waiting): (VecDeque<_>, VecDeque<_>) =
            self.queue.drain(..).partition(|queued| queued.nsp == nsp);
        self.queue = waiting;
        for queued in ready {
            if let Some(ack) = queued
                .packet
                .id
                .and_then(|id| self.namespaces.get_mut(nsp)?.pending.get_mut(&id))
            {
                ack.sent = true;
                ack.sent_at = Instant::now();
            }
            self.send_packet(&queued.packet);
        }
    }

    pub(super) fn fail_queue(&mut self, error: &Error) {
        self.queue.clear();
        for ns in self.namespaces.values_mut() {
            ns.fail_pending(error);
        }
    }
}
