//! `server_status` and `health`: what the server is doing, and whether it serves fully.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use agentcast_shared::rest::{DatabaseStatus, HealthStatus};
use agentcast_shared::{CollectorStats, LimitsHit};
use serde::Serialize;

use crate::http::AppState;
use crate::hub::stats;
use crate::services::health;
use crate::socket::NamespaceCensus;

/// Namespaces listed one by one in `server_status` (the busiest); the totals count them all.
const LISTED_NAMESPACES: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ServerStatus {
    pub version: String,
    pub uptime_s: u64,
    /// Open Socket.IO connections.
    pub connections: u64,
    /// Open namespaces (`/` and one per watched session), sockets and rooms in all of them.
    pub namespaces: usize,
    pub sockets: usize,
    pub rooms: usize,
    /// The busiest namespaces.
    pub busiest_namespaces: Vec<NamespaceStatus>,
    /// Sessions with events in this run, by status.
    pub sessions: BTreeMap<String, usize>,
    /// Events accepted into sessions and envelopes sent to sockets since start.
    pub events_in: u64,
    pub events_out: u64,
    /// The same, per second, averaged since start.
    pub events_in_per_s: f64,
    pub events_out_per_s: f64,
    pub memory_bytes: u64,
    pub slow_consumer_disconnects: u64,
    pub limits_hit: LimitsHit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collector: Option<CollectorStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct NamespaceStatus {
    pub namespace: String,
    pub sockets: usize,
    pub rooms: usize,
}

impl From<NamespaceCensus> for NamespaceStatus {
    fn from(census: NamespaceCensus) -> Self {
        NamespaceStatus {
            namespace: census.namespace,
            sockets: census.sockets,
            rooms: census.rooms,
        }
    }
}

/// The server's status now.
pub(crate) async fn server_status(state: &AppState) -> ServerStatus {
    let hub = &state.hub;
    let current = stats::current(hub);
    let census = state.sockets.census().await;
    let mut sessions = BTreeMap::new();
    for summary in hub.summaries() {
        *sessions
            .entry(format!("{:?}", summary.status).to_lowercase())
            .or_insert(0) += 1;
    }
    ServerStatus {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_s: current.uptime_s,
        connections: current.connections,
        namespaces: census.len(),
        sockets: census.iter().map(|ns| ns.sockets).sum(),
        rooms: census.iter().map(|ns| ns.rooms).sum(),
        busiest_namespaces: census
            .into_iter()
            .take(LISTED_NAMESPACES)
            .map(Into::into)
            .collect(),
        sessions,
        events_in: hub.stats().events_in.load(Ordering::Relaxed),
        events_out: hub.stats().events_out.total(),
        events_in_per_s: current.events_in_per_s,
        events_out_per_s: current.events_out_per_s,
        memory_bytes: current.memory_bytes,
        slow_consumer_disconnects: current.slow_consumer_disconnects,
        limits_hit: current.limits_hit,
        collector: current.collector,
    }
}

/// `server_status` for reading.
pub(crate) fn server_status_text(status: &ServerStatus) -> String {
    use agentcast_shared::view::format;
    let sessions = if status.sessions.is_empty() {
        "none".to_owned()
    } else {
        status
            .sessions
            .iter()
            .map(|(state, count)| format!("{count} {state}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "agentcast {} up {}\n\
         connections: {} ({} sockets in {} namespaces, {} rooms)\n\
         sessions this run: {sessions}\n\
         events: {} in, {} out ({:.1}/s in, {:.1}/s out since start)\n\
         memory: {}; slow consumers disconnected: {}\n",
        status.version,
        format::duration(status.uptime_s * 1000),
        status.connections,
        status.sockets,
        status.namespaces,
        status.rooms,
        status.events_in,
        status.events_out,
        status.events_in_per_s,
        status.events_out_per_s,
        format::bytes(status.memory_bytes),
        status.slow_consumer_disconnects,
    );
    for ns in &status.busiest_namespaces {
        out.push_str(&format!(
            "  {}: {} sockets, {} rooms\n",
            ns.namespace, ns.sockets, ns.rooms
        ));
    }
    if let Some(collector) = &status.collector {
        out.push_str(&collector_line(collector));
    }
    out
}

/// What `health` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct HealthReport {
    /// ok, degraded (a collector stopped, a recent server error) or failing (no database).
    pub status: HealthStatus,
    pub database: DatabaseStatus,
    pub version: String,
    pub uptime_s: u64,
    /// The transcript collectors; absent when collecting is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collector: Option<CollectorStats>,
}

pub(crate) async fn health(state: &AppState) -> HealthReport {
    let health = health::check(&state.hub, &state.sockets).await;
    let collector = state.hub.stats().collector.snapshot();
    HealthReport {
        status: health.status,
        database: health.database,
        version: health.version,
        uptime_s: health.uptime_s,
        collector,
    }
}

pub(crate) fn health_text(report: &HealthReport) -> String {
    let mut out = format!(
        "{:?}: database {:?}, agentcast {}, up {} s\n",
        report.status, report.database, report.version, report.uptime_s
    )
    .to_lowercase();
    match &report.collector {
        Some(collector) => out.push_str(&collector_line(collector)),
        None => out.push_str("collectors: off\n"),
    }
    out
}

fn collector_line(collector: &CollectorStats) -> String {
    format!(
        "collectors: {}, {}/{} files imported, {} followed, {} errors\n",
        if collector.importing {
            "importing"
        } else {
            "live"
        },
        collector.files_imported,
        collector.files_total,
        collector.files_followed,
        collector.errors,
    )
}
