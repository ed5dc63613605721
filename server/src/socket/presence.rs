//! Who is watching a session: the token subjects connected to its namespace, with their
//! socket counts and whether they may answer the agent. Sent as the ephemeral
//! `session.presence` (offset 0, never stored) to the namespace's subscribers when sockets
//! come and go, at most once per [`COALESCE`] per session (a thousand clients connecting
//! make a few announcements, not a million packets), and part of `get_status`.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::{Event, SESSION_PRESENCE, Scope, SessionPresence, Watcher};

use super::delivery::SocketDelivery;
use super::{Io, auth};
use crate::hub::{SESSION_NS_PREFIX, envelope};

/// The longest a change waits before it is announced (with the changes after it).
const COALESCE: Duration = Duration::from_millis(250);

/// The sessions with an announcement on its way.
#[derive(Clone)]
pub(crate) struct Presence {
    pending: Arc<Mutex<HashSet<String>>>,
    /// What announcements are broadcast through.
    delivery: Arc<SocketDelivery>,
}

impl Presence {
    pub fn new(delivery: Arc<SocketDelivery>) -> Self {
        Self {
            pending: Arc::default(),
            delivery,
        }
    }

    /// Someone came or went on namespace `ns`: announces it soon, unless already due.
    pub fn changed(&self, io: &Io, ns: &str) {
        if !ns.starts_with(SESSION_NS_PREFIX) {
            return;
        }
        let newly = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(ns.to_owned());
        if !newly {
            return;
        }
        let (io, ns, pending) = (io.clone(), ns.to_owned(), self.pending.clone());
        let delivery = self.delivery.clone();
        tokio::spawn(async move {
            tokio::time::sleep(COALESCE).await;
            pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&ns);
            announce(&io, &delivery, &ns);
        });
    }
}

/// The watchers of namespace `ns` now, by subject.
pub(crate) fn watchers(io: &Io, ns: &str) -> Vec<Watcher> {
    let Some(operators) = io.of(ns) else {
        return Vec::new();
    };
    let mut by_sub: BTreeMap<String, Watcher> = BTreeMap::new();
    for socket in operators.sockets() {
        let Some(claims) = auth::claims(&socket) else {
            continue;
        };
        let watcher = by_sub.entry(claims.sub.clone()).or_insert(Watcher {
            sub: claims.sub.clone(),
            sockets: 0,
            can_control: false,
        });
        watcher.sockets += 1;
        watcher.can_control |= claims.has_scope(Scope::Control);
    }
    by_sub.into_values().collect()
}

fn announce(io: &Io, delivery: &SocketDelivery, ns: &str) {
    let presence = Event::SessionPresence(SessionPresence {
        watchers: watchers(io, ns),
    });
    let session_id = ns.strip_prefix(SESSION_NS_PREFIX).unwrap_or_default();
    let payload = envelope::ephemeral(session_id, &presence);
    delivery.broadcast_to(ns, SESSION_PRESENCE, &payload);
}
