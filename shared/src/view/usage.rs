//! Tokens, cost and model (each `usage.updated` is cumulative for the session), and the
//! activity over time that the small chart draws: events counted per time bucket.

use crate::{Envelope, Event};

use super::format::parse_ts_millis;

/// Tokens, cost and model of a session, as the latest `usage.updated` gave them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Usage {
    /// The model, from `usage.updated`, else from `session.started`.
    pub model: Option<String>,
    /// Input tokens so far.
    pub input_tokens: u64,
    /// Output tokens so far.
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache so far.
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache so far.
    pub cache_creation_tokens: u64,
    /// The cost so far in US dollars (the hub's estimate; the agent's own at the end).
    pub cost_usd: f64,
    /// False until a `usage.updated` or a `session.ended` with a cost arrives.
    pub known: bool,
}

impl Usage {
    /// Folds one event in: `usage.updated`, the model of `session.started` and the cost of
    /// `session.ended`.
    pub fn apply(&mut self, envelope: &Envelope) {
        match envelope.event() {
            Ok(Event::UsageUpdated(u)) => {
                self.model = u.model.or(self.model.take());
                self.input_tokens = u.input_tokens;
                self.output_tokens = u.output_tokens;
                self.cache_read_tokens = u.cache_read_tokens;
                self.cache_creation_tokens = u.cache_creation_tokens;
                self.cost_usd = u.total_cost_usd;
                self.known = true;
            }
            Ok(Event::SessionStarted(s)) if self.model.is_none() => self.model = s.model,
            Ok(Event::SessionEnded(e)) => {
                if let Some(cost) = e.total_cost_usd {
                    self.cost_usd = cost;
                    self.known = true;
                }
            }
            _ => {}
        }
    }
}

/// How many bars the chart has.
pub const ACTIVITY_BARS: usize = 48;

/// Event timestamps, kept as milliseconds so the buckets can be recomputed at any width.
#[derive(Debug, Default, Clone)]
pub struct Activity {
    times: Vec<u64>,
}

/// The chart's data: counts per bucket, oldest first, and the bucket width.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Events per bucket, oldest first.
    pub counts: Vec<u32>,
    /// The width of a bucket, in milliseconds.
    pub bucket_ms: u64,
    /// The largest count, to scale the bars by.
    pub max: u32,
}

impl Activity {
    /// Counts one event at its time.
    pub fn apply(&mut self, envelope: &Envelope) {
        if let Some(ms) = parse_ts_millis(&envelope.ts) {
            self.times.push(ms);
        }
    }

    /// [`ACTIVITY_BARS`] buckets ending at the latest event, each a "round" width (1 s, 2 s,
    /// 5 s, ... 1 h) wide enough that the buckets span the whole session.
    pub fn bars(&self) -> Bars {
        let (Some(&first), Some(&last)) = (self.times.iter().min(), self.times.iter().max()) else {
            return Bars {
                counts: vec![0; ACTIVITY_BARS],
                bucket_ms: 1000,
                max: 0,
            };
        };
        let span = last - first + 1;
        const WIDTHS: [u64; 10] = [1, 2, 5, 10, 15, 30, 60, 300, 900, 3600];
        let bucket_ms = WIDTHS
            .iter()
            .map(|s| s * 1000)
            .find(|w| w * ACTIVITY_BARS as u64 >= span)
            .unwrap_or_else(|| span.div_ceil(ACTIVITY_BARS as u64));
        let end = (last / bucket_ms + 1) * bucket_ms;
        let start = end.saturating_sub(bucket_ms * ACTIVITY_BARS as u64);
        let mut counts = vec![0u32; ACTIVITY_BARS];
        for &t in &self.times {
            if t >= start {
                let i = ((t - start) / bucket_ms) as usize;
                counts[i.min(ACTIVITY_BARS - 1)] += 1;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        Bars {
            counts,
            bucket_ms,
            max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::event_log::tests::env;
    use serde_json::json;

    #[test]
    fn usage_is_cumulative_and_keeps_the_model() {
        let mut usage = Usage::default();
        usage.apply(&env(
            1,
            "session.started",
            json!({"session_id": "s1", "source": "demo", "model": "m-1", "started_at": "t"}),
        ));
        assert!(!usage.known);
        usage.apply(&env(2, "usage.updated", json!({"input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 100, "total_cost_usd": 0.01})));
        usage.apply(&env(
            3,
            "usage.updated",
            json!({"input_tokens": 30, "output_tokens": 9, "total_cost_usd": 0.02}),
        ));
        assert_eq!(usage.model.as_deref(), Some("m-1"));
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens
            ),
            (30, 9, 0)
        );
        assert!(usage.known && (usage.cost_usd - 0.02).abs() < 1e-9);
        usage.apply(&env(
            4,
            "session.ended",
            json!({"status": "completed", "total_cost_usd": 0.5}),
        ));
        assert!((usage.cost_usd - 0.5).abs() < 1e-9);
    }

    #[test]
    fn activity_buckets_span_the_session() {
        let mut activity = Activity::default();
        assert_eq!(activity.bars().max, 0);
        // env() spaces events 100 ms apart: 100 events span 10 s -> 1 s buckets.
        for offset in 1..=100 {
            activity.apply(&env(offset, "output.text", json!({"text": "x"})));
        }
        let bars = activity.bars();
        assert_eq!(bars.bucket_ms, 1000);
        assert_eq!(bars.counts.len(), ACTIVITY_BARS);
        assert_eq!(bars.counts.iter().sum::<u32>(), 100);
        assert_eq!(bars.max, 10);
        // 1000 events over 100 s no longer fit 48 one-second bars.
        for offset in 101..=1000 {
            activity.apply(&env(offset, "output.text", json!({"text": "x"})));
        }
        assert_eq!(activity.bars().bucket_ms, 5000);
        assert_eq!(activity.bars().counts.iter().sum::<u32>(), 1000);
    }
}
