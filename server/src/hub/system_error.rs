//! `system.error`: failures of the server itself, not of one session, reported by whoever
//! meets them, without waiting: a sequencer whose commit the store refused, the collector
//! that stopped, the connection limit of the whole server.
//!
//! A report is counted at once (`/metrics`: `agentcast_system_errors_total{component,
//! severity}`) and queued. One task ([`run`]) emits them on `/`, at most one per component per
//! interval (`--system-error-interval-ms`); the reports it holds back are counted in the next
//! one's `suppressed` and in `agentcast_system_errors_suppressed_total`. A full queue drops
//! the report (it is still counted): a failure loop can neither flood clients nor grow memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentcast_shared::{Event, SYSTEM_ERROR, Severity, SystemError};
use tokio::sync::mpsc;

use super::{Hub, envelope};

/// Reports queued for the emitter; beyond this they are dropped (and counted).
const QUEUE: usize = 64;

/// What failed. A fixed set: it is a label of `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Component {
    /// The event store (a commit or a summary that could not be written).
    Store,
    /// The transcript collector.
    Collector,
    /// A limit of the whole server (`max_connections`).
    Limits,
    /// The connection that announces other servers' appends (several servers on one
    /// PostgreSQL).
    Broker,
}

impl Component {
    pub const ALL: [Component; 4] = [
        Component::Store,
        Component::Collector,
        Component::Limits,
        Component::Broker,
    ];

    /// Its place in [`Component::ALL`].
    fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Component::Store => "store",
            Component::Collector => "collector",
            Component::Limits => "limits",
            Component::Broker => "broker",
        }
    }
}

pub const SEVERITIES: [Severity; 2] = [Severity::Warning, Severity::Error];

struct Report {
    component: Component,
    severity: Severity,
    message: String,
}

/// The counts and the queue of `system.error` reports; one per server, in [`Stats`](super::Stats).
#[derive(Debug)]
pub struct SystemErrors {
    /// Reports by component and severity, in [`Component::ALL`] and [`SEVERITIES`] order.
    counts: [[AtomicU64; 2]; 4],
    /// Reports not emitted: held back by the interval, or dropped from a full queue.
    suppressed: AtomicU64,
    /// When the last report of severity `error` came (`/health` is `degraded` for a while).
    /// A std mutex: set and read in one statement, never held across an await.
    last_error: Mutex<Option<Instant>>,
    tx: mpsc::Sender<Report>,
    /// Taken by [`run`].
    rx: Mutex<Option<mpsc::Receiver<Report>>>,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.component.as_str(), self.message)
    }
}

impl Default for SystemErrors {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        Self {
            counts: Default::default(),
            suppressed: AtomicU64::new(0),
            last_error: Mutex::new(None),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

fn severity_index(severity: Severity) -> usize {
    match severity {
        Severity::Warning => 0,
        Severity::Error => 1,
    }
}

impl SystemErrors {
    /// Counts the failure and queues it for `system.error`; never waits.
    pub fn report(&self, component: Component, severity: Severity, message: String) {
        self.counts[component.index()][severity_index(severity)].fetch_add(1, Ordering::Relaxed);
        if severity == Severity::Error {
            *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        let report = Report {
            component,
            severity,
            message,
        };
        if self.tx.try_send(report).is_err() {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Reports of `component` with `severity` since the start.
    pub fn count(&self, component: Component, severity: Severity) -> u64 {
        self.counts[component.index()][severity_index(severity)].load(Ordering::Relaxed)
    }

    /// Reports that were not emitted (rate limit, full queue) since the start.
    pub fn suppressed(&self) -> u64 {
        self.suppressed.load(Ordering::Relaxed)
    }

    /// Whether a report of severity `error` came within `window`.
    pub fn error_within(&self, window: Duration) -> bool {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < window)
    }
}

/// At most one emission per component per interval; counts what it holds back.
struct Throttle {
    interval: Duration,
    /// Per component: when it was last emitted, and how many were held back since.
    last: HashMap<Component, (Instant, u64)>,
}

impl Throttle {
    fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: HashMap::new(),
        }
    }

    /// `Some(held back since the last one)` if a report of `component` may go out `now`.
    fn admit(&mut self, component: Component, now: Instant) -> Option<u64> {
        match self.last.get_mut(&component) {
            Some((at, held)) if now.duration_since(*at) < self.interval => {
                *held += 1;
                None
            }
            Some((at, held)) => {
                let suppressed = std::mem::take(held);
                *at = now;
                Some(suppressed)
            }
            None => {
                self.last.insert(component, (now, 0));
                Some(0)
            }
        }
    }
}

/// Emits the reports as `system.error` on `/`, throttled; runs until aborted.
pub async fn run(hub: Hub, interval: Duration) {
    let errors = &hub.stats().errors;
    let Some(mut rx) = errors.rx.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return; // another task already emits them
    };
    let mut throttle = Throttle::new(interval);
    while let Some(report) = rx.recv().await {
        let Some(suppressed) = throttle.admit(report.component, Instant::now()) else {
            hub.stats()
                .errors
                .suppressed
                .fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let event = Event::SystemError(SystemError {
            component: report.component.as_str().to_owned(),
            severity: report.severity,
            message: report.message,
            suppressed,
        });
        let payload = envelope::ephemeral("", &event);
        hub.delivery().broadcast("/", SYSTEM_ERROR, &payload).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_component_per_interval_and_the_rest_counted() {
        let mut throttle = Throttle::new(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(throttle.admit(Component::Store, t0), Some(0));
        assert_eq!(
            throttle.admit(Component::Store, t0 + Duration::from_secs(1)),
            None
        );
        assert_eq!(
            throttle.admit(Component::Store, t0 + Duration::from_secs(4)),
            None
        );
        // Another component has its own interval.
        assert_eq!(
            throttle.admit(Component::Limits, t0 + Duration::from_secs(4)),
            Some(0)
        );
        // The next one after the interval says how many were held back.
        assert_eq!(
            throttle.admit(Component::Store, t0 + Duration::from_secs(5)),
            Some(2)
        );
        assert_eq!(
            throttle.admit(Component::Store, t0 + Duration::from_secs(11)),
            Some(0)
        );
    }

    #[test]
    fn reports_are_counted_by_component_and_severity_and_a_full_queue_drops() {
        let errors = SystemErrors::default();
        for _ in 0..QUEUE + 3 {
            errors.report(Component::Store, Severity::Error, "commit failed".into());
        }
        errors.report(Component::Limits, Severity::Warning, "at the limit".into());
        assert_eq!(
            errors.count(Component::Store, Severity::Error),
            QUEUE as u64 + 3
        );
        assert_eq!(errors.count(Component::Limits, Severity::Warning), 1);
        assert_eq!(errors.count(Component::Collector, Severity::Error), 0);
        // Nobody emits in this test: what did not fit in the queue was dropped.
        assert_eq!(errors.suppressed(), 4);
        assert!(errors.error_within(Duration::from_secs(60)));
    }
}
