//! Rate and connection limits (DESIGN.md section 5), each answered with a clear error,
//! logged, audited and counted:
//!
//! - new connections per IP per second, and connected sockets in total: refused at the
//!   Engine.IO handshake with a JSON 429 or 503 (`http::admit_connection`);
//! - HTTP requests per IP per second: 429 with `Retry-After` (`http::limit_requests`);
//! - messages per socket per second: a token bucket per socket ([`MessageBudget`]); a message
//!   over it is answered `rate_limited`, and a socket that sends a further second's worth
//!   while limited is disconnected with the reason.
//!
//! Every rate has a burst of twice the rate. The payload, ndjson body and line limits live
//! with what they limit (config `max_payload`, `max_ndjson_body`, `max_line_bytes`).

pub mod http;
mod message;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub use message::{MessageBudget, Verdict};

use crate::audit::{Audit, AuditEvent, LimitHit};
use crate::config::Limits;
use crate::hub::{Component, Hits, Stats};
use agentcast_shared::Severity;

/// A per-second rate with a burst of twice as much.
fn quota(per_second: u32) -> Quota {
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = rate.saturating_mul(NonZeroU32::new(2).expect("2 is not 0"));
    Quota::per_second(rate).allow_burst(burst)
}

/// How often idle per-IP buckets are dropped, so a scan from many addresses does not grow
/// the maps for ever.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The server's limiters. Cheap to clone.
#[derive(Clone)]
pub struct Limiters(Arc<Inner>);

struct Inner {
    limits: Limits,
    connections: Option<DefaultKeyedRateLimiter<IpAddr>>,
    requests: Option<DefaultKeyedRateLimiter<IpAddr>>,
    audit: Audit,
    /// Where each limit's refusals are counted; `system.stats` reports them.
    stats: Arc<Stats>,
}

impl Limiters {
    /// Refusals are counted in `stats` (`limits_hit`).
    pub fn new(limits: Limits, audit: Audit, stats: Arc<Stats>) -> Self {
        let keyed = |rate: Option<u32>| rate.map(|r| RateLimiter::keyed(quota(r)));
        Self(Arc::new(Inner {
            connections: keyed(limits.connections_per_ip_per_s),
            requests: keyed(limits.http_requests_per_ip_per_s),
            limits,
            audit,
            stats,
        }))
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    pub fn hits(&self) -> &Hits {
        &self.0.stats.limits_hit
    }

    /// Sockets connected now (what `max_connections` bounds).
    fn connections(&self) -> u64 {
        self.0.stats.connections.load(Ordering::Relaxed)
    }

    /// `Err(retry_after)` when `ip` opened too many connections this second.
    fn check_connection_rate(&self, ip: IpAddr) -> Result<(), Duration> {
        check(self.0.connections.as_ref(), ip)
    }

    /// `Err(retry_after)` when `ip` made too many requests this second.
    fn check_request_rate(&self, ip: IpAddr) -> Result<(), Duration> {
        check(self.0.requests.as_ref(), ip)
    }

    /// A message budget for a new socket (unlimited when the limit is off).
    pub fn message_budget(&self) -> Option<Arc<MessageBudget>> {
        self.0
            .limits
            .messages_per_socket_per_s
            .map(|rate| Arc::new(MessageBudget::new(rate)))
    }

    /// Counts, logs and audits a limit that refused something; the limit of the whole
    /// server is also a `system.error`.
    pub(crate) fn hit(&self, counter: &AtomicU64, hit: LimitHit) {
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(limit = hit.limit(), detail = ?hit, "limit hit");
        if let LimitHit::MaxConnections { max, .. } = &hit {
            let message = format!(
                "the server is at its connection limit ({max}, max_connections): new connections are refused"
            );
            let errors = &self.0.stats.errors;
            errors.report(Component::Limits, Severity::Warning, message);
        }
        self.0.audit.record(AuditEvent::LimitHit(hit));
    }

    /// Drops idle per-IP buckets now and then; runs until aborted.
    pub async fn sweep(self) {
        loop {
            tokio::time::sleep(SWEEP_EVERY).await;
            for limiter in [&self.0.connections, &self.0.requests]
                .into_iter()
                .flatten()
            {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

fn check(limiter: Option<&DefaultKeyedRateLimiter<IpAddr>>, ip: IpAddr) -> Result<(), Duration> {
    match limiter.map(|l| l.check_key(&ip)) {
        None | Some(Ok(())) => Ok(()),
        Some(Err(not_until)) => Err(not_until.wait_time_from(DefaultClock::default().now())),
    }
}
