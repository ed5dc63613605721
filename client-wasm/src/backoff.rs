//! The reconnect schedule: exponential backoff with jitter. Pure arithmetic plus a tiny
//! random generator, so the schedule is tested exactly.

use std::time::Duration;

/// How the client reconnects after losing the connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectConfig {
    /// Reconnect at all; when false, a lost connection ends in `Disconnected`.
    pub enabled: bool,
    /// The delay before the first attempt (default 500 ms).
    pub initial_delay: Duration,
    /// Each further attempt waits this many times longer (default 2).
    pub factor: f64,
    /// The longest delay (default 10 s).
    pub max_delay: Duration,
    /// Randomisation: a delay `d` becomes a value in `[d * (1 - jitter), d * (1 + jitter)]`,
    /// capped at `max_delay`, so clients spread out after a server restart (default 0.5).
    pub jitter: f64,
    /// Give up after this many attempts in a row; `None` retries forever (the default).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            enabled: true,
            initial_delay: Duration::from_millis(500),
            factor: 2.0,
            max_delay: Duration::from_secs(10),
            jitter: 0.5,
            max_attempts: None,
        }
    }
}

impl ReconnectConfig {
    /// The delay before attempt `attempt` (1-based) without jitter:
    /// `min(initial * factor^(attempt-1), max)`.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let millis = self.initial_delay.as_millis() as f64 * self.factor.max(1.0).powi(exponent);
        let max = self.max_delay.as_millis() as f64;
        Duration::from_millis(millis.min(max).max(0.0) as u64)
    }

    /// True when attempt `attempt` (1-based) is allowed.
    pub fn allows(&self, attempt: u32) -> bool {
        self.enabled && self.max_attempts.is_none_or(|max| attempt <= max)
    }
}

/// The state of a reconnect sequence: its attempt count and its random generator.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    config: ReconnectConfig,
    attempt: u32,
    rng: XorShift,
}

impl Backoff {
    pub(crate) fn new(config: ReconnectConfig, seed: u64) -> Self {
        Backoff {
            config,
            attempt: 0,
            rng: XorShift::new(seed),
        }
    }

    /// The next attempt number and its delay, or `None` when attempts are exhausted.
    pub(crate) fn next(&mut self) -> Option<(u32, Duration)> {
        let attempt = self.attempt.saturating_add(1);
        if !self.config.allows(attempt) {
            return None;
        }
        self.attempt = attempt;
        let base = self.config.base_delay(attempt).as_millis() as f64;
        let jitter = self.config.jitter.clamp(0.0, 1.0);
        // A uniform factor in [1 - jitter, 1 + jitter].
        let factor = 1.0 - jitter + 2.0 * jitter * self.rng.next_unit();
        let max = self.config.max_delay.as_millis() as f64;
        Some((
            attempt,
            Duration::from_millis((base * factor).min(max) as u64),
        ))
    }

    /// A connection succeeded: the next loss starts again from the initial delay.
    pub(crate) fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// xorshift64*: enough randomness to spread reconnects, no dependency, runs in wasm.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // Zero is the one state xorshift never leaves.
        XorShift(seed.max(1))
    }

    /// A value in [0, 1).
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn the_default_schedule_doubles_from_500ms_up_to_10s() {
        let config = ReconnectConfig::default();
        let delays: Vec<_> = (1..=8).map(|a| config.base_delay(a)).collect();
        assert_eq!(
            delays,
            [
                ms(500),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                ms(10_000),
                ms(10_000),
                ms(10_000)
            ]
        );
        assert_eq!(config.base_delay(u32::MAX), ms(10_000));
    }

    #[test]
    fn without_jitter_the_delays_are_exact() {
        let config = ReconnectConfig {
            jitter: 0.0,
            initial_delay: ms(100),
            factor: 3.0,
            max_delay: ms(2000),
            ..Default::default()
        };
        let mut backoff = Backoff::new(config, 7);
        let got: Vec<_> = std::iter::from_fn(|| backoff.next()).take(5).collect();
        assert_eq!(
            got,
            [
                (1, ms(100)),
                (2, ms(300)),
                (3, ms(900)),
                (4, ms(2000)),
                (5, ms(2000))
            ]
        );
    }

    #[test]
    fn jitter_stays_within_its_band_and_under_the_cap() {
        let mut backoff = Backoff::new(ReconnectConfig::default(), 42);
        let mut distinct = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let (attempt, delay) = backoff.next().unwrap();
            let base = ReconnectConfig::default().base_delay(attempt);
            assert!(delay >= base / 2, "{attempt}: {delay:?} < {base:?}/2");
            assert!(
                delay <= (base * 3 / 2).min(ms(10_000)),
                "{attempt}: {delay:?}"
            );
            distinct.insert(delay);
        }
        assert!(distinct.len() > 10, "jitter varies: {distinct:?}");
    }

    #[test]
    fn a_set_number_of_attempts_then_none_until_reset() {
        let config = ReconnectConfig {
            max_attempts: Some(2),
            ..Default::default()
        };
        let mut backoff = Backoff::new(config, 1);
        assert_eq!(backoff.next().map(|n| n.0), Some(1));
        assert_eq!(backoff.next().map(|n| n.0), Some(2));
        assert_eq!(backoff.next(), None);
        backoff.reset();
        assert_eq!(backoff.next().map(|n| n.0), Some(1));
    }

    #[test]
    fn disabled_never_retries() {
        let config = ReconnectConfig {
            enabled: false,
            ..Default::default()
        };
        assert_eq!(Backoff::new(config, 1).next(), None);
    }
}
