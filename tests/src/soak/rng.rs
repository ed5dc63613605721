//! When each soak client reconnects: a small seeded generator, so a run's pattern of
//! reconnects can be repeated and no dependency is needed for one number per reconnect.

use std::time::Duration;

/// splitmix64 (Steele, Lea and Flood): fast, and good enough to spread reconnects.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, 2 x `mean`): on average `mean`, and the clients' first reconnects spread
    /// over the whole interval instead of arriving together.
    pub(crate) fn around(&mut self, mean: Duration) -> Duration {
        mean.mul_f64(2.0 * self.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_delays_average_the_mean_and_stay_in_range() {
        let mut rng = Rng::new(7);
        let mean = Duration::from_secs(10);
        let delays: Vec<Duration> = (0..10_000).map(|_| rng.around(mean)).collect();
        assert!(delays.iter().all(|d| *d < 2 * mean));
        let avg = delays.iter().sum::<Duration>().as_secs_f64() / delays.len() as f64;
        assert!((avg - 10.0).abs() < 0.5, "average {avg}");
    }

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let (mut a, mut b) = (Rng::new(1), Rng::new(1));
        let mean = Duration::from_secs(1);
        assert_eq!(a.around(mean), b.around(mean));
        assert_ne!(Rng::new(2).around(mean), Rng::new(3).around(mean));
    }
}
