//! The `tmux` stream of one tmux server: poll, compare with the last poll, publish what
//! changed into the server's session (`tmux-<name>`, source `tmux`): agents that ended
//! first, then the windows' and panes' changes, then agents detected, so an agent ends before
//! its pane closes and is detected after its pane opened.
//!
//! The session is started (`session.started`, then `session.status running`) at the first
//! poll that finds the tmux server running; an existing session of an earlier run is only set
//! running again. When the tmux server stops, every window and pane closes and the session
//! goes `idle` until it is back. A poll that fails keeps the last state and is reported, the
//! same failure once until another happens or a poll succeeds.

use agentcast_shared::{
    Event, SessionSource, SessionStarted, SessionState, SessionStatus, format_ts_millis,
};
use tokio::time::MissedTickBehavior;

use super::agents::{AgentFinder, Links, diff_links};
use super::diff::diff;
use super::poll::{PollError, poll};
use super::snapshot::Snapshot;
use super::socket::TmuxSocket;
use crate::clock::now_unix_millis;
use crate::config::TmuxSettings;
use crate::hub::{Hub, HubError};

/// What the stream knows of its tmux server between polls.
struct Follower {
    hub: Hub,
    socket: TmuxSocket,
    session_id: String,
    snapshot: Snapshot,
    links: Links,
    /// Taken by the blocking task that searches `/proc` during a poll, then put back.
    finder: Option<AgentFinder>,
    /// The largest agent session file read (`max_line_bytes`).
    max_file_bytes: usize,
    /// The tmux server was running at the last poll that succeeded.
    running: bool,
    /// The last failure reported, so a failure that repeats is logged once.
    reported: Option<String>,
}

/// Polls `socket` every `settings.poll_interval` until the task is dropped.
pub(crate) async fn follow(
    hub: Hub,
    socket: TmuxSocket,
    settings: TmuxSettings,
    max_file_bytes: usize,
) {
    let mut follower = Follower {
        session_id: socket.session_id(),
        hub,
        socket,
        snapshot: Snapshot::default(),
        links: Links::new(),
        finder: Some(AgentFinder::new(max_file_bytes)),
        max_file_bytes,
        running: false,
        reported: None,
    };
    tracing::info!(session.id = %follower.session_id, socket = %follower.socket.label(), "following tmux");
    let mut ticks = tokio::time::interval(settings.poll_interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let result = poll(&follower.socket, settings.timeout).await;
        if let Err(HubError::ShuttingDown) = follower.step(result).await {
            return;
        }
    }
}

impl Follower {
    /// Publishes what one poll changed.
    async fn step(&mut self, polled: Result<Option<Snapshot>, PollError>) -> Result<(), HubError> {
        let next = match polled {
            Ok(next) => {
                self.reported = None;
                next
            }
            Err(err) => {
                let message = err.to_string();
                if self.reported.as_deref() != Some(message.as_str()) {
                    tracing::warn!(session.id = %self.session_id, %err, "polling tmux failed");
                    self.reported = Some(message);
                }
                return Ok(());
            }
        };
        let mut events = Vec::new();
        let (mut next, links) = match next {
            Some(next) => {
                if !self.running {
                    events.extend(self.lifecycle_running().await);
                    self.running = true;
                }
                let links = self.find_agents(&next).await;
                (next, links)
            }
            None if self.running => {
                self.running = false;
                (Snapshot::default(), Links::new())
            }
            None => return Ok(()),
        };
        let (ended, detected) = diff_links(&self.links, &links, &self.snapshot, &next);
        events.extend(ended);
        events.extend(diff(&self.snapshot, &mut next));
        events.extend(detected);
        if !self.running {
            events.push(
                SessionStatus {
                    status: SessionState::Idle,
                    pid: None,
                    message: Some("the tmux server is not running".into()),
                }
                .into(),
            );
        }
        tracing::trace!(session.id = %self.session_id, ?next, events = events.len(), "tmux polled");
        self.snapshot = next;
        self.links = links;
        self.publish(events).await
    }

    /// `session.started` the first time this tmux server is seen, then `running`.
    async fn lifecycle_running(&self) -> Vec<Event> {
        let mut events = Vec::new();
        let known = matches!(self.hub.record(&self.session_id).await, Ok(Some(_)));
        if !known {
            events.push(
                SessionStarted {
                    label: Some(self.socket.label()),
                    command: Some(self.socket.command()),
                    ..SessionStarted::new(
                        self.session_id.clone(),
                        SessionSource::Tmux,
                        format_ts_millis(now_unix_millis()),
                    )
                }
                .into(),
            );
        }
        events.push(
            SessionStatus {
                status: SessionState::Running,
                pid: None,
                message: None,
            }
            .into(),
        );
        events
    }

    /// The agents in `snapshot`'s panes, searched on a blocking thread.
    async fn find_agents(&mut self, snapshot: &Snapshot) -> Links {
        let Some(mut finder) = self.finder.take() else {
            return Links::new();
        };
        let panes = snapshot.clone();
        match tokio::task::spawn_blocking(move || {
            let links = finder.links(&panes);
            (finder, links)
        })
        .await
        {
            Ok((finder, links)) => {
                self.finder = Some(finder);
                links
            }
            Err(err) => {
                // A panic in the search: keep the links we had and search with a new finder.
                tracing::error!(session.id = %self.session_id, %err, "searching the panes' agents failed");
                self.finder = Some(AgentFinder::new(self.max_file_bytes));
                self.links.clone()
            }
        }
    }

    /// Publishes in batches of at most the hub's `max_events_per_publish`.
    async fn publish(&self, events: Vec<Event>) -> Result<(), HubError> {
        let max = self.hub.settings().max_events_per_publish.max(1);
        for batch in events.chunks(max) {
            match self.hub.publish(&self.session_id, batch.to_vec()).await {
                Ok(_) => {}
                Err(HubError::ShuttingDown) => return Err(HubError::ShuttingDown),
                Err(err) => {
                    tracing::error!(session.id = %self.session_id, %err, "publishing tmux events failed");
                }
            }
        }
        Ok(())
    }
}
