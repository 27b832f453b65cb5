//! Convention profiles: how undefined values and cross-group summaries are computed, so that our
//! numbers can match each reference library exactly.
//!
//! | | empty denominator | difference | ratio | disparity vs reference |
//! |---|---|---|---|---|
//! | `native` | undefined | max − min of defined | min / max of defined | value / reference; x/0 undefined |
//! | `fairlearn` | 0 (scikit-learn) | max − min | min / max; 0/0 undefined | as native |
//! | `aequitas` | undefined | as native | as native | x/0 = 10, 0/0 undefined |

use serde::{Deserialize, Serialize};

use super::metrics::Fraction;

/// The value Aequitas substitutes for a disparity whose reference value is zero.
pub const AEQUITAS_DIVIDE_BY_ZERO_FILL: f64 = 10.0;

/// The four-fifths (τ) rule: a disparity passes when τ ≤ d ≤ 1/τ.
pub const PARITY_TAU: f64 = 0.8;

/// Which reference library's conventions numbers follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Convention {
    /// Fulcrum's own: anything with a zero denominator is undefined.
    #[default]
    Native,
    /// Fairlearn 0.15 with scikit-learn: rates with an empty denominator are 0.
    Fairlearn,
    /// Aequitas 1.1: empty denominators undefined; disparities x/0 = 10.
    Aequitas,
}

impl Convention {
    /// All profiles, for menus.
    pub const ALL: [Convention; 3] = [
        Convention::Native,
        Convention::Fairlearn,
        Convention::Aequitas,
    ];

    /// The name used on the command line and in files.
    pub fn key(self) -> &'static str {
        match self {
            Convention::Native => "native",
            Convention::Fairlearn => "fairlearn",
            Convention::Aequitas => "aequitas",
        }
    }

    /// The value of a fraction of counts under this convention.
    pub fn fraction_value(self, fraction: Fraction) -> Option<f64> {
        match (self, fraction.value()) {
            (_, Some(value)) => Some(value),
            (Convention::Fairlearn, None) => Some(0.0),
            (Convention::Native | Convention::Aequitas, None) => None,
        }
    }

    /// Balanced accuracy from the two recalls (each `None` when its class is absent).
    ///
    /// scikit-learn's `balanced_accuracy_score`, which Fairlearn uses, averages the recalls of the
    /// classes present; the other profiles need both.
    pub fn balanced_accuracy(self, tpr: Option<f64>, tnr: Option<f64>) -> Option<f64> {
        match (self, tpr, tnr) {
            (_, Some(tpr), Some(tnr)) => Some((tpr + tnr) / 2.0),
            (Convention::Fairlearn, Some(one), None) | (Convention::Fairlearn, None, Some(one)) => {
                Some(one)
            }
            _ => None,
        }
    }

    /// Largest minus smallest defined value across groups; `None` when no group has a value.
    pub fn difference(self, values: &[Option<f64>]) -> Option<f64> {
        let (min, max) = min_max(values)?;
        Some(max - min)
    }

    /// Smallest over largest defined value across groups; `None` when no group has a value or
    /// the largest is 0 (0/0).
    pub fn ratio(self, values: &[Option<f64>]) -> Option<f64> {
        let (min, max) = min_max(values)?;
        (max > 0.0).then(|| min / max)
    }

    /// Combines the TPR and FPR summaries into the equalized-odds one (`pick` is `max` for
    /// differences, `min` for ratios).
    ///
    /// Natively both must be defined. Fairlearn calls Python's `max(tpr, fpr)` / `min(tpr, fpr)`,
    /// where an undefined (NaN) first argument wins and an undefined second one is ignored.
    pub fn worst_of(
        self,
        tpr: Option<f64>,
        fpr: Option<f64>,
        pick: fn(f64, f64) -> f64,
    ) -> Option<f64> {
        match (self, tpr, fpr) {
            (_, Some(tpr), Some(fpr)) => Some(pick(tpr, fpr)),
            (Convention::Fairlearn, Some(tpr), None) => Some(tpr),
            _ => None,
        }
    }

    /// A group's value divided by the reference group's value.
    pub fn disparity(self, value: Option<f64>, reference: Option<f64>) -> Option<f64> {
        let (value, reference) = (value?, reference?);
        if reference != 0.0 {
            return Some(value / reference);
        }
        match self {
            Convention::Aequitas if value != 0.0 => Some(AEQUITAS_DIVIDE_BY_ZERO_FILL),
            _ => None,
        }
    }
}

/// Whether a disparity passes the τ rule (0.8 ≤ d ≤ 1.25).
pub fn passes_parity(disparity: f64) -> bool {
    (PARITY_TAU..=1.0 / PARITY_TAU).contains(&disparity)
}

/// Smallest and largest defined value.
fn min_max(values: &[Option<f64>]) -> Option<(f64, f64)> {
    values.iter().flatten().fold(None, |acc, &v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

impl std::fmt::Display for Convention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Convention {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Convention::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .ok_or_else(|| {
                format!("unknown convention `{s}` (expected native, fairlearn or aequitas)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_and_ratio_skip_undefined_groups() {
        let values = [Some(0.2), None, Some(0.5)];
        assert_eq!(Convention::Native.difference(&values), Some(0.3));
        assert_eq!(Convention::Native.ratio(&values), Some(0.4));
        assert_eq!(Convention::Native.difference(&[None, None]), None);
        assert_eq!(Convention::Fairlearn.ratio(&[Some(0.0), Some(0.0)]), None);
        assert_eq!(Convention::Native.ratio(&[Some(0.0), Some(0.5)]), Some(0.0));
    }

    #[test]
    fn aequitas_fills_division_by_zero_with_ten() {
        assert_eq!(
            Convention::Aequitas.disparity(Some(0.3), Some(0.0)),
            Some(10.0)
        );
        assert_eq!(Convention::Aequitas.disparity(Some(0.0), Some(0.0)), None);
        assert_eq!(Convention::Native.disparity(Some(0.3), Some(0.0)), None);
        assert_eq!(
            Convention::Native.disparity(Some(0.3), Some(0.6)),
            Some(0.5)
        );
        assert_eq!(Convention::Native.disparity(None, Some(0.6)), None);
    }

    #[test]
    fn the_parity_band_is_inclusive() {
        assert!(passes_parity(0.8));
        assert!(passes_parity(1.25));
        assert!(!passes_parity(0.799_999));
        assert!(!passes_parity(1.250_001));
    }
}
