//! Tokens of a Codex session: [`TokenMeter`]. `token_count` events carry the session's running
//! totals (`total_token_usage`, which survive a resume in the same file), so the meter reports
//! them as they are rather than adding anything up, and never lets a total go down. It also
//! remembers the totals at the start of each turn, for what the turn alone used.
//!
//! The Responses API counts cached input inside `input_tokens` and reasoning inside
//! `output_tokens`; `usage.updated` counts input without cache reads, so cached tokens are
//! taken out of the input. No price is known for OpenAI models (agentcast keeps no price
//! table, and a rollout reports no cost), so the cost stays 0.

use agentcast_shared::UsageUpdated;

use super::entries::TokenUsage;
use crate::ingest::claude::messages::count;
use crate::ingest::claude::usage::Tokens;

/// The counts of a report, as `usage.updated` counts them.
fn tokens_of(usage: &TokenUsage) -> Tokens {
    let input = count(usage.input_tokens).unwrap_or(0);
    let cache_read = count(usage.cached_input_tokens).unwrap_or(0);
    Tokens {
        input: input.saturating_sub(cache_read),
        output: count(usage.output_tokens).unwrap_or(0),
        cache_read,
        cache_creation: count(usage.cache_write_input_tokens).unwrap_or(0),
    }
}

/// What was used from `before` to `after`.
fn used_since(after: Tokens, before: Tokens) -> Tokens {
    Tokens {
        input: after.input.saturating_sub(before.input),
        output: after.output.saturating_sub(before.output),
        cache_read: after.cache_read.saturating_sub(before.cache_read),
        cache_creation: after.cache_creation.saturating_sub(before.cache_creation),
    }
}

/// Per-session totals; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct TokenMeter {
    totals: Tokens,
    /// The totals when the current turn started.
    turn_start: Tokens,
    model: Option<String>,
    /// What the last `usage.updated` said, to emit only changes.
    last: Option<(Tokens, Option<String>)>,
}

impl TokenMeter {
    /// The model of the turns from now on (a `turn_context`).
    pub(crate) fn model(&mut self, model: &str) {
        if !model.is_empty() && self.model.as_deref() != Some(model) {
            self.model = Some(model.to_owned());
        }
    }

    /// A turn starts: what it uses is counted from here.
    pub(crate) fn turn_started(&mut self) {
        self.turn_start = self.totals;
    }

    /// What the current turn used so far.
    pub(crate) fn turn(&self) -> Tokens {
        used_since(self.totals, self.turn_start)
    }

    /// A `token_count`'s session totals: the `usage.updated` to emit, when anything changed.
    pub(crate) fn totals(&mut self, usage: &TokenUsage) -> Option<UsageUpdated> {
        self.totals = self.totals.max(tokens_of(usage));
        let now = (self.totals, self.model.clone());
        if self.last.as_ref() == Some(&now) || (self.last.is_none() && now.0 == Tokens::default()) {
            return None;
        }
        self.last = Some(now);
        Some(UsageUpdated {
            model: self.model.clone(),
            input_tokens: self.totals.input,
            output_tokens: self.totals.output,
            cache_read_tokens: self.totals.cache_read,
            cache_creation_tokens: self.totals.cache_creation,
            total_cost_usd: 0.0,
            message_cost_usd: None,
        })
    }
}

/// What a turn used, for people: `240 input tokens (80 cached), 24 output`.
pub(crate) fn describe(tokens: Tokens) -> String {
    let input = tokens.input + tokens.cache_read;
    if tokens.cache_read > 0 {
        format!(
            "{input} input tokens ({} cached), {} output",
            tokens.cache_read, tokens.output
        )
    } else {
        format!("{input} input tokens, {} output", tokens.output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, cached: u64, output: u64) -> TokenUsage {
        TokenUsage {
            input_tokens: Some(input as f64),
            cached_input_tokens: Some(cached as f64),
            cache_write_input_tokens: None,
            output_tokens: Some(output as f64),
        }
    }

    #[test]
    fn totals_are_reported_as_given_without_cached_input_and_never_go_down() {
        let mut meter = TokenMeter::default();
        meter.model("gpt-5");
        let first = meter.totals(&usage(120, 40, 12)).unwrap();
        assert_eq!(
            (
                first.input_tokens,
                first.cache_read_tokens,
                first.output_tokens
            ),
            (80, 40, 12)
        );
        assert_eq!(first.model.as_deref(), Some("gpt-5"));
        assert_eq!(first.total_cost_usd, 0.0);
        assert_eq!(meter.totals(&usage(120, 40, 12)), None, "unchanged");
        assert_eq!(meter.totals(&usage(100, 40, 5)), None, "never down");
        assert_eq!(meter.totals(&usage(240, 80, 24)).unwrap().input_tokens, 160);
    }

    #[test]
    fn a_turn_is_what_was_used_since_it_started() {
        let mut meter = TokenMeter::default();
        meter.totals(&usage(100, 0, 10));
        meter.turn_started();
        meter.totals(&usage(250, 50, 30));
        let turn = meter.turn();
        assert_eq!((turn.input, turn.cache_read, turn.output), (100, 50, 20));
        assert_eq!(describe(turn), "150 input tokens (50 cached), 20 output");
        assert_eq!(
            describe(Tokens {
                input: 3,
                output: 1,
                ..Tokens::default()
            }),
            "3 input tokens, 1 output"
        );
    }

    #[test]
    fn nothing_to_report_is_not_reported() {
        let mut meter = TokenMeter::default();
        assert_eq!(meter.totals(&TokenUsage::default()), None);
    }
}
