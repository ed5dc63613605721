//! The server's RSS over the soak, and whether it stays flat once warmed up.

use serde::{Deserialize, Serialize};

/// One reading of the server, every few seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since the clients started connecting.
    pub t_s: f64,
    pub rss_kb: u64,
    pub fds: u64,
    pub threads: u64,
    /// Soak clients connected at that moment.
    pub connected: u64,
}

/// The RSS series after warm-up, summed up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RssSummary {
    /// Where warm-up ended (seconds since the clients started connecting).
    pub warmup_end_s: f64,
    /// Samples after warm-up.
    pub samples: usize,
    pub min_kb: u64,
    pub max_kb: u64,
    /// (max - min) / min, in percent.
    pub range_pct: f64,
    /// The trend: the mean of the last third of the samples against the mean of the first
    /// third, in percent (positive: growing). Thirds, not single samples, so one reading
    /// taken during a burst of reconnects does not decide it.
    pub drift_pct: f64,
}

impl RssSummary {
    /// The summary of `samples` taken after `warmup_end_s`; `None` with fewer than 3.
    pub fn of(samples: &[Sample], warmup_end_s: f64) -> Option<Self> {
        let rss: Vec<f64> = samples
            .iter()
            .filter(|s| s.t_s >= warmup_end_s)
            .map(|s| s.rss_kb as f64)
            .collect();
        if rss.len() < 3 {
            return None;
        }
        let third = rss.len() / 3;
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        let (first, last) = (mean(&rss[..third]), mean(&rss[rss.len() - third..]));
        let min = rss.iter().copied().fold(f64::INFINITY, f64::min);
        let max = rss.iter().copied().fold(0.0, f64::max);
        Some(Self {
            warmup_end_s,
            samples: rss.len(),
            min_kb: min as u64,
            max_kb: max as u64,
            range_pct: percent(max - min, min),
            drift_pct: percent(last - first, first),
        })
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rss: &[u64]) -> Vec<Sample> {
        rss.iter()
            .enumerate()
            .map(|(i, &rss_kb)| Sample {
                t_s: i as f64 * 5.0,
                rss_kb,
                fds: 0,
                threads: 0,
                connected: 0,
            })
            .collect()
    }

    #[test]
    fn warm_up_is_left_out() {
        // Growing while clients connect, then flat.
        let s = RssSummary::of(&series(&[10, 50, 100, 100, 101, 100, 100, 101]), 10.0).unwrap();
        assert_eq!((s.samples, s.min_kb, s.max_kb), (6, 100, 101));
        assert!((s.range_pct - 1.0).abs() < 1e-9);
        assert!(s.drift_pct.abs() < 1.0);
    }

    #[test]
    fn a_steady_growth_is_drift() {
        let s = RssSummary::of(&series(&[100, 102, 104, 106, 108, 110]), 0.0).unwrap();
        // First third 100, 102 (mean 101); last third 108, 110 (mean 109).
        assert!((s.drift_pct - 800.0 / 101.0).abs() < 1e-9);
        assert!((s.range_pct - 10.0).abs() < 1e-9);
    }

    #[test]
    fn too_few_samples_give_no_summary() {
        assert_eq!(RssSummary::of(&series(&[1, 2, 3, 4]), 10.0), None);
        assert_eq!(RssSummary::of(&[], 0.0), None);
    }
}
