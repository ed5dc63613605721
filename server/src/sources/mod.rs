//! Sources: what feeds sessions besides `publish`.
//!
//! - `agent_session`: the agent's own session id of a process started here (`--session-id`).
//! - `runner`: runs an agent process into a session (`agentcast run`, `POST /api/sessions`).
//! - `supervisor`: the processes the server started, so they can be listed and stopped.
//! - `stdout`: the agent's stdout through the pipeline, control lines to their driver.
//! - `sink`: where a source's events go, this process's hub or a remote server.
//! - `pipe`: `agentcast pipe`, stdin to a remote server.

mod agent_session;
pub mod pipe;
pub mod runner;
pub mod sink;
mod stdout;
pub mod supervisor;

pub(crate) use agent_session::is_claude_subcommand;
pub use runner::{ProcessExit, ProcessSpec, RunError};
pub use sink::{RemoteSession, Sink, SinkError};
pub use supervisor::Supervisor;
