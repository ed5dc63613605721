//! agentcast-server: the hub that turns agent sessions into typed events and streams them
//! over Socket.IO.
//!
//! - [`cli`], [`config`]: the command line and the resolved configuration.
//! - [`app`]: [`app::serve`], the seam `main` and the tests call.
//! - [`hub`]: sessions, their sequencers and the in-process publish API.
//! - [`socket`]: namespaces, commands, subscriptions and the broadcast adapter.
//! - [`conformance`]: the Socket.IO protocol test-suite reference server.
//! - [`demo`]: the simulated agent session of `serve --demo`.
//! - [`http`]: plain HTTP routes (`/health`).
//! - [`logging`]: tracing setup.

pub mod app;
pub mod cli;
pub mod config;
pub mod conformance;
pub mod demo;
pub mod http;
pub mod hub;
pub mod logging;
pub mod socket;

/// The line `agentcast serve` prints on stdout once it accepts connections; tests and scripts
/// wait for it to learn the address.
pub const LISTENING_PREFIX: &str = "agentcast listening on ";
