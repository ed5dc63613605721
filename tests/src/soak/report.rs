//! The JSON line `agentcast-soak` prints; `cargo xtask soak` reads it by field name.

use serde::{Deserialize, Serialize};

use super::offsets::OffsetErrors;
use super::series::{RssSummary, Sample};
use crate::procfs::OpenFds;

/// One soak run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub clients: usize,
    pub sessions: usize,
    /// Events per second asked for, over every session.
    pub rate: f64,
    /// Seconds of publishing, and the events published in them.
    pub duration_s: f64,
    pub published: u64,
    /// Seconds until every client first completed the namespace CONNECT.
    pub connect_s: f64,
    /// Connections completed over the run (first connects and resumes).
    pub connects: u64,
    pub reconnects: u64,
    pub connect_failures: u64,
    pub server_disconnects: u64,
    /// Events with an offset received over every client, replayed ones included.
    pub delivered: u64,
    pub not_recovered: u64,
    /// Gaps, duplicates and reorders over every client and every reconnect.
    pub offset_errors: OffsetErrors,
    /// Offsets some client never received: the sum over clients of its session's last
    /// offset minus the last offset it holds.
    pub missing: u64,
    /// Clients that did not reach their session's last offset in the drain time.
    pub unfinished: u64,
    /// Times a publisher waited for acks because the server was far behind.
    pub publisher_stalls: u64,
    /// The server every few seconds, and the RSS after warm-up summed up.
    pub samples: Vec<Sample>,
    pub rss: Option<RssSummary>,
    /// The server before the first connection and after the last one closed.
    pub before: Resources,
    pub after: Resources,
    /// Server and soak client CPU while publishing, in percent of one core.
    pub server_cpu_pct: Option<f64>,
    pub soak_cpu_pct: Option<f64>,
    pub first_error: Option<String>,
}

/// What a leak would grow.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
pub struct Resources {
    pub rss_kb: Option<u64>,
    pub fds: Option<OpenFds>,
    pub threads: Option<u64>,
    /// Tasks alive in the server's runtime (`agentcast_runtime_tasks` of its `/metrics`).
    pub tasks: Option<u64>,
}

impl Resources {
    /// Process `pid`'s resources, and the tasks of the server at `url` (with `token`).
    pub(crate) async fn of(pid: u32, url: &str, token: Option<&str>) -> Self {
        Self {
            rss_kb: crate::procfs::vm_rss_kb(pid),
            fds: crate::procfs::open_fds(pid),
            threads: crate::procfs::threads(pid),
            tasks: runtime_tasks(url, token).await,
        }
    }
}

/// The `agentcast_runtime_tasks` gauge of the server at `url`; `None` if it cannot be read.
async fn runtime_tasks(url: &str, token: Option<&str>) -> Option<u64> {
    let mut request = reqwest::Client::new()
        .get(format!("{url}/metrics"))
        .timeout(std::time::Duration::from_secs(10));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let text = request.send().await.ok()?.text().await.ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("agentcast_runtime_tasks "))
        .and_then(|value| value.trim().parse().ok())
}
