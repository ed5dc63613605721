//! Cumulative tokens and cost: [`UsageMeter`].
//!
//! Usage arrives per API message, and more than once for the same message: each content
//! block of a message is its own `assistant` line repeating the message's usage, and a stream
//! reports it at `message_start` and again, final, at `message_delta`. So the meter keeps the
//! latest report of each recent message by id and sums them, rather than adding every report.
//! The `result` line reports the run's totals and its cost; they are authoritative where they
//! are larger (the per-message output counts of a transcript are taken at the start of each
//! message and undercount). Token totals never go down.
//!
//! Cost: each message is priced with the price table (`ingest::pricing`) at its latest
//! report, and the update that message causes carries the estimate (`message_cost_usd`). The
//! session's cost is the largest total the agent reported (a `result`, a transcript's
//! `cost-state`). A transcript's meter ([`UsageMeter::estimating`]) adds the estimates of the
//! messages reported after that total; with no report (older transcripts) its cost is the
//! sum of the estimates. A report replaces the estimates it covers, so the cost may go down
//! to the agent's own figure. A stream-json run always ends with its exact total, so its
//! meter reports only that.

use std::collections::VecDeque;

use agentcast_shared::UsageUpdated;

use super::messages::{Usage, count};
use crate::ingest::pricing::estimate;

/// Messages whose latest usage is kept apart; older ones are folded into the base. Lines of
/// sub-agents running in parallel interleave, so a few messages are open at once.
const OPEN_MESSAGES: usize = 32;

/// Token counts (also the Codex mapper's).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_creation: u64,
}

impl Tokens {
    fn plus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.saturating_add(other.input),
            output: self.output.saturating_add(other.output),
            cache_read: self.cache_read.saturating_add(other.cache_read),
            cache_creation: self.cache_creation.saturating_add(other.cache_creation),
        }
    }

    pub(crate) fn max(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input.max(other.input),
            output: self.output.max(other.output),
            cache_read: self.cache_read.max(other.cache_read),
            cache_creation: self.cache_creation.max(other.cache_creation),
        }
    }

    /// These counts with the fields a report gives replaced.
    fn updated(self, usage: &Usage) -> Tokens {
        Tokens {
            input: count(usage.input_tokens).unwrap_or(self.input),
            output: count(usage.output_tokens).unwrap_or(self.output),
            cache_read: count(usage.cache_read_input_tokens).unwrap_or(self.cache_read),
            cache_creation: count(usage.cache_creation_input_tokens).unwrap_or(self.cache_creation),
        }
    }
}

/// The latest report of one recent message.
#[derive(Debug)]
struct Open {
    id: String,
    /// The model it is priced as (sub-agents' messages interleave with the session's).
    model: Option<String>,
    tokens: Tokens,
    /// Its estimated cost, `None` for a model without a price.
    cost_usd: Option<f64>,
    /// True once an agent's total (reported after it) includes it.
    covered: bool,
}

/// Per-session usage; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct UsageMeter {
    /// Messages folded out of `open`, and reports without a message id.
    base: Tokens,
    /// The latest report of each recent message, newest last.
    open: VecDeque<Open>,
    /// The largest totals a `result` reported.
    floor: Tokens,
    /// The largest cost the agent reported.
    reported_usd: f64,
    /// Estimates of the messages in `base` reported after `reported_usd`.
    estimated_usd: f64,
    /// The estimate of the message the next update reports.
    message_usd: Option<f64>,
    /// Whether the cost includes the estimates after `reported_usd`.
    estimate_total: bool,
    model: Option<String>,
    last: Option<UsageUpdated>,
}

impl UsageMeter {
    /// A meter whose cost adds estimates to the reported total (see the module docs).
    pub(crate) fn estimating() -> Self {
        Self {
            estimate_total: true,
            ..Self::default()
        }
    }

    /// The usage of a message (`id`), replacing what was reported for it before. It is
    /// priced as `model`, or else the session's latest model.
    pub(crate) fn message(&mut self, id: Option<&str>, model: Option<&str>, usage: &Usage) {
        // `<synthetic>` marks a message the CLI wrote itself (an API error), not a model.
        let model = model.filter(|m| !m.is_empty() && *m != "<synthetic>");
        if let Some(model) = model
            && self.model.as_deref() != Some(model)
        {
            self.model = Some(model.to_owned());
        }
        let model = model.or(self.model.as_deref());
        let price = |model: Option<&str>, tokens| model.and_then(|m| estimate(m, tokens));
        let Some(id) = id else {
            let tokens = Tokens::default().updated(usage);
            self.message_usd = price(model, tokens);
            self.base = self.base.plus(tokens);
            self.estimated_usd += self.message_usd.unwrap_or(0.0);
            return;
        };
        if let Some(open) = self.open.iter_mut().rev().find(|open| open.id == id) {
            open.tokens = open.tokens.updated(usage);
            if open.model.is_none() {
                open.model = model.map(str::to_owned);
            }
            open.cost_usd = price(open.model.as_deref(), open.tokens);
            self.message_usd = open.cost_usd;
            return;
        }
        let tokens = Tokens::default().updated(usage);
        self.message_usd = price(model, tokens);
        if self.open.len() >= OPEN_MESSAGES
            && let Some(old) = self.open.pop_front()
        {
            self.base = self.base.plus(old.tokens);
            if !old.covered {
                self.estimated_usd += old.cost_usd.unwrap_or(0.0);
            }
        }
        self.open.push_back(Open {
            id: id.to_owned(),
            model: model.map(str::to_owned),
            tokens,
            cost_usd: self.message_usd,
            covered: false,
        });
    }

    /// The totals and cost a `result` reported.
    pub(crate) fn result(&mut self, usage: Option<&Usage>, cost_usd: Option<f64>) {
        if let Some(usage) = usage {
            self.floor = self.floor.max(Tokens::default().updated(usage));
        }
        if let Some(cost) = cost_usd.filter(|c| c.is_finite() && *c >= 0.0) {
            self.reported_usd = self.reported_usd.max(cost);
            self.estimated_usd = 0.0;
            for open in &mut self.open {
                open.covered = true;
            }
        }
        self.message_usd = None;
    }

    /// The model to report until a message names one (the model `system/init` announced).
    pub(crate) fn default_model(&mut self, model: &str) {
        if self.model.is_none() && !model.is_empty() {
            self.model = Some(model.to_owned());
        }
    }

    /// The `usage.updated` to emit, when anything changed since the last one.
    pub(crate) fn changed(&mut self) -> Option<UsageUpdated> {
        let message_usd = self.message_usd.take();
        let totals = self
            .open
            .iter()
            .fold(self.base, |sum, open| sum.plus(open.tokens))
            .max(self.floor);
        let mut cost_usd = self.reported_usd;
        if self.estimate_total {
            let open = self.open.iter().filter(|open| !open.covered);
            cost_usd += open.fold(self.estimated_usd, |sum, open| {
                sum + open.cost_usd.unwrap_or(0.0)
            });
        }
        // Totals never go down, even if a message's later report is smaller.
        let previous = self.last.as_ref().map_or(Tokens::default(), |last| Tokens {
            input: last.input_tokens,
            output: last.output_tokens,
            cache_read: last.cache_read_tokens,
            cache_creation: last.cache_creation_tokens,
        });
        let totals = totals.max(previous);
        if let Some(last) = &self.last {
            let unchanged = last.input_tokens == totals.input
                && last.output_tokens == totals.output
                && last.cache_read_tokens == totals.cache_read
                && last.cache_creation_tokens == totals.cache_creation
                && last.total_cost_usd == cost_usd
                && last.model == self.model;
            if unchanged {
                return None;
            }
        } else if totals == Tokens::default() && cost_usd == 0.0 {
            return None;
        }
        let next = UsageUpdated {
            model: self.model.clone(),
            input_tokens: totals.input,
            output_tokens: totals.output,
            cache_read_tokens: totals.cache_read,
            cache_creation_tokens: totals.cache_creation,
            total_cost_usd: cost_usd,
            message_cost_usd: message_usd,
        };
        self.last = Some(next.clone());
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            input_tokens: Some(input as f64),
            output_tokens: Some(output as f64),
            cache_read_input_tokens: Some(1.0),
            cache_creation_input_tokens: None,
        }
    }

    #[test]
    fn a_message_reported_twice_counts_once() {
        let mut meter = UsageMeter::default();
        meter.message(Some("m1"), Some("opus"), &usage(10, 5));
        let first = meter.changed().unwrap();
        assert_eq!((first.input_tokens, first.output_tokens), (10, 5));
        assert_eq!(first.model.as_deref(), Some("opus"));
        meter.message(Some("m1"), Some("opus"), &usage(10, 5));
        assert_eq!(meter.changed(), None);
        meter.message(Some("m1"), None, &usage(10, 9));
        assert_eq!(meter.changed().unwrap().output_tokens, 9);
        meter.message(Some("m2"), Some("haiku"), &usage(3, 1));
        let both = meter.changed().unwrap();
        assert_eq!(
            (
                both.input_tokens,
                both.output_tokens,
                both.cache_read_tokens
            ),
            (13, 10, 2)
        );
        assert_eq!(both.model.as_deref(), Some("haiku"));
    }

    #[test]
    fn a_partial_report_keeps_the_other_counts() {
        let mut meter = UsageMeter::default();
        meter.message(Some("m"), None, &usage(100, 1));
        meter.message(
            Some("m"),
            None,
            &Usage {
                output_tokens: Some(42.0),
                ..Usage::default()
            },
        );
        let now = meter.changed().unwrap();
        assert_eq!((now.input_tokens, now.output_tokens), (100, 42));
    }

    #[test]
    fn the_result_is_authoritative_where_larger_and_totals_never_go_down() {
        let mut meter = UsageMeter::default();
        meter.message(Some("m"), None, &usage(10, 1));
        meter.changed();
        meter.result(Some(&usage(8, 180)), Some(0.5));
        let after = meter.changed().unwrap();
        assert_eq!(
            (
                after.input_tokens,
                after.output_tokens,
                after.total_cost_usd
            ),
            (10, 180, 0.5)
        );
        meter.result(None, Some(0.25));
        assert_eq!(meter.changed(), None, "cost never goes down");
    }

    #[test]
    fn many_messages_fold_into_the_base() {
        let mut meter = UsageMeter::default();
        for i in 0..100 {
            meter.message(Some(&format!("m{i}")), None, &usage(1, 1));
        }
        assert_eq!(meter.open.len(), OPEN_MESSAGES);
        assert_eq!(meter.changed().unwrap().input_tokens, 100);
        meter.message(None, None, &usage(5, 0));
        assert_eq!(meter.changed().unwrap().input_tokens, 105);
    }

    /// Opus 4.5 at $5 in and $25 out per million: `usage(10, 5)` (plus 1 cache read at $0.50)
    /// costs $0.000175 + $0.0000005.
    const OPUS: &str = "claude-opus-4-5-20251101";
    const TEN_FIVE: f64 = (10.0 * 5.0 + 5.0 * 25.0 + 0.5) / 1e6;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn a_known_model_gives_each_message_its_cost_and_the_total_their_sum() {
        let mut meter = UsageMeter::estimating();
        meter.message(Some("m1"), Some(OPUS), &usage(10, 5));
        let first = meter.changed().unwrap();
        assert!(
            close(first.message_cost_usd.unwrap(), TEN_FIVE),
            "{first:?}"
        );
        assert!(close(first.total_cost_usd, TEN_FIVE));
        // The same message again, grown: its cost replaces its earlier estimate.
        meter.message(Some("m1"), None, &usage(10, 10));
        let grown = meter.changed().unwrap();
        let ten_ten = (50.0 + 250.0 + 0.5) / 1e6;
        assert!(close(grown.message_cost_usd.unwrap(), ten_ten), "{grown:?}");
        assert!(close(grown.total_cost_usd, ten_ten));
        // A message without a model is priced as the session's model.
        meter.message(Some("m2"), None, &usage(10, 5));
        let second = meter.changed().unwrap();
        assert!(
            close(second.total_cost_usd, ten_ten + TEN_FIVE),
            "{second:?}"
        );
    }

    #[test]
    fn an_unknown_model_gives_no_cost_and_leaves_the_total() {
        let mut meter = UsageMeter::estimating();
        meter.message(Some("m1"), Some(OPUS), &usage(10, 5));
        meter.changed();
        meter.message(Some("m2"), Some("claude-opus-9"), &usage(1000, 1000));
        let unknown = meter.changed().unwrap();
        assert_eq!(unknown.message_cost_usd, None);
        assert!(close(unknown.total_cost_usd, TEN_FIVE), "{unknown:?}");
        assert_eq!(unknown.input_tokens, 1010, "its tokens still count");
    }

    #[test]
    fn a_reported_total_replaces_the_estimates_before_it() {
        let mut meter = UsageMeter::estimating();
        meter.message(Some("m1"), Some(OPUS), &usage(10, 5));
        meter.changed();
        meter.result(None, Some(0.01));
        let reported = meter.changed().unwrap();
        assert_eq!(reported.total_cost_usd, 0.01);
        assert_eq!(reported.message_cost_usd, None, "no message caused it");
        // A later report of a covered message does not add it again.
        meter.message(Some("m1"), None, &usage(10, 5));
        assert_eq!(meter.changed(), None);
        meter.message(Some("m2"), None, &usage(10, 5));
        let after = meter.changed().unwrap();
        assert!(close(after.total_cost_usd, 0.01 + TEN_FIVE), "{after:?}");
        // Messages folded out of the open ones keep their estimate until the next report.
        for i in 0..OPEN_MESSAGES {
            meter.message(Some(&format!("n{i}")), None, &usage(10, 5));
        }
        let many = meter.changed().unwrap();
        let expected = 0.01 + TEN_FIVE * (OPEN_MESSAGES + 1) as f64;
        assert!(close(many.total_cost_usd, expected), "{many:?}");
        meter.result(None, Some(0.02));
        assert_eq!(meter.changed().unwrap().total_cost_usd, 0.02);
    }

    #[test]
    fn a_stream_meter_prices_messages_but_reports_only_the_agents_total() {
        let mut meter = UsageMeter::default();
        meter.message(Some("m1"), Some(OPUS), &usage(10, 5));
        let message = meter.changed().unwrap();
        assert!(close(message.message_cost_usd.unwrap(), TEN_FIVE));
        assert_eq!(message.total_cost_usd, 0.0);
        meter.result(None, Some(0.25));
        assert_eq!(meter.changed().unwrap().total_cost_usd, 0.25);
    }

    #[test]
    fn nothing_to_report_is_not_reported() {
        let mut meter = UsageMeter::default();
        meter.default_model("opus");
        assert_eq!(meter.changed(), None);
    }
}
