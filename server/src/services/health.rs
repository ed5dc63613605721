//! What `GET /health` reports: liveness, the database, what is connected, the collector, the
//! version and the uptime, summed up as `ok`, `degraded` or `failing`.

use std::sync::atomic::Ordering;
use std::time::Duration;

use agentcast_shared::rest::{BrokerState, CollectorState, DatabaseStatus, Health, HealthStatus};

use crate::hub::{CollectorCounters, Hub};
use crate::socket::SocketLayer;

/// How long a `system.error` of severity `error` keeps the health `degraded`.
pub(crate) const RECENT_ERROR: Duration = Duration::from_secs(60);

/// The server's health now: `failing` (and logged) when the database does not answer;
/// `degraded` when the collector stopped or the server reported an error within
/// [`RECENT_ERROR`] or lost its broker; `ok` otherwise.
pub(crate) async fn check(hub: &Hub, sockets: &SocketLayer) -> Health {
    let database = match hub.store().ping().await {
        Ok(()) => DatabaseStatus::Ok,
        Err(err) => {
            tracing::error!(%err, "health check: the database does not answer");
            DatabaseStatus::Error
        }
    };
    let stats = hub.stats();
    let collector = collector_state(&stats.collector);
    let broker = stats.broker.state();
    let census = sockets.census().await;
    let status = match database {
        DatabaseStatus::Error => HealthStatus::Failing,
        DatabaseStatus::Ok
            if collector == CollectorState::Stopped
                || broker == BrokerState::Lost
                || stats.errors.error_within(RECENT_ERROR) =>
        {
            HealthStatus::Degraded
        }
        DatabaseStatus::Ok => HealthStatus::Ok,
    };
    Health {
        status,
        database,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: stats.uptime().as_secs(),
        connections: stats.connections.load(Ordering::Relaxed),
        rooms: census.iter().map(|ns| ns.rooms as u64).sum(),
        collector,
        broker,
    }
}

fn collector_state(counters: &CollectorCounters) -> CollectorState {
    let on = |flag: &std::sync::atomic::AtomicBool| flag.load(Ordering::Relaxed);
    if !on(&counters.enabled) {
        CollectorState::Off
    } else if on(&counters.stopped) {
        CollectorState::Stopped
    } else if on(&counters.importing) {
        CollectorState::Importing
    } else {
        CollectorState::Following
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_collector_state_follows_its_counters() {
        let counters = CollectorCounters::default();
        assert_eq!(collector_state(&counters), CollectorState::Off);
        counters.enabled.store(true, Ordering::Relaxed);
        counters.importing.store(true, Ordering::Relaxed);
        assert_eq!(collector_state(&counters), CollectorState::Importing);
        counters.importing.store(false, Ordering::Relaxed);
        assert_eq!(collector_state(&counters), CollectorState::Following);
        counters.stopped.store(true, Ordering::Relaxed);
        assert_eq!(collector_state(&counters), CollectorState::Stopped);
    }
}
