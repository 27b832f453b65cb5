//! Equalized odds: TPR gap ≤ ε and FPR gap ≤ ε, by branch and bound over the lower end `L₁` of
//! the TPR band.
//!
//! For one `L₁`, each group may only take the cuts whose TPR lies in `[L₁, L₁ + ε]` — a
//! contiguous range, TPR being monotone in the cut — and the FPR constraint over those ranges is
//! one exact band sweep. A *node* is a range `[Cᵢ, Cⱼ]` of candidate `L₁` (the distinct TPRs);
//! its relaxation lets each group take any cut in the union of its TPR windows
//! (`TPR ≥ Cᵢ` and `TPR − Cⱼ ≤ ε`), whose FPR sweep bounds every `L₁` of the node from above. A
//! node whose relaxed solution already meets the TPR gap is solved; a single candidate is always
//! solved (its window is exact). Best-first search stops when no open node can beat the best
//! solution (exact) or when the work budget runs out (bounded by the largest open node).

use std::collections::BinaryHeap;
use std::ops::Range;

use super::band::Outcome;
use super::problem::{Problem, RateTable};
use super::solver::Solver;
use super::{EQUALIZED_ODDS_WORK_LIMIT, OptimizeError};
use crate::progress::Progress;

/// The fewest node sweeps the search may spend, however large the data.
const MIN_NODE_SWEEPS: usize = 64;

/// An open node: candidates `first..=last` with the relaxation's bound.
#[derive(Clone, Copy, Debug)]
struct Node {
    bound: f64,
    first: usize,
    last: usize,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Node {}

impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Node {
    /// By bound, then the earlier range first (a max-heap pops the largest).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bound
            .total_cmp(&other.bound)
            .then(other.first.cmp(&self.first))
    }
}

/// Solves equalized odds for `utility`; see the module documentation.
pub(crate) fn solve(
    solver: &Solver<'_>,
    utility: &[f64],
    epsilon: f64,
    progress: &dyn Progress,
) -> Result<Option<Outcome>, OptimizeError> {
    let work_per_sweep = solver.problem.utility.len().max(1);
    let budget = (EQUALIZED_ODDS_WORK_LIMIT / work_per_sweep).max(MIN_NODE_SWEEPS);
    solve_within(solver, utility, epsilon, budget, progress)
}

/// As [`solve`], with at most `budget` node sweeps in the branch and bound.
pub(crate) fn solve_within(
    solver: &Solver<'_>,
    utility: &[f64],
    epsilon: f64,
    budget: usize,
    progress: &dyn Progress,
) -> Result<Option<Outcome>, OptimizeError> {
    let problem = solver.problem;
    let (Some(tpr), Some(fpr)) = (problem.rates.first(), problem.rates.get(1)) else {
        return Ok(None);
    };
    let allowed = &problem.allowed;
    let (Some(tpr_search), Some(fpr_search)) = (
        solver.band(0, utility, allowed),
        solver.band(1, utility, allowed),
    ) else {
        return Ok(None);
    };
    // The TPR-only and FPR-only optima bound equalized odds, and solve it when they happen to
    // meet the other gap too.
    let Some(tpr_only) = tpr_search.best(epsilon, progress)? else {
        return Ok(None);
    };
    if fpr
        .gap(&problem.offsets, &tpr_only.cuts)
        .is_none_or(|g| g <= epsilon)
    {
        return Ok(Some(tpr_only));
    }
    let Some(fpr_only) = fpr_search.best(epsilon, progress)? else {
        return Ok(None);
    };
    if tpr
        .gap(&problem.offsets, &fpr_only.cuts)
        .is_none_or(|g| g <= epsilon)
    {
        return Ok(Some(fpr_only));
    }
    let search = OddsSearch {
        solver,
        utility,
        epsilon,
        budget,
        candidates: tpr_candidates(solver, tpr),
    };
    search.run(&tpr_only, &fpr_only, progress)
}

/// The distinct TPRs of the allowed cuts of groups with positives, ascending.
fn tpr_candidates(solver: &Solver<'_>, tpr: &RateTable) -> Vec<f64> {
    let problem = solver.problem;
    let mut candidates: Vec<f64> = Vec::new();
    for (group, (range, &offset)) in problem.allowed.iter().zip(&problem.offsets).enumerate() {
        if !tpr.defined.get(group).copied().unwrap_or(false) {
            continue;
        }
        candidates.extend(range.clone().filter_map(|cut| tpr.values.get(offset + cut)));
    }
    candidates.sort_by(f64::total_cmp);
    candidates.dedup();
    candidates
}

struct OddsSearch<'s, 'p> {
    solver: &'s Solver<'p>,
    utility: &'s [f64],
    epsilon: f64,
    /// The most node sweeps to spend.
    budget: usize,
    candidates: Vec<f64>,
}

impl OddsSearch<'_, '_> {
    fn problem(&self) -> &Problem<'_> {
        self.solver.problem
    }

    fn tpr(&self) -> Option<&RateTable> {
        self.problem().rates.first()
    }

    fn run(
        &self,
        tpr_only: &Outcome,
        fpr_only: &Outcome,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        let slack = self.problem().slack();
        let last = self.candidates.len().saturating_sub(1);
        let budget = self.budget;
        let mut sweeps = 0usize;
        let mut best: Option<Outcome> = None;
        // Seed with the TPR bands where the two relaxed optima start.
        for seed in [tpr_only, fpr_only] {
            if let Some(lowest) = self.lowest_tpr(&seed.cuts) {
                let at = self.candidates.partition_point(|&c| c < lowest).min(last);
                sweeps += 1;
                if let Some(outcome) = self.evaluate(at, at, progress)? {
                    keep_better(&mut best, outcome);
                }
            }
        }
        let mut open = BinaryHeap::new();
        // The root's relaxation is the FPR-only optimum.
        open.push(Node {
            bound: fpr_only.value,
            first: 0,
            last,
        });
        let mut exhausted = true;
        while let Some(node) = open.pop() {
            if best.as_ref().is_some_and(|b| node.bound <= b.value + slack) {
                break;
            }
            if sweeps >= budget {
                open.push(node);
                exhausted = false;
                break;
            }
            if node.first == node.last {
                continue;
            }
            let middle = node.first + (node.last - node.first) / 2;
            for (first, last) in [(node.first, middle), (middle + 1, node.last)] {
                sweeps += 1;
                let Some(outcome) = self.evaluate(first, last, progress)? else {
                    continue;
                };
                if self.meets_tpr_gap(&outcome.cuts) {
                    keep_better(&mut best, outcome);
                } else if best
                    .as_ref()
                    .is_none_or(|b| outcome.value > b.value + slack)
                {
                    open.push(Node {
                        bound: outcome.value,
                        first,
                        last,
                    });
                }
            }
        }
        let Some(mut best) = best else {
            return if exhausted {
                Ok(None)
            } else {
                Err(OptimizeError::NotFound(format!(
                    "equalized odds within {} after {sweeps} sweeps",
                    self.epsilon
                )))
            };
        };
        let open_bound = open.peek().map_or(f64::NEG_INFINITY, |n| n.bound);
        best.bound = if exhausted {
            best.value
        } else {
            open_bound
                .max(best.value)
                .min(tpr_only.value)
                .min(fpr_only.value)
        };
        Ok(Some(best))
    }

    /// The node's relaxation: the FPR sweep with each group within the union of the TPR windows
    /// of candidates `first..=last`.
    fn evaluate(
        &self,
        first: usize,
        last: usize,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        let Some(ranges) = self.tpr_windows(first, last) else {
            return Ok(None);
        };
        match self.solver.band(1, self.utility, &ranges) {
            Some(search) => search.best(self.epsilon, progress),
            None => Ok(None),
        }
    }

    /// Per group, the allowed cuts with `TPR ≥ C[first]` and `TPR − C[last] ≤ ε`; `None` when a
    /// group with positives has none.
    fn tpr_windows(&self, first: usize, last: usize) -> Option<Vec<Range<usize>>> {
        let problem = self.problem();
        let tpr = self.tpr()?;
        let low = *self.candidates.get(first)?;
        let high = *self.candidates.get(last)?;
        let mut ranges = Vec::with_capacity(problem.group_count());
        for (group, allowed) in problem.allowed.iter().enumerate() {
            if !tpr.defined.get(group).copied().unwrap_or(false) {
                ranges.push(allowed.clone());
                continue;
            }
            let start = *problem.offsets.get(group)?;
            let rates = tpr.values.get(start..start + problem.cut_count(group))?;
            // TPR never increases with the cut.
            let from = rates.partition_point(|&r| r - high > self.epsilon);
            let to = rates.partition_point(|&r| r >= low);
            let range = from.max(allowed.start)..to.min(allowed.end);
            if range.is_empty() {
                return None;
            }
            ranges.push(range);
        }
        Some(ranges)
    }

    fn meets_tpr_gap(&self, cuts: &[usize]) -> bool {
        self.tpr().is_none_or(|tpr| {
            tpr.gap(&self.problem().offsets, cuts)
                .is_none_or(|g| g <= self.epsilon)
        })
    }

    /// The smallest TPR over groups with positives at `cuts`.
    fn lowest_tpr(&self, cuts: &[usize]) -> Option<f64> {
        let tpr = self.tpr()?;
        let offsets = &self.problem().offsets;
        cuts.iter()
            .enumerate()
            .filter(|(g, _)| tpr.defined.get(*g).copied().unwrap_or(false))
            .filter_map(|(g, &cut)| offsets.get(g).and_then(|o| tpr.values.get(o + cut)))
            .copied()
            .reduce(f64::min)
    }
}

fn keep_better(best: &mut Option<Outcome>, outcome: Outcome) {
    if best.as_ref().is_none_or(|b| outcome.value > b.value) {
        *best = Some(outcome);
    }
}
