//! 95% intervals for rates.
//!
//! Every proportion gets a Wilson score interval. With a weight column, weights are frequency
//! weights, so the interval's n is the weighted denominator (the number of cases it stands for).

use super::metrics::Fraction;

/// The 97.5% quantile of the standard normal distribution, for two-sided 95% intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval `[low, high]` within `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The Wilson score interval of `numerator / denominator` at 95%; `None` for an empty denominator.
///
/// Unlike the normal (Wald) interval it stays inside [0, 1] and is sensible for rates of 0 or 1
/// and small groups, which fairness audits meet all the time.
pub fn wilson(fraction: Fraction) -> Option<Interval> {
    let n = fraction.denominator;
    if n <= 0.0 {
        return None;
    }
    let p = (fraction.numerator / n).clamp(0.0, 1.0);
    let z2 = Z_95 * Z_95;
    let scale = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / scale;
    let half = Z_95 / scale * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn wilson_matches_published_values() {
        // statsmodels.stats.proportion.proportion_confint(81, 263, method="wilson")
        // = (0.2553, 0.3662) to 4 decimals (Agresti & Coull's textbook example).
        let i = wilson(Fraction {
            numerator: 81.0,
            denominator: 263.0,
        })
        .unwrap();
        assert!((i.low - 0.2553).abs() < 5e-5, "{i:?}");
        assert!((i.high - 0.3662).abs() < 5e-5, "{i:?}");
    }

    #[test]
    fn wilson_handles_zero_and_full_rates() {
        let zero = wilson(Fraction {
            numerator: 0.0,
            denominator: 10.0,
        })
        .unwrap();
        assert_eq!(zero.low, 0.0);
        // Upper bound z²/(n+z²) for p = 0.
        assert!(close(zero.high, Z_95 * Z_95 / (10.0 + Z_95 * Z_95)));
        let full = wilson(Fraction {
            numerator: 10.0,
            denominator: 10.0,
        })
        .unwrap();
        assert!(close(full.high, 1.0));
        assert!(close(full.low, 10.0 / (10.0 + Z_95 * Z_95)));
        assert_eq!(
            wilson(Fraction {
                numerator: 0.0,
                denominator: 0.0
            }),
            None
        );
    }
}
