//! The steady publishing of the soak: one connection per session (the durability benchmark's
//! publisher: unsubscribed, one stamped `output.text` per `publish`), each on a fixed schedule
//! of `rate / sessions` events per second, shifted so that the sessions' events interleave
//! evenly into the total rate.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::durability::publisher::Publisher;

/// Un-acked publishes at most per session: past it the publisher waits (a stall).
const MAX_INFLIGHT: u64 = 1000;

/// What one session's publisher did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Published {
    pub(crate) events: u64,
    /// The session's last offset (from the acks).
    pub(crate) head_offset: u64,
    /// Times the server was `MAX_INFLIGHT` publishes behind.
    pub(crate) stalls: u64,
}

/// When the `n`th event of the session with index `session` of `sessions` is due, at a total
/// of `rate` events per second: every `sessions / rate` seconds, the sessions `1 / rate` apart.
pub(crate) fn due(n: u64, session: usize, sessions: usize, rate: f64) -> Duration {
    Duration::from_secs_f64((n as f64 * sessions as f64 + session as f64) / rate)
}

/// Publishes on schedule from `start` until `stop` flips, then waits for the last acks.
pub(crate) async fn run(
    mut publisher: Publisher,
    session: usize,
    sessions: usize,
    rate: f64,
    start: tokio::time::Instant,
    mut stop: watch::Receiver<bool>,
    deadline: Instant,
) -> anyhow::Result<Published> {
    let mut done = Published::default();
    let (mut sent, mut acked) = (0u64, 0u64);
    while !*stop.borrow() {
        let due_at = start + due(sent, session, sessions, rate);
        if tokio::time::Instant::now() < due_at || sent - acked >= MAX_INFLIGHT {
            if sent - acked >= MAX_INFLIGHT {
                done.stalls += 1;
            }
            tokio::select! {
                ack = publisher.read_ack(deadline) => if ack?.is_some() { acked += 1 },
                _ = tokio::time::sleep_until(due_at), if sent - acked < MAX_INFLIGHT => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        publisher.publish(1, false).await?;
        sent += 1;
    }
    while acked < sent {
        if publisher.read_ack(deadline).await?.is_some() {
            acked += 1;
        }
    }
    done.events = sent;
    done.head_offset = publisher.head_offset;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_interleave_into_the_total_rate() {
        // 1,000 events/s over 100 sessions: each every 100 ms, the sessions 1 ms apart.
        assert_eq!(due(0, 0, 100, 1000.0), Duration::ZERO);
        assert_eq!(due(0, 1, 100, 1000.0), Duration::from_millis(1));
        assert_eq!(due(1, 0, 100, 1000.0), Duration::from_millis(100));
        assert_eq!(due(2, 99, 100, 1000.0), Duration::from_millis(299));
    }
}
