//! The accuracy–fairness frontier: the best objective for each tolerance ε from 0 to the
//! unconstrained optimum's gap, beside the single-threshold curve and the randomized optimum
//! that bounds it — so users see what fairness costs, and what deterministic thresholds cost on
//! top.
//!
//! The frontier is evaluated at `points` evenly spaced tolerances. Between two of them the
//! optimum is a non-decreasing step function; each point's solution is also optimal for every
//! tolerance between its achieved gap and its ε, so the steps can be read off the points.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::problem::{Problem, Tables};
use super::randomized::RandomizedModel;
use super::single::single_threshold_curve;
use super::solver::{Solver, rate_orders};
use super::{Constraint, Objective, OptimizeError, Solution, validate_objective};
use crate::engine::{DecisionRule, GroupIndex};
use crate::progress::Progress;

/// The default number of tolerances evaluated.
pub const DEFAULT_POINTS: usize = 101;

/// The most tolerances a frontier evaluates: a curve finer than this cannot be seen or read, and
/// every point is a full constrained search (with equalized odds, about a millisecond each on
/// 30,000 rows), so the bound keeps the work and the memory small whatever is asked.
pub const MAX_POINTS: usize = 10_001;

/// What frontier to compute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrontierRequest {
    /// A gap constraint (not `None` or `Single`).
    pub constraint: Constraint,
    /// What to optimize.
    pub objective: Objective,
    /// `≥` or `>`.
    pub rule: DecisionRule,
    /// How many tolerances, evenly spaced from 0 to the unconstrained gap (at least 2).
    pub points: usize,
}

impl Default for FrontierRequest {
    fn default() -> Self {
        Self {
            constraint: Constraint::DemographicParity,
            objective: Objective::Accuracy,
            rule: DecisionRule::AtLeast,
            points: DEFAULT_POINTS,
        }
    }
}

/// The deterministic optimum at one tolerance.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierPoint {
    /// ε: the largest gap allowed.
    pub tolerance: f64,
    /// The optimal thresholds (their `gap` may be below ε).
    pub solution: Solution,
}

/// One threshold for every group: what it achieves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SingleThresholdPoint {
    /// The threshold (±∞ for nobody / everybody).
    pub threshold: f64,
    /// The objective.
    pub objective: f64,
    /// Weighted accuracy.
    pub accuracy: f64,
    /// The constraint's gap.
    pub gap: Option<f64>,
}

/// The randomized optimum at one tolerance: an upper bound on accuracy (a lower bound on cost)
/// for any thresholds, randomized or not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomizedPoint {
    /// ε.
    pub tolerance: f64,
    /// The best objective with groups mixing two thresholds at random.
    pub objective: f64,
}

/// The frontier and its two companion curves.
#[derive(Clone, Debug, PartialEq)]
pub struct Frontier {
    /// The unconstrained optimum's gap: the largest tolerance that still constrains.
    pub unconstrained_gap: f64,
    /// The deterministic optimum per tolerance, ascending (tolerances where no thresholds meet
    /// the constraint are left out).
    pub points: Vec<FrontierPoint>,
    /// The single thresholds not beaten on both gap and objective by another, ascending by gap.
    pub single_threshold: Vec<SingleThresholdPoint>,
    /// The randomized optimum per tolerance (infeasible tolerances left out).
    pub randomized: Vec<RandomizedPoint>,
}

/// Computes the frontier for `request` (in parallel over tolerances).
pub fn frontier(
    index: &GroupIndex,
    request: &FrontierRequest,
    progress: &dyn Progress,
) -> Result<Frontier, OptimizeError> {
    frontier_over(
        index,
        request,
        |gap| evenly_spaced(gap, request.points),
        progress,
    )
}

/// The frontier at `tolerances` chosen by the caller instead of `request.points` tolerances up
/// to this index's own unconstrained gap: several models' frontiers on one grid of tolerances,
/// so that the best model at each tolerance can be read off ([`super::models`]).
pub fn frontier_on_grid(
    index: &GroupIndex,
    request: &FrontierRequest,
    tolerances: &[f64],
    progress: &dyn Progress,
) -> Result<Frontier, OptimizeError> {
    frontier_over(index, request, |_| tolerances.to_vec(), progress)
}

/// The unconstrained optimum's gap: the largest tolerance that still constrains this index.
pub fn unconstrained_gap(
    index: &GroupIndex,
    request: &FrontierRequest,
    progress: &dyn Progress,
) -> Result<f64, OptimizeError> {
    validate(index, request)?;
    let tables = Tables::new(index, request.constraint, request.objective, request.rule)?;
    let orders = rate_orders(&tables);
    let problem = Problem::free(&tables);
    let solver = Solver::new(&problem, &orders);
    gap_of_unconstrained(&problem, &solver, progress)
}

/// The gap of the best thresholds without a constraint.
fn gap_of_unconstrained(
    problem: &Problem<'_>,
    solver: &Solver<'_>,
    progress: &dyn Progress,
) -> Result<f64, OptimizeError> {
    let unconstrained = solver
        .solve(&problem.utility, f64::INFINITY, progress)?
        .ok_or_else(|| problem.infeasible(f64::INFINITY))?;
    Ok(problem
        .rates
        .iter()
        .filter_map(|table| table.gap(&problem.offsets, &unconstrained.cuts))
        .reduce(f64::max)
        .unwrap_or(0.0))
}

/// The frontier at the tolerances `grid` gives for the unconstrained gap.
fn frontier_over(
    index: &GroupIndex,
    request: &FrontierRequest,
    grid: impl FnOnce(f64) -> Vec<f64>,
    progress: &dyn Progress,
) -> Result<Frontier, OptimizeError> {
    validate(index, request)?;
    progress.stage("computing the frontier");
    let tables = Tables::new(index, request.constraint, request.objective, request.rule)?;
    let orders = rate_orders(&tables);
    let problem = Problem::free(&tables);
    let solver = Solver::new(&problem, &orders);
    let unconstrained_gap = gap_of_unconstrained(&problem, &solver, progress)?;
    let tolerances = grid(unconstrained_gap);
    let points = solve_tolerances(index, &tables, &solver, &tolerances, progress)?
        .into_iter()
        .flatten()
        .collect();
    let model = RandomizedModel::new(&tables);
    let randomized = tolerances
        .par_iter()
        .filter_map(|&tolerance| {
            model.optimum(tolerance).map(|utility| RandomizedPoint {
                tolerance,
                objective: request
                    .objective
                    .objective_of(utility, problem.total_weight),
            })
        })
        .collect();
    let single_threshold = single_threshold_curve(&tables, index);
    Ok(Frontier {
        unconstrained_gap,
        points,
        single_threshold,
        randomized,
    })
}

/// `points` tolerances evenly spaced from 0 to `largest`.
pub fn evenly_spaced(largest: f64, points: usize) -> Vec<f64> {
    let steps = points.saturating_sub(1).max(1) as f64;
    (0..points).map(|k| largest * (k as f64 / steps)).collect()
}

/// The deterministic optimum at each of `tolerances` (`None` where no thresholds meet it), in
/// their order: the frontier's points at tolerances chosen elsewhere — cross-validation fits
/// every fold at the tolerances of the whole data's frontier.
pub fn frontier_at(
    index: &GroupIndex,
    request: &FrontierRequest,
    tolerances: &[f64],
    progress: &dyn Progress,
) -> Result<Vec<Option<FrontierPoint>>, OptimizeError> {
    validate(index, request)?;
    let tables = Tables::new(index, request.constraint, request.objective, request.rule)?;
    let orders = rate_orders(&tables);
    let problem = Problem::free(&tables);
    let solver = Solver::new(&problem, &orders);
    solve_tolerances(index, &tables, &solver, tolerances, progress)
}

fn validate(index: &GroupIndex, request: &FrontierRequest) -> Result<(), OptimizeError> {
    if !request.constraint.has_gap() {
        return Err(OptimizeError::NoGapConstraint(request.constraint));
    }
    if !(2..=MAX_POINTS).contains(&request.points) {
        return Err(OptimizeError::InvalidPoints(request.points));
    }
    validate_objective(request.objective)?;
    if index.is_empty() {
        return Err(OptimizeError::NoGroups);
    }
    if index.total_weight() <= 0.0 {
        return Err(OptimizeError::NoWeight);
    }
    Ok(())
}

/// Solves at every tolerance in parallel, reporting progress as they finish.
fn solve_tolerances(
    index: &GroupIndex,
    tables: &Tables,
    solver: &Solver<'_>,
    tolerances: &[f64],
    progress: &dyn Progress,
) -> Result<Vec<Option<FrontierPoint>>, OptimizeError> {
    let done = AtomicUsize::new(0);
    // One rate: every tolerance's search shares each group's cuts in rate order with a range
    // maximum over their utilities, and bounds whole ranges of band starts at once (the same
    // answers as a sweep over every start, property-tested; about a third of the time).
    let band_index = solver.band_index();
    let points = tolerances
        .par_iter()
        .map(|&tolerance| {
            let outcome = match &band_index {
                Some(index) if tolerance.is_finite() => {
                    solver.solve_indexed(tolerance, index, progress)?
                }
                _ => solver.solve(&solver.problem.utility, tolerance, progress)?,
            };
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.fraction(finished as f64 / tolerances.len() as f64);
            Ok(outcome.map(|o| FrontierPoint {
                tolerance,
                solution: tables.solution(index, &o.cuts, o.bound),
            }))
        })
        .collect::<Result<Vec<Option<FrontierPoint>>, OptimizeError>>()?;
    if progress.is_cancelled() {
        return Err(OptimizeError::Cancelled);
    }
    Ok(points)
}
