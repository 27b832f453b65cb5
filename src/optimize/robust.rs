//! Robust thresholds: the best thresholds whose gap stays within ε not only as measured, but at
//! the upper end of its confidence interval — so a gap signed as "≤ ε" is not a coin toss on the
//! next sample of the same population.
//!
//! The candidates are the exact optima at `candidates` tolerances evenly spaced from 0 to ε
//! (each optimal for its own tolerance). Each candidate's gap gets the bootstrap interval of
//! [`crate::engine::audit_uncertainty`]; the best candidate whose interval's upper end is ≤ ε
//! wins. What is guaranteed: the chosen thresholds are the best *among those candidates* that
//! pass the interval test — not the best over all thresholds (that search would need the
//! interval of every combination of cuts) — and each candidate's interval is a per-candidate
//! statement, not adjusted for choosing among them.

use rayon::prelude::*;

use super::frontier::{FrontierRequest, evenly_spaced, frontier_at};
use super::{OptimizeError, OptimizeRequest, Solution};
use crate::engine::intervals::{Interval, confidence_label};
use crate::engine::{AuditOptions, GroupIndex, UncertaintySettings, audit, audit_uncertainty};
use crate::progress::Progress;

/// Tolerances tried from 0 to ε when none is asked for: the frontier's default resolution.
pub const DEFAULT_ROBUST_CANDIDATES: usize = super::DEFAULT_POINTS;

/// The robust choice and how it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct RobustSolution {
    /// The chosen thresholds (exact optimum at `fitted_tolerance`).
    pub solution: Solution,
    /// The tolerance the chosen thresholds are optimal for (≤ ε).
    pub fitted_tolerance: f64,
    /// The interval of their gap; its upper end is ≤ ε.
    pub gap_interval: Interval,
    /// How many candidates were tried.
    pub candidates: usize,
    /// The confidence of the intervals.
    pub confidence: f64,
}

/// The best of the exact optima at `candidates` tolerances from 0 to `request.tolerance` whose
/// gap's interval (at `settings.confidence`) ends at or below the tolerance. Needs a gap
/// constraint and no capacity.
pub fn robust_optimize(
    index: &GroupIndex,
    request: &OptimizeRequest,
    settings: &UncertaintySettings,
    candidates: usize,
    progress: &dyn Progress,
) -> Result<RobustSolution, OptimizeError> {
    request.validate()?;
    if !request.constraint.has_gap() {
        return Err(OptimizeError::NoGapConstraint(request.constraint));
    }
    if request.capacity.is_some() {
        return Err(OptimizeError::Unsupported(
            "robust thresholds (--confidence) do not take a capacity yet; drop one of the two"
                .to_owned(),
        ));
    }
    let frontier_request = FrontierRequest {
        constraint: request.constraint,
        objective: request.objective,
        rule: request.rule,
        points: candidates,
    };
    progress.stage("robust thresholds: solving the candidates");
    let tolerances = evenly_spaced(request.tolerance, candidates);
    let points = frontier_at(index, &frontier_request, &tolerances, progress)?;
    progress.stage("robust thresholds: interval of every candidate's gap");
    let options = AuditOptions {
        rule: request.rule,
        ..AuditOptions::default()
    };
    let judged: Vec<(usize, f64, Interval)> = points
        .par_iter()
        .enumerate()
        .filter_map(|(position, point)| {
            let point = point.as_ref()?;
            let result = audit(index, &point.solution.thresholds, &options).ok()?;
            let uncertainty = audit_uncertainty(&result, settings);
            let interval = request.constraint.gap_interval_in(&uncertainty)?;
            Some((position, point.tolerance, interval))
        })
        .collect();
    if progress.is_cancelled() {
        return Err(OptimizeError::Cancelled);
    }
    let maximize = request.objective.is_maximized();
    let better = |a: &Solution, b: &Solution| {
        if maximize {
            a.objective > b.objective
        } else {
            a.objective < b.objective
        }
    };
    let mut best: Option<(&Solution, f64, Interval)> = None;
    for &(position, tolerance, interval) in &judged {
        if interval.high > request.tolerance {
            continue;
        }
        let Some(Some(point)) = points.get(position) else {
            continue;
        };
        if best.is_none_or(|(b, _, _)| better(&point.solution, b)) {
            best = Some((&point.solution, tolerance, interval));
        }
    }
    let Some((solution, fitted_tolerance, gap_interval)) = best else {
        let tightest = judged
            .iter()
            .map(|j| j.2.high)
            .reduce(f64::min)
            .map_or_else(|| "undefined".to_owned(), |h| format!("{h:.4}"));
        return Err(OptimizeError::Infeasible(format!(
            "no thresholds keep the gap's {} interval within {} (the tightest of {candidates} \
             candidates reaches {tightest}); allow a larger tolerance, a lower --confidence, or \
             group more coarsely",
            confidence_label(settings.confidence),
            request.tolerance
        )));
    };
    Ok(RobustSolution {
        solution: solution.clone(),
        fitted_tolerance,
        gap_interval,
        candidates,
        confidence: settings.confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Attribute, AttributeValues, Dataset, GroupingSpec, SortedDataset};
    use crate::optimize::{Constraint, optimize};
    use crate::progress::NoProgress;

    /// A large group and a small one whose rates are noisy.
    fn index(small: usize) -> GroupIndex {
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        let mut codes = Vec::new();
        for i in 0..(3000 + small) {
            let group = u32::from(i >= 3000);
            let label = (i * 7919) % 7 < 3;
            let noise = ((i * 104_729) % 997) as f64 / 997.0;
            let shift = if group == 1 { -0.08 } else { 0.0 };
            let signal = if label { 0.62 } else { 0.38 };
            scores.push((signal + shift + 0.4 * (noise - 0.5)).clamp(0.0, 1.0));
            labels.push(label);
            codes.push(group);
        }
        let attribute = Attribute {
            name: "g".into(),
            values: AttributeValues::Categorical {
                levels: vec!["big".into(), "small".into()],
                codes,
            },
        };
        let sorted =
            SortedDataset::new(Dataset::new(scores, labels, None, vec![attribute]).unwrap());
        GroupIndex::build(&sorted, &GroupingSpec::by_names(&["g"])).unwrap()
    }

    fn request(tolerance: f64) -> OptimizeRequest {
        OptimizeRequest {
            constraint: Constraint::DemographicParity,
            tolerance,
            ..OptimizeRequest::default()
        }
    }

    /// Equal accuracy has no degenerate robust answer: selecting everybody (every selection
    /// rate 1, a gap of exactly 0 in every resample) still leaves the groups' accuracies apart.
    fn equal_accuracy(tolerance: f64) -> OptimizeRequest {
        OptimizeRequest {
            constraint: Constraint::EqualAccuracy,
            tolerance,
            ..OptimizeRequest::default()
        }
    }

    #[test]
    fn the_robust_choice_keeps_the_whole_interval_within_the_tolerance() {
        let index = index(400);
        let settings = UncertaintySettings::default();
        let robust = robust_optimize(&index, &request(0.08), &settings, 41, &NoProgress).unwrap();
        assert!(robust.gap_interval.high <= 0.08);
        assert!(robust.fitted_tolerance <= 0.08);
        // Its stated interval is the engine's interval of those thresholds.
        let result = audit(
            &index,
            &robust.solution.thresholds,
            &AuditOptions::default(),
        )
        .unwrap();
        let again = Constraint::DemographicParity
            .gap_interval_in(&audit_uncertainty(&result, &settings))
            .unwrap();
        assert_eq!(again, robust.gap_interval);
        // It pays for the margin: never better than the point-estimate optimum at ε, and equal
        // to the exact optimum at the tolerance it was fitted at.
        let plain = optimize(&index, &request(0.08), &NoProgress).unwrap();
        assert!(robust.solution.objective <= plain.objective + 1e-12);
        let at_fitted = optimize(&index, &request(robust.fitted_tolerance), &NoProgress).unwrap();
        assert!((at_fitted.objective - robust.solution.objective).abs() < 1e-12);
    }

    #[test]
    fn no_candidate_passing_is_an_error_that_says_what_to_do() {
        // A tiny group: its rate's interval is wider than any tolerance.
        let index = index(12);
        let error = robust_optimize(
            &index,
            &equal_accuracy(0.001),
            &UncertaintySettings::default(),
            11,
            &NoProgress,
        )
        .unwrap_err();
        assert!(error.to_string().contains("larger tolerance"), "{error}");
    }
}
