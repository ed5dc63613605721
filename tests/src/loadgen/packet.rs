//! The few Socket.IO v5 / Engine.IO v4 text packets the load generator sends and reads.
//!
//! Every subscriber reads every fanned-out event, so this is the hot path of the benchmark: a
//! packet is classified by its prefix and only the two numbers the benchmark needs are pulled
//! out of an event (`"offset":` and `"sent_us":`), without building a JSON tree. That is
//! correct for the envelopes both servers send: `offset` is the envelope's first key
//! (agentcast serializes the `Envelope` struct in field order, and the reference server relays
//! the envelopes the publisher wrote in that order), so its first occurrence is the
//! envelope's, and `sent_us` only ever appears in the `input` the publisher wrote.

use std::fmt::Write as _;

use memchr::memmem::Finder;

/// One received text packet, classified.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Packet<'a> {
    /// Engine.IO open (`0{...}`): the handshake of the websocket.
    Open,
    /// Engine.IO ping (`2`): must be answered with a pong (`3`).
    Ping,
    /// Engine.IO close (`1`).
    Close,
    /// Socket.IO CONNECT acknowledged for our namespace (`40/ns,{"sid":...}`).
    Connected,
    /// Socket.IO CONNECT_ERROR for our namespace, with its data.
    ConnectError(&'a str),
    /// Socket.IO DISCONNECT of our namespace (`41/ns,`).
    Disconnected,
    /// Socket.IO EVENT on our namespace; the payload after the namespace prefix.
    Event(&'a str),
    /// Socket.IO ACK on our namespace: its id and its payload (`[{"ok":...}]`).
    Ack { id: u64, payload: &'a str },
    /// Anything else (another namespace, binary placeholders, noise).
    Other,
}

/// The fields of an event the benchmark uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventFields {
    /// The envelope's per-session offset.
    pub(crate) offset: u64,
    /// When the publisher sent it (unix micros); `None` for an event the publisher did not
    /// write (a lifecycle event the server emits on its own), `Some(0)` for a warm-up event.
    pub(crate) sent_us: Option<u64>,
}

/// Prefixes and searchers for one namespace, built once and shared by every connection.
pub(crate) struct Codec {
    /// `/sessions/bench,` (empty for the root namespace, as Socket.IO writes it).
    ns_prefix: String,
    connected: String,
    connect_error: String,
    disconnected: String,
    event: String,
    ack: String,
    offset: Finder<'static>,
    sent_us: Finder<'static>,
}

impl Codec {
    pub(crate) fn new(namespace: &str) -> Self {
        let ns_prefix = if namespace == "/" {
            String::new()
        } else {
            format!("{namespace},")
        };
        Self {
            connected: format!("40{ns_prefix}"),
            connect_error: format!("44{ns_prefix}"),
            disconnected: format!("41{ns_prefix}"),
            event: format!("42{ns_prefix}"),
            ack: format!("43{ns_prefix}"),
            ns_prefix,
            offset: Finder::new(b"\"offset\":"),
            sent_us: Finder::new(b"\"sent_us\":"),
        }
    }

    /// Classifies one websocket text message.
    pub(crate) fn parse<'a>(&self, text: &'a str) -> Packet<'a> {
        // Events first: they are almost every message.
        if let Some(rest) = text.strip_prefix(self.event.as_str()) {
            return Packet::Event(rest);
        }
        match text.as_bytes().first() {
            Some(b'2') if text.len() == 1 => return Packet::Ping,
            Some(b'0') => return Packet::Open,
            Some(b'1') if text.len() == 1 => return Packet::Close,
            _ => {}
        }
        if let Some(rest) = text.strip_prefix(self.ack.as_str()) {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if let Ok(id) = rest[..digits].parse() {
                return Packet::Ack {
                    id,
                    payload: &rest[digits..],
                };
            }
            return Packet::Other;
        }
        if self.is_for_us(text, &self.connected) {
            return Packet::Connected;
        }
        if let Some(rest) = text.strip_prefix(self.connect_error.as_str()) {
            return Packet::ConnectError(rest);
        }
        if self.is_for_us(text, &self.disconnected) {
            return Packet::Disconnected;
        }
        Packet::Other
    }

    /// `40/ns,{...}` or, for the root namespace, `40{...}` / `40`; never `40/other,`.
    fn is_for_us(&self, text: &str, prefix: &str) -> bool {
        match text.strip_prefix(prefix) {
            Some(rest) => !self.ns_prefix.is_empty() || !rest.starts_with('/'),
            None => false,
        }
    }

    /// Pulls the offset and `sent_us` out of an event payload (`["type",{envelope}]`); `None`
    /// when there is no offset, which no event of either server lacks.
    pub(crate) fn event_fields(&self, payload: &str) -> Option<EventFields> {
        let bytes = payload.as_bytes();
        Some(EventFields {
            offset: number_after_key(&self.offset, bytes)?,
            sent_us: number_after_key(&self.sent_us, bytes),
        })
    }

    /// `40/ns,` plus the auth object, if any: the namespace CONNECT.
    pub(crate) fn connect(&self, auth_json: Option<&str>) -> String {
        format!("40{}{}", self.ns_prefix, auth_json.unwrap_or(""))
    }

    /// Starts an EVENT with an ack id: `42/ns,<id>` (the caller appends the JSON array).
    pub(crate) fn begin_event_with_ack(&self, out: &mut String, ack_id: u64) {
        out.push_str(&self.event);
        // Writing into a String cannot fail.
        let _ = write!(out, "{ack_id}");
    }
}

/// The unsigned integer right after the first occurrence of `key` (such as `"offset":`).
pub(crate) fn number_after_key(key: &Finder<'_>, bytes: &[u8]) -> Option<u64> {
    number_after(bytes, key.find(bytes)? + key.needle().len())
}

/// The unsigned integer at `at`, after optional spaces.
fn number_after(bytes: &[u8], at: usize) -> Option<u64> {
    let rest = bytes.get(at..)?;
    let rest = &rest[rest.iter().take_while(|b| **b == b' ').count()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    Some(
        rest[..digits]
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> Codec {
        Codec::new("/sessions/bench")
    }

    #[test]
    fn classifies_engine_packets() {
        let c = codec();
        assert_eq!(c.parse("2"), Packet::Ping);
        assert_eq!(c.parse("1"), Packet::Close);
        assert_eq!(
            c.parse(r#"0{"sid":"a","upgrades":[],"pingInterval":25000}"#),
            Packet::Open
        );
        assert_eq!(c.parse("3"), Packet::Other);
    }

    #[test]
    fn classifies_namespace_packets() {
        let c = codec();
        assert_eq!(
            c.parse(r#"40/sessions/bench,{"sid":"x"}"#),
            Packet::Connected
        );
        assert_eq!(c.parse(r#"40/sessions/other,{"sid":"x"}"#), Packet::Other);
        assert_eq!(
            c.parse(r#"44/sessions/bench,{"message":"Invalid namespace"}"#),
            Packet::ConnectError(r#"{"message":"Invalid namespace"}"#)
        );
        assert_eq!(c.parse("41/sessions/bench,"), Packet::Disconnected);
        assert_eq!(
            c.parse(r#"43/sessions/bench,17[{"ok":{"head_offset":3}}]"#),
            Packet::Ack {
                id: 17,
                payload: r#"[{"ok":{"head_offset":3}}]"#
            }
        );
    }

    #[test]
    fn root_namespace_has_no_prefix() {
        let c = Codec::new("/");
        assert_eq!(c.parse(r#"40{"sid":"x"}"#), Packet::Connected);
        assert_eq!(c.parse(r#"40/sessions/a,{"sid":"x"}"#), Packet::Other);
        assert_eq!(c.connect(None), "40");
    }

    #[test]
    fn extracts_offset_and_sent_us() {
        let c = codec();
        let text = concat!(
            r#"42/sessions/bench,["tool.started",{"offset":42,"session_id":"bench","#,
            r#""ts":"2026-11-24T10:00:00.123Z","type":"tool.started","data":{"tool_use_id":"x","#,
            r#""name":"bench","input":{"sent_us":1764000000123456,"pad":"xxxx"}}}]"#
        );
        let Packet::Event(payload) = c.parse(text) else {
            panic!("not an event")
        };
        assert_eq!(
            c.event_fields(payload),
            Some(EventFields {
                offset: 42,
                sent_us: Some(1_764_000_000_123_456)
            })
        );
    }

    #[test]
    fn event_without_sent_us_still_has_an_offset() {
        let c = codec();
        let payload = r#"["session.status",{"offset": 7,"data":{"status":"running"}}]"#;
        assert_eq!(
            c.event_fields(payload),
            Some(EventFields {
                offset: 7,
                sent_us: None
            })
        );
        assert_eq!(c.event_fields(r#"["x",{"data":{}}]"#), None);
    }

    #[test]
    fn builds_outgoing_packets() {
        let c = codec();
        assert_eq!(c.connect(None), "40/sessions/bench,");
        assert_eq!(
            c.connect(Some(r#"{"token":"t"}"#)),
            r#"40/sessions/bench,{"token":"t"}"#
        );
        let mut out = String::new();
        c.begin_event_with_ack(&mut out, 5);
        assert_eq!(out, "42/sessions/bench,5");
    }
}
