//! The JSON line `agentcast-control-bench` prints, and how it is made from what the agent
//! and the client each saw of the same requests (matched by request id; both run on this
//! machine, so their unix clocks agree). `cargo xtask bench control` reads these fields by
//! name.

use std::collections::HashMap;

use serde::Serialize;

use super::agent::{AgentReport, REQUEST_PREFIX};
use crate::durability::Quantiles;
use crate::loadgen::latency_us;

/// When the client saw a request and answered it (unix micros).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientSample {
    /// Just after the websocket message with its `permission.requested` was read.
    pub received_us: u64,
    /// Just before its `permission.respond` was sent.
    pub sent_us: u64,
}

/// One run.
#[derive(Debug, Serialize)]
pub struct ControlReport {
    /// Measured requests asked, and the warm-up asked before them.
    pub requests: u64,
    pub warmup: u64,
    pub rate: f64,
    /// Measured requests both sides saw (all of them when all is well).
    pub measured: u64,
    /// The agent wrote the request -> the client received `permission.requested`.
    pub to_client: Quantiles,
    /// The client sent `permission.respond` -> the agent read the `control_response`.
    pub to_agent: Quantiles,
    /// The agent wrote the request -> it read the answer.
    pub round_trip: Quantiles,
    /// The reference: the agent wrote an ordinary output line -> the client received its
    /// `output.text` (the same path without the control driver).
    pub reference: Quantiles,
    /// Measured reference lines the client received (`requests` when all is well).
    pub reference_lines: u64,
    /// The client sent `permission.respond` -> its ack.
    pub ack: Quantiles,
    /// The CPU the agent ran on, when it was moved to one.
    pub agent_cpu: Option<u32>,
    /// Milliseconds each process was runnable but waiting for a CPU during the run (the
    /// server's when its pid was given): other work on the same CPUs.
    pub server_waited_ms: Option<f64>,
    pub client_waited_ms: Option<f64>,
    pub agent_waited_ms: Option<f64>,
    /// Sum of the counts below.
    pub errors: u64,
    /// Measured requests one side did not see.
    pub missing: u64,
    /// Requests the agent read as denied (the client allows every one).
    pub denied: u64,
    /// `permission.respond` acks with an error.
    pub refused: u64,
    pub first_error: Option<String>,
}

/// The three latencies of the measured requests, sorted, and what was missing or denied.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Matched {
    pub to_client: Vec<u32>,
    pub to_agent: Vec<u32>,
    pub round_trip: Vec<u32>,
    pub missing: u64,
    pub denied: u64,
}

/// The request number of `request_id` (`bench-12` -> 12).
pub(crate) fn request_number(request_id: &str) -> Option<u64> {
    request_id.strip_prefix(REQUEST_PREFIX)?.parse().ok()
}

/// Matches the agent's samples with the client's: only the measured requests (number
/// `warmup` and after) count; one the agent asked but the client never saw, or one of
/// `requests` the agent never asked, is missing.
pub(crate) fn match_samples(
    agent: &AgentReport,
    client: &HashMap<String, ClientSample>,
    requests: u64,
) -> Matched {
    let mut matched = Matched::default();
    let mut seen = 0;
    for sample in &agent.requests {
        if request_number(&sample.request_id).is_none_or(|n| n < agent.warmup) {
            continue;
        }
        seen += 1;
        if !sample.allowed {
            matched.denied += 1;
        }
        let Some(at_client) = client.get(&sample.request_id) else {
            matched.missing += 1;
            continue;
        };
        matched
            .to_client
            .push(latency_us(sample.written_us, at_client.received_us));
        matched
            .to_agent
            .push(latency_us(at_client.sent_us, sample.answered_us));
        matched
            .round_trip
            .push(latency_us(sample.written_us, sample.answered_us));
    }
    matched.missing += requests.saturating_sub(seen);
    for sorted in [
        &mut matched.to_client,
        &mut matched.to_agent,
        &mut matched.round_trip,
    ] {
        sorted.sort_unstable();
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::super::agent::AgentSample;
    use super::*;

    fn agent(warmup: u64, samples: &[(u64, u64, u64, bool)]) -> AgentReport {
        AgentReport {
            warmup,
            requests: samples
                .iter()
                .map(|&(n, written_us, answered_us, allowed)| AgentSample {
                    request_id: format!("bench-{n}"),
                    written_us,
                    answered_us,
                    allowed,
                })
                .collect(),
            cpu: None,
            waited_ms: None,
        }
    }

    #[test]
    fn the_report_file_reads_back() {
        let report = agent(1, &[(0, 5, 9, true)]);
        let text = serde_json::to_string(&report).unwrap();
        assert_eq!(AgentReport::parse(&text).unwrap(), report);
        assert!(AgentReport::parse("{\"warmup\":1}").is_err());
    }

    #[test]
    fn measured_requests_are_matched_by_id_and_warmup_is_left_out() {
        let agent = agent(
            1,
            &[
                (0, 0, 99_000, true), // warm-up: not measured
                (1, 1_000, 1_900, true),
                (2, 2_000, 3_500, false),
                (3, 3_000, 3_400, true), // the client never saw it
            ],
        );
        let client: HashMap<String, ClientSample> = [
            (
                "bench-0",
                ClientSample {
                    received_us: 90_000,
                    sent_us: 90_001,
                },
            ),
            (
                "bench-1",
                ClientSample {
                    received_us: 1_300,
                    sent_us: 1_310,
                },
            ),
            (
                "bench-2",
                ClientSample {
                    received_us: 2_200,
                    sent_us: 2_250,
                },
            ),
        ]
        .into_iter()
        .map(|(id, sample)| (id.to_string(), sample))
        .collect();
        let matched = match_samples(&agent, &client, 4);
        assert_eq!(
            matched,
            Matched {
                to_client: vec![200, 300],
                to_agent: vec![590, 1250],
                round_trip: vec![900, 1500],
                // bench-3 unseen by the client, and a 4th measured request never asked.
                missing: 2,
                denied: 1,
            }
        );
        assert_eq!(request_number("bench-12"), Some(12));
        assert_eq!(request_number("other-1"), None);
    }
}
