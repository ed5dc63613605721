//! `[limits]`: connection and rate limits. 0 turns a limit off; resolved, `None` is no limit.

use crate::config::group::settings_group;
use crate::config::values::unlimited_if_zero;

settings_group! {
    /// The rate and connection limits; `None` is no limit.
    #[derive(Copy, Eq)]
    Limits from LimitsArgs and LimitsFile, heading "Limits";
    /// Most simultaneous connections; more are refused at the handshake; 0: no limit.
    max_connections -> max_connections: Option<u32> {
        flag: "max-connections", env: "AGENTCAST_MAX_CONNECTIONS", value_name: "N",
        input: u32, default: 10_000, convert: unlimited_if_zero,
    }
    /// New connections one IP address may open per second (burst: twice as many); 0: no
    /// limit.
    connections_per_ip_per_s -> connections_per_ip_per_s: Option<u32> {
        flag: "connections-per-ip-per-s", env: "AGENTCAST_CONNECTIONS_PER_IP_PER_S",
        value_name: "N", input: u32, default: 20, convert: unlimited_if_zero,
    }
    /// Messages one socket may send per second (burst: twice as many); over it a command is
    /// answered `rate_limited`, and a socket that keeps going is disconnected; 0: no limit.
    messages_per_socket_per_s -> messages_per_socket_per_s: Option<u32> {
        flag: "messages-per-socket-per-s", env: "AGENTCAST_MESSAGES_PER_SOCKET_PER_S",
        value_name: "N", input: u32, default: 200, convert: unlimited_if_zero,
    }
    /// HTTP requests one IP address may make per second (burst: twice as many); over it the
    /// answer is 429 with Retry-After; 0: no limit.
    http_requests_per_ip_per_s -> http_requests_per_ip_per_s: Option<u32> {
        flag: "http-requests-per-ip-per-s", env: "AGENTCAST_HTTP_REQUESTS_PER_IP_PER_S",
        value_name: "N", input: u32, default: 200, convert: unlimited_if_zero,
    }
}
