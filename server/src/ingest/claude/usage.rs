//! Cumulative tokens and cost: [`UsageMeter`].
//!
//! Usage arrives per API message, and more than once for the same message: each content
//! block of a message is its own `assistant` line repeating the message's usage, and a stream
//! reports it at `message_start` and again, final, at `message_delta`. So the meter keeps the
//! latest report of each recent message by id and sums them, rather than adding every report.
//! The `result` line reports the run's totals and its cost; they are authoritative where they
//! are larger (the per-message output counts of a transcript are taken at the start of each
//! message and undercount). Totals never go down.

use std::collections::VecDeque;

use agentcast_shared::UsageUpdated;

use super::messages::{Usage, count};

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

/// Per-session usage; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct UsageMeter {
    /// Messages folded out of `open`, and reports without a message id.
    base: Tokens,
    /// The latest report of each recent message, newest last.
    open: VecDeque<(String, Tokens)>,
    /// The largest totals a `result` reported.
    floor: Tokens,
    cost_usd: f64,
    model: Option<String>,
    last: Option<UsageUpdated>,
}

impl UsageMeter {
    /// The usage of a message (`id`), replacing what was reported for it before.
    pub(crate) fn message(&mut self, id: Option<&str>, model: Option<&str>, usage: &Usage) {
        // `<synthetic>` marks a message the CLI wrote itself (an API error), not a model.
        if let Some(model) = model.filter(|m| !m.is_empty() && *m != "<synthetic>")
            && self.model.as_deref() != Some(model)
        {
            self.model = Some(model.to_owned());
        }
        let Some(id) = id else {
            self.base = self.base.plus(Tokens::default().updated(usage));
            return;
        };
        if let Some(pos) = self.open.iter().rposition(|(open, _)| open == id) {
            let tokens = &mut self.open[pos].1;
            *tokens = tokens.updated(usage);
            return;
        }
        if self.open.len() >= OPEN_MESSAGES
            && let Some((_, tokens)) = self.open.pop_front()
        {
            self.base = self.base.plus(tokens);
        }
        self.open
            .push_back((id.to_owned(), Tokens::default().updated(usage)));
    }

    /// The totals and cost a `result` reported.
    pub(crate) fn result(&mut self, usage: Option<&Usage>, cost_usd: Option<f64>) {
        if let Some(usage) = usage {
            self.floor = self.floor.max(Tokens::default().updated(usage));
        }
        if let Some(cost) = cost_usd.filter(|c| c.is_finite() && *c >= 0.0) {
            self.cost_usd = self.cost_usd.max(cost);
        }
    }

    /// The model to report until a message names one (the model `system/init` announced).
    pub(crate) fn default_model(&mut self, model: &str) {
        if self.model.is_none() && !model.is_empty() {
            self.model = Some(model.to_owned());
        }
    }

    /// The `usage.updated` to emit, when anything changed since the last one.
    pub(crate) fn changed(&mut self) -> Option<UsageUpdated> {
        let totals = self
            .open
            .iter()
            .fold(self.base, |sum, (_, tokens)| sum.plus(*tokens))
            .max(self.floor);
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
                && last.total_cost_usd == self.cost_usd
                && last.model == self.model;
            if unchanged {
                return None;
            }
        } else if totals == Tokens::default() && self.cost_usd == 0.0 {
            return None;
        }
        let next = UsageUpdated {
            model: self.model.clone(),
            input_tokens: totals.input,
            output_tokens: totals.output,
            cache_read_tokens: totals.cache_read,
            cache_creation_tokens: totals.cache_creation,
            total_cost_usd: self.cost_usd,
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

    #[test]
    fn nothing_to_report_is_not_reported() {
        let mut meter = UsageMeter::default();
        meter.default_model("opus");
        assert_eq!(meter.changed(), None);
    }
}
