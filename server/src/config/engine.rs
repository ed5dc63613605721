//! The Socket.IO engine: send buffers, payload and websocket sizes, heartbeats and the
//! connect timeout (what `SocketIo::builder` is given).

use std::time::Duration;

use super::group::settings_group;
use super::values::{millis, positive};

settings_group! {
    /// What the Socket.IO engine is built with.
    EngineSettings from EngineArgs and EngineFile, heading "Socket.IO engine";
    /// Packets a socket may have queued for sending before it counts as a slow consumer and is
    /// disconnected (it then recovers by offset).
    max_buffer_size -> max_buffer_size: usize {
        flag: "max-buffer-size", env: "AGENTCAST_MAX_BUFFER_SIZE", value_name: "PACKETS",
        input: usize, default: 8192, check: positive,
    }
    /// Largest Engine.IO payload accepted from a client, in bytes (also the largest websocket
    /// message and REST JSON body).
    max_payload -> max_payload: u64 {
        flag: "max-payload", env: "AGENTCAST_MAX_PAYLOAD", value_name: "BYTES",
        input: u64, default: 1_000_000, check: positive,
    }
    /// Initial read buffer of each websocket connection, in bytes: clients mostly receive, so
    /// a small one saves memory per connection; it grows for larger messages.
    ws_read_buffer_size -> ws_read_buffer_size: usize {
        flag: "ws-read-buffer-size", env: "AGENTCAST_WS_READ_BUFFER_SIZE", value_name: "BYTES",
        input: usize, default: 1024, check: positive,
    }
    /// Engine.IO ping interval in milliseconds.
    ping_interval_ms -> ping_interval: Duration {
        flag: "ping-interval-ms", env: "AGENTCAST_PING_INTERVAL_MS", value_name: "MS",
        input: u64, default: 25_000, check: positive, convert: millis,
    }
    /// Engine.IO ping timeout in milliseconds.
    ping_timeout_ms -> ping_timeout: Duration {
        flag: "ping-timeout-ms", env: "AGENTCAST_PING_TIMEOUT_MS", value_name: "MS",
        input: u64, default: 20_000, check: positive, convert: millis,
    }
    /// Time a client has to connect to a namespace after the handshake, in ms.
    connect_timeout_ms -> connect_timeout: Duration {
        flag: "connect-timeout-ms", env: "AGENTCAST_CONNECT_TIMEOUT_MS", value_name: "MS",
        input: u64, default: 45_000, check: positive, convert: millis,
    }
}
