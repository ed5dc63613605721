//! What `GET /health` reports: liveness, the database, the version and the uptime.

use agentcast_shared::rest::{DatabaseStatus, Health, HealthStatus};

use crate::hub::Hub;

/// The server's health now: degraded (and logged) when the database does not answer.
pub(crate) async fn check(hub: &Hub) -> Health {
    let database = match hub.store().ping().await {
        Ok(()) => DatabaseStatus::Ok,
        Err(err) => {
            tracing::error!(%err, "health check: the database does not answer");
            DatabaseStatus::Error
        }
    };
    Health {
        status: match database {
            DatabaseStatus::Ok => HealthStatus::Ok,
            DatabaseStatus::Error => HealthStatus::Degraded,
        },
        database,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: hub.stats().uptime().as_secs(),
    }
}
