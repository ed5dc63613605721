//! Socket.IO v5 packets, carried in Engine.IO `message`s:
//! `<type>[<attachments>-][<namespace>,][<ack id>][<json>]`.
//!
//! The namespace is written only when it is not `/`. A binary event or ack replaces each
//! binary argument by `{"_placeholder":true,"num":N}` and is followed by N binary frames;
//! [`Decoder`] holds the packet until they have all arrived. Placeholders stay in the JSON:
//! the attachments travel beside it in [`Packet::attachments`], in order.

use serde_json::Value;

use super::CodecError;

/// The most attachments one binary packet may announce. The count comes from the peer, so it
/// is bounded before anything is reserved for it.
pub const MAX_ATTACHMENTS: usize = 1024;

/// The kind of a Socket.IO packet, with its wire digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketKind {
    /// `0`: connect to a namespace (client: with auth; server: with the socket id).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event, `["name", args...]`.
    Event,
    /// `3`: the answer to an event that carried an ack id.
    Ack,
    /// `4`: the server refused the connect, `{"message": ...}`.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an ack with binary attachments.
    BinaryAck,
}

impl PacketKind {
    fn digit(self) -> char {
        match self {
            Self::Connect => '0',
            Self::Disconnect => '1',
            Self::Event => '2',
            Self::Ack => '3',
            Self::ConnectError => '4',
            Self::BinaryEvent => '5',
            Self::BinaryAck => '6',
        }
    }

    fn from_digit(digit: char) -> Result<Self, CodecError> {
        Ok(match digit {
            '0' => Self::Connect,
            '1' => Self::Disconnect,
            '2' => Self::Event,
            '3' => Self::Ack,
            '4' => Self::ConnectError,
            '5' => Self::BinaryEvent,
            '6' => Self::BinaryAck,
            other => return Err(CodecError::UnknownType(other)),
        })
    }

    fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }
}

/// One Socket.IO packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// What it is.
    pub kind: PacketKind,
    /// Its namespace, `/` by default.
    pub nsp: String,
    /// The ack id of an event that wants an answer, or of the ack answering it.
    pub id: Option<u64>,
    /// The JSON payload: an array for events and acks, an object for connect and errors.
    pub data: Option<Value>,
    /// The binary attachments of a binary event or ack, in placeholder order.
    pub attachments: Vec<Vec<u8>>,
}

impl Packet {
    /// `0`: connect to `nsp`, with the handshake auth when there is one.
    pub fn connect(nsp: &str, auth: Option<Value>) -> Self {
        Self::new(PacketKind::Connect, nsp, None, auth)
    }

    /// `1`: leave `nsp`.
    pub fn disconnect(nsp: &str) -> Self {
        Self::new(PacketKind::Disconnect, nsp, None, None)
    }

    /// `2` or `5`: the event `name` with `args`; binary when there are attachments.
    pub fn event(
        nsp: &str,
        name: &str,
        args: Vec<Value>,
        attachments: Vec<Vec<u8>>,
        id: Option<u64>,
    ) -> Self {
        let mut data = Vec::with_capacity(args.len() + 1);
        data.push(Value::String(name.to_owned()));
        data.extend(args);
        let kind = if attachments.is_empty() {
            PacketKind::Event
        } else {
            PacketKind::BinaryEvent
        };
        Packet {
            attachments,
            ..Self::new(kind, nsp, id, Some(Value::Array(data)))
        }
    }

    /// `3` or `6`: the answer `args` to the event with ack id `id`.
    pub fn ack(nsp: &str, id: u64, args: Vec<Value>, attachments: Vec<Vec<u8>>) -> Self {
        let kind = if attachments.is_empty() {
            PacketKind::Ack
        } else {
            PacketKind::BinaryAck
        };
        Packet {
            attachments,
            ..Self::new(kind, nsp, Some(id), Some(Value::Array(args)))
        }
    }

    fn new(kind: PacketKind, nsp: &str, id: Option<u64>, data: Option<Value>) -> Self {
        Packet {
            kind,
            nsp: nsp.to_owned(),
            id,
            data,
            attachments: Vec::new(),
        }
    }

    /// An event's name and arguments, when this is a well-formed (binary) event.
    pub fn event_parts(&self) -> Option<(&str, &[Value])> {
        match (&self.kind, &self.data) {
            (PacketKind::Event | PacketKind::BinaryEvent, Some(Value::Array(items))) => {
                let (name, args) = items.split_first()?;
                Some((name.as_str()?, args))
            }
            _ => None,
        }
    }

    /// The message of a `connect_error`: `{"message": ...}` in v5, a bare string in v4.
    pub fn error_message(&self) -> Option<String> {
        match self.data.as_ref()? {
            Value::String(message) => Some(message.clone()),
            Value::Object(fields) => fields.get("message")?.as_str().map(str::to_owned),
            _ => None,
        }
    }

    /// The text frame and the binary frames that follow it.
    pub fn encode(&self) -> (String, &[Vec<u8>]) {
        let mut out = String::new();
        out.push(self.kind.digit());
        if self.kind.is_binary() {
            out.push_str(&self.attachments.len().to_string());
            out.push('-');
        }
        if self.nsp != "/" && !self.nsp.is_empty() {
            out.push_str(&self.nsp);
            out.push(',');
        }
        if let Some(id) = self.id {
            out.push_str(&id.to_string());
        }
        if let Some(data) = &self.data {
            out.push_str(&data.to_string());
        }
        (out, &self.attachments)
    }
}

/// Decodes packets from frames, holding a binary packet until its attachments arrive.
#[derive(Debug, Default)]
pub struct Decoder {
    /// A binary packet and how many attachments it still waits for.
    pending: Option<(Packet, usize)>,
}

impl Decoder {
    /// A text frame: a complete packet, or `None` when it waits for binary attachments.
    /// A text frame in the middle of a binary packet drops that packet (the peer broke it).
    pub fn text(&mut self, frame: &str) -> Result<Option<Packet>, CodecError> {
        self.pending = None;
        let (packet, expected) = parse(frame)?;
        if expected == 0 {
            return Ok(Some(packet));
        }
        self.pending = Some((packet, expected));
        Ok(None)
    }

    /// A binary frame: the complete packet once it was the last attachment.
    pub fn binary(&mut self, frame: Vec<u8>) -> Result<Option<Packet>, CodecError> {
        let Some((mut packet, expected)) = self.pending.take() else {
            return Err(CodecError::UnexpectedAttachment);
        };
        packet.attachments.push(frame);
        if packet.attachments.len() == expected {
            return Ok(Some(packet));
        }
        self.pending = Some((packet, expected));
        Ok(None)
    }
}

/// Parses a text frame into a packet and the number of attachments it announces.
fn parse(frame: &str) -> Result<(Packet, usize), CodecError> {
    let mut chars = frame.chars();
    let kind = PacketKind::from_digit(chars.next().ok_or(CodecError::Empty)?)?;
    let mut rest = chars.as_str();

    let mut attachments = 0;
    if kind.is_binary() {
        let (count, after) = rest.split_once('-').ok_or_else(|| {
            CodecError::BadNumber("binary packet without an attachment count".into())
        })?;
        let count = parse_number(count)?;
        if count > MAX_ATTACHMENTS as u64 {
            return Err(CodecError::TooManyAttachments(count));
        }
        // Fits: bounded by MAX_ATTACHMENTS just above.
        attachments = count as usize;
        rest = after;
    }

    let mut nsp = "/".to_owned();
    if rest.starts_with('/') {
        // The namespace runs to the first comma, or to the end when nothing follows it.
        let (name, after) = rest.split_once(',').unwrap_or((rest, ""));
        nsp = name.to_owned();
        rest = after;
    }

    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let id = if digits > 0 {
        Some(parse_number(&rest[..digits])?)
    } else {
        None
    };
    rest = &rest[digits..];

    let data = if rest.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str::<Value>(rest)
                .map_err(|err| CodecError::BadPayload(err.to_string()))?,
        )
    };
    validate(kind, id, data.as_ref())?;
    let packet = Packet {
        kind,
        nsp,
        id,
        data,
        attachments: Vec::new(),
    };
    Ok((packet, attachments))
}

fn parse_number(text: &str) -> Result<u64, CodecError> {
    text.parse()
        .map_err(|_| CodecError::BadNumber(format!("{text:?}")))
}

/// The payload shapes the protocol requires, so the client never acts on a packet that only
/// looks right.
fn validate(kind: PacketKind, id: Option<u64>, data: Option<&Value>) -> Result<(), CodecError> {
    let bad = |why: &str| Err(CodecError::BadPayload(why.to_owned()));
    match kind {
        PacketKind::Connect => match data {
            None | Some(Value::Object(_)) => Ok(()),
            Some(_) => bad("connect payload must be an object"),
        },
        // No payload, as socket.io-parser requires: with one, a number after no ack id
        // ("1 1") would re-encode as an ack id ("11"), another packet.
        PacketKind::Disconnect => match data {
            None => Ok(()),
            Some(_) => bad("disconnect takes no payload"),
        },
        PacketKind::Event | PacketKind::BinaryEvent => match data {
            Some(Value::Array(items)) if items.first().is_some_and(Value::is_string) => Ok(()),
            _ => bad("event payload must be an array starting with the event name"),
        },
        PacketKind::Ack | PacketKind::BinaryAck => match (id, data) {
            (None, _) => bad("ack without an id"),
            (Some(_), Some(Value::Array(_))) => Ok(()),
            _ => bad("ack payload must be an array"),
        },
        PacketKind::ConnectError => match data {
            Some(Value::Object(_) | Value::String(_)) => Ok(()),
            _ => bad("connect_error payload must be an object or a string"),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn decode(frame: &str) -> Result<Option<Packet>, CodecError> {
        Decoder::default().text(frame)
    }

    fn round_trip(packet: Packet) {
        let (text, attachments) = packet.encode();
        let mut decoder = Decoder::default();
        let mut decoded = decoder.text(&text).unwrap();
        for attachment in attachments {
            assert!(decoded.is_none(), "complete before its attachments");
            decoded = decoder.binary(attachment.clone()).unwrap();
        }
        assert_eq!(decoded.as_ref(), Some(&packet), "{text}");
    }

    #[test]
    fn connect_with_and_without_auth() {
        let packet = Packet::connect("/sessions/s1", Some(json!({"token": "t", "offset": 4})));
        assert_eq!(
            packet.encode().0,
            r#"0/sessions/s1,{"token":"t","offset":4}"#
        );
        round_trip(packet);
        assert_eq!(Packet::connect("/", None).encode().0, "0");
        round_trip(Packet::connect("/", None));
        // The server's answer carries the socket id.
        let answer = decode(r#"0/admin,{"sid":"abc"}"#).unwrap().unwrap();
        assert_eq!(answer.kind, PacketKind::Connect);
        assert_eq!(answer.nsp, "/admin");
        assert_eq!(answer.data, Some(json!({"sid": "abc"})));
    }

    #[test]
    fn disconnect_with_and_without_namespace() {
        assert_eq!(Packet::disconnect("/").encode().0, "1");
        assert_eq!(Packet::disconnect("/admin").encode().0, "1/admin,");
        round_trip(Packet::disconnect("/admin"));
        // A namespace with nothing after it needs no comma.
        assert_eq!(decode("1/admin").unwrap().unwrap().nsp, "/admin");
    }

    #[test]
    fn a_float_survives_decode_encode_decode() {
        // Found by the client_codec fuzz target (tests/fuzz/corpus/client_codec/
        // float-round-trip): serde_json without `float_roundtrip` read this number one ULP
        // away from where it reads its re-encoded form (2.5044444444444446e+33).
        let frame = r#"0{"pingInturval":25044444444444444444444444444444400}"#;
        let packet = decode(frame).unwrap().unwrap();
        round_trip(packet);
    }

    #[test]
    fn a_disconnect_with_a_payload_is_refused() {
        // Found by the client_codec fuzz target (tests/fuzz/corpus/client_codec/
        // disconnect-with-payload): "1 1" decoded as a disconnect carrying the number 1,
        // which encodes as "11", a disconnect with ack id 1.
        for frame in ["1 1", "1[1]", "1/admin,{}", "17\"x\""] {
            assert!(
                matches!(decode(frame), Err(CodecError::BadPayload(_))),
                "{frame}"
            );
        }
        assert_eq!(decode("17").unwrap().unwrap().id, Some(7));
    }

    #[test]
    fn events_with_and_without_ack_ids() {
        let event = Packet::event(
            "/",
            "hello",
            vec![json!(1), json!({"a": "b"})],
            vec![],
            None,
        );
        assert_eq!(event.encode().0, r#"2["hello",1,{"a":"b"}]"#);
        assert_eq!(event.event_parts().unwrap().0, "hello");
        round_trip(event);
        let with_ack = Packet::event("/chat", "ping", vec![json!({})], vec![], Some(12));
        assert_eq!(with_ack.encode().0, r#"2/chat,12["ping",{}]"#);
        round_trip(with_ack);
    }

    #[test]
    fn acks() {
        let ack = Packet::ack("/", 7, vec![json!({"ok": 1})], vec![]);
        assert_eq!(ack.encode().0, r#"37[{"ok":1}]"#);
        round_trip(ack);
        round_trip(Packet::ack("/x", 0, vec![], vec![]));
    }

    #[test]
    fn connect_errors_in_v5_and_v4_shapes() {
        let v5 = decode(r#"4/sessions/s1,{"message":"token expired"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(v5.kind, PacketKind::ConnectError);
        assert_eq!(v5.error_message().as_deref(), Some("token expired"));
        let v4 = decode(r#"4"Invalid namespace""#).unwrap().unwrap();
        assert_eq!(v4.error_message().as_deref(), Some("Invalid namespace"));
    }

    #[test]
    fn binary_events_and_acks_wait_for_their_attachments() {
        let placeholder = json!({"_placeholder": true, "num": 0});
        let event = Packet::event(
            "/",
            "file",
            vec![placeholder.clone()],
            vec![vec![1, 2, 3]],
            Some(3),
        );
        assert_eq!(event.kind, PacketKind::BinaryEvent);
        assert_eq!(
            event.encode().0,
            r#"51-3["file",{"_placeholder":true,"num":0}]"#
        );
        round_trip(event);
        let two = Packet::event(
            "/bin",
            "two",
            vec![placeholder, json!({"_placeholder": true, "num": 1})],
            vec![vec![], vec![255; 10]],
            None,
        );
        round_trip(two);
        let ack = Packet::ack(
            "/",
            5,
            vec![json!({"_placeholder": true, "num": 0})],
            vec![vec![9]],
        );
        assert_eq!(ack.kind, PacketKind::BinaryAck);
        assert_eq!(ack.encode().0, r#"61-5[{"_placeholder":true,"num":0}]"#);
        round_trip(ack);
    }

    #[test]
    fn a_text_frame_abandons_an_unfinished_binary_packet() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.text(r#"52-["x",{},{}]"#).unwrap(), None);
        assert_eq!(decoder.binary(vec![1]).unwrap(), None);
        let next = decoder.text(r#"2["y"]"#).unwrap().unwrap();
        assert_eq!(next.event_parts().unwrap().0, "y");
        assert_eq!(
            decoder.binary(vec![2]),
            Err(CodecError::UnexpectedAttachment)
        );
    }

    #[test]
    fn malformed_packets_are_errors_not_panics() {
        let cases = [
            "",
            "9",
            "x",
            "2",                            // event without payload
            "2{}",                          // event payload not an array
            "2[]",                          // event without a name
            "2[1]",                         // event name not a string
            "2[\"a\"",                      // truncated JSON
            "3[1]",                         // ack without id
            "31{}",                         // ack payload not an array
            "0[1]",                         // connect payload not an object
            "4",                            // connect_error without payload
            "41",                           // connect_error with a number
            "5[\"a\"]",                     // binary without a count
            "5x-[\"a\"]",                   // bad count
            "599999999999-[\"a\"]",         // count over the bound
            "299999999999999999999[\"a\"]", // ack id over u64
            "2/nsp,garbage",
        ];
        for frame in cases {
            assert!(decode(frame).is_err(), "{frame:?} decoded");
        }
        assert_eq!(
            Decoder::default().binary(vec![1]),
            Err(CodecError::UnexpectedAttachment)
        );
        assert_eq!(
            decode("599999999999-[\"a\"]"),
            Err(CodecError::TooManyAttachments(99_999_999_999))
        );
    }
}
