//! Screen-sized curves derived from a group's [`ScoreCurve`], for plots: ROC points, score
//! histograms, calibration bins and metric-versus-threshold sweeps. Each is computed once per
//! grouping (O(distinct scores)), then drawn every frame without touching rows.

use super::convention::Convention;
use super::index::{DecisionRule, ScoreCurve};
use super::metrics::Metric;

/// One point of a ROC curve: the rates when `values[cut..]` are selected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RocPoint {
    /// False positive rate (0 when the group has no negatives).
    pub fpr: f64,
    /// True positive rate (0 when the group has no positives).
    pub tpr: f64,
    /// The cut this point stands for.
    pub cut: usize,
}

/// The ROC curve of a group, with at most `max_points` points (evenly spaced cuts, always
/// including "everybody" and "nobody"). Points run from (1, 1) (everybody) to (0, 0) (nobody).
pub fn roc_curve(curve: &ScoreCurve, max_points: usize) -> Vec<RocPoint> {
    let positives = curve.positives();
    let negatives = curve.negatives();
    let rate = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    sample_cuts(curve.cut_count(), max_points)
        .into_iter()
        .map(|cut| {
            let counts = curve.counts_at_cut(cut);
            RocPoint {
                fpr: rate(counts.fp, negatives),
                tpr: rate(counts.tp, positives),
                cut,
            }
        })
        .collect()
}

/// Up to `max_points` evenly spaced indices in `0..count`, always with the first and last.
pub fn sample_cuts(count: usize, max_points: usize) -> Vec<usize> {
    let max_points = max_points.max(2);
    if count <= max_points {
        return (0..count).collect();
    }
    let last = count - 1;
    let mut cuts: Vec<usize> = (0..max_points)
        .map(|i| ((i as f64) * last as f64 / (max_points - 1) as f64).round() as usize)
        .collect();
    cuts.dedup();
    cuts
}

/// Weighted positives and negatives of a group in equal-width score bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Bin edges, `bins + 1` of them.
    pub edges: Vec<f64>,
    /// Weight of positives per bin.
    pub positives: Vec<f64>,
    /// Weight of negatives per bin.
    pub negatives: Vec<f64>,
}

/// Bins the group's scores into `bins` equal-width bins over `[low, high]` (values outside go to
/// the end bins).
pub fn histogram(curve: &ScoreCurve, low: f64, high: f64, bins: usize) -> Histogram {
    let bins = bins.max(1);
    let width = if high > low {
        (high - low) / bins as f64
    } else {
        1.0
    };
    let mut positives = vec![0.0; bins];
    let mut negatives = vec![0.0; bins];
    for (j, value) in curve.values().iter().enumerate() {
        let bin = (((value - low) / width).floor().max(0.0) as usize).min(bins - 1);
        let (p, n) = curve.mass_at(j);
        if let (Some(pos), Some(neg)) = (positives.get_mut(bin), negatives.get_mut(bin)) {
            *pos += p;
            *neg += n;
        }
    }
    Histogram {
        edges: (0..=bins).map(|i| low + width * i as f64).collect(),
        positives,
        negatives,
    }
}

/// One bin of a reliability (calibration) diagram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CalibrationBin {
    /// Weighted mean score in the bin.
    pub mean_score: f64,
    /// Weighted share of positives in the bin.
    pub observed_rate: f64,
    /// Weight in the bin.
    pub weight: f64,
}

/// Reliability bins over `[low, high]` in `bins` equal-width bins; empty bins are left out.
pub fn calibration(curve: &ScoreCurve, low: f64, high: f64, bins: usize) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let width = if high > low {
        (high - low) / bins as f64
    } else {
        1.0
    };
    let mut score_sum = vec![0.0; bins];
    let mut positive_sum = vec![0.0; bins];
    let mut weight_sum = vec![0.0; bins];
    for (j, value) in curve.values().iter().enumerate() {
        let bin = (((value - low) / width).floor().max(0.0) as usize).min(bins - 1);
        let (p, n) = curve.mass_at(j);
        if let (Some(s), Some(pos), Some(w)) = (
            score_sum.get_mut(bin),
            positive_sum.get_mut(bin),
            weight_sum.get_mut(bin),
        ) {
            *s += value * (p + n);
            *pos += p;
            *w += p + n;
        }
    }
    (0..bins)
        .filter_map(|b| {
            let weight = *weight_sum.get(b)?;
            (weight > 0.0).then(|| CalibrationBin {
                mean_score: score_sum.get(b).copied().unwrap_or(0.0) / weight,
                observed_rate: positive_sum.get(b).copied().unwrap_or(0.0) / weight,
                weight,
            })
        })
        .collect()
}

/// A metric of one group at each of `thresholds` (undefined points are `None`).
///
/// The selected share depends on every group, so it is not swept here.
pub fn metric_sweep(
    curve: &ScoreCurve,
    metric: Metric,
    thresholds: &[f64],
    rule: DecisionRule,
    convention: Convention,
) -> Vec<Option<f64>> {
    thresholds
        .iter()
        .map(|&t| {
            let counts = curve.counts_at(t, rule);
            metric.value(&counts, counts.selected(), convention)
        })
        .collect()
}

/// `count` evenly spaced values from `low` to `high` inclusive.
pub fn linspace(low: f64, high: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![low],
        _ => (0..count)
            .map(|i| low + (high - low) * i as f64 / (count - 1) as f64)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve() -> ScoreCurve {
        ScoreCurve::from_sorted([
            (0.1, false, 1.0),
            (0.2, true, 1.0),
            (0.6, false, 1.0),
            (0.9, true, 2.0),
        ])
    }

    #[test]
    fn roc_runs_from_everybody_to_nobody() {
        let roc = roc_curve(&curve(), 100);
        assert_eq!(roc.len(), 5);
        assert_eq!((roc[0].fpr, roc[0].tpr), (1.0, 1.0));
        assert_eq!((roc[4].fpr, roc[4].tpr), (0.0, 0.0));
        // Selecting 0.6 and 0.9: FP 1 of 2, TP 2 of 3.
        assert_eq!((roc[2].fpr, roc[2].tpr), (0.5, 2.0 / 3.0));
        assert_eq!(sample_cuts(1000, 5), [0, 250, 500, 749, 999]);
    }

    #[test]
    fn histogram_and_calibration_bin_weights() {
        let h = histogram(&curve(), 0.0, 1.0, 2);
        assert_eq!(h.edges, [0.0, 0.5, 1.0]);
        assert_eq!(h.positives, [1.0, 2.0]);
        assert_eq!(h.negatives, [1.0, 1.0]);
        let c = calibration(&curve(), 0.0, 1.0, 2);
        assert_eq!(c.len(), 2);
        assert!((c[0].mean_score - 0.15).abs() < 1e-12);
        assert_eq!(c[0].observed_rate, 0.5);
        assert!((c[1].mean_score - (0.6 + 1.8) / 3.0).abs() < 1e-12);
        assert_eq!(c[1].weight, 3.0);
    }

    #[test]
    fn sweeps_evaluate_the_metric_at_each_threshold() {
        let sweep = metric_sweep(
            &curve(),
            Metric::Tpr,
            &[0.0, 0.5, 1.0],
            DecisionRule::AtLeast,
            Convention::Native,
        );
        assert_eq!(sweep, [Some(1.0), Some(2.0 / 3.0), Some(0.0)]);
        assert_eq!(linspace(0.0, 1.0, 3), [0.0, 0.5, 1.0]);
    }
}
