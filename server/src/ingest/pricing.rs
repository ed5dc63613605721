//! The estimated cost of one Claude API message from its tokens: [`estimate`].
//!
//! Claude Code transcripts record each message's tokens but not its cost; 2.1.x adds the
//! session's total in `cost-state` entries, older CLIs nothing. Like ccusage, the mappers
//! price the tokens with a table of Anthropic's list prices. The result is an estimate, not
//! the bill: batch discounts, the 1-hour cache lifetime (2x input instead of the 5-minute
//! 1.25x), fast modes and regional surcharges are not modelled, and a model missing from the
//! table has no price (`None`), never a guessed one.
//!
//! Prices are US dollars per million tokens from Anthropic's published price list,
//! <https://platform.claude.com/docs/en/about-claude/pricing>, and the models' overview pages
//! (`.../docs/en/models/<model>/overview`), as read on 2026-12-07. They check out against the
//! CLI's own arithmetic: the `cost-state` of the Claude Code 2.1.328 fixtures
//! (`claude-opus-5-5`) equals this table's estimate. Update the table when Anthropic changes
//! a price or ships a model.

use crate::ingest::claude::usage::Tokens;

/// US dollars per million tokens of one kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Prices {
    pub input: f64,
    pub output: f64,
    /// A 5-minute prompt-cache write (1.25x input).
    pub cache_write: f64,
    /// A prompt-cache hit (0.1x input for most models; less for the 5.x generation).
    pub cache_read: f64,
}

/// A model's prices: one set, or a second set for the whole request when its prompt (input,
/// cache reads and writes) is longer than a threshold (Sonnet 4 and 4.5 past 200K tokens,
/// Haiku 5.5 past 100K).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Price {
    pub base: Prices,
    pub long_prompt: Option<(u64, Prices)>,
}

const fn flat(input: f64, output: f64, cache_write: f64, cache_read: f64) -> Price {
    Price {
        base: Prices {
            input,
            output,
            cache_write,
            cache_read,
        },
        long_prompt: None,
    }
}

const OPUS_4: Price = flat(15.0, 75.0, 18.75, 1.5);
const OPUS_4_5: Price = flat(5.0, 25.0, 6.25, 0.5);
const SONNET_3_5: Price = flat(3.0, 15.0, 3.75, 0.3);
const SONNET_4: Price = Price {
    long_prompt: Some((
        200_000,
        Prices {
            input: 6.0,
            output: 22.5,
            cache_write: 7.5,
            cache_read: 0.6,
        },
    )),
    ..SONNET_3_5
};
const FABLE_5: Price = flat(10.0, 50.0, 12.5, 1.0);
const FABLE_5_1: Price = flat(10.0, 50.0, 12.5, 0.25);

/// Model family id -> price. An id matches a family when it is the family's id followed by
/// nothing, a date, `-latest`, or a platform's suffix; see [`family_of`].
const TABLE: &[(&str, Price)] = &[
    ("claude-fable-5-1", FABLE_5_1),
    ("claude-mythos-5-1", FABLE_5_1),
    ("claude-fable-5", FABLE_5),
    ("claude-mythos-5", FABLE_5),
    ("claude-opus-5-5", flat(4.0, 20.0, 5.0, 0.2)),
    ("claude-opus-5", OPUS_4_5),
    ("claude-opus-4-8", OPUS_4_5),
    ("claude-opus-4-7", OPUS_4_5),
    ("claude-opus-4-6", OPUS_4_5),
    ("claude-opus-4-5", OPUS_4_5),
    ("claude-opus-4-1", OPUS_4),
    ("claude-opus-4-0", OPUS_4),
    ("claude-opus-4", OPUS_4),
    ("claude-3-opus", OPUS_4),
    // Sonnet 5.5's cache hits went from $0.20 to $0.10 on 2026-10-07 (the price change as
    // pricing tools reported it; an older copy of its overview page says $0.20).
    ("claude-sonnet-5-5", flat(2.0, 10.0, 2.5, 0.1)),
    ("claude-sonnet-5", flat(2.0, 10.0, 2.5, 0.2)),
    ("claude-sonnet-4-5", SONNET_4),
    ("claude-sonnet-4-0", SONNET_4),
    ("claude-sonnet-4", SONNET_4),
    ("claude-3-7-sonnet", SONNET_3_5),
    ("claude-3-5-sonnet", SONNET_3_5),
    // Retired before the price list above; its launch price (anthropic.com/news/claude-3-family)
    // with the usual cache multipliers. The 2025 fixture transcripts use it.
    ("claude-3-sonnet", SONNET_3_5),
    (
        "claude-haiku-5-5",
        Price {
            base: Prices {
                input: 0.1,
                output: 0.5,
                cache_write: 0.125,
                cache_read: 0.01,
            },
            long_prompt: Some((
                100_000,
                Prices {
                    input: 0.5,
                    output: 2.5,
                    cache_write: 0.625,
                    cache_read: 0.05,
                },
            )),
        },
    ),
    ("claude-haiku-4-5", flat(1.0, 5.0, 1.25, 0.1)),
    ("claude-3-5-haiku", flat(0.8, 4.0, 1.0, 0.08)),
    ("claude-3-haiku", flat(0.25, 1.25, 0.3, 0.03)),
];

/// The price of a model id (`claude-opus-4-5-20251101`, `claude-sonnet-4-5[1m]`, Bedrock's
/// `us.anthropic.claude-sonnet-4-20250514-v1:0`, Vertex's `claude-opus-4@20250514`); `None`
/// for a model the table does not name.
pub(crate) fn price_of(model: &str) -> Option<&'static Price> {
    let at = model.find("claude-")?;
    let id = &model[at..];
    TABLE
        .iter()
        .find(|(family, _)| family_of(id, family))
        .map(|(_, price)| price)
}

/// True when `id` is `family` itself or a dated / suffixed name of it, but not another
/// version (`claude-opus-4-8` is not `claude-opus-4`).
fn family_of(id: &str, family: &str) -> bool {
    let Some(rest) = id.strip_prefix(family) else {
        return false;
    };
    let Some(tail) = rest.strip_prefix('-') else {
        return rest.is_empty() || rest.starts_with(['[', '@', ':']);
    };
    let date = tail.len() >= 8 && tail.as_bytes()[..8].iter().all(u8::is_ascii_digit);
    date || tail.starts_with("latest") || tail.starts_with('v')
}

/// The estimated cost in US dollars of one message of `model` that used `tokens`; `None` for
/// a model without a price.
pub(crate) fn estimate(model: &str, tokens: Tokens) -> Option<f64> {
    let price = price_of(model)?;
    let prompt = tokens
        .input
        .saturating_add(tokens.cache_read)
        .saturating_add(tokens.cache_creation);
    let prices = match price.long_prompt {
        Some((above, long)) if prompt > above => long,
        _ => price.base,
    };
    let micro = tokens.input as f64 * prices.input
        + tokens.output as f64 * prices.output
        + tokens.cache_creation as f64 * prices.cache_write
        + tokens.cache_read as f64 * prices.cache_read;
    Some(micro / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(input: u64, output: u64, cache_read: u64, cache_creation: u64) -> Tokens {
        Tokens {
            input,
            output,
            cache_read,
            cache_creation,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn a_known_model_is_priced_by_hand() {
        // Sonnet 4: 1000 x $3 + 500 x $15 + 2000 x $0.30 + 100 x $3.75, per million.
        let cost = estimate("claude-sonnet-4-20250514", tokens(1000, 500, 2000, 100));
        assert!(
            close(cost, (3000.0 + 7500.0 + 600.0 + 375.0) / 1e6),
            "{cost:?}"
        );
        // Opus 4.5 is a third of Opus 4.
        let cost = estimate("claude-opus-4-5-20251101", tokens(1_000_000, 0, 0, 0));
        assert!(close(cost, 5.0), "{cost:?}");
        assert!(close(
            estimate("claude-opus-4-1", tokens(0, 1_000_000, 0, 0)),
            75.0
        ));
    }

    #[test]
    fn the_table_agrees_with_the_cli_cost_state() {
        // Claude Code 2.1.328's `cost-state` of the task fixture: 400 in, 168 out, 200 cache
        // reads, 40 cache writes of claude-opus-5-5 cost $0.0052.
        let cost = estimate("claude-opus-5-5", tokens(400, 168, 200, 40));
        assert!(close(cost, 0.0052), "{cost:?}");
    }

    #[test]
    fn a_long_prompt_is_priced_at_the_long_rate_for_the_whole_request() {
        let short = estimate("claude-sonnet-4-5[1m]", tokens(200_000, 1000, 0, 0));
        assert!(close(short, (600_000.0 + 15_000.0) / 1e6), "{short:?}");
        let long = estimate("claude-sonnet-4-5[1m]", tokens(1000, 1000, 200_000, 0));
        assert!(
            close(long, (6000.0 + 22_500.0 + 120_000.0) / 1e6),
            "{long:?}"
        );
    }

    #[test]
    fn ids_match_their_family_and_no_other() {
        let family = |id| price_of(id).map(|p| p.base.input);
        assert_eq!(family("claude-opus-4-20250514"), Some(15.0));
        assert_eq!(family("claude-opus-4@20250514"), Some(15.0));
        assert_eq!(
            family("us.anthropic.claude-opus-4-1-20250805-v1:0"),
            Some(15.0)
        );
        assert_eq!(family("claude-opus-4-8[1m]"), Some(5.0));
        assert_eq!(family("claude-3-5-haiku-latest"), Some(0.8));
        assert_eq!(family("claude-sonnet-4"), Some(3.0));
        assert_eq!(family("claude-opus-5-5"), Some(4.0));
        // A version the table does not know is not its older sibling.
        assert_eq!(family("claude-opus-4-9"), None);
        assert_eq!(family("claude-sonnet-4-55"), None);
        assert_eq!(family("claude-opus-6"), None);
    }

    #[test]
    fn an_unknown_model_has_no_price() {
        for model in [
            "gpt-5",
            "sonnet",
            "<synthetic>",
            "",
            "claude-",
            "claude-opus-9",
        ] {
            assert_eq!(estimate(model, tokens(10, 10, 10, 10)), None, "{model}");
        }
    }
}
