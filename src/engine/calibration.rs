//! Calibration by group: the expected calibration error (ECE) of each group's scores read as
//! probabilities, and its spread across groups.
//!
//! **Definition.** Scores are cut into bins; in bin `b`, `W_b` is the weight of its rows, `S_b`
//! their weighted score sum and `P_b` the weight of their positives. Then
//!
//! `ECE = Σ_b (W_b / W) · |S_b / W_b − P_b / W_b| = Σ_b |S_b − P_b| / W`,
//!
//! the weight-averaged gap between the mean score and the observed positive rate. It is defined
//! only when every score lies in [0, 1] (otherwise the scores are not probabilities and the ECE
//! is `None`), and for a group of positive weight.
//!
//! **Bins.** `equal_width` (the default, 10 bins): bin `k` holds scores in `[k/B, (k+1)/B)`, the
//! last one also 1; the edges are the numbers `k/B` (so 0.3 falls in the bin that starts at 0.3,
//! whatever `3 × 0.1` rounds to). `equal_mass`: each group's rows in score order are cut into `B`
//! bins of about equal weight; rows with the same score always share a bin (each distinct score
//! goes to the bin holding the midpoint of its cumulative weight), so heavy ties give fewer or
//! uneven bins.
//!
//! **Across groups.** `calibration_difference` is the largest minus the smallest defined group
//! ECE (like every other difference in Fulcrum).

use serde::{Deserialize, Serialize};

use super::index::ScoreCurve;

/// Bins unless the user asks for another number.
pub const DEFAULT_CALIBRATION_BINS: usize = 10;

/// The most bins a user may ask for.
pub const MAX_CALIBRATION_BINS: usize = 1_000;

/// How scores are cut into bins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinStrategy {
    /// Bins of equal width over [0, 1].
    #[default]
    EqualWidth,
    /// Bins of about equal weight within each group.
    EqualMass,
}

impl BinStrategy {
    /// The name in JSON and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            BinStrategy::EqualWidth => "equal_width",
            BinStrategy::EqualMass => "equal_mass",
        }
    }
}

/// How the ECE is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CalibrationSettings {
    /// Equal-width or equal-mass bins.
    pub strategy: BinStrategy,
    /// Number of bins (at least 1).
    pub bins: usize,
}

impl Default for CalibrationSettings {
    fn default() -> Self {
        Self {
            strategy: BinStrategy::EqualWidth,
            bins: DEFAULT_CALIBRATION_BINS,
        }
    }
}

/// An exact sum: the partials of Shewchuk's algorithm (as Python's `math.fsum`), whose value is
/// the correctly rounded sum of everything added, whatever the order. The ECE is thereby the same
/// number for the rows and for their aggregate (`fulcrum aggregate` then `--weight count`), and
/// for the row pass and the per-group curves.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    /// Adds `x` exactly.
    pub fn add(&mut self, x: f64) {
        let mut x = x;
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials.get(j).copied().unwrap_or(0.0);
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let high = x + y;
            let low = y - (high - x);
            if low != 0.0 {
                if let Some(slot) = self.partials.get_mut(kept) {
                    *slot = low;
                }
                kept += 1;
            }
            x = high;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Adds `a · b` exactly (the product's rounding error, found by a fused multiply-add, is
    /// added too).
    pub fn add_product(&mut self, a: f64, b: f64) {
        let product = a * b;
        let error = a.mul_add(b, -product);
        self.add(product);
        if error != 0.0 {
            self.add(error);
        }
    }

    /// Adds everything `other` holds.
    pub fn merge(&mut self, other: &ExactSum) {
        for partial in &other.partials {
            self.add(*partial);
        }
    }

    /// The correctly rounded sum (round half to even), as `math.fsum` finishes.
    pub fn value(&self) -> f64 {
        let mut n = self.partials.len();
        let Some(mut high) = n.checked_sub(1).and_then(|i| self.partials.get(i)).copied() else {
            return 0.0;
        };
        n -= 1;
        let mut low = 0.0;
        while n > 0 {
            let x = high;
            n -= 1;
            let y = self.partials.get(n).copied().unwrap_or(0.0);
            high = x + y;
            let rounded = high - x;
            low = y - rounded;
            if low != 0.0 {
                break;
            }
        }
        // A tie between two doubles: the next partial says which way the exact sum leans.
        if n > 0 {
            let next = self.partials.get(n - 1).copied().unwrap_or(0.0);
            if (low < 0.0 && next < 0.0) || (low > 0.0 && next > 0.0) {
                let y = low * 2.0;
                let x = high + y;
                if y == x - high {
                    high = x;
                }
            }
        }
        high
    }
}

/// The totals of one bin, each summed exactly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BinTotals {
    /// Weight of the rows in the bin.
    pub weight: ExactSum,
    /// Their weighted score sum.
    pub score_sum: ExactSum,
    /// Weight of their positives.
    pub positives: ExactSum,
}

impl BinTotals {
    /// Adds one row (or one distinct score's mass): `weight` of rows scoring `score`, of which
    /// `positives` is positive.
    pub fn add(&mut self, score: f64, weight: f64, positives: f64) {
        self.weight.add(weight);
        self.score_sum.add_product(score, weight);
        self.positives.add(positives);
    }

    /// Adds another bin's totals.
    pub fn merge(&mut self, other: &BinTotals) {
        self.weight.merge(&other.weight);
        self.score_sum.merge(&other.score_sum);
        self.positives.merge(&other.positives);
    }
}

/// The ECE of some bins: `Σ |S_b − P_b| / W`; `None` for no weight.
pub fn ece_of_bins(bins: &[BinTotals]) -> Option<f64> {
    let mut weight = ExactSum::default();
    let mut gaps = ExactSum::default();
    for bin in bins {
        weight.merge(&bin.weight);
        gaps.add((bin.score_sum.value() - bin.positives.value()).abs());
    }
    let weight = weight.value();
    (weight > 0.0).then(|| gaps.value() / weight)
}

/// The equal-width bin of a score in [0, 1]: how many of the edges `k/B` (`k = 1..B`) are at
/// most the score.
pub fn equal_width_bin(score: f64, bins: usize) -> usize {
    let bins = bins.max(1);
    let edge = |k: usize| k as f64 / bins as f64;
    let mut bin = ((score * bins as f64).floor().max(0.0) as usize).min(bins - 1);
    // The product may round across an edge; settle on the edges themselves.
    while bin > 0 && score < edge(bin) {
        bin -= 1;
    }
    while bin + 1 < bins && score >= edge(bin + 1) {
        bin += 1;
    }
    bin
}

/// A group's bins from its curve (distinct scores with their masses).
pub fn curve_bins(curve: &ScoreCurve, settings: &CalibrationSettings) -> Vec<BinTotals> {
    let bins = settings.bins.max(1);
    let mut totals = vec![BinTotals::default(); bins];
    let total = curve.weight();
    let mut below = 0.0;
    for (j, value) in curve.values().iter().enumerate() {
        let (positives, negatives) = curve.mass_at(j);
        let mass = positives + negatives;
        let bin = match settings.strategy {
            BinStrategy::EqualWidth => equal_width_bin(*value, bins),
            BinStrategy::EqualMass if total > 0.0 => {
                let midpoint = (below + mass / 2.0) / total;
                ((midpoint * bins as f64).floor().max(0.0) as usize).min(bins - 1)
            }
            BinStrategy::EqualMass => 0,
        };
        below += mass;
        if let Some(slot) = totals.get_mut(bin) {
            slot.add(*value, mass, positives);
        }
    }
    totals
}

/// Every group's ECE, the overall one and their spread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupCalibration {
    /// How it was computed.
    pub settings: CalibrationSettings,
    /// Per group, in the audit's group order.
    pub ece: Vec<Option<f64>>,
    /// Everyone together.
    pub overall: Option<f64>,
    /// Largest minus smallest defined group ECE.
    pub difference: Option<f64>,
}

impl GroupCalibration {
    /// Undefined for every group: the scores are not probabilities.
    pub fn undefined(settings: CalibrationSettings, groups: usize) -> Self {
        Self {
            settings,
            ece: vec![None; groups],
            overall: None,
            difference: None,
        }
    }

    /// From each group's ECE and the overall one.
    pub fn from_values(
        settings: CalibrationSettings,
        ece: Vec<Option<f64>>,
        overall: Option<f64>,
    ) -> Self {
        let difference = super::Convention::Native.difference(&ece);
        Self {
            settings,
            ece,
            overall,
            difference,
        }
    }
}

/// Whether scores in `range` can be read as probabilities.
pub fn scores_are_probabilities((low, high): (f64, f64)) -> bool {
    low >= 0.0 && high <= 1.0
}

/// Every group's ECE from its curve (the window and every command with an index).
pub fn calibration_of_curves(
    curves: &[&ScoreCurve],
    score_range: (f64, f64),
    settings: &CalibrationSettings,
) -> GroupCalibration {
    if !scores_are_probabilities(score_range) {
        return GroupCalibration::undefined(*settings, curves.len());
    }
    let ece = curves
        .iter()
        .map(|c| ece_of_bins(&curve_bins(c, settings)))
        .collect();
    let overall = ece_of_bins(&curve_bins(&ScoreCurve::merge(curves), settings));
    GroupCalibration::from_values(*settings, ece, overall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(rows: &[(f64, bool, f64)]) -> ScoreCurve {
        let mut rows = rows.to_vec();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        ScoreCurve::from_sorted(rows)
    }

    #[test]
    fn ece_matches_a_hand_computed_value() {
        // Two equal-width bins (B = 2): [0, 0.5) holds 0.1 (+, w 1) and 0.3 (-, w 1): mean score
        // 0.2, positive rate 0.5, gap 0.3, weight 2. [0.5, 1] holds 0.6 (+), 0.8 (+), 0.9 (-),
        // each w 1: mean 2.3/3, rate 2/3, gap 0.1, weight 3. ECE = (2·0.3 + 3·0.1) / 5 = 0.18.
        let c = curve(&[
            (0.1, true, 1.0),
            (0.3, false, 1.0),
            (0.6, true, 1.0),
            (0.8, true, 1.0),
            (0.9, false, 1.0),
        ]);
        let settings = CalibrationSettings {
            strategy: BinStrategy::EqualWidth,
            bins: 2,
        };
        let ece = ece_of_bins(&curve_bins(&c, &settings)).unwrap();
        assert!((ece - 0.18).abs() < 1e-12, "{ece}");
        // Equal mass, 2 bins: the midpoints of cumulative weight are 0.5, 1.5, 2.5, 3.5, 4.5 of
        // 5, i.e. 0.1, 0.3, 0.5, 0.7, 0.9 → bins 0, 0, 1, 1, 1: the same bins as above here.
        let mass = CalibrationSettings {
            strategy: BinStrategy::EqualMass,
            bins: 2,
        };
        let ece = ece_of_bins(&curve_bins(&c, &mass)).unwrap();
        assert!((ece - 0.18).abs() < 1e-12, "{ece}");
        // One bin: |2.7 − 3| / 5 = 0.06.
        let one = CalibrationSettings {
            strategy: BinStrategy::EqualWidth,
            bins: 1,
        };
        let ece = ece_of_bins(&curve_bins(&c, &one)).unwrap();
        assert!((ece - 0.06).abs() < 1e-12, "{ece}");
    }

    #[test]
    fn weights_count_as_cases_and_equal_mass_keeps_ties_together() {
        // 0.2 (+, w 3) and 0.2 (-, w 1) tie; 0.7 (-, w 4). Equal mass, 2 bins: 0.2 has midpoint
        // 2/8 → bin 0; 0.7 midpoint 6/8 → bin 1. Bin 0: |0.8 − 3| = 2.2; bin 1: |2.8 − 0| = 2.8.
        // ECE = 5 / 8.
        let c = curve(&[(0.2, true, 3.0), (0.2, false, 1.0), (0.7, false, 4.0)]);
        let mass = CalibrationSettings {
            strategy: BinStrategy::EqualMass,
            bins: 2,
        };
        let ece = ece_of_bins(&curve_bins(&c, &mass)).unwrap();
        assert!((ece - 0.625).abs() < 1e-12, "{ece}");
    }

    #[test]
    fn exact_sums_do_not_depend_on_the_order() {
        let values = [1e16, 1.0, -1e16, 0.1, 0.2, 0.3, 1e-300, -0.6];
        let mut forward = ExactSum::default();
        values.iter().for_each(|v| forward.add(*v));
        let mut backward = ExactSum::default();
        values.iter().rev().for_each(|v| backward.add(*v));
        // Python: math.fsum([1e16, 1.0, -1e16, 0.1, 0.2, 0.3, 1e-300, -0.6]) = 1.0, as is
        // float(sum(Fraction(x) for x in …)): the exact sum of the doubles, rounded once (a plain
        // left-to-right sum gives 0.9999999999999999… or 0.0, depending on the order).
        assert_eq!(forward.value(), 1.0);
        assert_eq!(backward.value(), forward.value());
        // 0.1 added three times equals 0.1 × 3 added once, exactly.
        let mut rows = ExactSum::default();
        (0..3).for_each(|_| rows.add_product(0.1, 1.0));
        let mut aggregate = ExactSum::default();
        aggregate.add_product(0.1, 3.0);
        assert_eq!(rows.value(), aggregate.value());
        assert_eq!(ExactSum::default().value(), 0.0);
    }

    #[test]
    fn equal_width_bins_cut_at_the_edges_themselves() {
        assert_eq!(equal_width_bin(0.0, 10), 0);
        assert_eq!(equal_width_bin(0.3, 10), 3);
        assert_eq!(equal_width_bin(0.299_999_999, 10), 2);
        assert_eq!(equal_width_bin(0.7, 10), 7);
        assert_eq!(equal_width_bin(1.0, 10), 9);
        for k in 0..=100 {
            let score = f64::from(k) / 100.0;
            let bin = equal_width_bin(score, 7);
            let edges_below = (1..7).filter(|e| f64::from(*e) / 7.0 <= score).count();
            assert_eq!(bin, edges_below, "{score}");
        }
    }

    #[test]
    fn scores_outside_the_unit_interval_have_no_ece() {
        let c = curve(&[(1.5, true, 1.0), (0.5, false, 1.0)]);
        let result = calibration_of_curves(&[&c], (0.5, 1.5), &CalibrationSettings::default());
        assert_eq!(result.ece, vec![None]);
        assert_eq!(result.difference, None);
        let a = curve(&[(0.9, true, 1.0)]);
        let b = curve(&[(0.9, false, 1.0)]);
        let result = calibration_of_curves(&[&a, &b], (0.9, 0.9), &CalibrationSettings::default());
        // a: |0.9 − 1| = 0.1; b: |0.9 − 0| = 0.9; overall: one bin |1.8 − 1| / 2 = 0.4.
        assert!((result.ece[0].unwrap() - 0.1).abs() < 1e-12);
        assert!((result.ece[1].unwrap() - 0.9).abs() < 1e-12);
        assert!((result.difference.unwrap() - 0.8).abs() < 1e-12);
        assert!((result.overall.unwrap() - 0.4).abs() < 1e-12);
    }
}
