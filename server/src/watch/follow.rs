//! Which sessions `watch` follows and from where, their streams merged into one inbox.
//!
//! A named session is joined at once, from `--from-offset` (or live). Without one, the hub
//! namespace lists the active sessions (and, with `--since`, those started since), each
//! joined the same way, and a session that starts later (`session.started` on the hub, or
//! found by the listing after a reconnect) is joined from its first event. At most
//! `--max-sessions` are followed; the caller says how many were left out.

use std::collections::HashMap;

use agentcast_client::{Client, Hub, Session, SocketStatus};
use agentcast_shared::{Envelope, SessionStarted, parse_ts_millis};
use futures_util::StreamExt;
use futures_util::stream::{BoxStream, SelectAll};
use tokio::sync::mpsc::UnboundedSender;

use super::Done;
use super::line::{Line, Lines};
use super::settings::Settings;

/// Every followed stream, merged.
pub type Inbox = SelectAll<BoxStream<'static, Incoming>>;

/// What the merged streams carry.
pub enum Incoming {
    /// An event of a followed session (or its `session.recovered`).
    Envelope(Envelope),
    /// The named session's namespace (`Some`) or the hub's (`None`) changed status.
    Socket {
        session: Option<String>,
        status: SocketStatus,
    },
    /// The hub announced a new session.
    Started {
        session: String,
        label: Option<String>,
    },
}

struct Watched {
    label: String,
    lines: Lines,
    recovered: bool,
    handle: Session,
}

/// The followed sessions.
pub struct Followed {
    one: Option<String>,
    after: Option<u64>,
    cutoff_ms: Option<u64>,
    max: usize,
    sessions: HashMap<String, Watched>,
    hub: Option<Hub>,
    listed: bool,
    status_asked: bool,
}

impl Followed {
    pub fn new(settings: &Settings) -> Self {
        Followed {
            one: settings.session.clone(),
            after: settings.after,
            cutoff_ms: settings.cutoff_ms,
            max: settings.max_sessions,
            sessions: HashMap::new(),
            hub: None,
            listed: false,
            status_asked: false,
        }
    }

    /// Joins the named session, or the hub to find the sessions.
    pub fn start(&mut self, client: &Client) -> Inbox {
        let mut inbox = Inbox::new();
        if let Some(id) = self.one.clone() {
            let socket = self.join(client, &id, self.after, None, &mut inbox);
            let session = Some(id);
            inbox.push(
                socket
                    .status()
                    .map(move |status| Incoming::Socket {
                        session: session.clone(),
                        status,
                    })
                    .boxed(),
            );
            return inbox;
        }
        let hub = client.hub();
        inbox.push(
            hub.on::<SessionStarted>()
                .map(|started| Incoming::Started {
                    session: started.session_id,
                    label: started.data.label,
                })
                .boxed(),
        );
        inbox.push(
            hub.status()
                .map(|status| Incoming::Socket {
                    session: None,
                    status,
                })
                .boxed(),
        );
        self.hub = Some(hub);
        inbox
    }

    /// A namespace connected: list the sessions (the hub, after every reconnect, so
    /// sessions started meanwhile are found), or read the named session's status once.
    pub fn connected(&mut self, session: Option<&str>, done: &UnboundedSender<Done>) {
        let done = done.clone();
        match (session, &self.hub) {
            (None, Some(hub)) => {
                let hub = hub.clone();
                let cutoff = self.cutoff_ms;
                tokio::spawn(async move {
                    let listed = hub.get_status().await.map_err(|e| e.to_string());
                    let sessions = listed.map(|report| {
                        report
                            .sessions
                            .into_iter()
                            .filter(|s| {
                                s.status.is_active()
                                    || cutoff.is_some_and(|cutoff| {
                                        s.started_at
                                            .as_deref()
                                            .and_then(parse_ts_millis)
                                            .is_some_and(|at| at >= cutoff)
                                    })
                            })
                            .map(|s| (s.session_id, s.label))
                            .collect()
                    });
                    let _ = done.send(Done::Listed(sessions));
                });
            }
            (Some(id), _) if !self.status_asked => {
                self.status_asked = true;
                let Some(handle) = self.handle(id) else {
                    return;
                };
                tokio::spawn(async move {
                    let status = handle.get_status().await;
                    let _ = done.send(Done::Status(
                        status.map(|s| s.status).map_err(|e| e.to_string()),
                    ));
                });
            }
            _ => {}
        }
    }

    /// The hub's listing: joins the sessions not followed yet (the first listing from where
    /// the options say, later ones from the start). Returns how many were left out.
    pub fn listed(
        &mut self,
        client: &Client,
        sessions: Vec<(String, Option<String>)>,
        inbox: &mut Inbox,
    ) -> usize {
        let after = if self.listed { Some(0) } else { self.after };
        self.listed = true;
        let mut skipped = 0;
        for (id, label) in sessions {
            if self.sessions.contains_key(&id) {
                continue;
            }
            if self.sessions.len() >= self.max {
                skipped += 1;
                continue;
            }
            self.join(client, &id, after, label, inbox);
        }
        skipped
    }

    /// A session the hub announced: followed from its first event.
    pub fn discovered(
        &mut self,
        client: &Client,
        id: &str,
        label: Option<String>,
        inbox: &mut Inbox,
    ) {
        if self.one.is_none() && !self.sessions.contains_key(id) && self.sessions.len() < self.max {
            self.join(client, id, Some(0), label, inbox);
        }
    }

    fn join(
        &mut self,
        client: &Client,
        id: &str,
        after: Option<u64>,
        label: Option<String>,
        inbox: &mut Inbox,
    ) -> Session {
        let (handle, events) = client.session(id, after);
        inbox.push(events.map(Incoming::Envelope).boxed());
        self.sessions.insert(
            id.to_owned(),
            Watched {
                label: label.map_or_else(|| short_id(id), |l| short_label(&l)),
                lines: Lines::default(),
                // Live only: no replay, so nothing to wait for.
                recovered: after.is_none(),
                handle: handle.clone(),
            },
        );
        handle
    }

    /// The replay of `id` is complete.
    pub fn recovered(&mut self, id: &str) {
        if let Some(watched) = self.sessions.get_mut(id) {
            watched.recovered = true;
        }
    }

    /// Every followed session replayed (and, without a named session, the sessions listed).
    pub fn all_recovered(&self) -> bool {
        (self.one.is_some() || self.listed) && self.sessions.values().all(|w| w.recovered)
    }

    /// The named session's replay is still coming.
    pub fn replaying(&self) -> bool {
        self.sessions.values().any(|w| !w.recovered)
    }

    /// The lines of one event of a followed session.
    pub fn lines(&mut self, envelope: &Envelope) -> Vec<Line> {
        let mut out = Vec::new();
        if let Some(watched) = self.sessions.get_mut(&envelope.session_id) {
            watched.lines.push(envelope, &mut out);
        }
        out
    }

    /// The unfinished streamed lines of every session, at exit.
    pub fn flush_all(&mut self) -> Vec<(String, Vec<Line>)> {
        let mut flushed = Vec::new();
        for (id, watched) in &mut self.sessions {
            let mut out = Vec::new();
            watched.lines.flush(&mut out);
            if !out.is_empty() {
                flushed.push((id.clone(), out));
            }
        }
        flushed
    }

    /// Lines carry their session's label (every session is followed).
    pub fn prefixed(&self) -> bool {
        self.one.is_none()
    }

    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.sessions.get(id).map_or(id, |w| w.label.as_str())
    }

    pub fn set_label(&mut self, id: &str, label: &str) {
        if let Some(watched) = self.sessions.get_mut(id) {
            watched.label = short_label(label);
        }
    }

    /// The session's commands (to answer a permission request).
    pub fn handle(&self, id: &str) -> Option<Session> {
        self.sessions.get(id).map(|w| w.handle.clone())
    }
}

/// The first 8 characters of an id: enough to tell sessions apart on a line.
fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

/// A label short enough to prefix every line: 24 characters at most.
fn short_label(label: &str) -> String {
    agentcast_shared::view::format::one_line(label, 24)
}
