//! The running tools: tool events are emitted on a session's own namespace only, never on the
//! hub, so `top` joins the namespaces of the running sessions, at most `--follow-tools` of
//! them (which ones: `Board::to_follow`), subscribed to `tool.*` alone (the server's rooms
//! filter the rest out). Each joined session is first seeded from its history (the latest
//! tool events, so a tool already running when `top` starts shows), then followed live; all
//! of it reaches the main loop through one channel, in each session's offset order. A session
//! that stops running is left.

use std::collections::HashMap;

use agentcast_client::{Client, Envelope, Session, SocketStatus};
use agentcast_shared::{GetHistoryArgs, TOOL_COMPLETED, TOOL_STARTED};
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// The tool events of history that seed a newly followed session.
const SEED_EVENTS: u32 = 50;

/// The sessions followed now, and where their events go.
pub(crate) struct Follower {
    client: Client,
    followed: HashMap<String, Followed>,
    tx: mpsc::UnboundedSender<Envelope>,
}

struct Followed {
    session: Session,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    /// A follower on `client`; the tool events come out of the receiver.
    pub(crate) fn new(client: Client) -> (Follower, mpsc::UnboundedReceiver<Envelope>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let follower = Follower {
            client,
            followed: HashMap::new(),
            tx,
        };
        (follower, rx)
    }

    /// True when `session`'s tools are followed now.
    pub(crate) fn is_following(&self, session: &str) -> bool {
        self.followed.contains_key(session)
    }

    /// Follows exactly `wanted`: joins the new ones and leaves the others. Returns the
    /// sessions left (their tools are to be forgotten).
    pub(crate) fn follow(&mut self, wanted: &[String]) -> Vec<String> {
        let left: Vec<String> = self
            .followed
            .keys()
            .filter(|id| !wanted.contains(id))
            .cloned()
            .collect();
        for id in &left {
            if let Some(followed) = self.followed.remove(id) {
                followed.session.leave();
                followed.task.abort();
            }
        }
        for id in wanted {
            if !self.followed.contains_key(id) {
                let followed = self.join(id);
                self.followed.insert(id.clone(), followed);
            }
        }
        left
    }

    fn join(&self, id: &str) -> Followed {
        // Live only: the seed below comes from history, and after a reconnect the client
        // resumes from the last offset it applied.
        let (session, mut events) = self.client.session(id, None);
        let tx = self.tx.clone();
        let socket = session.clone();
        let task = tokio::spawn(async move {
            if socket.subscribe(&["tool.*"]).await.is_err() {
                // Refused or closed: nothing to follow (the hub says what is wrong).
                return;
            }
            let mut status = socket.status();
            while let Some(status) = status.next().await {
                if let SocketStatus::Connected { .. } = status {
                    break;
                }
            }
            for envelope in seed(&socket).await {
                if tx.send(envelope).is_err() {
                    return;
                }
            }
            while let Some(envelope) = events.next().await {
                // Before `subscribe` took effect every type came: only tools matter here.
                let tool = envelope.kind == TOOL_STARTED || envelope.kind == TOOL_COMPLETED;
                if tool && tx.send(envelope).is_err() {
                    return;
                }
            }
        });
        Followed { session, task }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        for followed in self.followed.values() {
            followed.task.abort();
        }
    }
}

/// The latest tool events of the session's history, oldest first; none when it cannot be
/// read (the live events still come).
async fn seed(session: &Session) -> Vec<Envelope> {
    let Ok(status) = session.get_status().await else {
        return Vec::new();
    };
    let args = GetHistoryArgs {
        types: Some(vec!["tool.*".to_owned()]),
        before: Some(status.head_offset + 1),
        limit: Some(SEED_EVENTS),
        ..GetHistoryArgs::default()
    };
    session
        .get_history(&args)
        .await
        .map(|page| page.events)
        .unwrap_or_default()
}
