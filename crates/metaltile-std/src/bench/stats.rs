//! Summary statistics of repeated timings: median, fastest and 90th percentile.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a set of timed runs is reported as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// The middle run (the mean of the two middle runs for an even count): robust to the
    /// occasional slow run that a mean would absorb.
    pub median_us: f64,
    /// The fastest run.
    pub min_us: f64,
    /// The 90th percentile by nearest rank: how bad the slow tail is.
    pub p90_us: f64,
    /// How many runs went in.
    pub runs: usize,
}

impl Stats {
    /// The statistics of `times`; `None` when there are none.
    pub fn of(times: &[Duration]) -> Option<Stats> {
        let mut us: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e6).collect();
        Stats::of_us(&mut us)
    }

    /// The statistics of times given in µs (sorted in place).
    pub fn of_us(us: &mut [f64]) -> Option<Stats> {
        if us.is_empty() {
            return None;
        }
        us.sort_by(f64::total_cmp);
        let n = us.len();
        let median = if n % 2 == 1 { us[n / 2] } else { (us[n / 2 - 1] + us[n / 2]) / 2.0 };
        // Nearest rank: the smallest value with at least 90% of the runs at or below it.
        let rank = (n * 9).div_ceil(10).max(1);
        Some(Stats { median_us: median, min_us: us[0], p90_us: us[rank - 1], runs: n })
    }
}

/// `bytes` moved in `us` microseconds, in GB/s (10^9 bytes per second); 0 for a zero time.
pub fn gbps(bytes: u64, us: f64) -> f64 {
    if us > 0.0 && us.is_finite() {
        bytes as f64 / (us * 1e-6) / 1e9
    } else {
        0.0
    }
}

/// The geometric mean of the positive, finite values (others are left out); `None` when
/// none is left.
pub fn geomean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) =
        values.into_iter().filter(|v| *v > 0.0 && v.is_finite()).fold((0.0, 0usize), |(s, n), v| (s + v.ln(), n + 1));
    (n > 0).then(|| (sum / n as f64).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&x| Duration::from_micros(x)).collect()
    }

    #[test]
    fn odd_and_even_counts() {
        let s = Stats::of(&us(&[5, 1, 3])).unwrap();
        assert_eq!((s.median_us, s.min_us, s.p90_us, s.runs), (3.0, 1.0, 5.0, 3));
        let s = Stats::of(&us(&[4, 1, 3, 2])).unwrap();
        assert_eq!((s.median_us, s.min_us), (2.5, 1.0));
        assert!(Stats::of(&[]).is_none());
    }

    #[test]
    fn p90_is_the_nearest_rank() {
        // 1..=100: the 90th value is 90; 1..=10: the 9th is 9; one run: itself.
        let hundred: Vec<u64> = (1..=100).rev().collect();
        assert_eq!(Stats::of(&us(&hundred)).unwrap().p90_us, 90.0);
        let ten: Vec<u64> = (1..=10).collect();
        assert_eq!(Stats::of(&us(&ten)).unwrap().p90_us, 9.0);
        assert_eq!(Stats::of(&us(&[7])).unwrap().p90_us, 7.0);
    }

    #[test]
    fn bandwidth_and_geomean() {
        assert!((gbps(2_000_000_000, 1e6) - 2.0).abs() < 1e-12);
        assert_eq!(gbps(10, 0.0), 0.0);
        assert!((geomean([2.0, 8.0]).unwrap() - 4.0).abs() < 1e-12);
        assert!((geomean([1.0, 10.0, 100.0, 0.0, f64::NAN, -1.0]).unwrap() - 10.0).abs() < 1e-9);
        assert!(geomean([0.0, f64::INFINITY]).is_none());
        assert!(geomean(std::iter::empty()).is_none());
    }
}
