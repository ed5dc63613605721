//! The audit log: one JSON object per line for what a security review asks about, tokens
//! accepted and refused (with the reason, never the token), refused connects, admin actions,
//! processes started and stopped, answers to agents (prompts, interrupts, permission
//! decisions), limits hit. To its own file (appended, mode 0600), to
//! stderr, or off.
//!
//! ```text
//! {"ts":"2026-11-24T12:00:00.123Z","event":"token.refused","via":"socket","ns":"/sessions/s1","ip":"127.0.0.1","reason":"expired","message":"token expired"}
//! ```
//!
//! - `event`: [`AuditEvent`], one variant per `event` name, and how it is written.
//! - `writer`: [`Audit`], the handle that records without blocking, and the thread that
//!   writes (what happens when it falls behind, and the flush on shutdown).
//! - `refusals`: [`Refusals`], the refused tokens counted by reason (for `/metrics`).

mod event;
mod refusals;
mod writer;

use std::path::Path;

pub use event::{Actor, AdminAction, AuditEvent, ControlAction, LimitHit, Refresher, TokenUse};
pub use refusals::Refusals;
pub use writer::{Audit, AuditError};

use crate::config::AuditTarget;

impl Audit {
    /// Opens the target (a file is created if missing and appended to) and starts its writer.
    pub fn open(target: &AuditTarget) -> Result<Self, std::io::Error> {
        let out: Box<dyn std::io::Write + Send> = match target {
            AuditTarget::Off => return Ok(Self::off()),
            AuditTarget::Stderr => Box::new(std::io::stderr()),
            AuditTarget::File(path) => Box::new(open_append(path)?),
        };
        Self::start(out, writer::QUEUE_LINES)
    }
}

fn open_append(path: &Path) -> Result<std::fs::File, std::io::Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("audit log {}: {e}", path.display())))
}

#[cfg(test)]
mod tests;
