//! The connection indicator: the socket's state as the words and countdown the header shows.
//! The state itself comes from agentcast-client's state stream; here it is only displayed.

/// What the live connection is doing. Times are milliseconds on one clock (the page's
/// `performance.now()`), so a countdown is `retry_at_ms - now`.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Connected {
        latency_ms: Option<u64>,
    },
    Reconnecting {
        attempt: u32,
        retry_at_ms: f64,
        /// Why the connection was lost (a tooltip: the countdown is what matters).
        reason: String,
    },
    Disconnected {
        reason: String,
    },
}

/// The indicator's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionText {
    /// `data-state` of the indicator: `connecting`, `connected`, `reconnecting`, `disconnected`.
    pub state: &'static str,
    pub label: String,
    pub detail: Option<String>,
    /// More about the state, shown on hover (`title`).
    pub hint: Option<String>,
    /// Offer the Retry button.
    pub retry: bool,
}

impl Connection {
    pub fn text(&self, now_ms: f64) -> ConnectionText {
        match self {
            Connection::Connecting => ConnectionText {
                state: "connecting",
                label: "Connecting…".into(),
                detail: None,
                hint: None,
                retry: false,
            },
            Connection::Connected { latency_ms } => ConnectionText {
                state: "connected",
                label: "Connected".into(),
                detail: latency_ms.map(|ms| format!("{ms} ms")),
                hint: latency_ms.map(|_| "round trip to the server".into()),
                retry: false,
            },
            Connection::Reconnecting {
                attempt,
                retry_at_ms,
                reason,
            } => {
                let left_ms = (retry_at_ms - now_ms).max(0.0);
                let detail = if left_ms < 1.0 {
                    "trying now…".to_owned()
                } else {
                    // Rounded up: "next try in 1 s" until the try, never "in 0 s" before it.
                    format!("next try in {} s", (left_ms / 1000.0).ceil() as u64)
                };
                ConnectionText {
                    state: "reconnecting",
                    label: format!("Reconnecting (attempt {attempt})"),
                    detail: Some(detail),
                    hint: Some(format!("Connection lost: {reason}")),
                    retry: true,
                }
            }
            Connection::Disconnected { reason } => ConnectionText {
                state: "disconnected",
                label: "Disconnected".into(),
                detail: Some(reason.clone()),
                hint: None,
                retry: true,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_shows_latency() {
        let text = Connection::Connected {
            latency_ms: Some(12),
        }
        .text(0.0);
        assert_eq!(
            (text.state, text.label.as_str()),
            ("connected", "Connected")
        );
        assert_eq!(text.detail.as_deref(), Some("12 ms"));
        assert!(!text.retry);
        assert_eq!(
            Connection::Connected { latency_ms: None }.text(0.0).detail,
            None
        );
    }

    #[test]
    fn reconnecting_counts_down_to_the_next_try() {
        let state = Connection::Reconnecting {
            attempt: 3,
            retry_at_ms: 10_000.0,
            reason: "connection refused".into(),
        };
        let text = state.text(6_200.0);
        assert_eq!(text.label, "Reconnecting (attempt 3)");
        assert_eq!(
            text.hint.as_deref(),
            Some("Connection lost: connection refused")
        );
        assert_eq!(text.detail.as_deref(), Some("next try in 4 s"));
        assert_eq!(state.text(9_999.5).detail.as_deref(), Some("trying now…"));
        assert_eq!(
            state.text(9_100.0).detail.as_deref(),
            Some("next try in 1 s")
        );
        assert_eq!(state.text(20_000.0).detail.as_deref(), Some("trying now…"));
        assert!(text.retry);
    }

    #[test]
    fn disconnected_says_why_and_offers_retry() {
        let text = Connection::Disconnected {
            reason: "token expired".into(),
        }
        .text(0.0);
        assert_eq!(text.state, "disconnected");
        assert_eq!(text.detail.as_deref(), Some("token expired"));
        assert!(text.retry);
        assert_eq!(Connection::Connecting.text(0.0).state, "connecting");
    }
}
