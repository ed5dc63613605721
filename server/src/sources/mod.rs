//! Sources: what feeds sessions besides `publish`.
//!
//! - `agent_session`: the agent's own session id of a process started here (`--session-id`).
//! - `runner`: runs an agent process into a session (`agentcast run`, `POST /api/sessions`).
//! - `supervisor`: the processes the server started, so they can be listed and stopped.
//! - `stdout`: the agent's stdout through the pipeline, control lines to their driver.
//! - `pipe`: `agentcast pipe`, stdin to a remote server.

mod agent_session;
pub mod pipe;
pub mod runner;
mod stdout;
pub mod supervisor;

pub use runner::{ProcessExit, ProcessSpec, RunError};
pub use supervisor::Supervisor;
