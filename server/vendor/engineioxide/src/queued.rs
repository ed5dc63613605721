//! agentcast patch: what one send puts in a socket's channels (see vendor/README.md).
//!
//! A tokio channel allocates its first block of 32 slots when it is created, so the size of
//! one slot is paid 32 times by every connection before it sends anything. Upstream's slot is
//! engineioxide_core's `PacketBuf`, a `SmallVec` of two 80-byte packets (5.4 KB per
//! connection); [`Queued`] keeps the one send that happens at every event, a text message,
//! inline in 32 bytes (1 KB per connection) and puts every other send (a heartbeat, a
//! binary message, a message with its attachments, the upgrade's noop) behind a pointer.

use engineioxide_core::{Packet, Str};

/// The packets of one send, in the order they go out; sent together, never interleaved
/// with another send's.
#[derive(Debug, Clone)]
pub(crate) enum Queued {
    /// A text message: what every emit is.
    Message(Str),
    /// Any other packet, or several sent at once.
    Packets(Vec<Packet>),
}

// One slot of the channel's block: as small as a text message (32 bytes); the compiler keeps
// which variant it is in a value the message's pointers never take.
const _: () = assert!(std::mem::size_of::<Queued>() <= 32);

impl Queued {
    /// The packets of a send whose first packet is `first`, then `rest`.
    pub(crate) fn many(first: Packet, rest: impl ExactSizeIterator<Item = Packet>) -> Self {
        let mut packets = Vec::with_capacity(1 + rest.len());
        packets.push(first);
        packets.extend(rest);
        Queued::Packets(packets)
    }

    /// How many packets this send has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Queued::Message(_) => 1,
            Queued::Packets(packets) => packets.len(),
        }
    }

    /// The packet of a send of one packet (the first of several).
    pub(crate) fn into_first(self) -> Option<Packet> {
        self.into_iter().next()
    }
}

impl From<Packet> for Queued {
    fn from(packet: Packet) -> Self {
        match packet {
            Packet::Message(msg) => Queued::Message(msg),
            packet => Queued::Packets(vec![packet]),
        }
    }
}

impl IntoIterator for Queued {
    type Item = Packet;
    type IntoIter = std::iter::Chain<std::option::IntoIter<Packet>, std::vec::IntoIter<Packet>>;

    fn into_iter(self) -> Self::IntoIter {
        let (message, packets) = match self {
            Queued::Message(msg) => (Some(Packet::Message(msg)), Vec::new()),
            Queued::Packets(packets) => (None, packets),
        };
        message.into_iter().chain(packets)
    }
}
