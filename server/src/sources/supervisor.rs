//! The agent processes this server started (`POST /api/sessions`): allowed commands only,
//! each in its own session, stoppable with `DELETE /api/sessions/{id}`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::SessionSource;
use tokio::sync::mpsc;

use super::runner::{self, ProcessSpec, Stop};
use crate::control::Controls;
use crate::hub::Hub;
use crate::ingest::IngestLimits;
use crate::sink::Sink;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SuperviseError {
    #[error("command: must not be empty")]
    EmptyCommand,
    #[error("command: {program:?} is not on the allow-list ({allowed}); see --allow-command")]
    NotAllowed { program: String, allowed: String },
    #[error("session {0} already has a running process")]
    AlreadyRunning(String),
    #[error(transparent)]
    Hub(#[from] crate::hub::HubError),
}

#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

struct Inner {
    hub: Hub,
    allowed: Vec<String>,
    limits: IngestLimits,
    grace: Duration,
    controls: Controls,
    /// Session id -> the sender that stops its process. A std mutex: short sections only.
    running: Mutex<HashMap<String, mpsc::Sender<Stop>>>,
}

impl Supervisor {
    pub fn new(
        hub: Hub,
        allowed: Vec<String>,
        limits: IngestLimits,
        grace: Duration,
        controls: Controls,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                hub,
                allowed,
                limits,
                grace,
                controls,
                running: Mutex::default(),
            }),
        }
    }

    /// The programs `POST /api/sessions` may start.
    pub fn allowed_commands(&self) -> &[String] {
        &self.inner.allowed
    }

    /// True when `program` (as given, or its file name) is on the allow-list.
    pub fn is_allowed(&self, program: &str) -> bool {
        let name = Path::new(program)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(program);
        self.inner
            .allowed
            .iter()
            .any(|allowed| allowed == program || allowed == name)
    }

    /// Starts `spec` in the background. The session's events appear as it runs.
    pub fn start(&self, spec: ProcessSpec) -> Result<(), SuperviseError> {
        let program = spec.command.first().ok_or(SuperviseError::EmptyCommand)?;
        if !self.is_allowed(program) {
            return Err(SuperviseError::NotAllowed {
                program: program.clone(),
                allowed: self.inner.allowed.join(", "),
            });
        }
        let session = self.inner.hub.session(&spec.session_id)?;
        let (stop, stopped) = mpsc::channel(4);
        {
            let mut running = self.inner.running.lock().unwrap_or_else(|e| e.into_inner());
            if running.contains_key(&spec.session_id) {
                return Err(SuperviseError::AlreadyRunning(spec.session_id));
            }
            running.insert(spec.session_id.clone(), stop);
        }
        let this = self.clone();
        tokio::spawn(async move {
            let id = spec.session_id.clone();
            let limits = this.inner.limits;
            let result = runner::run(
                spec,
                Sink::Local(session),
                limits,
                stopped,
                this.inner.grace,
            )
            .await;
            if let Err(err) = result {
                tracing::warn!(session.id = %id, %err, "supervised process failed");
            }
            this.inner
                .running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        });
        Ok(())
    }

    /// Asks the process of a session to stop (SIGTERM, then SIGKILL after the grace period).
    /// False when that session has no running process.
    pub fn stop(&self, session_id: &str) -> bool {
        let stop = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(session_id);
        stop.is_some_and(|stop| stop.try_send(Stop::Terminate).is_ok())
    }

    pub fn is_running(&self, session_id: &str) -> bool {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(session_id)
    }

    /// True when the session's process runs in control mode and takes prompts and answers.
    pub fn is_controllable(&self, session_id: &str) -> bool {
        self.inner.controls.is_controllable(session_id)
    }

    /// The registry control-mode processes are started into.
    pub fn controls(&self) -> &Controls {
        &self.inner.controls
    }

    /// Stops every process (server shutdown).
    pub fn stop_all(&self) {
        let running =
            std::mem::take(&mut *self.inner.running.lock().unwrap_or_else(|e| e.into_inner()));
        for (_, stop) in running {
            let _ = stop.try_send(Stop::Terminate);
        }
    }
}

/// A new session id for a process the server starts.
pub fn new_session_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The spec of a process started over HTTP.
pub fn http_spec(
    session_id: String,
    command: Vec<String>,
    cwd: Option<std::path::PathBuf>,
    label: Option<String>,
    project: Option<String>,
) -> ProcessSpec {
    // A relative path is relative to the process's directory.
    let project = project.map(|project| {
        let base = cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        crate::project::client_project(&project, &base, home.as_deref())
    });
    ProcessSpec {
        session_id,
        command,
        cwd,
        label,
        source: SessionSource::Run,
        project,
        control: None,
    }
}
