//! Statistics for the barometer: proportions with their confidence interval,
//! medians, quartiles and histograms.
//!
//! A barometer headline such as "3% of the top 100 sites offer a refuse
//! button on the first layer" is a proportion measured on a small sample.
//! Every proportion we publish therefore carries its 95% interval, so that a
//! reader can tell a real change between two campaigns from noise.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The 0.975 quantile of the standard normal distribution: a two-sided 95%
/// interval.
const Z95: f64 = 1.959964;

/// A share of sites: count out of total, with its 95% Wilson score interval,
/// in percent.
///
/// # Why the Wilson interval
///
/// The textbook interval, `p ± z·√(p(1−p)/n)` (the normal or "Wald"
/// approximation), breaks down exactly where the barometer's headline
/// figures sit. With n = 100:
/// - at 0% or 100% its width is zero, claiming certainty from a sample of a
///   hundred sites;
/// - at 3% it gives [−0.3%, 6.3%], a negative lower bound, and it is too
///   narrow: its real coverage is far below the 95% it announces.
///
/// The Wilson score interval inverts the score test instead. It never leaves
/// [0%, 100%], is not degenerate at the extremes (0/100 gives [0%, 3.7%]),
/// is asymmetric near the bounds as the sampling distribution is, and keeps
/// close to its nominal coverage for small n and extreme proportions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Proportion {
    pub count: u64,
    pub total: u64,
    /// `count / total`, in percent.
    pub percent: f64,
    /// Lower bound of the 95% Wilson interval, in percent.
    pub low: f64,
    /// Upper bound of the 95% Wilson interval, in percent.
    pub high: f64,
}

impl Proportion {
    /// The proportion `count / total`; `None` when `total` is zero.
    ///
    /// A `count` above `total` is a bug in the caller: it fails in debug
    /// builds and is clamped to `total` in release builds.
    pub fn new(count: u64, total: u64) -> Option<Proportion> {
        if total == 0 {
            return None;
        }
        debug_assert!(count <= total, "count {count} > total {total}");
        let count = count.min(total);
        let n = total as f64;
        let p = count as f64 / n;
        let z2 = Z95 * Z95;
        let denominator = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denominator;
        let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        // The bounds are exact at the extremes; rounding must not move them.
        let low = if count == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        };
        let high = if count == total {
            1.0
        } else {
            (centre + half).min(1.0)
        };
        Some(Proportion {
            count,
            total,
            percent: p * 100.0,
            low: low * 100.0,
            high: high * 100.0,
        })
    }
}

/// Median of values (sorted internally; NaN-free input), `None` if empty.
/// With an even number of values, the mean of the two middle values.
pub fn median(values: &[f64]) -> Option<f64> {
    let sorted = sorted(values);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// A summary of a set of values: extremes, quartiles and mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Distribution {
    pub n: u64,
    pub min: f64,
    /// First quartile.
    pub p25: f64,
    pub median: f64,
    /// Third quartile.
    pub p75: f64,
    pub max: f64,
    pub mean: f64,
}

impl Distribution {
    /// Summarise `values` (NaN-free), `None` if empty.
    ///
    /// Quartiles interpolate linearly between the closest ranks (Hyndman and
    /// Fan's type 7, the default of R and numpy), so the median here equals
    /// [`median`].
    pub fn of(values: &[f64]) -> Option<Distribution> {
        let sorted = sorted(values);
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        Some(Distribution {
            n: sorted.len() as u64,
            min,
            p25: quantile_sorted(&sorted, 0.25),
            median: quantile_sorted(&sorted, 0.5),
            p75: quantile_sorted(&sorted, 0.75),
            max,
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        })
    }
}

/// Histogram counts: one count per bucket `[edges[i], edges[i+1])`, the last
/// bucket closed (`[.., edges[last]]`).
///
/// `edges` must be increasing. Values outside `[edges[0], edges[last]]`, and
/// NaN, are not counted. Fewer than two edges give no bucket.
pub fn histogram(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let buckets = edges.len().saturating_sub(1);
    let mut counts = vec![0u64; buckets];
    if buckets == 0 {
        return counts;
    }
    debug_assert!(
        edges.windows(2).all(|w| w[0] < w[1]),
        "histogram edges must increase"
    );
    let (first, last) = (edges[0], edges[buckets]);
    for &v in values {
        if !(first..=last).contains(&v) {
            continue;
        }
        // Number of edges <= v, at least 1 since edges[0] <= v.
        let i = edges.partition_point(|&e| e <= v);
        counts[(i - 1).min(buckets - 1)] += 1;
    }
    counts
}

fn sorted(values: &[f64]) -> Vec<f64> {
    debug_assert!(values.iter().all(|v| !v.is_nan()), "NaN in statistics");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Type-7 quantile of non-empty sorted values.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let below = h.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (h - below as f64) * (sorted[above] - sorted[below])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not {expected} ± {tolerance}"
        );
    }

    #[test]
    fn wilson_three_percent() {
        let p = Proportion::new(3, 100).unwrap();
        close(p.percent, 3.0, 1e-9);
        close(p.low, 1.03, 0.01);
        close(p.high, 8.45, 0.01);
    }

    #[test]
    fn wilson_zero() {
        let p = Proportion::new(0, 100).unwrap();
        assert_eq!(p.low, 0.0);
        close(p.high, 3.70, 0.01);
    }

    #[test]
    fn wilson_fourteen_percent() {
        // The upper bound is 22.14%, not 22.20%: the latter, sometimes
        // quoted, matches no standard interval (Clopper-Pearson gives 22.37%,
        // Wilson with continuity correction 22.71%).
        let p = Proportion::new(14, 100).unwrap();
        close(p.low, 8.53, 0.01);
        close(p.high, 22.14, 0.01);
    }

    #[test]
    fn wilson_all() {
        let p = Proportion::new(100, 100).unwrap();
        assert_eq!(p.high, 100.0);
        close(p.low, 96.30, 0.01);
        assert_eq!(p.percent, 100.0);
    }

    #[test]
    fn wilson_is_within_bounds_and_contains_the_estimate() {
        for total in [1, 2, 7, 30, 100, 1000] {
            for count in 0..=total {
                let p = Proportion::new(count, total).unwrap();
                assert!(0.0 <= p.low && p.low <= p.percent, "{p:?}");
                assert!(p.percent <= p.high && p.high <= 100.0, "{p:?}");
            }
        }
    }

    #[test]
    fn empty_proportion() {
        assert_eq!(Proportion::new(0, 0), None);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn quartiles() {
        let d = Distribution::of(&[4.0, 2.0, 1.0, 3.0]).unwrap();
        assert_eq!(d.n, 4);
        assert_eq!(d.min, 1.0);
        close(d.p25, 1.75, 1e-12);
        close(d.median, 2.5, 1e-12);
        close(d.p75, 3.25, 1e-12);
        assert_eq!(d.max, 4.0);
        close(d.mean, 2.5, 1e-12);
        assert_eq!(Distribution::of(&[]), None);
        let one = Distribution::of(&[7.0]).unwrap();
        assert_eq!(
            (one.min, one.p25, one.median, one.p75),
            (7.0, 7.0, 7.0, 7.0)
        );
    }

    #[test]
    fn quartiles_match_r() {
        // R: quantile(c(0, 10, 20, 30, 40, 100), c(.25, .5, .75))
        // gives 12.5, 25, 37.5.
        let d = Distribution::of(&[100.0, 0.0, 10.0, 20.0, 30.0, 40.0]).unwrap();
        close(d.p25, 12.5, 1e-12);
        close(d.median, 25.0, 1e-12);
        close(d.p75, 37.5, 1e-12);
    }

    #[test]
    fn histograms() {
        let edges = [0.0, 10.0, 20.0, 30.0];
        let values = [0.0, 5.0, 9.99, 10.0, 25.0, 30.0, -1.0, 30.1, f64::NAN];
        assert_eq!(histogram(&values, &edges), vec![3, 1, 2]);
        assert!(histogram(&values, &[0.0]).is_empty());
        assert!(histogram(&values, &[]).is_empty());
        assert_eq!(histogram(&[], &edges), vec![0, 0, 0]);
    }

    #[test]
    fn proportion_serialises() {
        let p = Proportion::new(3, 100).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        let back: Proportion = serde_json::from_str(&json).unwrap();
        assert_eq!(p, back);
    }
}
