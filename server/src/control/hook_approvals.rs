//! Permission requests of sessions agentcast did not start, asked by Claude Code's
//! `PermissionRequest` hook in approve mode (`agentcast hooks install --approve`): the hook's
//! HTTP request waits here until a watcher answers through `permission.respond` (the first
//! answer wins) or the wait ends, when the answer is `ask` and Claude Code shows its own
//! prompt. Published like a controlled session's: `permission.requested`, `session.status`
//! `waiting`, `permission.resolved`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentcast_shared::rest::HookDecision;
use agentcast_shared::{
    Event, PermissionAnswer, PermissionDecision, PermissionRequested, PermissionResponded,
    ResolvedReason,
};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::ControlError;
use super::notices::{self, SERVER};
use super::permissions::{NotOpen, Permissions};
use crate::sink::Sink;

/// The hook sessions with requests waiting, by session id.
#[derive(Clone, Default)]
pub(crate) struct HookApprovals {
    sessions: Arc<Mutex<HashMap<String, HookSession>>>,
}

#[derive(Default)]
struct HookSession {
    permissions: Permissions,
    waiting: HashMap<String, oneshot::Sender<HookDecision>>,
}

impl HookApprovals {
    /// Publishes `request` into `sink`'s session and waits `wait` at most for an answer.
    pub async fn ask(
        &self,
        session_id: &str,
        sink: &Sink,
        request: PermissionRequested,
        wait: Duration,
    ) -> HookDecision {
        let request_id = request.request_id.clone();
        let (answer, answered) = oneshot::channel();
        {
            let mut sessions = self.lock();
            let session = sessions.entry(session_id.to_owned()).or_default();
            session
                .permissions
                .open(request.clone(), Instant::now() + wait);
            session.waiting.insert(request_id.clone(), answer);
        }
        let waiting = notices::waiting(&request.tool_name);
        publish(sink, vec![request.into(), waiting]).await;
        if let Ok(Ok(decision)) = tokio::time::timeout(wait, answered).await {
            return decision;
        }
        // No answer in time: Claude Code asks in its terminal (unless an answer came in
        // the meantime, which then went nowhere: say so by resolving only what is open).
        if self.take(session_id, &request_id).is_ok() {
            let ask = PermissionDecision::Ask;
            let timeout =
                notices::resolved(&request_id, ask, SERVER, ResolvedReason::Timeout, None);
            publish(sink, vec![timeout]).await;
        }
        HookDecision {
            request_id,
            decision: PermissionDecision::Ask,
            by: None,
            message: None,
            updated_input: None,
        }
    }

    /// Answers request `request_id` of a hook session; `None` when the session has no
    /// hook requests at all (it is not a hook session in approve mode).
    pub async fn respond(
        &self,
        session_id: &str,
        sink: &Sink,
        request_id: &str,
        answer: PermissionAnswer,
        by: &str,
    ) -> Option<Result<PermissionResponded, ControlError>> {
        let waiter = match self.take(session_id, request_id) {
            Ok(waiter) => waiter,
            Err(None) => return None,
            Err(Some(missing)) => {
                return Some(Err(match missing {
                    NotOpen::AlreadyResolved => ControlError::AlreadyResolved(request_id.into()),
                    NotOpen::Unknown => ControlError::UnknownRequest(request_id.into()),
                }));
            }
        };
        let decision = answer.decision;
        let message = match decision {
            PermissionDecision::Deny => Some(notices::denial(answer.message, by)),
            _ => None,
        };
        let _ = waiter.send(HookDecision {
            request_id: request_id.to_owned(),
            decision,
            by: Some(by.to_owned()),
            message: message.clone(),
            updated_input: answer.updated_input,
        });
        let answered = ResolvedReason::Answered;
        let mut events = vec![notices::resolved(
            request_id, decision, by, answered, message,
        )];
        if self.open(session_id).is_empty() {
            events.push(notices::answered());
        }
        publish(sink, events).await;
        Some(Ok(PermissionResponded {
            request_id: request_id.to_owned(),
            decision,
        }))
    }

    /// The requests of a hook session waiting now, oldest first.
    pub fn open(&self, session_id: &str) -> Vec<PermissionRequested> {
        self.lock()
            .get(session_id)
            .map(|s| s.permissions.list())
            .unwrap_or_default()
    }

    /// True when the session has asked through a hook in approve mode.
    pub fn knows(&self, session_id: &str) -> bool {
        self.lock().contains_key(session_id)
    }

    /// Takes request `request_id` out to answer it: its waiter, or why not (`None`: no such
    /// hook session).
    fn take(
        &self,
        session_id: &str,
        request_id: &str,
    ) -> Result<oneshot::Sender<HookDecision>, Option<NotOpen>> {
        let mut sessions = self.lock();
        let session = sessions.get_mut(session_id).ok_or(None)?;
        session.permissions.take(request_id).map_err(Some)?;
        session
            .waiting
            .remove(request_id)
            .ok_or(Some(NotOpen::AlreadyResolved))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HookSession>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn publish(sink: &Sink, events: Vec<Event>) {
    if let Err(err) = sink.publish(events).await {
        tracing::warn!(%err, "publishing a hook permission event failed");
    }
}
