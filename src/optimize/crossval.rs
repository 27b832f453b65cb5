//! The cross-validated frontier: for every tolerance, thresholds fitted on all folds but one and
//! judged on the fold left out, so the curve a user reads says what a tolerance buys on rows the
//! thresholds were not tuned on — not only on the rows they were.
//!
//! Every fold is fitted at the same tolerances (those of the whole data's frontier), its
//! thresholds are audited on its held-out rows, and the folds' objectives and gaps are averaged.
//! The interval is Student's t over the folds (mean ± t·s/√K). The folds share most of their
//! fit rows, so their values are not independent and no unbiased estimate of the variance of a
//! cross-validated mean exists (Bengio & Grandvalet, 2004): read the interval as the spread the
//! folds showed, not as a guaranteed coverage.

use super::OptimizeError;
use super::frontier::{FrontierRequest, frontier_at};
use crate::engine::intervals::{Interval, mean_interval};
use crate::engine::{AuditOptions, GroupIndex, SplitRows, audit};
use crate::progress::Progress;

/// One tolerance of the cross-validated frontier.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidatedPoint {
    /// ε, as fitted in every fold.
    pub tolerance: f64,
    /// Folds where some thresholds met ε on the fit rows (the others have no value here).
    pub folds: usize,
    /// The mean over those folds of the objective on the held-out rows.
    pub objective: f64,
    /// Its interval (Student's t over the folds); `None` with fewer than two folds.
    pub objective_interval: Option<Interval>,
    /// The mean held-out gap over the folds where it is defined.
    pub gap: Option<f64>,
    /// Its interval; `None` with fewer than two defined values.
    pub gap_interval: Option<Interval>,
    /// Each fold's held-out objective (in fold order; `None` where ε could not be met).
    pub fold_objectives: Vec<Option<f64>>,
    /// Each fold's held-out gap.
    pub fold_gaps: Vec<Option<f64>>,
}

/// The cross-validated frontier.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidation {
    /// How many folds.
    pub folds: usize,
    /// The confidence of the intervals.
    pub confidence: f64,
    /// One point per tolerance (tolerances no fold could meet are left out).
    pub points: Vec<CrossValidatedPoint>,
}

/// Fits every fold of `folded` at `tolerances` and scores the thresholds on the fold left out.
/// Groups with no fit rows in some fold are refused (naming them): no threshold can be chosen
/// for them there.
pub fn cross_validated_frontier(
    folded: &SplitRows<'_>,
    request: &FrontierRequest,
    tolerances: &[f64],
    confidence: f64,
    progress: &dyn Progress,
) -> Result<CrossValidation, OptimizeError> {
    let folds = folded.parts();
    // Per tolerance, per fold: the score on the held-out rows.
    let mut scored: Vec<Vec<Option<HeldOutScore>>> = vec![Vec::new(); tolerances.len()];
    for fold in 0..folds {
        progress.stage(&format!("cross-validating: fold {} of {folds}", fold + 1));
        let (fit, held_out) = folded.fit_and_held_out(fold);
        if let Some(empty) = fit.groups().iter().find(|g| g.curve.rows() == 0) {
            return Err(OptimizeError::Infeasible(format!(
                "group {} has too few rows for {folds} folds (every fold's fit rows need some of \
                 it); use fewer folds or merge small groups",
                empty.key
            )));
        }
        let points = frontier_at(&fit, request, tolerances, progress)?;
        for (slot, point) in scored.iter_mut().zip(points) {
            slot.push(
                point.and_then(|p| held_out_score(&held_out, request, &p.solution.thresholds)),
            );
        }
    }
    let points = tolerances
        .iter()
        .zip(scored)
        .filter_map(|(&tolerance, per_fold)| {
            summarize(
                tolerance,
                &per_fold,
                confidence,
                request.objective.is_maximized(),
            )
        })
        .collect();
    Ok(CrossValidation {
        folds,
        confidence,
        points,
    })
}

/// A fold's held-out objective and gap (`None` where undefined).
type HeldOutScore = (f64, Option<f64>);

/// The objective and gap of `thresholds` on the held-out rows; `None` when the objective is
/// undefined there (no rows).
fn held_out_score(
    held_out: &GroupIndex,
    request: &FrontierRequest,
    thresholds: &[f64],
) -> Option<HeldOutScore> {
    let options = AuditOptions {
        rule: request.rule,
        ..AuditOptions::default()
    };
    let result = audit(held_out, thresholds, &options).ok()?;
    let objective = request.objective.value_of(&result.overall.counts)?;
    Some((objective, request.constraint.gap_in(&result)))
}

/// The point of one tolerance from its folds' scores; `None` when no fold met it.
fn summarize(
    tolerance: f64,
    per_fold: &[Option<HeldOutScore>],
    confidence: f64,
    maximized: bool,
) -> Option<CrossValidatedPoint> {
    let objectives: Vec<f64> = per_fold.iter().flatten().map(|s| s.0).collect();
    let gaps: Vec<f64> = per_fold.iter().flatten().filter_map(|s| s.1).collect();
    let objective = mean(&objectives)?;
    // A t interval can reach past what the numbers can be: gaps and costs are ≥ 0, accuracy
    // within [0, 1].
    let (low, high) = if maximized {
        (0.0, 1.0)
    } else {
        (0.0, f64::INFINITY)
    };
    let clip = |interval: Interval, low: f64, high: f64| Interval {
        low: interval.low.clamp(low, high),
        high: interval.high.clamp(low, high),
    };
    Some(CrossValidatedPoint {
        tolerance,
        folds: objectives.len(),
        objective,
        objective_interval: mean_interval(&objectives, confidence).map(|i| clip(i, low, high)),
        gap: mean(&gaps),
        gap_interval: mean_interval(&gaps, confidence).map(|i| clip(i, 0.0, 1.0)),
        fold_objectives: per_fold.iter().map(|s| s.map(|s| s.0)).collect(),
        fold_gaps: per_fold.iter().map(|s| s.and_then(|s| s.1)).collect(),
    })
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{
        Attribute, AttributeValues, Dataset, GroupingSpec, SortedDataset, audit as audit_at,
    };
    use crate::optimize::{Constraint, frontier};
    use crate::progress::NoProgress;

    /// 2,000 rows in two groups whose scores separate the labels unequally well.
    fn sorted() -> SortedDataset {
        let rows = 2000;
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        let mut codes = Vec::new();
        for i in 0..rows {
            let group = u32::from(i % 3 == 0);
            let label = (i * 7919) % 5 < 2;
            let noise = f64::from((i * 104_729) % 1000) / 1000.0;
            let signal = if label { 0.6 } else { 0.3 };
            let spread = if group == 1 { 0.5 } else { 0.3 };
            scores.push((signal + spread * (noise - 0.5)).clamp(0.0, 1.0));
            labels.push(label);
            codes.push(group);
        }
        let attribute = Attribute {
            name: "g".into(),
            values: AttributeValues::Categorical {
                levels: vec!["a".into(), "b".into()],
                codes,
            },
        };
        SortedDataset::new(Dataset::new(scores, labels, None, vec![attribute]).unwrap())
    }

    fn request() -> FrontierRequest {
        FrontierRequest {
            constraint: Constraint::DemographicParity,
            points: 11,
            ..FrontierRequest::default()
        }
    }

    #[test]
    fn each_fold_is_scored_on_the_rows_it_was_not_fitted_on() {
        let sorted = sorted();
        let spec = GroupingSpec::by_names(&["g"]);
        let whole = GroupIndex::build(&sorted, &spec).unwrap();
        let full = frontier(&whole, &request(), &NoProgress).unwrap();
        let tolerances: Vec<f64> = full.points.iter().map(|p| p.tolerance).collect();
        let folded = SplitRows::folds(&sorted, &spec, 4, 9).unwrap();
        let result =
            cross_validated_frontier(&folded, &request(), &tolerances, 0.95, &NoProgress).unwrap();
        assert_eq!(result.folds, 4);
        assert_eq!(result.points.len(), tolerances.len());
        // Recount one tolerance by hand: fit fold 2's complement, audit fold 2.
        let point = &result.points[5];
        let (fit, held) = folded.fit_and_held_out(2);
        let solved = frontier_at(&fit, &request(), &[point.tolerance], &NoProgress).unwrap();
        let thresholds = &solved[0].as_ref().unwrap().solution.thresholds;
        let judged = audit_at(&held, thresholds, &AuditOptions::default()).unwrap();
        let accuracy = judged.overall.values.get(crate::engine::Metric::Accuracy);
        assert_eq!(point.fold_objectives[2], accuracy);
        assert_eq!(
            point.fold_gaps[2],
            Constraint::DemographicParity.gap_in(&judged)
        );
        let mean = point.fold_objectives.iter().flatten().sum::<f64>() / 4.0;
        assert!((point.objective - mean).abs() < 1e-12);
        let interval = point.objective_interval.unwrap();
        assert!(interval.low <= point.objective && point.objective <= interval.high);
        // Held-out accuracy is never better than the in-sample optimum by much, and the
        // in-sample gap is within ε while held-out gaps may not be.
        let in_sample = &full.points[5].solution;
        assert!(in_sample.gap.unwrap() <= point.tolerance + 1e-12);
    }

    #[test]
    fn folds_partition_the_rows_and_keep_every_group() {
        let sorted = sorted();
        let spec = GroupingSpec::by_names(&["g"]);
        let whole = GroupIndex::build(&sorted, &spec).unwrap();
        let folded = SplitRows::folds(&sorted, &spec, 5, 3).unwrap();
        let mut held_rows = vec![0u64; whole.len()];
        for fold in 0..5 {
            let (fit, held) = folded.fit_and_held_out(fold);
            assert_eq!(fit.len(), whole.len());
            assert_eq!(held.len(), whole.len());
            for (position, group) in whole.groups().iter().enumerate() {
                let fit_group = &fit.groups()[position];
                let held_group = &held.groups()[position];
                assert_eq!(fit_group.key, group.key);
                assert_eq!(
                    fit_group.curve.rows() + held_group.curve.rows(),
                    group.curve.rows()
                );
                assert_eq!(
                    fit_group.curve.positives() + held_group.curve.positives(),
                    group.curve.positives()
                );
                held_rows[position] += held_group.curve.rows();
                // Stratified: each fold holds a fifth of the group's positives, up to one row.
                let share = group.curve.positives() / 5.0;
                assert!((held_group.curve.positives() - share).abs() <= 1.0);
            }
        }
        let total: Vec<u64> = whole.groups().iter().map(|g| g.curve.rows()).collect();
        assert_eq!(held_rows, total, "every row is held out exactly once");
        let again = SplitRows::folds(&sorted, &spec, 5, 3).unwrap();
        assert_eq!(folded.fit_and_held_out(1), again.fit_and_held_out(1));
        let other_seed = SplitRows::folds(&sorted, &spec, 5, 4).unwrap();
        assert_ne!(folded.fit_and_held_out(1), other_seed.fit_and_held_out(1));
    }
}
