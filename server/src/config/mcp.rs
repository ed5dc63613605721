//! The MCP endpoint of `agentcast serve` (`/mcp`) and what its tools may do.

use std::time::Duration;

use super::group::settings_group;
use super::values::{millis, positive};

settings_group! {
    /// Whether `/mcp` is served, and the bounds of its tools.
    McpSettings from McpArgs and McpFile, heading "MCP", switches [
        /// Serve no MCP endpoint at /mcp.
        no_mcp -> disabled { flag: "no-mcp", env: "AGENTCAST_NO_MCP" }
        /// Development mode: the MCP tool `publish_test_event` is offered (to tokens with the
        /// write scope).
        dev -> dev { flag: "dev", env: "AGENTCAST_DEV" }
    ];
    /// How often a subscribed session resource is checked for new events, in ms: at most one
    /// update notification per session per interval.
    mcp_notify_interval_ms -> notify_interval: Duration {
        flag: "mcp-notify-interval-ms", env: "AGENTCAST_MCP_NOTIFY_INTERVAL_MS", value_name: "MS",
        input: u64, default: 500, check: positive, convert: millis,
    }
    /// Most events `search_events` reads across sessions in one call; the answer says when
    /// it stopped there.
    mcp_search_max_events -> search_max_events: u32 {
        flag: "mcp-search-max-events", env: "AGENTCAST_MCP_SEARCH_MAX_EVENTS", value_name: "N",
        input: u32, default: 20_000, check: positive,
    }
    /// Longest `get_transcript` answer, in bytes; a longer transcript is cut at a line and
    /// says so.
    mcp_max_transcript_bytes -> max_transcript_bytes: usize {
        flag: "mcp-max-transcript-bytes", env: "AGENTCAST_MCP_MAX_TRANSCRIPT_BYTES",
        value_name: "BYTES", input: usize, default: 200_000, check: positive,
    }
    /// Most resources subscribed by one MCP session.
    mcp_max_subscriptions -> max_subscriptions: usize {
        flag: "mcp-max-subscriptions", env: "AGENTCAST_MCP_MAX_SUBSCRIPTIONS", value_name: "N",
        input: usize, default: 100, check: positive,
    }
}
