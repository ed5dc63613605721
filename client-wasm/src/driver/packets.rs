//! Frames and packets from the server: the Engine.IO handshake and heartbeat, and the
//! Socket.IO packets of each namespace (connect, refusal, kick, events, acks).

use serde_json::Value;

use super::{Driver, Msg, is_permanent_refusal};
use crate::codec::engineio::{self, OpenInfo};
use crate::codec::socketio::{Packet, PacketKind};
use crate::error::Error;
use crate::events::{RawAck, RawEvent};
use crate::rt::Instant;
use crate::state::{ConnectionState, SocketStatus};
use crate::transport::Frame;

impl Driver {
    pub(super) fn send_frame(&self, frame: Frame) {
        if let Some(link) = &self.link {
            let _ = link.unbounded_send(frame);
        }
    }

    pub(super) fn send_packet(&self, packet: &Packet) {
        let (text, attachments) = packet.encode();
        self.send_frame(Frame::Text(engineio::encode(&engineio::Packet::Message(
            text,
        ))));
        for attachment in attachments {
            self.send_frame(Frame::Binary(attachment.clone()));
        }
    }

    pub(super) fn frame(&mut self, frame: Frame) {
        let decoded = match frame {
            Frame::Binary(bytes) => self.decoder.binary(bytes),
            Frame::Text(text) => match engineio::decode(&text) {
                Ok(engineio::Packet::Message(message)) => self.decoder.text(&message),
                Ok(engineio::Packet::Open(info)) => {
                    self.engine_open(info);
                    return;
                }
                Ok(engineio::Packet::Ping(data)) => {
                    self.send_frame(Frame::Text(engineio::encode(&engineio::Packet::Pong(data))));
                    self.pings += 1;
                    if let Some(deadline) = self.engine.as_ref().map(OpenInfo::heartbeat_deadline) {
                        self.arm_heartbeat(deadline);
                    }
                    return;
                }
                Ok(engineio::Packet::Close) => {
                    self.lost("the server closed the connection".into());
                    return;
                }
                Ok(_) => return,
                Err(err) => Err(err),
            },
        };
        match decoded {
            Ok(Some(packet)) => self.packet(packet),
            Ok(None) => {}
            // A peer bug must not take the client down: log it and go on.
            Err(err) => tracing::warn!(%err, "undecodable packet"),
        }
    }

    pub(super) fn engine_open(&mut self, info: OpenInfo) {
        let deadline = info.heartbeat_deadline();
        // The handshake counts as the first sign of life: it retires the handshake timer.
        self.pings += 1;
        self.engine = Some(info);
        self.backoff.reset();
        self.set_state(ConnectionState::Connected {
            latency: self.latency,
        });
        self.arm_heartbeat(deadline);
        let wanted: Vec<String> = self
            .namespaces
            .iter()
            .filter(|(_, ns)| ns.wanted)
            .map(|(nsp, _)| nsp.clone())
            .collect();
        for nsp in wanted {
            self.connect_namespace(&nsp);
        }
    }

    pub(super) fn connect_namespace(&mut self, nsp: &str) {
        if self.engine.is_none() {
            return; // connected when the engine opens
        }
        let token = self.config.token.clone();
        let Some(ns) = self.namespaces.get_mut(nsp) else {
            return;
        };
        ns.epoch += 1;
        ns.connect_sent_at = Some(Instant::now());
        let packet = Packet::connect(nsp, ns.auth(token.as_deref()));
        self.send_packet(&packet);
    }

    pub(super) fn packet(&mut self, packet: Packet) {
        let nsp = packet.nsp.clone();
        match packet.kind {
            PacketKind::Connect => self.namespace_connected(&nsp, &packet),
            PacketKind::ConnectError => {
                let reason = packet
                    .error_message()
                    .unwrap_or_else(|| "connect refused".into());
                self.namespace_refused(&nsp, reason);
            }
            PacketKind::Disconnect => self.namespace_kicked(&nsp),
            PacketKind::Event | PacketKind::BinaryEvent => {
                let Some(ns) = self.namespaces.get_mut(&nsp) else {
                    return;
                };
                let Some((name, args)) = packet.event_parts() else {
                    return;
                };
                let event = RawEvent {
                    name: name.to_owned(),
                    args: args.to_vec(),
                    attachments: packet.attachments,
                };
                ns.deliver(event);
            }
            PacketKind::Ack | PacketKind::BinaryAck => {
                let (Some(id), Some(ns)) = (packet.id, self.namespaces.get_mut(&nsp)) else {
                    return;
                };
                let Some(pending) = ns.pending.remove(&id) else {
                    return; // timed out already
                };
                let args = match packet.data {
                    Some(Value::Array(args)) => args,
                    _ => Vec::new(),
                };
                let round_trip = pending.sent_at.elapsed();
                let _ = pending.tx.send(Ok(RawAck {
                    args,
                    attachments: packet.attachments,
                }));
                self.measured(round_trip);
            }
        }
    }

    pub(super) fn namespace_connected(&mut self, nsp: &str, packet: &Packet) {
        let sid = packet
            .data
            .as_ref()
            .and_then(|d| d.get("sid"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(ns) = self.namespaces.get_mut(nsp) else {
            return;
        };
        ns.backoff.reset();
        ns.set_status(SocketStatus::Connected { sid });
        let round_trip = ns.connect_sent_at.take().map(|at| at.elapsed());
        // A new socket starts subscribed to `*`: give it back the application's subscription.
        if let Some(types) = ns.types.clone() {
            let args = vec![serde_json::json!({ "patterns": types })];
            let resubscribe = Packet::event(
                nsp,
                agentcast_shared::commands::SUBSCRIBE,
                args,
                vec![],
                None,
            );
            self.send_packet(&resubscribe);
        }
        self.flush_queue(nsp);
        if let Some(round_trip) = round_trip {
            self.measured(round_trip);
        }
    }

    pub(super) fn namespace_refused(&mut self, nsp: &str, reason: String) {
        let permanent = is_permanent_refusal(&reason);
        tracing::debug!(nsp, %reason, permanent, "connect refused");
        let Some(ns) = self.namespaces.get_mut(nsp) else {
            return;
        };
        let delay = if permanent { None } else { ns.retry_delay() };
        ns.set_status(SocketStatus::Refused {
            reason: reason.clone(),
            retrying: delay.is_some(),
        });
        if let Some(delay) = delay {
            let epoch = ns.epoch;
            self.after(
                delay,
                Msg::NamespaceRetry {
                    nsp: nsp.to_owned(),
                    epoch,
                },
            );
            return;
        }
        ns.wanted = false;
        // Its streams end: the application learns the refusal from the status.
        ns.listeners.clear();
        ns.fail_pending(&Error::Refused(reason.clone()));
        self.queue.retain(|queued| queued.nsp != nsp);
        // Nothing left to connect: stop, with the server's reason, instead of idling.
        if self.namespaces.values().all(|ns| !ns.wanted) {
            self.generation += 1;
            self.link = None;
            self.engine = None;
            self.set_state(ConnectionState::Disconnected { reason });
        }
    }

    /// The server disconnected one namespace (a slow consumer, a flood, an expired token):
    /// connect it again after a delay; the session cursor resumes it by offset.
    pub(super) fn namespace_kicked(&mut self, nsp: &str) {
        let Some(ns) = self.namespaces.get_mut(nsp) else {
            return;
        };
        ns.fail_sent(&Error::Disconnected);
        ns.set_status(SocketStatus::Pending);
        let epoch = ns.epoch;
        let delay = ns
            .retry_delay()
            .unwrap_or(self.config.reconnect.initial_delay);
        self.after(
            delay,
            Msg::NamespaceRetry {
                nsp: nsp.to_owned(),
                epoch,
            },
        );
    }
}
