//! [`Snapshot`]: the values of one scrape, taken from the server's counters, and their
//! encoding as metric families (a prometheus-client `Collector`, encoded in the Prometheus
//! text format).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agentcast_shared::rest::BrokerState;
use agentcast_shared::{LimitsHit, SessionState};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeCounterValue, EncodeMetric, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::Sources;
use crate::hub::system_error::SEVERITIES;
use crate::hub::{Component, PerNamespace, SESSION_NS_PREFIX, Stats, process};
use crate::socket::NamespaceCensus;

/// The namespace kinds, the only values of the `namespace` label.
const KINDS: [&str; 2] = ["hub", "session"];

/// The `namespace` label of a namespace path.
pub(crate) fn namespace_kind(path: &str) -> &'static str {
    if path.starts_with(SESSION_NS_PREFIX) {
        "session"
    } else {
        "hub"
    }
}

/// Sockets, rooms and members of the namespaces of one kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Connected {
    namespaces: u64,
    sockets: u64,
    rooms: u64,
    members: u64,
}

/// One scrape's values.
#[derive(Debug)]
pub(crate) struct Snapshot {
    stats: Arc<Stats>,
    /// By namespace kind, in [`KINDS`] order.
    connected: [Connected; 2],
    /// Sessions this server holds, by status, in [`SessionState::ALL`] order.
    sessions: [u64; SessionState::ALL.len()],
    limits: LimitsHit,
    refusals: Vec<(&'static str, u64)>,
    cpu_seconds: f64,
    resident_bytes: u64,
    /// Tasks alive in the tokio runtime the scrape runs on (the server's).
    tasks: u64,
}

/// Sums the census by namespace kind.
fn by_kind(census: &[NamespaceCensus]) -> [Connected; 2] {
    let mut kinds = [Connected::default(); 2];
    for ns in census {
        let kind = usize::from(namespace_kind(&ns.namespace) == "session");
        let c = &mut kinds[kind];
        c.namespaces += 1;
        c.sockets += ns.sockets as u64;
        c.rooms += ns.rooms as u64;
        c.members += ns.members as u64;
    }
    kinds
}

impl Snapshot {
    pub async fn take(sources: &Sources) -> Self {
        let census = sources.sockets.census().await;
        let mut sessions = [0; SessionState::ALL.len()];
        for summary in sources.hub.summaries() {
            if let Some(i) = SessionState::ALL.iter().position(|s| *s == summary.status) {
                sessions[i] += 1;
            }
        }
        let stats = sources.hub.stats().clone();
        Self {
            connected: by_kind(&census),
            sessions,
            limits: stats.limits_hit.snapshot(),
            refusals: sources.audit.refusals().snapshot(),
            cpu_seconds: process::cpu_seconds(),
            resident_bytes: process::resident_memory_bytes(),
            tasks: tokio::runtime::Handle::try_current()
                .map_or(0, |runtime| runtime.metrics().num_alive_tasks() as u64),
            stats,
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(self) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut text = String::new();
        // Writing to a String cannot fail, and every family below encodes plain numbers.
        if let Err(err) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
        {
            tracing::error!(%err, "the metrics did not encode");
        }
        text
    }
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Writes metric families: one `# HELP`/`# TYPE` and its samples each.
struct Families<'a>(DescriptorEncoder<'a>);

type Result = std::result::Result<(), std::fmt::Error>;

impl Families<'_> {
    /// A counter without labels; `name` without `_total` (the encoder adds it).
    fn counter(&mut self, name: &str, help: &str, value: impl EncodeCounterValue) -> Result {
        let mut metric = self
            .0
            .encode_descriptor(name, help, None, MetricType::Counter)?;
        metric.encode_counter::<NoLabelSet, _, u64>(&value, None)
    }

    /// A counter with one label.
    fn counters<'v>(
        &mut self,
        name: &str,
        help: &str,
        label: &str,
        values: impl IntoIterator<Item = (&'v str, u64)>,
    ) -> Result {
        let mut metric = self
            .0
            .encode_descriptor(name, help, None, MetricType::Counter)?;
        for (value, count) in values {
            metric
                .encode_family(&[(label, value)])?
                .encode_counter::<NoLabelSet, _, u64>(&count, None)?;
        }
        Ok(())
    }

    fn gauge(&mut self, name: &str, help: &str, value: impl GaugeValue) -> Result {
        let mut metric = self
            .0
            .encode_descriptor(name, help, None, MetricType::Gauge)?;
        value.encode(&mut metric)
    }

    /// A gauge with one label.
    fn gauges<'v>(
        &mut self,
        name: &str,
        help: &str,
        label: &str,
        values: impl IntoIterator<Item = (&'v str, u64)>,
    ) -> Result {
        let mut metric = self
            .0
            .encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (value, n) in values {
            metric.encode_family(&[(label, value)])?.encode_gauge(&n)?;
        }
        Ok(())
    }

    fn histogram(
        &mut self,
        name: &str,
        help: &str,
        histogram: &prometheus_client::metrics::histogram::Histogram,
    ) -> Result {
        let metric = self
            .0
            .encode_descriptor(name, help, None, histogram.metric_type())?;
        histogram.encode(metric)
    }

    fn per_namespace(&mut self, name: &str, help: &str, counts: &PerNamespace) -> Result {
        let values = [
            ("hub", load(&counts.hub)),
            ("session", load(&counts.session)),
        ];
        self.counters(name, help, "namespace", values)
    }

    fn per_kind(
        &mut self,
        name: &str,
        help: &str,
        of: fn(&Connected) -> u64,
        s: &Snapshot,
    ) -> Result {
        let values = KINDS.iter().zip(&s.connected).map(|(k, c)| (*k, of(c)));
        self.gauges(name, help, "namespace", values)
    }
}

/// A gauge's value, integer or not.
trait GaugeValue {
    fn encode(self, metric: &mut MetricEncoder) -> Result;
}

impl GaugeValue for u64 {
    fn encode(self, metric: &mut MetricEncoder) -> Result {
        metric.encode_gauge(&self)
    }
}

impl GaugeValue for f64 {
    fn encode(self, metric: &mut MetricEncoder) -> Result {
        metric.encode_gauge(&self)
    }
}

impl Collector for Snapshot {
    fn encode(&self, encoder: DescriptorEncoder) -> Result {
        let s = self;
        let stats = &*s.stats;
        let mut f = Families(encoder);
        f.gauge(
            "agentcast_uptime_seconds",
            "Seconds since the server started.",
            stats.uptime().as_secs_f64(),
        )?;
        f.gauge(
            "agentcast_connections",
            "Sockets connected, over every namespace (what max_connections bounds).",
            load(&stats.connections),
        )?;
        f.per_kind(
            "agentcast_namespaces",
            "Namespaces open, by kind.",
            |c| c.namespaces,
            s,
        )?;
        f.per_kind(
            "agentcast_sockets",
            "Sockets connected, by namespace kind.",
            |c| c.sockets,
            s,
        )?;
        f.per_kind(
            "agentcast_rooms",
            "Rooms with at least one member (a namespace's subscribed event type), by namespace kind.",
            |c| c.rooms,
            s,
        )?;
        f.per_kind(
            "agentcast_room_members",
            "Room memberships (a socket once per room it is in), by namespace kind.",
            |c| c.members,
            s,
        )?;
        let sessions = SessionState::ALL
            .iter()
            .zip(s.sessions)
            .map(|(state, n)| (state.as_str(), n));
        f.gauges(
            "agentcast_sessions",
            "Sessions this server holds in memory (used since it started), by status.",
            "status",
            sessions,
        )?;
        f.counter(
            "agentcast_events_ingested",
            "Events taken by the sessions' sequencers to be stored.",
            load(&stats.events_ingested),
        )?;
        f.counter(
            "agentcast_events_committed",
            "Events stored and broadcast.",
            load(&stats.events_in),
        )?;
        f.per_namespace(
            "agentcast_events_delivered",
            "Envelopes handed to sockets by broadcasts, by namespace kind.",
            &stats.events_out,
        )?;
        f.per_namespace(
            "agentcast_broadcasts",
            "Broadcasts of one envelope to a namespace's subscribers, by namespace kind.",
            &stats.broadcasts,
        )?;
        f.counter(
            "agentcast_events_replayed",
            "Events sent to reconnecting clients catching up by offset.",
            load(&stats.events_replayed),
        )?;
        f.histogram(
            "agentcast_commit_duration_seconds",
            "Time of each group commit in the store.",
            &stats.commit_seconds,
        )?;
        f.histogram(
            "agentcast_commit_events",
            "Events in each group commit.",
            &stats.commit_events,
        )?;
        f.counter(
            "agentcast_ingest_lines",
            "JSONL lines the server mapped (process output, ndjson bodies, the ingest command, collected transcripts).",
            stats.ingest.lines(),
        )?;
        f.counters(
            "agentcast_ingest_errors",
            "Lines that could not be used, by kind (the code of the agent.error they became, or of the rejection).",
            "kind",
            stats.ingest.errors(),
        )?;
        f.counter(
            "agentcast_unknown_client_events",
            "Client events with a name no handler knows (ignored).",
            load(&stats.unknown_events),
        )?;
        f.counter(
            "agentcast_slow_consumer_disconnects",
            "Sockets disconnected because their send buffer was full.",
            stats.slow_consumer_disconnects.load(Ordering::Relaxed),
        )?;
        let l = &s.limits;
        let limits = [
            ("connections_per_ip", l.connections_per_ip),
            ("max_connections", l.max_connections),
            ("http_requests", l.http_requests),
            ("messages", l.messages),
            ("flood_disconnects", l.flood_disconnects),
        ];
        f.counters(
            "agentcast_limit_hits",
            "Refusals by the rate and connection limits, by limit.",
            "limit",
            limits,
        )?;
        f.counters(
            "agentcast_auth_refusals",
            "Tokens refused (REST, socket connects, auth.refresh), by reason.",
            "reason",
            s.refusals.iter().copied(),
        )?;
        system_errors(&mut f, stats)?;
        collector(&mut f, stats)?;
        broker(&mut f, stats)?;
        f.counter(
            "process_cpu_seconds",
            "User and system CPU time of the server process, in seconds.",
            s.cpu_seconds,
        )?;
        f.gauge(
            "process_resident_memory_bytes",
            "Resident memory of the server process.",
            s.resident_bytes,
        )?;
        f.gauge(
            "agentcast_runtime_tasks",
            "Tasks alive in the server's tokio runtime (three per websocket connection): a \
             leak shows as growth at a steady load.",
            s.tasks,
        )
    }
}

fn system_errors(f: &mut Families, stats: &Stats) -> Result {
    // In a block: the family's encoder borrows `f` until it ends.
    {
        let mut metric = f.0.encode_descriptor(
            "agentcast_system_errors",
            "Failures of the server itself (also emitted as system.error), by component and severity.",
            None,
            MetricType::Counter,
        )?;
        for component in Component::ALL {
            for severity in SEVERITIES {
                let labels = [
                    ("component", component.as_str()),
                    ("severity", severity.as_str()),
                ];
                let count = stats.errors.count(component, severity);
                metric
                    .encode_family(&labels)?
                    .encode_counter::<NoLabelSet, _, u64>(&count, None)?;
            }
        }
    }
    f.counter(
        "agentcast_system_errors_suppressed",
        "system.error events not emitted (rate limit or full queue); counted above all the same.",
        stats.errors.suppressed(),
    )
}

/// The transcript collector's families, present when collecting is on.
fn collector(f: &mut Families, stats: &Stats) -> Result {
    let Some(progress) = stats.collector.snapshot() else {
        return Ok(());
    };
    let up = !stats.collector.stopped.load(Ordering::Relaxed);
    f.gauge(
        "agentcast_collector_up",
        "1 while the transcript collector runs, 0 once it stopped.",
        u64::from(up),
    )?;
    f.gauge(
        "agentcast_collector_files_followed",
        "Transcript files followed now.",
        progress.files_followed,
    )?;
    f.gauge(
        "agentcast_collector_backlog_bytes",
        "Bytes of the transcripts found at start not read yet (the import's lag).",
        progress.bytes_total.saturating_sub(progress.bytes_imported),
    )?;
    f.counter(
        "agentcast_collector_errors",
        "Transcript files that could not be read.",
        progress.errors,
    )
}

/// The families of the broker (the connection that announces other servers' appends),
/// present when the store is shared with other servers.
fn broker(f: &mut Families, stats: &Stats) -> Result {
    let broker = &stats.broker;
    if broker.state() == BrokerState::Off {
        return Ok(());
    }
    f.gauge(
        "agentcast_broker_up",
        "1 while this server hears other servers' appends, 0 while that connection is lost.",
        u64::from(broker.state() == BrokerState::Connected),
    )?;
    f.counter(
        "agentcast_broker_losses",
        "Times the connection that announces other servers' appends was lost.",
        load(&broker.lost),
    )?;
    f.counter(
        "agentcast_broker_announcements",
        "Appends announced (by every server sharing the store, this one included).",
        load(&broker.announcements),
    )?;
    f.counter(
        "agentcast_events_followed",
        "Events other servers stored that this server broadcast to its clients.",
        load(&stats.events_followed),
    )
}
