//! Following the other servers of a shared store (several `agentcast serve` on one
//! PostgreSQL, DESIGN.md section 12). Each server broadcasts to its own clients; what another
//! server stores reaches them through the store's [`ChangeFeed`]: an announcement carries a
//! session and offsets, this server's sequencer for that session reads those events from the
//! store and broadcasts them in offset order with its own (`Sequencer::follow`). No event
//! travels outside the store, so an announcement that is lost costs a read, never an event:
//! when the feed's connection comes back, every session this server has is brought up to the
//! head the store has.
//!
//! The feed's connection is the broker's: [`BrokerCounters`] say whether it is up (for
//! `/health` and `/metrics`), and losing it is a `system.error {component: "broker"}`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use agentcast_shared::Severity;
use agentcast_shared::rest::BrokerState;

use super::{Component, Hub};
use crate::store::{Appended, Change, ChangeFeed};

/// The feed's state and counts, in [`Stats`](super::Stats).
#[derive(Debug, Default)]
pub struct BrokerCounters {
    /// Set once following starts (a shared store).
    pub enabled: AtomicBool,
    /// Cleared while the feed's connection is lost.
    pub connected: AtomicBool,
    /// Announcements of appends received (every server's, this one's included).
    pub announcements: AtomicU64,
    /// Times the connection was lost.
    pub lost: AtomicU64,
}

impl BrokerCounters {
    pub fn state(&self) -> BrokerState {
        if !self.enabled.load(Ordering::Relaxed) {
            BrokerState::Off
        } else if self.connected.load(Ordering::Relaxed) {
            BrokerState::Connected
        } else {
            BrokerState::Lost
        }
    }
}

/// Follows the feed until the server stops.
pub async fn follow_other_servers(hub: Hub, mut feed: Box<dyn ChangeFeed>) {
    let broker = &hub.stats().broker;
    broker.enabled.store(true, Ordering::Relaxed);
    // Counted as connected from the start: the first `LISTEN` follows at once, and a failure
    // to make it is a `Change::Lost` like any other.
    broker.connected.store(true, Ordering::Relaxed);
    loop {
        match feed.next().await {
            Change::Appended(appended) => {
                broker.announcements.fetch_add(1, Ordering::Relaxed);
                hub.follow(&appended);
            }
            Change::Lost(reason) => {
                broker.connected.store(false, Ordering::Relaxed);
                broker.lost.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%reason, "lost the broker: other servers' events wait until it is back");
                let message = format!("{reason}; other servers' events wait until it is back");
                let errors = &hub.stats().errors;
                errors.report(Component::Broker, Severity::Error, message);
            }
            Change::Resumed => {
                if broker.lost.load(Ordering::Relaxed) > 0 {
                    tracing::info!(
                        "the broker is back; reading what other servers stored meanwhile"
                    );
                }
                broker.connected.store(true, Ordering::Relaxed);
                catch_up(&hub).await;
            }
        }
    }
}

/// Brings every session this server has up to the head the store has for it.
async fn catch_up(hub: &Hub) {
    for session in hub.handles() {
        match hub.store().events().head_offset(session.id()).await {
            Ok(head) => session.follow_to(head),
            Err(err) => {
                tracing::error!(%err, session.id = session.id(), "reading a session's head after the broker came back failed");
            }
        }
    }
}

impl Hub {
    /// Another server stored `appended`: the session's sequencer broadcasts it (a session
    /// new to this server starts just before it, so that its lifecycle reaches `/` here too).
    fn follow(&self, appended: &Appended) {
        match self.session_from(&appended.session_id, Some(appended.first)) {
            Ok(session) => session.follow_to(appended.last),
            Err(err) => tracing::warn!(%err, "an announced append of an invalid session; ignored"),
        }
    }
}
