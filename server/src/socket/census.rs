//! What is connected now, namespace by namespace: sockets, rooms and their members. Read on
//! demand (the MCP `server_status` tool, `/health`, `/metrics`), never on a hot path.

use super::SocketLayer;

/// One namespace's sockets and rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceCensus {
    /// `/` or `/sessions/{id}`.
    pub namespace: String,
    /// Sockets connected to it.
    pub sockets: usize,
    /// Rooms with at least one member: one per event type some socket subscribed to
    /// explicitly, and `*` for the sockets on the namespace's default subscription.
    pub rooms: usize,
    /// Memberships: each socket counted once per room it is in.
    pub members: usize,
}

impl SocketLayer {
    /// Every open namespace with its sockets and rooms, the busiest first.
    pub async fn census(&self) -> Vec<NamespaceCensus> {
        let mut census = Vec::new();
        for ns in self.io.nsps() {
            let namespace = ns.ns_path().to_owned();
            let sockets = ns.clone().sockets();
            let members = sockets.iter().map(|socket| socket.rooms().len()).sum();
            let sockets = sockets.len();
            // The local adapter answers from memory; it never fails.
            let rooms = ns.rooms().await.map_or(0, |rooms| rooms.len());
            census.push(NamespaceCensus {
                namespace,
                sockets,
                rooms,
                members,
            });
        }
        census.sort_by(|a, b| {
            b.sockets
                .cmp(&a.sockets)
                .then_with(|| a.namespace.cmp(&b.namespace))
        });
        census
    }
}
