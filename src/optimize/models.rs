//! Several models scoring the same rows (issue 15): which model, with which thresholds, is best
//! under a constraint, and at every tolerance of a frontier — the upper envelope across the
//! models' exact frontiers.
//!
//! Every model is optimized exactly on its own index (its own distinct scores per group), so
//! the best model at a tolerance is the best of exact optima: nothing here approximates.
//! "Best" is the objective's direction (highest accuracy, lowest cost); a tie goes to the model
//! listed first, so the production model is kept unless another does strictly better.

use super::frontier::{
    Frontier, FrontierRequest, evenly_spaced, frontier_on_grid, unconstrained_gap,
};
use super::{Objective, OptimizeError, OptimizeRequest, Solution, optimize};
use crate::engine::GroupIndex;
use crate::progress::Progress;

/// Whether objective `candidate` is strictly better than `best` under `objective`.
pub fn better(objective: Objective, candidate: f64, best: f64) -> bool {
    if objective.is_maximized() {
        candidate > best
    } else {
        candidate < best
    }
}

/// The best model's point at one tolerance of the envelope.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvelopePoint {
    /// ε: the largest gap allowed.
    pub tolerance: f64,
    /// The position of the best model (in the order the models were given).
    pub model: usize,
    /// That model's optimal thresholds at this tolerance, with what they achieve.
    pub solution: Solution,
}

/// Every model's frontier on one grid of tolerances, and the envelope across them.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelsFrontier {
    /// The tolerances: `points` evenly spaced from 0 to the largest of the models'
    /// unconstrained gaps.
    pub tolerances: Vec<f64>,
    /// Each model's frontier at those tolerances (its `unconstrained_gap` is its own).
    pub frontiers: Vec<Frontier>,
    /// At each tolerance where some model meets the constraint, the best model's point.
    pub envelope: Vec<EnvelopePoint>,
}

/// The frontiers of several models (one index each, grouped alike) on a common grid of
/// `request.points` tolerances, and their envelope.
pub fn models_frontier(
    indexes: &[&GroupIndex],
    request: &FrontierRequest,
    progress: &dyn Progress,
) -> Result<ModelsFrontier, OptimizeError> {
    let mut largest_gap: f64 = 0.0;
    for index in indexes {
        largest_gap = largest_gap.max(unconstrained_gap(index, request, progress)?);
    }
    let tolerances = evenly_spaced(largest_gap, request.points);
    let frontiers = indexes
        .iter()
        .map(|index| frontier_on_grid(index, request, &tolerances, progress))
        .collect::<Result<Vec<Frontier>, OptimizeError>>()?;
    let envelope = envelope(&tolerances, &frontiers, request.objective);
    Ok(ModelsFrontier {
        tolerances,
        frontiers,
        envelope,
    })
}

/// At each of `tolerances`, the model whose frontier point there has the best objective (the
/// first listed on a tie); tolerances no model meets are left out. Each frontier's points must
/// be at some of these very tolerances (as [`frontier_on_grid`] gives them).
pub fn envelope(
    tolerances: &[f64],
    frontiers: &[Frontier],
    objective: Objective,
) -> Vec<EnvelopePoint> {
    tolerances
        .iter()
        .filter_map(|&tolerance| {
            let mut best: Option<(usize, &Solution)> = None;
            for (model, frontier) in frontiers.iter().enumerate() {
                let Some(point) = frontier.points.iter().find(|p| p.tolerance == tolerance) else {
                    continue;
                };
                let replace = best.is_none_or(|(_, current)| {
                    better(objective, point.solution.objective, current.objective)
                });
                if replace {
                    best = Some((model, &point.solution));
                }
            }
            best.map(|(model, solution)| EnvelopePoint {
                tolerance,
                model,
                solution: solution.clone(),
            })
        })
        .collect()
}

/// Each model's optimum under one request, and which is best.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelChoice {
    /// Per model, in order: its optimum, or why it has none (no thresholds meet the
    /// constraint).
    pub candidates: Vec<Result<Solution, OptimizeError>>,
    /// The position of the best model among those with an optimum.
    pub chosen: usize,
}

impl ModelChoice {
    /// The chosen model's solution.
    pub fn solution(&self) -> Option<&Solution> {
        self.candidates
            .get(self.chosen)
            .and_then(|c| c.as_ref().ok())
    }
}

/// Optimizes every model under `request` and chooses the best objective among those that meet
/// it (the first listed on a tie). Fails when none does, with the first model's reason; a
/// cancelled search fails as cancelled.
pub fn choose_model(
    indexes: &[&GroupIndex],
    request: &OptimizeRequest,
    progress: &dyn Progress,
) -> Result<ModelChoice, OptimizeError> {
    let mut candidates = Vec::with_capacity(indexes.len());
    for index in indexes {
        let found = optimize(index, request, progress);
        if matches!(found, Err(OptimizeError::Cancelled)) {
            return Err(OptimizeError::Cancelled);
        }
        candidates.push(found);
    }
    choose_among(request, candidates)
}

/// Chooses among every model's optimum (found by any search: exact, robust) the best objective
/// (the first listed on a tie). Fails when no model has one, with the first model's reason.
pub fn choose_among(
    request: &OptimizeRequest,
    candidates: Vec<Result<Solution, OptimizeError>>,
) -> Result<ModelChoice, OptimizeError> {
    let mut chosen: Option<(usize, f64)> = None;
    for (model, candidate) in candidates.iter().enumerate() {
        let Ok(solution) = candidate else {
            continue;
        };
        if chosen.is_none_or(|(_, best)| better(request.objective, solution.objective, best)) {
            chosen = Some((model, solution.objective));
        }
    }
    match chosen {
        Some((chosen, _)) => Ok(ModelChoice { candidates, chosen }),
        None => Err(candidates
            .into_iter()
            .find_map(Result::err)
            .unwrap_or(OptimizeError::NoGroups)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DecisionRule, Group, ScoreCurve};
    use crate::optimize::{Constraint, frontier::frontier_at};
    use crate::progress::NoProgress;

    /// Two groups scored by one model: (score, positive) rows per group.
    fn index(groups: [&[(f64, bool)]; 2]) -> GroupIndex {
        let groups = groups
            .iter()
            .zip(["a", "b"])
            .map(|(rows, key)| {
                let mut rows: Vec<(f64, bool, f64)> =
                    rows.iter().map(|&(s, p)| (s, p, 1.0)).collect();
                rows.sort_by(|x, y| x.0.total_cmp(&y.0));
                Group {
                    key: key.to_owned(),
                    levels: vec![key.to_owned()],
                    curve: ScoreCurve::from_sorted(rows),
                }
            })
            .collect();
        GroupIndex::from_groups(vec!["g".to_owned()], groups)
    }

    /// The same rows and labels, scored by two models: the first is the more accurate without
    /// a constraint, the second with equal opportunity enforced (found by a brute-force search
    /// over every pair of thresholds on small random data).
    fn two_models() -> (GroupIndex, GroupIndex) {
        let first = index([
            &[
                (0.27, false),
                (0.61, false),
                (0.78, false),
                (0.75, false),
                (0.09, false),
                (0.06, true),
            ],
            &[
                (0.26, false),
                (0.55, true),
                (0.84, true),
                (0.8, true),
                (0.93, false),
                (0.59, true),
            ],
        ]);
        let second = index([
            &[
                (0.64, false),
                (0.29, false),
                (0.31, false),
                (0.21, false),
                (0.54, false),
                (0.61, true),
            ],
            &[
                (0.57, false),
                (0.39, true),
                (0.42, true),
                (0.25, true),
                (0.82, false),
                (0.58, true),
            ],
        ]);
        (first, second)
    }

    fn request() -> FrontierRequest {
        FrontierRequest {
            constraint: Constraint::EqualOpportunity,
            objective: Objective::Accuracy,
            rule: DecisionRule::AtLeast,
            points: 21,
        }
    }

    #[test]
    fn the_envelope_is_the_best_model_at_every_tolerance() {
        let (first, second) = two_models();
        let request = request();
        let models = models_frontier(&[&first, &second], &request, &NoProgress).unwrap();
        assert_eq!(models.tolerances.len(), 21);
        assert_eq!(models.tolerances.first(), Some(&0.0));
        // Each model's points are its exact optima at the common tolerances, found alone.
        for (index, frontier) in [&first, &second].iter().zip(&models.frontiers) {
            let alone = frontier_at(index, &request, &models.tolerances, &NoProgress).unwrap();
            let alone: Vec<_> = alone.into_iter().flatten().collect();
            assert_eq!(frontier.points, alone);
        }
        // At every tolerance, the envelope's objective is the largest of the models' and names
        // the model (the first on a tie) whose point it is.
        assert_eq!(models.envelope.len(), models.tolerances.len());
        for point in &models.envelope {
            let objectives: Vec<Option<f64>> = models
                .frontiers
                .iter()
                .map(|f| {
                    f.points
                        .iter()
                        .find(|p| p.tolerance == point.tolerance)
                        .map(|p| p.solution.objective)
                })
                .collect();
            let best = objectives
                .iter()
                .flatten()
                .copied()
                .fold(f64::MIN, f64::max);
            assert_eq!(point.solution.objective, best);
            let first_best = objectives.iter().position(|o| *o == Some(best)).unwrap();
            assert_eq!(point.model, first_best, "at {}", point.tolerance);
        }
        // Both models win somewhere (by brute force: 9 of 12 right for the second at a TPR gap
        // of 0, against 7 for the first; 10 of 12 for the first without a constraint).
        let first_point = models.envelope.first().unwrap();
        assert_eq!(
            (first_point.model, first_point.solution.objective),
            (1, 0.75)
        );
        let last_point = models.envelope.last().unwrap();
        assert_eq!(last_point.model, 0);
        assert!((last_point.solution.objective - 10.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn costs_are_minimized_across_models() {
        assert!(better(Objective::Accuracy, 0.8, 0.7));
        let cost = Objective::Cost {
            fp_cost: 1.0,
            fn_cost: 2.0,
        };
        assert!(better(cost, 0.2, 0.3));
        assert!(!better(cost, 0.3, 0.3), "a tie keeps the first model");
    }

    #[test]
    fn the_chosen_model_has_the_best_optimum_under_the_constraint() {
        let (first, second) = two_models();
        let request = OptimizeRequest {
            constraint: Constraint::EqualOpportunity,
            tolerance: 0.0,
            objective: Objective::Accuracy,
            capacity: None,
            rule: DecisionRule::AtLeast,
        };
        let choice = choose_model(&[&first, &second], &request, &NoProgress).unwrap();
        let alone: Vec<f64> = [&first, &second]
            .iter()
            .map(|index| optimize(index, &request, &NoProgress).unwrap().objective)
            .collect();
        let best = alone.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!(choice.solution().unwrap().objective, best);
        assert_eq!(Some(choice.chosen), alone.iter().position(|o| *o == best));
        // The same model twice: the first is kept.
        let twice = choose_model(&[&first, &first], &request, &NoProgress).unwrap();
        assert_eq!(twice.chosen, 0);
    }
}
