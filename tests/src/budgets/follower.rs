//! A client that follows the demo as a dashboard would: it opens `/sessions/demo-1` from
//! offset 0, reads until `session.ended`, then opens `demo-2`, and so on. For every event
//! that arrives live (after the connection's `session.recovered`), it keeps the time from
//! the envelope's `ts` (stamped by the server when it sequenced the event) to its arrival.

use std::time::Duration;

use agentcast_shared::parse_ts_millis;
use futures_util::{SinkExt, StreamExt};
use memchr::memmem::Finder;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::loadgen::conn::Target;
use crate::loadgen::packet::Packet;
use crate::loadgen::{latency_us, unix_micros};
use crate::soak::OffsetCheck;

/// How the payload of the demo's last event of a session starts.
const ENDED_PREFIX: &str = r#"["session.ended","#;
const RECOVERED_PREFIX: &str = r#"["session.recovered","#;

/// What one follower saw.
#[derive(Debug, Default)]
pub(crate) struct Followed {
    /// Live events received.
    pub(crate) live: u64,
    /// Their `ts`-to-arrival times in microseconds. `ts` has millisecond precision and is
    /// truncated, so each is up to 1 ms (0.5 on average) longer than the true time.
    pub(crate) latencies_us: Vec<u32>,
    /// Demo sessions followed to their end.
    pub(crate) sessions_ended: u64,
    /// Gaps, duplicates and reorders within each session.
    pub(crate) offset_errors: u64,
    pub(crate) error: Option<String>,
}

/// Follows demo sessions until `until`; `auth` is the CONNECT payload's token part.
pub(crate) async fn follow(url: &str, token: Option<&str>, until: Instant) -> Followed {
    let mut followed = Followed::default();
    let ts_key = Finder::new(b"\"ts\":\"");
    for n in 1.. {
        let auth = match token {
            Some(token) => serde_json::json!({ "token": token, "offset": 0 }),
            None => serde_json::json!({ "offset": 0 }),
        }
        .to_string();
        let session = async {
            let target = Target::new(url, &format!("/sessions/demo-{n}"), None)?;
            let left = until.saturating_duration_since(Instant::now());
            let mut ws = target
                .connect_with(Some(&auth), left.max(Duration::from_millis(1)))
                .await?;
            let mut check = OffsetCheck::default();
            let mut live = false;
            while let Ok(Some(msg)) = tokio::time::timeout_at(until, ws.next()).await {
                let Message::Text(text) = msg? else { continue };
                let now_us = unix_micros();
                match target.codec.parse(text.as_str()) {
                    Packet::Event(payload) => {
                        live |= payload.starts_with(RECOVERED_PREFIX);
                        let Some(fields) = target.codec.event_fields(payload) else {
                            continue;
                        };
                        check.observe(fields.offset);
                        if live && fields.offset > 0 {
                            followed.live += 1;
                            if let Some(ts_ms) = ts_millis(&ts_key, payload) {
                                followed.latencies_us.push(latency_us(ts_ms * 1000, now_us));
                            }
                        }
                        if payload.starts_with(ENDED_PREFIX) {
                            followed.sessions_ended += 1;
                            break;
                        }
                    }
                    Packet::Ping => ws.send(Message::text("3")).await?,
                    Packet::Disconnected | Packet::Close => anyhow::bail!("closed by the server"),
                    _ => {}
                }
            }
            let _ = ws.close(None).await;
            anyhow::Ok(check.errors.total())
        };
        match session.await {
            Ok(errors) => followed.offset_errors += errors,
            Err(e) => {
                followed.error = Some(format!("demo-{n}: {e:#}"));
                break;
            }
        }
        if Instant::now() >= until {
            break;
        }
    }
    followed
}

/// The envelope's `ts` in unix milliseconds.
fn ts_millis(key: &Finder<'_>, payload: &str) -> Option<u64> {
    let at = key.find(payload.as_bytes())? + key.needle().len();
    let rest = payload.get(at..)?;
    parse_ts_millis(&rest[..rest.find('"')?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_envelope_timestamp() {
        let key = Finder::new(b"\"ts\":\"");
        let payload = r#"["output.text",{"offset":3,"session_id":"demo-1","ts":"2026-11-24T10:00:00.123Z","type":"output.text","data":{}}]"#;
        assert_eq!(
            ts_millis(&key, payload),
            parse_ts_millis("2026-11-24T10:00:00.123Z")
        );
        assert!(ts_millis(&key, payload).is_some());
        assert_eq!(ts_millis(&key, r#"["x",{"offset":1}]"#), None);
        assert_eq!(ts_millis(&key, r#"["x",{"ts":"2026-11-24T10"#), None);
    }
}
