//! agentcast-client: a Socket.IO v5 client for agentcast sessions.
//!
//! This crate is filled by the client issue (codec, transports, reconnect, recovery).
//! For now it re-exports the wire contract so that programs can already name the types.

pub use agentcast_shared as shared;
