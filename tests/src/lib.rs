//! agentcast-tests: the harness of the integration and end-to-end tests and benchmarks.
//!
//! - `agents`: the real Claude Code and Codex CLIs against fake model APIs, in a temp HOME
//!   and in tmux.
//! - `certificate`: a self-signed TLS certificate made at test time, for `--tls-cert`.
//! - `nginx`: nginx in front of the server, from the repository's deployment example.
//! - `collect_bench`: the reference parse and follow latency of `cargo xtask bench collect`.
//! - `control_bench`: permission requests through agentcast, for `cargo xtask bench control`.
//! - `server`: spawn the real `agentcast serve` on port 0 and learn its address.
//! - `raw`: the server in-process on port 0, and a raw Socket.IO websocket client.
//! - `http`: a JSON client of the REST API with timeouts.
//! - `loadgen`: the fan-out load generator of `cargo xtask bench`.
//! - `durability`: commit latency and replay speed, for `cargo xtask bench durability`.
//! - `budgets`: the seed's budgets against the demo, for `cargo xtask bench budgets`.
//! - `soak`: the endurance run of `cargo xtask soak` (reconnecting clients, many sessions).
//! - `procfs`: a process's memory, CPU time, threads and open files, from /proc.
//! - `watch_bench`: `agentcast watch` at a publishing rate, for `cargo xtask bench watch`.
//! - `top_bench`: `agentcast top` under load, for `cargo xtask bench top`.
//! - `transcripts`: transcript trees in temp dirs and what the collector's tests read back.
//!
//! The tests are in `tests/`; the JS (node:test) and Python suites live in js/ and python/.
//! Where the shared Claude Code transcripts are comes from the server's test support
//! (`agentcast_server::ingest::testing`).

pub mod agents;
pub mod budgets;
pub mod certificate;
pub mod collect_bench;
pub mod control_bench;
pub mod durability;
pub mod http;
pub mod loadgen;
pub mod nginx;
pub mod procfs;
pub mod raw;
pub mod server;
pub mod soak;
pub mod top_bench;
pub mod transcripts;
pub mod watch_bench;
