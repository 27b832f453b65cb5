//! Intervals for rates, and the normal distribution they need.
//!
//! Every proportion gets a Wilson score interval at the audit's confidence (95% unless asked). With a weight column, weights are frequency
//! weights, so the interval's n is the weighted denominator (the number of cases it stands for).

use super::metrics::Fraction;

/// The 97.5% quantile of the standard normal distribution, for two-sided 95% intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The confidence of every interval unless the user asks for another.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// A closed interval `[low, high]`: within `[0, 1]` for rates, any finite range for ratios.
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
    wilson_with_z(fraction, Z_95)
}

/// The Wilson score interval at a two-sided `confidence` (0.95 for 95%).
pub fn wilson_at(fraction: Fraction, confidence: f64) -> Option<Interval> {
    let z = if confidence == DEFAULT_CONFIDENCE {
        Z_95
    } else {
        normal_quantile(0.5 + confidence / 2.0)
    };
    wilson_with_z(fraction, z)
}

/// The Wilson score interval with the normal quantile `z` given (callers that need many intervals
/// at one confidence find it once).
pub fn wilson_with_z(fraction: Fraction, z: f64) -> Option<Interval> {
    let n = fraction.denominator;
    if n <= 0.0 || !z.is_finite() {
        return None;
    }
    let p = (fraction.numerator / n).clamp(0.0, 1.0);
    let z2 = z * z;
    let scale = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / scale;
    let half = z / scale * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

/// A confidence as people write it: `95%`, `99.5%` (rounded to 1e-9 so that 0.95 does not
/// print as 95.00000000000001%).
pub fn confidence_label(confidence: f64) -> String {
    let percent = (confidence * 100.0 * 1e9).round() / 1e9;
    format!("{percent}%")
}

/// The Student's t interval of the mean of `values` at a two-sided `confidence`: mean ± t·s/√n
/// with n − 1 degrees of freedom. `None` with fewer than two values (no spread to measure).
///
/// Used where a handful of values each summarize a whole part of the data (the folds of a
/// cross-validation), so a resampling interval has too few parts to resample.
pub fn mean_interval(values: &[f64], confidence: f64) -> Option<Interval> {
    use statrs::distribution::{ContinuousCDF as _, StudentsT};
    let n = values.len();
    if n < 2 || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    let count = n as f64;
    let mean = values.iter().sum::<f64>() / count;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let t = StudentsT::new(0.0, 1.0, count - 1.0)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let half = t * (variance / count).sqrt();
    half.is_finite().then_some(Interval {
        low: mean - half,
        high: mean + half,
    })
}

/// P(Z > z) for a standard normal Z, accurate to the last digits even far in the tail (it uses
/// `erfc`, not `1 − Φ`).
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile: the `z` with P(Z ≤ z) = `p`, for `p` in (0, 1); ±∞ at 0 and 1
/// and NaN outside.
///
/// Bisection to bracket, then Newton steps on the tail function; accurate to about 1e-14 for the
/// confidence levels users ask for (0.5 to 1 − 1e-12).
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p < 0.5 {
        return -normal_quantile(1.0 - p);
    }
    let tail = 1.0 - p;
    let (mut low, mut high) = (0.0_f64, 40.0_f64);
    for _ in 0..60 {
        let mid = 0.5 * (low + high);
        if normal_upper_tail(mid) > tail {
            low = mid;
        } else {
            high = mid;
        }
    }
    let mut z = 0.5 * (low + high);
    for _ in 0..3 {
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if density <= 0.0 {
            break;
        }
        z += (normal_upper_tail(z) - tail) / density;
    }
    z
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
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - Z_95).abs() < 1e-12);
        // scipy.stats.norm.ppf(0.95), ppf(0.995), ppf(1 - 1e-6).
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472_2).abs() < 1e-12);
        assert!((normal_quantile(0.995) - 2.575_829_303_548_900_4).abs() < 1e-12);
        assert!((normal_quantile(1.0 - 1e-6) - 4.753_424_308_822_899).abs() < 1e-9);
        assert!((normal_quantile(0.025) + Z_95).abs() < 1e-12);
        assert!(normal_quantile(0.5).abs() < 1e-15);
        assert!(normal_quantile(1.5).is_nan());
        // Python: 0.5 * math.erfc(3 / math.sqrt(2)) = 0.0013498980316300957.
        assert!((normal_upper_tail(3.0) - 0.001_349_898_031_630_095_7).abs() < 1e-17);
    }

    #[test]
    fn wilson_at_other_confidences_nests() {
        let f = Fraction {
            numerator: 81.0,
            denominator: 263.0,
        };
        let i90 = wilson_at(f, 0.90).unwrap();
        let i95 = wilson_at(f, 0.95).unwrap();
        let i99 = wilson_at(f, 0.99).unwrap();
        assert_eq!(Some(i95), wilson(f));
        assert!(i99.low < i95.low && i95.low < i90.low);
        assert!(i90.high < i95.high && i95.high < i99.high);
        // The Wilson formula by hand with z = 2.5758293035489 (Python's NormalDist): (0.240137, 0.385283).
        assert!((i99.low - 0.240_136_902_687_6).abs() < 1e-9, "{i99:?}");
        assert!((i99.high - 0.385_282_502_318_2).abs() < 1e-9, "{i99:?}");
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

    #[test]
    fn the_mean_interval_is_students_t() {
        // Five values with mean 3 and sample variance 2.5; t(0.975, 4) = 2.776445105.
        let interval = mean_interval(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
        let half = 2.776_445_105_197_8 * (2.5f64 / 5.0).sqrt();
        assert!((interval.low - (3.0 - half)).abs() < 1e-9, "{interval:?}");
        assert!((interval.high - (3.0 + half)).abs() < 1e-9, "{interval:?}");
        assert_eq!(mean_interval(&[1.0], 0.95), None);
        let flat = mean_interval(&[0.5, 0.5, 0.5], 0.9).unwrap();
        assert_eq!((flat.low, flat.high), (0.5, 0.5));
    }
}
