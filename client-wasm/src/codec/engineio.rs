//! Engine.IO v4 packets: one text frame is one packet, `<type digit><data>`. Over a
//! websocket a binary frame is a binary `message` with no type byte, so it never reaches
//! [`decode`]; over long-polling, packets are joined with the record separator (`\x1e`) and a
//! binary one is `b<base64>` ([`decode_payload`] keeps those as [`Packet::Binary`] text).

use std::time::Duration;

use serde::Deserialize;

use super::CodecError;

/// The record separator that joins packets in a long-polling payload.
pub const RECORD_SEPARATOR: char = '\u{1e}';

/// One Engine.IO packet of a text frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0{json}`: the handshake, the first packet from the server.
    Open(OpenInfo),
    /// `1`: the transport is about to close.
    Close,
    /// `2[probe]`: the server's heartbeat (or an upgrade probe); answered with a pong.
    Ping(String),
    /// `3[probe]`: the answer to a ping.
    Pong(String),
    /// `4<text>`: a Socket.IO packet.
    Message(String),
    /// `5`: upgrade the transport (long-polling to websocket).
    Upgrade,
    /// `6`: nothing, used while upgrading.
    Noop,
    /// `b<base64>`: a binary message inside a long-polling payload, still encoded.
    Binary(String),
}

/// The handshake the server sends first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInfo {
    /// The Engine.IO session id.
    pub sid: String,
    /// Transports the client may upgrade to.
    #[serde(default)]
    pub upgrades: Vec<String>,
    /// How often the server pings, in milliseconds.
    pub ping_interval: u64,
    /// How long the server waits for a pong, in milliseconds.
    pub ping_timeout: u64,
    /// The largest payload the server accepts, in bytes (0 when it did not say).
    #[serde(default)]
    pub max_payload: u64,
}

impl OpenInfo {
    /// How long without a ping before the connection counts as dead: the server pings every
    /// `pingInterval` and gives up `pingTimeout` after that, so the client does the same.
    pub fn heartbeat_deadline(&self) -> Duration {
        Duration::from_millis(self.ping_interval.saturating_add(self.ping_timeout))
    }
}

/// Decodes one text frame.
pub fn decode(frame: &str) -> Result<Packet, CodecError> {
    let mut chars = frame.chars();
    let kind = chars.next().ok_or(CodecError::Empty)?;
    let rest = chars.as_str();
    match kind {
        '0' => serde_json::from_str(rest)
            .map(Packet::Open)
            .map_err(|err| CodecError::BadPayload(format!("open: {err}"))),
        '1' => Ok(Packet::Close),
        '2' => Ok(Packet::Ping(rest.to_owned())),
        '3' => Ok(Packet::Pong(rest.to_owned())),
        '4' => Ok(Packet::Message(rest.to_owned())),
        '5' => Ok(Packet::Upgrade),
        '6' => Ok(Packet::Noop),
        'b' => Ok(Packet::Binary(rest.to_owned())),
        other => Err(CodecError::UnknownType(other)),
    }
}

/// Encodes one packet as a text frame. The client never sends `Open`; it is encoded anyway
/// (as the server would) so the codec is symmetric and testable.
pub fn encode(packet: &Packet) -> String {
    match packet {
        Packet::Open(info) => format!(
            "0{}",
            serde_json::json!({
                "sid": info.sid,
                "upgrades": info.upgrades,
                "pingInterval": info.ping_interval,
                "pingTimeout": info.ping_timeout,
                "maxPayload": info.max_payload,
            })
        ),
        Packet::Close => "1".to_owned(),
        Packet::Ping(data) => format!("2{data}"),
        Packet::Pong(data) => format!("3{data}"),
        Packet::Message(data) => format!("4{data}"),
        Packet::Upgrade => "5".to_owned(),
        Packet::Noop => "6".to_owned(),
        Packet::Binary(base64) => format!("b{base64}"),
    }
}

/// Splits a long-polling payload into packets.
pub fn decode_payload(payload: &str) -> Result<Vec<Packet>, CodecError> {
    payload.split(RECORD_SEPARATOR).map(decode).collect()
}

/// Joins packets into a long-polling payload.
pub fn encode_payload(packets: &[Packet]) -> String {
    let encoded: Vec<String> = packets.iter().map(encode).collect();
    encoded.join(&RECORD_SEPARATOR.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

    #[test]
    fn open_carries_the_heartbeat() {
        let Packet::Open(info) = decode(OPEN).unwrap() else {
            panic!("not an open packet");
        };
        assert_eq!(info.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!(info.upgrades, ["websocket"]);
        assert_eq!(info.heartbeat_deadline(), Duration::from_millis(45_000));
        assert_eq!(info.max_payload, 1_000_000);
        assert_eq!(
            decode(&encode(&Packet::Open(info.clone()))).unwrap(),
            Packet::Open(info)
        );
    }

    #[test]
    fn every_simple_packet_round_trips() {
        let packets = [
            Packet::Close,
            Packet::Ping(String::new()),
            Packet::Ping("probe".into()),
            Packet::Pong(String::new()),
            Packet::Pong("probe".into()),
            Packet::Message("2[\"hello\"]".into()),
            Packet::Message(String::new()),
            Packet::Upgrade,
            Packet::Noop,
            Packet::Binary("AQID".into()),
        ];
        for packet in packets {
            assert_eq!(decode(&encode(&packet)).unwrap(), packet, "{packet:?}");
        }
        assert_eq!(encode(&Packet::Ping(String::new())), "2");
        assert_eq!(encode(&Packet::Pong(String::new())), "3");
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert_eq!(decode(""), Err(CodecError::Empty));
        assert_eq!(decode("7"), Err(CodecError::UnknownType('7')));
        assert_eq!(decode("é"), Err(CodecError::UnknownType('é')));
        assert!(matches!(decode("0"), Err(CodecError::BadPayload(_))));
        assert!(matches!(
            decode("0{\"sid\":1}"),
            Err(CodecError::BadPayload(_))
        ));
        assert!(matches!(
            decode("0not json"),
            Err(CodecError::BadPayload(_))
        ));
    }

    #[test]
    fn polling_payloads_split_on_the_record_separator() {
        let payload = "2\u{1e}4hello\u{1e}bAQID";
        let packets = decode_payload(payload).unwrap();
        assert_eq!(
            packets,
            [
                Packet::Ping(String::new()),
                Packet::Message("hello".into()),
                Packet::Binary("AQID".into())
            ]
        );
        assert_eq!(encode_payload(&packets), payload);
        assert_eq!(decode_payload("2\u{1e}"), Err(CodecError::Empty));
    }
}
