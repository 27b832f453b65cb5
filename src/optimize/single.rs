//! One threshold for every group: the groups' score distributions merged into one and swept over
//! every distinct score. Also the frontier's single-threshold curve.

use super::frontier::SingleThresholdPoint;
use super::problem::{Tables, solution_at};
use super::{Constraint, OptimizeError, OptimizeRequest, Solution};
use crate::engine::{DecisionRule, GroupIndex};

/// Every distinct score over all groups with the positive and negative weight at it, ascending.
fn pooled_masses(index: &GroupIndex) -> Vec<(f64, f64, f64)> {
    let mut masses: Vec<(f64, f64, f64)> = Vec::new();
    for group in index.groups() {
        let curve = &group.curve;
        masses.extend(curve.values().iter().enumerate().map(|(j, &value)| {
            let (positives, negatives) = curve.mass_at(j);
            (value, positives, negatives)
        }));
    }
    // Each group's values are sorted: the stable sort merges the runs.
    masses.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64, f64)> = Vec::with_capacity(masses.len());
    for (value, positives, negatives) in masses {
        match merged.last_mut() {
            Some(last) if last.0 == value => {
                last.1 += positives;
                last.2 += negatives;
            }
            _ => merged.push((value, positives, negatives)),
        }
    }
    merged
}

/// The threshold selecting the pooled `values[cut..]` under `rule`.
fn pooled_threshold(values: &[(f64, f64, f64)], cut: usize, rule: DecisionRule) -> f64 {
    match rule {
        DecisionRule::AtLeast => values.get(cut).map_or(f64::INFINITY, |v| v.0),
        DecisionRule::Above => cut
            .checked_sub(1)
            .and_then(|i| values.get(i))
            .map_or(f64::NEG_INFINITY, |v| v.0),
    }
}

/// The best single threshold (or the fixed groups' common threshold) for the request.
pub(crate) fn optimize_single(
    index: &GroupIndex,
    request: &OptimizeRequest,
    fixed: &[(usize, f64)],
) -> Result<Solution, OptimizeError> {
    let total_weight = index.total_weight();
    let limit = request
        .capacity
        .map_or(f64::INFINITY, |c| c.limit(total_weight));
    let threshold = match fixed.first() {
        Some(&(_, first)) => {
            if fixed.iter().any(|&(_, t)| t != first) {
                return Err(OptimizeError::Infeasible(
                    "one threshold for every group, but the fixed groups have different thresholds"
                        .into(),
                ));
            }
            first
        }
        None => best_single_threshold(index, request, limit),
    };
    let solution = solution_at(
        index,
        Constraint::Single,
        request.objective,
        request.rule,
        vec![threshold; index.len()],
        None,
    );
    if solution.selected > limit {
        return Err(OptimizeError::Infeasible(format!(
            "the fixed threshold {threshold} selects {}, more than the capacity {limit}",
            solution.selected
        )));
    }
    Ok(solution)
}

/// Sweeps the pooled cuts from "nobody" down, within the capacity; ties go to the higher
/// threshold.
fn best_single_threshold(index: &GroupIndex, request: &OptimizeRequest, limit: f64) -> f64 {
    let pooled = pooled_masses(index);
    let (fp_cost, fn_cost) = request.objective.costs();
    let positives: f64 = pooled.iter().map(|m| m.1).sum();
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut best = (-(fn_cost * positives), pooled.len());
    for cut in (0..pooled.len()).rev() {
        let Some(&(_, p, n)) = pooled.get(cut) else {
            break;
        };
        tp += p;
        fp += n;
        if tp + fp > limit {
            break;
        }
        let utility = -(fp_cost * fp + fn_cost * (positives - tp));
        if utility > best.0 {
            best = (utility, cut);
        }
    }
    pooled_threshold(&pooled, best.1, request.rule)
}

/// The single-threshold curve for the frontier: every distinct score as the one threshold, its
/// objective and constraint gap, keeping the points no other single threshold beats on both (a
/// smaller-or-equal gap with a better objective), ascending by gap.
pub(crate) fn single_threshold_curve(
    problem: &Tables,
    index: &GroupIndex,
) -> Vec<SingleThresholdPoint> {
    let rule = problem.rule;
    let pooled = pooled_masses(index);
    let curves: Vec<&[f64]> = index.groups().iter().map(|g| g.curve.values()).collect();
    // Per group, how many of its values lie below the pooled value: its cut.
    let mut cuts = vec![0usize; curves.len()];
    let mut sweep: Vec<(f64, f64, usize)> = Vec::with_capacity(pooled.len() + 1);
    for pooled_cut in 0..=pooled.len() {
        match pooled.get(pooled_cut) {
            Some(&(value, _, _)) => {
                for (cut, values) in cuts.iter_mut().zip(&curves) {
                    while values.get(*cut).is_some_and(|&v| v < value) {
                        *cut += 1;
                    }
                }
            }
            None => {
                for (cut, values) in cuts.iter_mut().zip(&curves) {
                    *cut = values.len();
                }
            }
        }
        let (utility, _) = problem.evaluate(&cuts);
        let gap = problem
            .rates
            .iter()
            .filter_map(|table| table.gap(&problem.offsets, &cuts))
            .reduce(f64::max)
            .unwrap_or(0.0);
        sweep.push((gap, utility, pooled_cut));
    }
    sweep.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let mut best_utility = f64::NEG_INFINITY;
    let mut points = Vec::new();
    for (_, utility, pooled_cut) in sweep {
        if utility <= best_utility {
            continue;
        }
        best_utility = utility;
        let threshold = pooled_threshold(&pooled, pooled_cut, rule);
        let solution = solution_at(
            index,
            problem.constraint,
            problem.objective,
            rule,
            vec![threshold; problem.group_count()],
            None,
        );
        points.push(SingleThresholdPoint {
            threshold,
            objective: solution.objective,
            accuracy: solution.accuracy,
            gap: solution.gap,
        });
    }
    points
}
