//! Threshold optimization: the per-group thresholds that maximize accuracy (or minimize a
//! misclassification cost) subject to a fairness constraint and an optional capacity, searched
//! exactly over every distinct score of every group — not over a grid.
//!
//! # The problem
//!
//! Group `g` has `n_g` distinct scores and so `n_g + 1` *cuts*: cut `c` selects the scores
//! `values[c..]` (cut `n_g` selects nobody). Everything a threshold can do to a group is one of
//! its cuts, so the optimizer chooses one cut per group and turns it into a threshold with
//! [`ScoreCurve::threshold_for_cut`](crate::engine::ScoreCurve::threshold_for_cut). The
//! objective is a sum over groups: with costs `a` (false positive) and `b` (false negative)
//! every cut has a *utility* `−(a·FP + b·FN)`, and accuracy is the case `a = b = 1`. Weights
//! count as frequencies throughout.
//!
//! A gap constraint keeps `max − min ≤ ε` over the groups whose rate is defined (a group
//! without positives has no TPR and does not constrain the TPR gap), exactly as the audit
//! computes the difference.
//!
//! # One rate (demographic parity, equal opportunity, FPR parity, equal accuracy): exact
//!
//! Any feasible choice has its rates inside the band `[L, L + ε]` where `L` is its smallest
//! rate — and `L` is the rate of some cut of some group. Conversely, for any `L`, choosing in
//! every group the best cut whose rate lies in `[L, L + ε]` is feasible, and the groups are
//! then independent. So the optimum is the best, over every candidate `L` (every rate of every
//! cut), of the sum of per-group window maxima.
//!
//! The `band` module sweeps `L` upward once: the cuts of all groups are merged by rate, each
//! cut enters its group's window when `rate − L ≤ ε` and leaves when `rate < L`, and each group
//! keeps its window maximum in a monotone deque (amortized O(1)). The sum over groups is a
//! small tree of partial sums, updated only for groups whose maximum changed. Selection rate,
//! TPR and FPR are monotone in the cut, but the sweep does not rely on it: equal accuracy sorts
//! each group's cuts by accuracy once and runs the same sweep. The floating-point test
//! `rate − L ≤ ε` implies the audit's `max − min ≤ ε` (rounding is monotone), and the optimum's
//! own smallest rate passes it, so "feasible" means exactly what the audit will report. Cost:
//! O(N log G) to merge the groups' sorted cuts once and O(N log G) per sweep, for N cuts in G
//! groups.
//!
//! A frontier searches the same utilities at many tolerances, and does not sweep. The
//! `band_bound` module keeps each group's cuts in rate order with a range-maximum structure over
//! their utilities (built once per frontier), so the total at any one start `L` costs two binary
//! searches and one range maximum per group; and a whole range of starts `[L_i, L_j]` is bounded
//! by the sum of each group's best over `[L_i, L_j + ε]`. Best bound first, ranges that cannot
//! beat the best total found are dropped and the rest split, down to a few starts evaluated one
//! by one. It finds the sweep's answer exactly — the same totals, summed in the same order, and
//! the same lowest optimal start (a range whose bound only ties is still searched when it starts
//! lower); a property test compares every cut, value and bound with the sweep's. On 1M distinct
//! scores in 10 groups a 100-point frontier takes about a third of the sweeps' time; with many
//! groups less is saved (each evaluation is per group), about half at 60–100 groups.
//!
//! # Equalized odds (two rates): exact by branch and bound, bounded if cut short
//!
//! Fixing the lower end `L₁` of the TPR band restricts each group to a contiguous range of
//! cuts, and the FPR constraint over those ranges is one exact sweep. Trying every `L₁` is exact
//! but O(N²). The `odds` module instead branches on ranges of candidate `L₁`: the sweep over
//! the *union* of a range's TPR windows bounds every `L₁` in the range from above, so ranges
//! that cannot beat the best solution found are dropped. When the search finishes within its
//! budget ([`EQUALIZED_ODDS_WORK_LIMIT`]) the answer is exact; otherwise it reports the best
//! solution found and an upper bound no solution can beat (never above the better of the exact
//! TPR-only and FPR-only optima, whose feasible sets contain this one's).
//!
//! # Capacity: exact when the bounds close, bounded otherwise
//!
//! "Select at most K" couples the groups. The `capacity` module prices each unit of selected
//! weight at λ and solves the constrained problem exactly for the priced utilities:
//! `max(Σ utility − λ·selected) + λK` is an upper bound on the optimum for every λ ≥ 0, and a
//! parametric search finds the λ that makes it smallest. For one rate (or none), each band
//! `[L, L + ε]` is then a multiple-choice knapsack: bands are taken in decreasing order of their
//! priced bound and filled greedily along each group's concave envelope of (selected, utility);
//! the greedy with its last step taken fractionally is the band's LP bound. Finally a
//! depth-first branch and bound over the groups (bounded by priced range maxima within each
//! group's feasible window) proves or improves the best solution, within a work budget. The
//! result is exact when the best solution meets the smallest bound, and otherwise reports that
//! bound. The guarantee is *at most K selected*: with tied scores exactly K is often impossible,
//! and selecting more than the objective wants would lower it, so the optimizer never adds
//! people just to fill the capacity.
//!
//! # One threshold for all groups
//!
//! The groups' score distributions merged into one, swept over every distinct score: exact.
mod band;
mod band_bound;
mod capacity;
mod crossval;
mod frontier;
pub mod models;
mod odds;
mod problem;
mod randomized;
mod robust;
mod single;
mod solver;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::intervals::Interval;
use crate::engine::{Audit, AuditUncertainty, DecisionRule, GroupIndex, Metric};
use crate::progress::Progress;
use problem::{Problem, Tables};

pub use crossval::{CrossValidatedPoint, CrossValidation, cross_validated_frontier};
pub use frontier::{
    DEFAULT_POINTS, Frontier, FrontierPoint, FrontierRequest, MAX_POINTS, RandomizedPoint,
    SingleThresholdPoint, evenly_spaced, frontier, frontier_at, frontier_on_grid,
    unconstrained_gap,
};
pub use models::{
    EnvelopePoint, ModelChoice, ModelsFrontier, choose_among, choose_model, models_frontier,
};
pub use robust::{DEFAULT_ROBUST_CANDIDATES, RobustSolution, robust_optimize};

/// The largest number of cut visits the equalized-odds branch and bound spends before it settles
/// for a bounded answer (about a second in a release build).
pub const EQUALIZED_ODDS_WORK_LIMIT: usize = 200_000_000;

/// Which fairness constraint the thresholds must satisfy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Each group gets its own best threshold.
    #[default]
    None,
    /// One threshold for every group.
    Single,
    /// Selection-rate gap ≤ ε.
    DemographicParity,
    /// TPR gap ≤ ε.
    EqualOpportunity,
    /// FPR gap ≤ ε.
    FprParity,
    /// TPR gap ≤ ε and FPR gap ≤ ε.
    EqualizedOdds,
    /// Accuracy gap ≤ ε.
    EqualAccuracy,
}

impl Constraint {
    /// Every constraint, for menus.
    pub const ALL: [Constraint; 7] = [
        Constraint::None,
        Constraint::Single,
        Constraint::DemographicParity,
        Constraint::EqualOpportunity,
        Constraint::FprParity,
        Constraint::EqualizedOdds,
        Constraint::EqualAccuracy,
    ];

    /// The name used on the command line and in files.
    pub fn key(self) -> &'static str {
        match self {
            Constraint::None => "none",
            Constraint::Single => "single",
            Constraint::DemographicParity => "demographic_parity",
            Constraint::EqualOpportunity => "equal_opportunity",
            Constraint::FprParity => "fpr_parity",
            Constraint::EqualizedOdds => "equalized_odds",
            Constraint::EqualAccuracy => "equal_accuracy",
        }
    }

    /// A short human description.
    pub fn label(self) -> &'static str {
        match self {
            Constraint::None => "no constraint (each group its own best threshold)",
            Constraint::Single => "one threshold for every group",
            Constraint::DemographicParity => "demographic parity (selection-rate gap)",
            Constraint::EqualOpportunity => "equal opportunity (TPR gap)",
            Constraint::FprParity => "FPR parity (FPR gap)",
            Constraint::EqualizedOdds => "equalized odds (TPR and FPR gaps)",
            Constraint::EqualAccuracy => "equal accuracy (accuracy gap)",
        }
    }

    /// The rates whose gap across groups must stay within the tolerance (none for `None` and
    /// `Single`).
    pub fn gap_metrics(self) -> &'static [Metric] {
        match self {
            Constraint::None | Constraint::Single => &[],
            Constraint::DemographicParity => &[Metric::SelectionRate],
            Constraint::EqualOpportunity => &[Metric::Tpr],
            Constraint::FprParity => &[Metric::Fpr],
            Constraint::EqualizedOdds => &[Metric::Tpr, Metric::Fpr],
            Constraint::EqualAccuracy => &[Metric::Accuracy],
        }
    }

    /// Whether the constraint bounds a gap (and so uses the tolerance).
    pub fn has_gap(self) -> bool {
        !self.gap_metrics().is_empty()
    }

    /// The constraint's gap in an audit: the largest difference among its metrics (`None` when
    /// one is undefined, or for constraints without a gap). The same number the optimizer
    /// keeps within the tolerance, read off an audit of any rows.
    pub fn gap_in(self, audit: &Audit) -> Option<f64> {
        let metrics = self.gap_metrics();
        if metrics.is_empty() {
            return None;
        }
        metrics
            .iter()
            .map(|m| audit.metric_summary(*m).and_then(|s| s.difference))
            .try_fold(f64::NEG_INFINITY, |worst, gap| gap.map(|g| worst.max(g)))
    }

    /// The interval of [`Constraint::gap_in`]: the difference interval of the constraint's
    /// metric, or for equalized odds (the larger of two differences) the equalized-odds
    /// summary's interval.
    pub fn gap_interval_in(self, uncertainty: &AuditUncertainty) -> Option<Interval> {
        match self.gap_metrics() {
            [metric] => uncertainty.difference_interval(*metric),
            [_, _] => uncertainty.summary_interval("equalized_odds_difference"),
            _ => None,
        }
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for Constraint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraint::ALL
            .into_iter()
            .find(|c| c.key() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Constraint::ALL.iter().map(|c| c.key()).collect();
                format!("unknown constraint `{s}` (expected {})", names.join(", "))
            })
    }
}

/// What the thresholds optimize, counting sample weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Maximize weighted (TP + TN) / total.
    #[default]
    Accuracy,
    /// Minimize (`fp_cost·FP` + `fn_cost·FN`) / total: the What-If Tool's cost ratio.
    Cost {
        /// Cost of selecting a negative.
        fp_cost: f64,
        /// Cost of rejecting a positive.
        fn_cost: f64,
    },
}

impl Objective {
    /// `accuracy` or `cost`.
    pub fn key(self) -> &'static str {
        match self {
            Objective::Accuracy => "accuracy",
            Objective::Cost { .. } => "cost",
        }
    }

    /// Whether a larger objective is better (accuracy) or a smaller one (cost).
    pub fn is_maximized(self) -> bool {
        matches!(self, Objective::Accuracy)
    }

    /// The (false-positive, false-negative) costs; accuracy weighs both errors 1.
    pub fn costs(self) -> (f64, f64) {
        match self {
            Objective::Accuracy => (1.0, 1.0),
            Objective::Cost { fp_cost, fn_cost } => (fp_cost, fn_cost),
        }
    }

    /// The objective's value for confusion counts (weighted): accuracy, or cost per unit of
    /// weight; `None` when the counts weigh nothing.
    pub fn value_of(self, counts: &crate::engine::ConfusionCounts) -> Option<f64> {
        let total = counts.tp + counts.fp + counts.tn + counts.fn_;
        let (fp_cost, fn_cost) = self.costs();
        (total > 0.0)
            .then(|| self.objective_of(-(fp_cost * counts.fp + fn_cost * counts.fn_), total))
    }

    /// The objective's value for a total utility `−(a·FP + b·FN)` over `total_weight`.
    fn objective_of(self, utility: f64, total_weight: f64) -> f64 {
        match self {
            Objective::Accuracy => 1.0 + utility / total_weight,
            Objective::Cost { .. } => -utility / total_weight,
        }
    }
}

/// A limit on how many may be selected, counted in weight.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// At most this much weight selected (a number of people when unweighted).
    Weight(f64),
    /// At most this percentage (0–100) of the total weight selected.
    Percent(f64),
}

impl Capacity {
    /// The largest selected weight allowed out of `total_weight`.
    pub fn limit(self, total_weight: f64) -> f64 {
        match self {
            Capacity::Weight(weight) => weight,
            Capacity::Percent(percent) => percent / 100.0 * total_weight,
        }
    }

    fn validate(self) -> Result<(), OptimizeError> {
        let (value, valid) = match self {
            Capacity::Weight(w) => (w, w.is_finite() && w >= 0.0),
            Capacity::Percent(p) => (p, (0.0..=100.0).contains(&p)),
        };
        if valid {
            Ok(())
        } else {
            Err(OptimizeError::InvalidCapacity(format!("{self}"), value))
        }
    }
}

impl std::fmt::Display for Capacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Capacity::Weight(w) => write!(f, "{w}"),
            Capacity::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl std::str::FromStr for Capacity {
    type Err = String;

    /// `K` (a weight) or `K%` (a percentage of the total weight).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(number) => (number.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("capacity `{s}`: expected a number K or a percentage K%"))?;
        let capacity = if percent {
            Capacity::Percent(value)
        } else {
            Capacity::Weight(value)
        };
        capacity.validate().map_err(|e| e.to_string())?;
        Ok(capacity)
    }
}

/// Everything an optimization needs besides the data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OptimizeRequest {
    /// Which fairness constraint.
    pub constraint: Constraint,
    /// ε: the largest gap allowed (ignored by `None` and `Single`).
    pub tolerance: f64,
    /// What to optimize.
    pub objective: Objective,
    /// An optional limit on the selected weight.
    pub capacity: Option<Capacity>,
    /// `≥` or `>`: how the returned thresholds are applied.
    pub rule: DecisionRule,
}

impl OptimizeRequest {
    fn validate(&self) -> Result<(), OptimizeError> {
        if self.constraint.has_gap() && !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(OptimizeError::InvalidTolerance(self.tolerance));
        }
        validate_objective(self.objective)?;
        if let Some(capacity) = self.capacity {
            capacity.validate()?;
        }
        Ok(())
    }
}

/// The largest misclassification cost accepted. Only the ratio of the two costs changes the
/// optimum, so nothing larger is ever needed, and with weights up to
/// [`crate::engine::MAX_TOTAL_WEIGHT`] every cost sum stays finite.
pub const MAX_COST: f64 = 1e100;

fn validate_objective(objective: Objective) -> Result<(), OptimizeError> {
    let (fp_cost, fn_cost) = objective.costs();
    let valid = |c: f64| c.is_finite() && (0.0..=MAX_COST).contains(&c);
    if valid(fp_cost) && valid(fn_cost) && fp_cost + fn_cost > 0.0 {
        Ok(())
    } else {
        Err(OptimizeError::InvalidCosts { fp_cost, fn_cost })
    }
}

/// How good a solution is known to be.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Guarantee {
    /// No thresholds satisfying the constraints do better (up to floating-point rounding,
    /// 1e-12 relative).
    Exact,
    /// The search was cut short: no thresholds satisfying the constraints reach `bound` (an
    /// upper bound on accuracy, a lower bound on cost), but some between the solution and the
    /// bound may exist.
    Bounded {
        /// The best objective any feasible thresholds could reach.
        bound: f64,
    },
}

/// Optimized thresholds and what they achieve.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Per group, in index order: the threshold to apply under the request's rule (±∞ for
    /// nobody / everybody).
    pub thresholds: Vec<f64>,
    /// Per group: the cut the threshold makes (`values[cut..]` selected).
    pub cuts: Vec<usize>,
    /// The objective: accuracy, or cost per unit of weight.
    pub objective: f64,
    /// Weighted accuracy over every group.
    pub accuracy: f64,
    /// The constraint's gap (for equalized odds, the larger of the TPR and FPR gaps); `None`
    /// without a gap constraint or when no group defines the rate.
    pub gap: Option<f64>,
    /// Total weight selected.
    pub selected: f64,
    /// Exact, or bounded with the best objective possible.
    pub guarantee: Guarantee,
}

impl Solution {
    /// How far the objective may be from the best possible: 0 when exact.
    pub fn shortfall(&self) -> f64 {
        match self.guarantee {
            Guarantee::Exact => 0.0,
            Guarantee::Bounded { bound } => (bound - self.objective).abs(),
        }
    }
}

/// Why no thresholds could be returned.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum OptimizeError {
    /// The caller asked the search to stop.
    #[error("the optimization was cancelled")]
    Cancelled,
    /// No thresholds satisfy the constraints.
    #[error("no thresholds satisfy the constraints: {0}")]
    Infeasible(String),
    /// The search found no feasible thresholds within its budget, without proving that none
    /// exist.
    #[error("no thresholds found within the search budget: {0}")]
    NotFound(String),
    /// A negative or non-finite tolerance.
    #[error("the tolerance must be a number ≥ 0 (found {0})")]
    InvalidTolerance(f64),
    /// Negative, non-finite or all-zero costs.
    #[error(
        "costs must be finite, from 0 to 1e100 and not both 0 (found false-positive cost {fp_cost}, \
         false-negative cost {fn_cost})"
    )]
    InvalidCosts {
        /// The false-positive cost given.
        fp_cost: f64,
        /// The false-negative cost given.
        fn_cost: f64,
    },
    /// A negative capacity or a percentage outside 0–100.
    #[error("capacity `{0}` must be a weight ≥ 0 or a percentage from 0% to 100% (found {1})")]
    InvalidCapacity(String, f64),
    /// A frontier needs 2 to [`MAX_POINTS`] points.
    #[error("a frontier needs 2 to {MAX_POINTS} points (found {0})")]
    InvalidPoints(usize),
    /// The index has no groups.
    #[error("there are no groups to optimize")]
    NoGroups,
    /// Every weight is 0.
    #[error("the groups have no weight")]
    NoWeight,
    /// A fixed group index beyond the groups.
    #[error("cannot fix group #{group}: there are {groups} groups")]
    UnknownFixedGroup {
        /// The index given.
        group: usize,
        /// How many groups there are.
        groups: usize,
    },
    /// A frontier over a constraint without a gap.
    #[error("a frontier needs a gap constraint (demographic parity, …), not `{0}`")]
    NoGapConstraint(Constraint),
    /// A combination of options the search does not offer.
    #[error("{0}")]
    Unsupported(String),
    /// More cuts than the solver's 32-bit indices hold.
    #[error("too many distinct scores ({0}) to optimize")]
    TooLarge(usize),
}

/// The thresholds that optimize `request.objective` under `request.constraint` (gap ≤
/// `request.tolerance`) and the capacity, with what they achieve and how that is guaranteed.
///
/// Deterministic: ties between equally good cuts go to the higher threshold (fewer selected).
pub fn optimize(
    index: &GroupIndex,
    request: &OptimizeRequest,
    progress: &dyn Progress,
) -> Result<Solution, OptimizeError> {
    optimize_with_fixed(index, request, &[], progress)
}

/// As [`optimize`], with some groups' thresholds fixed: `fixed` lists (group index, threshold)
/// pairs, and only the other groups' thresholds are chosen, keeping the gap (and the capacity)
/// satisfied with the fixed groups included. This is "hold parity" while a user drags one group's
/// threshold.
///
/// Fails with [`OptimizeError::Infeasible`] when the fixed groups alone already break the
/// constraint (naming them).
pub fn optimize_with_fixed(
    index: &GroupIndex,
    request: &OptimizeRequest,
    fixed: &[(usize, f64)],
    progress: &dyn Progress,
) -> Result<Solution, OptimizeError> {
    request.validate()?;
    check_index(index)?;
    check_fixed(index, fixed)?;
    progress.stage("optimizing thresholds");
    if request.constraint == Constraint::Single {
        return single::optimize_single(index, request, fixed);
    }
    let tables = Tables::new(index, request.constraint, request.objective, request.rule)?;
    let orders = solver::rate_orders(&tables);
    solve_tables(index, &tables, &orders, request, fixed, progress)
}

/// Fails on a fixed group the index does not have.
fn check_fixed(index: &GroupIndex, fixed: &[(usize, f64)]) -> Result<(), OptimizeError> {
    match fixed.iter().find(|(group, _)| *group >= index.len()) {
        Some(&(group, _)) => Err(OptimizeError::UnknownFixedGroup {
            group,
            groups: index.len(),
        }),
        None => Ok(()),
    }
}

/// Fails on an index the optimizer cannot work with.
fn check_index(index: &GroupIndex) -> Result<(), OptimizeError> {
    if index.is_empty() {
        return Err(OptimizeError::NoGroups);
    }
    if index.total_weight() <= 0.0 {
        return Err(OptimizeError::NoWeight);
    }
    Ok(())
}

/// Solves a request over tables (and rate orders) made from `index` by the request's
/// constraint, objective and rule.
fn solve_tables(
    index: &GroupIndex,
    tables: &Tables,
    orders: &[band::RateOrder],
    request: &OptimizeRequest,
    fixed: &[(usize, f64)],
    progress: &dyn Progress,
) -> Result<Solution, OptimizeError> {
    let problem = Problem::with_fixed(tables, index, fixed)?;
    problem.check_fixed_gaps(request.tolerance)?;
    let solver = solver::Solver::new(&problem, orders);
    let limit = request
        .capacity
        .map(|c| c.limit(tables.total_weight))
        .filter(|&limit| limit < tables.total_weight);
    let outcome = match limit {
        Some(limit) => capacity::solve_with_capacity(&solver, request.tolerance, limit, progress)?,
        None => solver
            .solve(&tables.utility, request.tolerance, progress)?
            .ok_or_else(|| problem.infeasible(request.tolerance))?,
    };
    Ok(tables.solution(index, &outcome.cuts, outcome.bound))
}

/// An optimization prepared once for an index, constraint, objective and rule, to be solved
/// again and again for other tolerances, capacities and fixed groups without tabulating the
/// cuts or sorting them by rate each time — what the window needs to "hold parity" while a
/// threshold is dragged.
pub struct PreparedProblem {
    index: Arc<GroupIndex>,
    tables: Tables,
    orders: Vec<band::RateOrder>,
}

impl std::fmt::Debug for PreparedProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedProblem")
            .field("constraint", &self.tables.constraint)
            .field("objective", &self.tables.objective)
            .field("rule", &self.tables.rule)
            .field("cuts", &self.tables.utility.len())
            .finish_non_exhaustive()
    }
}

impl PreparedProblem {
    /// Tabulates every cut of every group of `index` for `constraint` and `objective`
    /// (O(N log G) for N cuts in G groups).
    pub fn new(
        index: Arc<GroupIndex>,
        constraint: Constraint,
        objective: Objective,
        rule: DecisionRule,
    ) -> Result<Self, OptimizeError> {
        validate_objective(objective)?;
        check_index(&index)?;
        let tables = Tables::new(&index, constraint, objective, rule)?;
        let orders = solver::rate_orders(&tables);
        Ok(Self {
            index,
            tables,
            orders,
        })
    }

    /// The index the problem was prepared for.
    pub fn index(&self) -> &Arc<GroupIndex> {
        &self.index
    }

    /// The request this problem answers for a tolerance and capacity.
    pub fn request(&self, tolerance: f64, capacity: Option<Capacity>) -> OptimizeRequest {
        OptimizeRequest {
            constraint: self.tables.constraint,
            tolerance,
            objective: self.tables.objective,
            capacity,
            rule: self.tables.rule,
        }
    }

    /// As [`optimize_with_fixed`] on the prepared index, constraint, objective and rule.
    pub fn optimize(
        &self,
        tolerance: f64,
        capacity: Option<Capacity>,
        fixed: &[(usize, f64)],
        progress: &dyn Progress,
    ) -> Result<Solution, OptimizeError> {
        let request = self.request(tolerance, capacity);
        request.validate()?;
        check_fixed(&self.index, fixed)?;
        if request.constraint == Constraint::Single {
            return single::optimize_single(&self.index, &request, fixed);
        }
        solve_tables(
            &self.index,
            &self.tables,
            &self.orders,
            &request,
            fixed,
            progress,
        )
    }
}

/// The best objective *randomized* thresholds reach under the request's gap constraint and
/// tolerance — each group mixing two thresholds at random, as in Hardt et al. (2016) and
/// Fairlearn's `ThresholdOptimizer` — computed exactly for one rate and to floating-point
/// precision for equalized odds (see the module documentation). It bounds every deterministic
/// solution: an upper bound on accuracy, a lower bound on cost. The capacity and `rule` are
/// ignored.
/// `None` when no randomized thresholds meet the constraint.
pub fn randomized_optimum(
    index: &GroupIndex,
    request: &OptimizeRequest,
) -> Result<Option<f64>, OptimizeError> {
    request.validate()?;
    if request.constraint == Constraint::Single {
        return Err(OptimizeError::NoGapConstraint(Constraint::Single));
    }
    check_index(index)?;
    let tables = Tables::new(index, request.constraint, request.objective, request.rule)?;
    let model = randomized::RandomizedModel::new(&tables);
    Ok(model
        .optimum(request.tolerance)
        .map(|utility| request.objective.objective_of(utility, tables.total_weight)))
}
