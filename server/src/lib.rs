//! agentcast-server: the hub that turns agent sessions into typed events and streams them
//! over Socket.IO.
//!
//! Data flows one way: a source (`sources`, `http` ingest, `demo`) -> `ingest` (lines and
//! hook payloads to typed events) -> `hub` (the sequencer assigns offsets, commits to the
//! `store`, builds the envelope bytes and hands them to its `Delivery`) -> `socket` (rooms,
//! slow consumers, recovery's last step). The socket layer, `http` and `services` call the
//! hub; the hub calls none of them. No module imports one that imports it back.
//!
//! - [`cli`], [`config`]: the command line and the resolved configuration.
//! - [`app`]: [`app::serve`], the seam `main` and the tests call.
//! - [`announce`]: the listening line and the dashboard's address a starting server prints.
//! - [`hub`]: sessions, their sequencers, the envelope bytes, recovery by offset, and the
//!   `Delivery`/`Recipient` interface through which it reaches clients.
//! - [`ingest`]: agent output (stream-json lines, hook payloads) to typed events.
//! - [`socket`]: the Socket.IO layer: namespaces, commands, subscriptions (rooms), and the
//!   hub's `Delivery` (broadcasts, slow consumers) and `Recipient` (a socket catching up).
//! - [`control`]: answering the agents agentcast runs: prompts, interrupts, permission
//!   requests (the driver of each controlled session's stdin).
//! - [`conformance`]: the Socket.IO protocol test-suite reference server.
//! - [`demo`]: the simulated agent session of `serve --demo`.
//! - [`collect`]: the transcript collector: every Claude Code and Codex session on the
//!   machine, imported and followed from the agents' own transcripts.
//! - [`tmux`]: the tmux collector of `serve --collect-tmux`: windows, panes and the agents
//!   in them as the `tmux.*` events of a session per tmux server.
//! - [`http`]: the REST API (sessions, events, projects, MCP servers, analytics, OpenAPI);
//!   its bodies are `agentcast_shared::rest`'s.
//! - `services`: what the REST handlers do beyond HTTP, over the hub and the store.
//! - [`auth`]: JWT verification and signing, and what a caller may do.
//! - [`limits`]: connection, request and message rate limits.
//! - [`audit`]: the audit log of tokens, refusals, admin actions and limits.
//! - [`sources`]: running agent processes, and the client side of `agentcast pipe`.
//! - [`sink`]: where a source's events go: this process's hub or a remote server.
//! - [`hook_setup`]: `agentcast hooks`, Claude Code's hooks wired to a server.
//! - [`run`]: `agentcast run`, an agent into a server of its own or a running one.
//! - [`project`]: a session's project: its working directory's git root, or `--project`.
//! - [`store`]: the event store: sessions, events, checkpoints, projects, MCP servers
//!   (SQLite, or memory), with retention and analytics.
//! - [`clock`]: the wall clock, in Unix milliseconds and wire timestamps.
//! - [`parse`]: arguments and bodies into `shared` types, errors naming the field.
//! - [`logging`]: tracing setup.
//! - [`metrics`]: `GET /metrics` in the Prometheus text format, on the main address (with a
//!   token) and on `--metrics-bind`'s (without).
//! - [`listener`]: the bound port, served as http/ws or https/wss.
//! - [`tls`]: the certificate and key of `--tls-cert`/`--tls-key`, and the TLS listener.
//! - [`remote`]: where the client commands (`watch`, `top`, `prompt`, `interrupt`) connect
//!   and with which token (flags, variables, `~/.config/agentcast/config.toml`).
//! - [`watch`]: `agentcast watch`, events as terminal lines (in progress).
//! - [`top`]: `agentcast top`, every session in a live full-screen table.
//! - [`mcp`]: checking a configured MCP server: start it, `initialize` over stdio, report.
//! - [`mcp_server`]: agentcast as an MCP server: `/mcp` (streamable HTTP) and `agentcast mcp`
//!   (stdio), tools to read sessions, status and health and to answer agents.

pub mod announce;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod collect;
pub mod config;
pub mod conformance;
pub mod control;
pub mod demo;
pub mod hook_setup;
pub mod http;
pub mod hub;
pub mod ingest;
pub mod limits;
pub mod listener;
pub mod logging;
pub mod mcp;
pub mod mcp_server;
pub mod metrics;
pub mod parse;
pub mod project;
pub mod remote;
pub mod run;
mod services;
pub mod sink;
pub mod socket;
pub mod sources;
pub mod store;
pub mod tls;
pub mod tmux;
pub mod top;
pub mod watch;

/// The line `agentcast serve` prints on stdout once it accepts connections; tests and scripts
/// wait for it to learn the address.
pub const LISTENING_PREFIX: &str = "agentcast listening on ";
