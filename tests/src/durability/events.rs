//! The `output.text` events the benchmark publishes, and what it reads back from them.
//!
//! Each event's text starts with `sent_us=<unix micros>;` (0 for a warm-up event), then
//! padding: the stamp travels in the text because `output.text` has no free-form field, and
//! reading it back needs only a substring search, no JSON tree (the envelope's `offset` comes
//! from the load generator's codec).

use std::fmt::Write as _;

use memchr::memmem::Finder;

use crate::loadgen::packet::{Codec, number_after_key};

pub(crate) const OUTPUT_TEXT: &str = "output.text";
/// How the payload of an `output.text` and of a `session.recovered` starts.
const TEXT_PREFIX: &str = r#"["output.text","#;
const RECOVERED_PREFIX: &str = r#"["session.recovered","#;
/// What precedes the stamp's digits: the start of the text.
const STAMP: &[u8] = b"\"text\":\"sent_us=";

/// What a received event is to the benchmark.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// An `output.text` envelope: its offset and the stamp in its text.
    Text { offset: u64, sent_us: u64 },
    /// `session.recovered`, whether the history covered the gap, and its `to`.
    Recovered { recovered: bool, to: u64 },
    /// Any other event (none is expected on a session only this benchmark publishes into).
    Other,
    /// An event without the fields every envelope has.
    Malformed,
}

/// Builds packets for and reads events of one namespace.
pub(crate) struct Events {
    pad: String,
    stamp: Finder<'static>,
    to: Finder<'static>,
}

impl Events {
    /// Events of `text_chars` characters of text (the stamp included).
    pub(crate) fn new(text_chars: usize) -> Self {
        Self {
            // `sent_us=` and 16 digits and `;`: the rest is padding.
            pad: "x".repeat(text_chars.saturating_sub(25)),
            stamp: Finder::new(STAMP),
            to: Finder::new(b"\"to\":"),
        }
    }

    /// Appends `42/ns,<id>["publish",{"events":[...]}]` with `count` events stamped `sent_us`.
    pub(crate) fn publish(
        &self,
        codec: &Codec,
        out: &mut String,
        ack_id: u64,
        count: u64,
        sent_us: u64,
    ) {
        codec.begin_event_with_ack(out, ack_id);
        out.push_str(r#"["publish",{"events":["#);
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            // Writing into a String cannot fail.
            let _ = write!(
                out,
                r#"{{"type":"{OUTPUT_TEXT}","data":{{"text":"sent_us={sent_us};{}","delta":true}}}}"#,
                self.pad
            );
        }
        out.push_str("]}]");
    }

    /// Reads an event payload (`["type",{envelope}]`, after the namespace prefix).
    pub(crate) fn read(&self, codec: &Codec, payload: &str) -> Received {
        let Some(fields) = codec.event_fields(payload) else {
            return Received::Malformed;
        };
        let bytes = payload.as_bytes();
        if payload.starts_with(TEXT_PREFIX) {
            return match number_after_key(&self.stamp, bytes) {
                Some(sent_us) => Received::Text {
                    offset: fields.offset,
                    sent_us,
                },
                None => Received::Malformed,
            };
        }
        if payload.starts_with(RECOVERED_PREFIX) {
            return match number_after_key(&self.to, bytes) {
                Some(to) => Received::Recovered {
                    recovered: payload.contains(r#""recovered":true"#),
                    to,
                },
                None => Received::Malformed,
            };
        }
        Received::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loadgen::packet::Packet;

    #[test]
    fn a_published_event_reads_back_with_its_stamp() {
        let codec = Codec::new("/sessions/bench");
        let events = Events::new(100);
        let mut out = String::new();
        events.publish(&codec, &mut out, 7, 2, 1_764_000_000_123_456);
        assert!(
            out.starts_with(r#"42/sessions/bench,7["publish",{"events":[{"type":"output.text""#)
        );
        let json: serde_json::Value =
            serde_json::from_str(&out["42/sessions/bench,7".len()..]).unwrap();
        let text = json[1]["events"][1]["data"]["text"].as_str().unwrap();
        assert_eq!(text.len(), 100);
        assert!(text.starts_with("sent_us=1764000000123456;x"));

        // What the server sends back: the stored envelope.
        let received = format!(
            r#"42/sessions/bench,["output.text",{{"offset":3,"session_id":"bench","ts":"t","type":"output.text","data":{{"text":"{text}","delta":true}}}}]"#
        );
        let Packet::Event(payload) = codec.parse(&received) else {
            panic!("not an event")
        };
        assert_eq!(
            events.read(&codec, payload),
            Received::Text {
                offset: 3,
                sent_us: 1_764_000_000_123_456
            }
        );
    }

    #[test]
    fn reads_session_recovered_and_odd_events() {
        let codec = Codec::new("/sessions/bench");
        let events = Events::new(900);
        let recovered = r#"["session.recovered",{"offset":0,"session_id":"bench","ts":"t","type":"session.recovered","data":{"recovered":true,"from":1,"to":100000}}]"#;
        assert_eq!(
            events.read(&codec, recovered),
            Received::Recovered {
                recovered: true,
                to: 100_000
            }
        );
        let other = r#"["session.status",{"offset":4,"data":{"status":"running"}}]"#;
        assert_eq!(events.read(&codec, other), Received::Other);
        assert_eq!(
            events.read(&codec, r#"["output.text",{"data":{}}]"#),
            Received::Malformed
        );
        let unstamped = r#"["output.text",{"offset":5,"data":{"text":"hello"}}]"#;
        assert_eq!(events.read(&codec, unstamped), Received::Malformed);
    }
}
