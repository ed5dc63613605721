//! One soak client: subscribed to one session, it drops its connection at random moments and
//! resumes with handshake auth `{offset}` (its last offset), checking every offset across
//! reconnects ([`OffsetCheck`]). Once publishing has stopped it stops reconnecting and ends
//! when it holds its session's last offset.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::offsets::{OffsetCheck, OffsetErrors};
use super::rng::Rng;
use crate::durability::events::{Events, Received};
use crate::loadgen::conn::{Target, Ws};
use crate::loadgen::packet::Packet;

/// A connect attempt gives up after this long, and the client waits this long before the
/// next attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A clean close gets this long before the connection is simply dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where the soak is; every client watches it.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// Events flow; clients reconnect at random.
    Running,
    /// Publishing stopped at these last offsets (by session): no more reconnects, end once
    /// the session's last offset is in.
    Draining(Arc<Vec<u64>>),
    /// The run is over: end now.
    Stopped,
}

/// Counters every client adds to, read by the coordinator.
#[derive(Default)]
pub(crate) struct Shared {
    /// Clients connected right now.
    pub(crate) connected: AtomicU64,
    /// Connections that ever completed the namespace CONNECT.
    pub(crate) connects: AtomicU64,
    /// Connections the client dropped on purpose (each followed by a resume).
    pub(crate) reconnects: AtomicU64,
    pub(crate) connect_failures: AtomicU64,
    /// Connections the server ended (a slow consumer, a restart): also resumed.
    pub(crate) server_disconnects: AtomicU64,
    /// Events with an offset received, over every client (replayed ones included).
    pub(crate) delivered: AtomicU64,
    /// `session.recovered` with `recovered: false`: the history no longer held the offset.
    pub(crate) not_recovered: AtomicU64,
    /// Clients that hold their session's last offset after publishing stopped.
    pub(crate) finished: AtomicU64,
    pub(crate) first_error: Mutex<Option<String>>,
}

impl Shared {
    fn note(&self, error: String) {
        // Held for one assignment; never across an await.
        self.first_error.lock().unwrap().get_or_insert(error);
    }
}

/// One client's part of the soak.
pub(crate) struct Plan {
    /// Index of its session (the publisher's and the last offsets' order).
    pub(crate) session: usize,
    pub(crate) target: Arc<Target>,
    pub(crate) token: Option<String>,
    /// Average time between two reconnects of this client.
    pub(crate) reconnect_mean: Duration,
    pub(crate) seed: u64,
}

/// What one client ends with.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) session: usize,
    pub(crate) errors: OffsetErrors,
    /// The last offset it holds: its session's last one unless events were lost.
    pub(crate) last: u64,
}

/// How one connection ended.
enum End {
    /// Time for a random reconnect.
    Reconnect,
    /// The server closed it, for this reason.
    Closed(String),
    /// The session's last offset is in.
    Finished,
    Stopped,
}

pub(crate) async fn run(
    plan: Plan,
    shared: Arc<Shared>,
    events: Arc<Events>,
    handshakes: Arc<Semaphore>,
    mut phase: watch::Receiver<Phase>,
) -> Outcome {
    let mut rng = Rng::new(plan.seed);
    let mut check = OffsetCheck::default();
    loop {
        if matches!(*phase.borrow(), Phase::Stopped) {
            break;
        }
        let auth = auth_json(plan.token.as_deref(), check.last());
        // The semaphore is never closed.
        let permit = handshakes.acquire().await.ok();
        let connected = plan.target.connect_with(Some(&auth), CONNECT_TIMEOUT).await;
        drop(permit);
        let mut ws = match connected {
            Ok(ws) => ws,
            Err(e) => {
                shared.connect_failures.fetch_add(1, Relaxed);
                shared.note(format!("connect: {e:#}"));
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_AFTER) => {}
                    _ = phase.wait_for(|p| matches!(p, Phase::Stopped)) => {}
                }
                continue;
            }
        };
        shared.connects.fetch_add(1, Relaxed);
        shared.connected.fetch_add(1, Relaxed);
        let reconnect_at = Instant::now() + rng.around(plan.reconnect_mean);
        let end = read(
            &mut ws,
            &plan,
            &shared,
            &events,
            &mut check,
            &mut phase,
            reconnect_at,
        )
        .await;
        shared.connected.fetch_sub(1, Relaxed);
        match end {
            End::Reconnect => {
                shared.reconnects.fetch_add(1, Relaxed);
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
            }
            End::Closed(why) => {
                shared.server_disconnects.fetch_add(1, Relaxed);
                shared.note(why);
            }
            End::Finished => {
                shared.finished.fetch_add(1, Relaxed);
                let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
                break;
            }
            End::Stopped => break,
        }
    }
    Outcome {
        session: plan.session,
        errors: check.errors,
        last: check.last(),
    }
}

/// `{"token": ..., "offset": N}`: the CONNECT payload of a resuming client.
fn auth_json(token: Option<&str>, offset: u64) -> String {
    match token {
        Some(token) => serde_json::json!({ "token": token, "offset": offset }),
        None => serde_json::json!({ "offset": offset }),
    }
    .to_string()
}

/// The session's last offset once publishing stopped, if it has.
fn last_offset(phase: &Phase, session: usize) -> Option<u64> {
    match phase {
        Phase::Draining(heads) => heads.get(session).copied(),
        _ => None,
    }
}

/// Reads one connection until it is time to reconnect, the server closes it, the session's
/// last offset is in, or the run stops.
async fn read(
    ws: &mut Ws,
    plan: &Plan,
    shared: &Shared,
    events: &Events,
    check: &mut OffsetCheck,
    phase: &mut watch::Receiver<Phase>,
    reconnect_at: Instant,
) -> End {
    let codec = &plan.target.codec;
    loop {
        let current = phase.borrow_and_update().clone();
        if matches!(current, Phase::Stopped) {
            return End::Stopped;
        }
        let last = last_offset(&current, plan.session);
        if last.is_some_and(|last| check.last() >= last) {
            return End::Finished;
        }
        let reconnecting = matches!(current, Phase::Running);
        let msg = tokio::select! {
            biased;
            _ = phase.changed() => continue,
            _ = tokio::time::sleep_until(reconnect_at), if reconnecting => return End::Reconnect,
            msg = ws.next() => msg,
        };
        let text = match msg {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | None => {
                return End::Closed("closed by the server".into());
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return End::Closed(format!("websocket error: {e}")),
        };
        match codec.parse(text.as_str()) {
            Packet::Event(payload) => match codec.event_fields(payload) {
                Some(fields) if fields.offset > 0 => {
                    check.observe(fields.offset);
                    shared.delivered.fetch_add(1, Relaxed);
                }
                _ => {
                    if let Received::Recovered {
                        recovered: false, ..
                    } = events.read(codec, payload)
                    {
                        shared.not_recovered.fetch_add(1, Relaxed);
                    }
                }
            },
            Packet::Ping => {
                if let Err(e) = ws.send(Message::text("3")).await {
                    return End::Closed(format!("websocket error: {e}"));
                }
            }
            Packet::Disconnected => {
                return End::Closed("namespace disconnected by the server".into());
            }
            Packet::Close => return End::Closed("engine.io close from the server".into()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_sends_the_token_and_the_last_offset() {
        let auth: serde_json::Value = serde_json::from_str(&auth_json(Some("t"), 42)).unwrap();
        assert_eq!(auth, serde_json::json!({"token": "t", "offset": 42}));
        assert_eq!(auth_json(None, 0), r#"{"offset":0}"#);
    }

    #[test]
    fn the_last_offset_is_known_only_while_draining() {
        let heads = Arc::new(vec![10, 20]);
        assert_eq!(last_offset(&Phase::Draining(heads.clone()), 1), Some(20));
        assert_eq!(last_offset(&Phase::Draining(heads), 2), None);
        assert_eq!(last_offset(&Phase::Running, 0), None);
    }
}
