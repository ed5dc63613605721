//! [`MessageBudget`]: the token bucket of one socket's incoming messages.

use std::sync::atomic::{AtomicU32, Ordering};

use governor::RateLimiter;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};

/// What to do with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the budget.
    Allow,
    /// Over it: answer `rate_limited`. `first` is true for the first refusal of a run (the
    /// one worth logging).
    Refuse { first: bool },
    /// Over it for a further second's worth of messages: disconnect the socket. Given once
    /// per run of refusals; the messages after it are refused while the socket goes.
    Disconnect,
}

/// A socket's budget: `rate` messages per second, bursts of twice that. The clock is a
/// parameter so the tests can stop time.
pub struct MessageBudget<C: Clock = DefaultClock> {
    rate: u32,
    limiter: RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
    /// Refusals since the last message allowed.
    refused_in_a_row: AtomicU32,
}

impl MessageBudget {
    pub fn new(rate: u32) -> Self {
        Self::with_clock(rate, DefaultClock::default())
    }
}

impl<C: Clock> MessageBudget<C> {
    pub fn with_clock(rate: u32, clock: C) -> Self {
        MessageBudget {
            rate,
            limiter: RateLimiter::direct_with_clock(super::quota(rate), clock),
            refused_in_a_row: AtomicU32::new(0),
        }
    }

    /// The limit, messages per second.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Takes one message from the budget.
    pub fn take(&self) -> Verdict {
        if self.limiter.check().is_ok() {
            self.refused_in_a_row.store(0, Ordering::Relaxed);
            return Verdict::Allow;
        }
        let refused = self.refused_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if refused == self.rate.saturating_add(1) {
            Verdict::Disconnect
        } else {
            Verdict::Refuse {
                first: refused == 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_burst_passes_then_refusals_then_a_disconnect() {
        let clock = FakeRelativeClock::default();
        let budget = MessageBudget::with_clock(5, clock.clone());
        // Burst: twice the rate.
        for _ in 0..10 {
            assert_eq!(budget.take(), Verdict::Allow);
        }
        assert_eq!(budget.take(), Verdict::Refuse { first: true });
        for _ in 0..4 {
            assert_eq!(budget.take(), Verdict::Refuse { first: false });
        }
        // A further second's worth (5) refused: the next is a disconnect, once.
        assert_eq!(budget.take(), Verdict::Disconnect);
        assert_eq!(budget.take(), Verdict::Refuse { first: false });
    }

    #[test]
    fn time_refills_the_budget_and_clears_the_run_of_refusals() {
        let clock = FakeRelativeClock::default();
        let budget = MessageBudget::with_clock(5, clock.clone());
        for _ in 0..10 {
            budget.take();
        }
        assert_eq!(budget.take(), Verdict::Refuse { first: true });
        clock.advance(Duration::from_millis(200)); // one message's worth
        assert_eq!(budget.take(), Verdict::Allow);
        assert_eq!(budget.take(), Verdict::Refuse { first: true });
    }
}
