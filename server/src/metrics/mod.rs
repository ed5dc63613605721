//! `GET /metrics`: the server's counters in the Prometheus text format (version 0.0.4),
//! read when scraped from what the server already keeps (`hub::Stats`, the census of
//! namespaces, the sessions, the audit log's refusals, /proc), so a scrape costs nothing
//! between scrapes.
//!
//! Labels have a bounded set of values: a namespace KIND (`hub` or `session`), never a
//! session id; a session status; a limit, an auth refusal reason, a component.
//!
//! - `snapshot`: [`Snapshot`], the values of one scrape, encoded with prometheus-client.
//! - `route`: the answer, and the separate address of `--metrics-bind` (no token); the
//!   route on the main address, behind a token, is `http::metrics`.

pub(crate) mod route;
mod snapshot;

pub(crate) use route::exposition;
pub use route::{METRICS_PREFIX, bind_separate};
pub(crate) use snapshot::Snapshot;

use crate::audit::Audit;
use crate::hub::Hub;
use crate::socket::SocketLayer;

/// What a scrape reads. Cheap to clone.
#[derive(Clone)]
pub struct Sources {
    pub hub: Hub,
    pub sockets: SocketLayer,
    pub audit: Audit,
}

impl Sources {
    /// The exposition of every metric now.
    pub async fn render(&self) -> String {
        Snapshot::take(self).await.encode()
    }
}
