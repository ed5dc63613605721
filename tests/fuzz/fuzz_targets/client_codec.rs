//! The client's protocol codec, as frames arrive from a server: the input as an Engine.IO
//! long-polling payload (packets split on the record separator), each `message` in it as a
//! Socket.IO frame and each binary packet as an attachment, and the input itself as a
//! Socket.IO frame. Decoding never panics, and what decodes re-encodes to frames that decode
//! to the same packets (Engine.IO payloads and packets, Socket.IO packets with their
//! attachments).

#![no_main]

use agentcast_client::codec::engineio;
use agentcast_client::codec::socketio::{self, MAX_ATTACHMENTS};
use libfuzzer_sys::fuzz_target;

/// Encodes `packet` and decodes the frames again: the same packet.
fn socketio_round_trip(packet: &socketio::Packet) {
    let (text, attachments) = packet.encode();
    let mut decoder = socketio::Decoder::default();
    let mut decoded = decoder
        .text(&text)
        .unwrap_or_else(|err| panic!("{text:?} (from {packet:?}) does not decode: {err}"));
    for attachment in attachments {
        assert!(
            decoded.is_none(),
            "{text:?} complete before its attachments"
        );
        decoded = decoder
            .binary(attachment.clone())
            .expect("an awaited attachment");
    }
    assert_eq!(decoded.as_ref(), Some(packet), "{text:?}");
}

/// Feeds Socket.IO frames (text, or binary attachments) to one decoder, checking every
/// packet that completes.
fn socketio_frames<'a>(frames: impl Iterator<Item = (bool, &'a str)>) {
    let mut decoder = socketio::Decoder::default();
    for (binary, frame) in frames {
        let decoded = if binary {
            decoder.binary(frame.as_bytes().to_vec())
        } else {
            decoder.text(frame)
        };
        if let Ok(Some(packet)) = decoded {
            assert!(packet.attachments.len() <= MAX_ATTACHMENTS);
            let _ = (packet.event_parts(), packet.error_message());
            socketio_round_trip(&packet);
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);

    // Engine.IO: one frame, and a polling payload.
    if let Ok(packet) = engineio::decode(&text) {
        let again = engineio::decode(&engineio::encode(&packet)).expect("re-encoded frame");
        assert_eq!(again, packet);
        if let engineio::Packet::Open(info) = &packet {
            let _ = info.heartbeat_deadline();
        }
    }
    if let Ok(packets) = engineio::decode_payload(&text) {
        let payload = engineio::encode_payload(&packets);
        assert_eq!(engineio::decode_payload(&payload).as_ref(), Ok(&packets));
        // What the packets carry, as the client reads them: messages are Socket.IO frames,
        // binary packets (base64 in a payload) attachments.
        socketio_frames(packets.iter().filter_map(|packet| match packet {
            engineio::Packet::Message(frame) => Some((false, frame.as_str())),
            engineio::Packet::Binary(data) => Some((true, data.as_str())),
            _ => None,
        }));
    }

    // Socket.IO: the input as one frame.
    socketio_frames(std::iter::once((false, &*text)));
});
