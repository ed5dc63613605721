//! agentcast-client: a Socket.IO v5 client for agentcast, in the browser (wasm32) and in
//! native programs (tokio), with reconnect backoff, heartbeat, a bounded outgoing queue and
//! exactly-once session streams through recovery by offset.
//!
//! ```no_run
//! use agentcast_client::{Client, ClientConfig, ConnectionState};
//! use agentcast_client::shared::{GetHistoryArgs, ToolStarted};
//! use futures_util::StreamExt;
//!
//! # async fn demo() -> Result<(), agentcast_client::Error> {
//! let client = Client::connect(ClientConfig::new("http://127.0.0.1:8080").with_token("eyJ..."));
//!
//! // Every event of the session, from the start, exactly once and in order, across
//! // reconnects and server restarts.
//! let (session, mut events) = client.session("my-session", Some(0));
//! let mut tools = session.on::<ToolStarted>(); // typed: Envelope<ToolStarted>
//! session.subscribe(&["tool.*", "output.text"]).await?;
//! while let Some(envelope) = events.next().await {
//!     println!("{} {}", envelope.offset, envelope.kind);
//! }
//! let page = session.get_history(&GetHistoryArgs { limit: Some(50), ..Default::default() }).await?;
//!
//! // What a connection indicator renders.
//! let mut states = client.state();
//! while let Some(state) = states.next().await {
//!     if let ConnectionState::Reconnecting { attempt, next_in, .. } = state { /* countdown */ }
//! }
//! # Ok(()) }
//! ```
//!
//! The API at a glance:
//! - [`Client::connect`]`(ClientConfig) -> Client` (returns at once; connects in the background),
//!   [`Client::state`] (stream of [`ConnectionState`]), [`Client::reconnect`], [`Client::close`].
//! - [`Client::session`]`(id, after: Option<u64>) -> (Session, EnvelopeStream)`: the session's
//!   events exactly once, in order; [`Session`] has `get_history`, `get_status`, `publish`,
//!   `ingest`, the control commands that answer the agent (`prompt`, `interrupt`,
//!   `respond_permission`, `end`) and, through [`Socket`], `subscribe`, `unsubscribe`, `ping`,
//!   `refresh_auth`.
//! - [`Client::hub`]`() -> Hub` (`/`, `get_status` gives the sessions list),
//!   [`Client::socket`]`(nsp) -> Socket` for any namespace.
//! - [`Socket`]: `on::<E>()` (typed `Envelope<E>` stream), `on_event(name)`, `on_any()`,
//!   `envelopes()`, `status()`, `connected()`, `emit`, `emit_with_ack`, `emit_raw`,
//!   `emit_raw_with_ack` (binary attachments, own timeout), `command::<R>(name, args)`.
//! - [`ClientConfig`]: `new(url)`, `with_token`, and for a self-signed `https://` server
//!   `with_root_certificates_pem` / `with_root_certificate_der` (native only; the browser
//!   trusts what the page trusts).
//! - Every fallible call returns `Result<_, `[`Error`]`>` (`QueueFull`, `AckTimeout`,
//!   `Refused`, `Disconnected`, `Closed`, `Data`, `Command(ErrorBody)`); [`Error::code`] is
//!   the server's code of a refused command (`forbidden`, `already_resolved`, ...).
//!
//! Modules, one job each:
//! - [`codec`]: the pure Engine.IO v4 / Socket.IO v5 packet codec (no I/O).
//! - [`transport`]: the websocket of the browser or of tokio-tungstenite behind one trait.
//! - `driver`: the task that owns the connection: handshake, heartbeat, reconnect, namespaces,
//!   acks, the outgoing queue.
//! - `backoff`: the reconnect schedule ([`ReconnectConfig`]).
//! - `recovery`: the per-session cursor that makes replay plus live exactly-once.
//! - `client`, `socket`, `session`: the handles [`Client`] (the connection), [`Socket`] (a
//!   namespace), [`Session`] and [`Hub`] (the agentcast namespaces and their commands).
//! - `events`: [`RawEvent`], [`RawAck`] and the typed [`EnvelopeStream`].
//! - `state`, `config`, `error`: [`ConnectionState`], [`ClientConfig`], [`Error`].
//! - `rt`: spawning and timers (tokio natively, so tests can pause time; the page in wasm).
//!
//! Not built in: long-polling (websocket only, see [`transport`]), and answering acks the
//! server asks for (agentcast never asks).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backoff;
mod client;
pub mod codec;
mod config;
mod driver;
mod error;
mod events;
mod recovery;
mod rt;
mod session;
mod socket;
mod state;
pub mod transport;

// The README's example is compiled as a doctest, so it cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub use agentcast_shared as shared;
pub use agentcast_shared::Envelope;
pub use backoff::ReconnectConfig;
pub use client::Client;
pub use config::{ClientConfig, InvalidCertificate};
pub use error::Error;
pub use events::{EnvelopeStream, RawAck, RawEvent, RawEvents, TypedEvents};
pub use session::{Hub, Session};
pub use socket::Socket;
pub use state::{ConnectionState, SocketStatus};
