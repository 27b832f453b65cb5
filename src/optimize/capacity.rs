//! A capacity: at most K selected (in weight), on top of any gap constraint.
//!
//! 1. **Price search.** Pricing each unit of selected weight at λ ≥ 0 separates the groups
//!    again: `D(λ) = max Σ (utility − λ·selected) + λK` over the cuts meeting the gap
//!    constraint bounds the capacity-constrained optimum from above for every λ (a feasible
//!    choice selects at most K, so its priced total is at least its utility minus λK). `D` is
//!    convex and piecewise linear; the search walks its pieces from both sides — from λ = 0
//!    (the unconstrained optimum, over capacity) and from "fewest selected" (within it) — by
//!    intersecting their lines, and keeps the best choice within the capacity met on the way.
//! 2. **Band fills.** For one rate (or none), fixing the band `[L, L + ε]` leaves a
//!    multiple-choice knapsack. Bands are taken in decreasing order of their priced bound at the
//!    best λ and filled greedily along each group's concave envelope of (selected, utility); the
//!    greedy with the first step that does not fit taken fractionally is the band's LP bound.
//!    Once no remaining band's priced bound beats the best fill, the best of the LP bounds bounds
//!    the optimum.
//! 3. **Branch and bound.** When the best choice still falls short of the smallest bound, a
//!    depth-first search over the groups, bounded by priced range maxima within each group's
//!    feasible window, proves or improves it within a work budget.

use super::OptimizeError;
use super::band::Outcome;
use super::problem::Problem;
use super::solver::Solver;
use crate::progress::Progress;

/// The most steps of the search for the best price λ.
const MAX_PRICE_STEPS: usize = 64;

/// The most work (nodes plus cuts tried) the branch and bound spends before settling for the
/// bound.
const WORK_BUDGET: usize = 2_000_000;

/// The most bands the one-rate band search fills.
const BAND_BUDGET: usize = 4096;

/// The branch and bound builds range-max tables (O(N log N) memory): only up to this many cuts.
const MAX_BRANCHING_CUTS: usize = 1 << 18;

/// A candidate choice with its true utility and selected weight.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    /// One cut per group.
    pub cuts: Vec<usize>,
    /// Their total utility.
    pub utility: f64,
    /// Their total selected weight.
    pub selected: f64,
}

impl Candidate {
    fn new(problem: &Problem<'_>, cuts: Vec<usize>) -> Self {
        let (utility, selected) = problem.evaluate(&cuts);
        Self {
            cuts,
            utility,
            selected,
        }
    }
}

/// The best cuts with every gap within `epsilon` and at most `limit` selected; the outcome's bound
/// is the smallest dual bound found (or the exact value when proven optimal).
pub(crate) fn solve_with_capacity(
    solver: &Solver<'_>,
    epsilon: f64,
    limit: f64,
    progress: &dyn Progress,
) -> Result<Outcome, OptimizeError> {
    solve_with_budget(solver, epsilon, limit, WORK_BUDGET, progress)
}

/// As [`solve_with_capacity`], with at most `work_budget` branch-and-bound work (0: the price
/// search and greedy fills alone).
pub(crate) fn solve_with_budget(
    solver: &Solver<'_>,
    epsilon: f64,
    limit: f64,
    work_budget: usize,
    progress: &dyn Progress,
) -> Result<Outcome, OptimizeError> {
    let problem = solver.problem;
    let slack = problem.slack();
    let Some(free) = solver.solve(&problem.utility, epsilon, progress)? else {
        return Err(problem.infeasible(epsilon));
    };
    let mut bound = free.bound;
    let free = Candidate::new(problem, free.cuts);
    if free.selected <= limit {
        return Ok(Outcome {
            value: free.utility,
            cuts: free.cuts,
            bound,
        });
    }
    let fewest_utility: Vec<f64> = problem.selected.iter().map(|s| -s).collect();
    let Some(fewest) = solver.solve(&fewest_utility, epsilon, progress)? else {
        return Err(problem.infeasible(epsilon));
    };
    let least_possible = -fewest.bound;
    let fewest = Candidate::new(problem, fewest.cuts);
    if fewest.selected > limit {
        return Err(if least_possible > limit {
            OptimizeError::Infeasible(format!(
                "the fewest selections that meet the constraint weigh {least_possible}, more \
                 than the capacity {limit}"
            ))
        } else {
            OptimizeError::NotFound(format!("a choice selecting at most {limit}"))
        });
    }
    let (mut over, mut within) = (free, fewest);
    let mut best = within.clone();
    let mut best_price = 0.0;
    for _ in 0..MAX_PRICE_STEPS {
        let spread = over.selected - within.selected;
        if spread <= 0.0 {
            break;
        }
        // Where the two lines u − λ(s − K) meet.
        let price = ((over.utility - within.utility) / spread).max(0.0);
        let meeting = over.utility - price * (over.selected - limit);
        let priced: Vec<f64> = problem
            .utility
            .iter()
            .zip(&problem.selected)
            .map(|(u, s)| u - price * s)
            .collect();
        let Some(outcome) = solver.solve(&priced, epsilon, progress)? else {
            break;
        };
        let dual = outcome.bound + price * limit;
        if dual < bound {
            bound = dual;
            best_price = price;
        }
        let candidate = Candidate::new(problem, outcome.cuts);
        if candidate.selected <= limit && candidate.utility > best.utility {
            best = candidate.clone();
        }
        if dual <= meeting + slack {
            // No piece of D lies above the two lines here: λ minimizes D.
            best_price = price;
            break;
        }
        if candidate.selected > limit {
            if candidate.cuts == over.cuts {
                break;
            }
            over = candidate;
        } else {
            if candidate.cuts == within.cuts {
                break;
            }
            within = candidate;
        }
    }
    // The two choices the price search ended between, filled greedily up to the capacity within
    // their own bands.
    for reference in [&over, &within] {
        if let Some(candidate) =
            fill_band(problem, &reference.cuts, epsilon, limit).and_then(|filled| filled.candidate)
            && candidate.utility > best.utility
        {
            best = candidate;
        }
    }
    if problem.rates.len() <= 1 {
        let (filled, band_bound) =
            search_bands(solver, epsilon, limit, best_price, best.utility, progress)?;
        if let Some(candidate) = filled
            && candidate.utility > best.utility
        {
            best = candidate;
        }
        bound = bound.min(band_bound);
    }
    if best.utility + slack < bound
        && problem.utility.len() <= MAX_BRANCHING_CUTS
        && work_budget > 0
    {
        let mut search = BranchAndBound::new(problem, epsilon, limit, best_price, best.clone());
        search.budget = work_budget;
        if search.run(progress)? {
            bound = search.best.utility;
        }
        best = search.best;
    }
    Ok(Outcome {
        value: best.utility,
        bound: bound.max(best.utility),
        cuts: best.cuts,
    })
}

/// The band search for one rate (or none: a single band holding every cut). A band's best
/// total at `price`, plus λK, bounds what the band can reach within the capacity; bands are
/// filled greedily in decreasing order of that bound until no remaining band can beat the best
/// fill, or [`BAND_BUDGET`] bands are done. Returns the best fill and an upper bound on the
/// optimum: the larger of the best fill, the processed bands' LP bounds and the first skipped
/// band's priced bound.
fn search_bands(
    solver: &Solver<'_>,
    epsilon: f64,
    limit: f64,
    price: f64,
    incumbent: f64,
    progress: &dyn Progress,
) -> Result<(Option<Candidate>, f64), OptimizeError> {
    let problem = solver.problem;
    let slack = problem.slack();
    let bands: Vec<(Vec<Option<f64>>, f64)> = if problem.rates.is_empty() {
        vec![(Vec::new(), f64::INFINITY)]
    } else {
        let priced: Vec<f64> = problem
            .utility
            .iter()
            .zip(&problem.selected)
            .map(|(u, s)| u - price * s)
            .collect();
        let Some(search) = solver.band(0, &priced, &problem.allowed) else {
            return Ok((None, f64::INFINITY));
        };
        let mut bands = search.bands(epsilon, progress)?;
        if bands.is_empty() {
            return Ok((None, f64::INFINITY));
        }
        bands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.total_cmp(&b.0)));
        bands
            .into_iter()
            .map(|(lower, total)| (vec![Some(lower)], total + price * limit))
            .collect()
    };
    let mut best: Option<Candidate> = None;
    let mut best_value = incumbent;
    let mut relaxed = f64::NEG_INFINITY;
    for (done, (lowest, priced_bound)) in bands.into_iter().enumerate() {
        if priced_bound <= best_value + slack {
            return Ok((best, relaxed.max(best_value)));
        }
        if done >= BAND_BUDGET {
            return Ok((best, relaxed.max(priced_bound)));
        }
        if done.is_multiple_of(256) && progress.is_cancelled() {
            return Err(OptimizeError::Cancelled);
        }
        let Some(filled) = fill_bands(problem, &lowest, epsilon, limit) else {
            continue;
        };
        relaxed = relaxed.max(filled.relaxed.min(priced_bound));
        if let Some(candidate) = filled.candidate
            && candidate.utility > best_value
        {
            best_value = candidate.utility;
            best = Some(candidate);
        }
    }
    Ok((best, relaxed.max(best_value)))
}

/// A band filled greedily: the feasible choice, and the band's LP bound (the greedy with the
/// first step that does not fit taken fractionally — the LP optimum of the multiple-choice
/// knapsack over the band).
pub(crate) struct Filled {
    /// The greedy choice, within the capacity.
    pub candidate: Option<Candidate>,
    /// No choice within the band and the capacity has more utility.
    pub relaxed: f64,
}

/// A feasible choice near `reference`: every group keeps to the rate band `reference` spans
/// (so the gaps stay within ε), and within it the capacity is filled greedily, most utility per
/// unit of selected weight first, over each group's concave envelope of (selected, utility) — the
/// classic greedy for the multiple-choice knapsack.
fn fill_band(
    problem: &Problem<'_>,
    reference: &[usize],
    epsilon: f64,
    limit: f64,
) -> Option<Filled> {
    let lowest: Vec<Option<f64>> = problem
        .rates
        .iter()
        .map(|table| {
            reference
                .iter()
                .enumerate()
                .filter(|(g, _)| table.defined.get(*g).copied().unwrap_or(false))
                .filter_map(|(g, &cut)| {
                    problem
                        .offsets
                        .get(g)
                        .and_then(|o| table.values.get(o + cut))
                })
                .copied()
                .reduce(f64::min)
        })
        .collect();
    fill_bands(problem, &lowest, epsilon, limit)
}

/// As [`fill_band`], for the bands starting at `lowest` (one per constrained rate).
pub(crate) fn fill_bands(
    problem: &Problem<'_>,
    lowest: &[Option<f64>],
    epsilon: f64,
    limit: f64,
) -> Option<Filled> {
    let in_band = |group: usize, flat: usize| {
        problem.rates.iter().zip(lowest).all(|(table, low)| {
            match (low, table.defined.get(group).copied().unwrap_or(false)) {
                (Some(low), true) => table
                    .values
                    .get(flat)
                    .is_some_and(|&r| r >= *low && r - low <= epsilon),
                _ => true,
            }
        })
    };
    let band_cuts = |group: usize, offset: usize| {
        let mut range = problem.allowed.get(group).cloned().unwrap_or(0..0);
        let mut check_each = false;
        for (table, low) in problem.rates.iter().zip(lowest) {
            let (Some(low), true) = (low, table.defined.get(group).copied().unwrap_or(false))
            else {
                continue;
            };
            let rates = table
                .values
                .get(offset..offset + problem.cut_count(group))
                .unwrap_or(&[]);
            if table.is_monotone() {
                let from = rates.partition_point(|&r| r - low > epsilon);
                let to = rates.partition_point(|&r| r >= *low);
                range = range.start.max(from)..range.end.min(to);
            } else {
                check_each = true;
            }
        }
        range.filter(move |&cut| !check_each || in_band(group, offset + cut))
    };
    let mut cuts = Vec::with_capacity(problem.group_count());
    let mut steps: Vec<Step> = Vec::new();
    let mut room = limit;
    for group in 0..problem.allowed.len() {
        let offset = *problem.offsets.get(group)?;
        let points: Vec<(f64, f64, usize)> = band_cuts(group, offset)
            .filter_map(|cut| {
                let selected = *problem.selected.get(offset + cut)?;
                let utility = *problem.utility.get(offset + cut)?;
                Some((selected, utility, cut))
            })
            .collect();
        let envelope = rising_envelope(points);
        let &(start_selected, _, start_cut) = envelope.first()?;
        room -= start_selected;
        cuts.push(start_cut);
        steps.extend(envelope.windows(2).enumerate().filter_map(|(rank, pair)| {
            let (&(s0, u0, _), &(s1, u1, cut)) = (pair.first()?, pair.get(1)?);
            Some(Step {
                group,
                rank,
                cut,
                added: s1 - s0,
                gained: u1 - u0,
            })
        }));
    }
    if room < 0.0 {
        return None;
    }
    // Most utility per added weight first; within a group the envelope's steps come in order.
    steps.sort_by(|a, b| {
        (b.gained * a.added)
            .total_cmp(&(a.gained * b.added))
            .then(a.group.cmp(&b.group))
            .then(a.rank.cmp(&b.rank))
    });
    let start_utility: f64 = problem.evaluate(&cuts).0;
    let relaxed = relaxed_fill(start_utility, room, &steps);
    let mut next_rank = vec![0usize; cuts.len()];
    for step in steps {
        let Some(expected) = next_rank.get_mut(step.group) else {
            continue;
        };
        if *expected != step.rank || step.added > room {
            // A step that does not fit blocks the group's later (less efficient) steps.
            *expected = usize::MAX;
            continue;
        }
        room -= step.added;
        *expected += 1;
        if let Some(cut) = cuts.get_mut(step.group) {
            *cut = step.cut;
        }
    }
    let candidate = Candidate::new(problem, cuts);
    Some(Filled {
        candidate: (candidate.selected <= limit).then_some(candidate),
        relaxed,
    })
}

/// The LP optimum of the knapsack over the envelopes: steps in order of efficiency while they
/// fit, then a fraction of the first that does not.
fn relaxed_fill(start_utility: f64, mut room: f64, steps: &[Step]) -> f64 {
    let mut relaxed = start_utility;
    for step in steps {
        if step.added <= room {
            room -= step.added;
            relaxed += step.gained;
        } else {
            relaxed += step.gained * (room / step.added);
            break;
        }
    }
    relaxed
}

/// One move along a group's envelope: to `cut`, adding `added` selected weight for `gained`
/// utility.
struct Step {
    group: usize,
    rank: usize,
    cut: usize,
    added: f64,
    gained: f64,
}

/// From the fewest-selected point (the best utility among those), the upper concave envelope of
/// (selected, utility) points as long as utility rises.
fn rising_envelope(mut points: Vec<(f64, f64, usize)>) -> Vec<(f64, f64, usize)> {
    points.sort_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(b.2.cmp(&a.2))
    });
    points.dedup_by(|next, kept| next.0 == kept.0);
    let mut hull: Vec<(f64, f64, usize)> = Vec::with_capacity(points.len());
    for point in points {
        if hull.last().is_some_and(|last| point.1 <= last.1) {
            continue;
        }
        while let [.., o, a] = hull.as_slice()
            && (a.0 - o.0) * (point.1 - o.1) - (a.1 - o.1) * (point.0 - o.0) >= 0.0
        {
            hull.pop();
        }
        hull.push(point);
    }
    hull
}

/// Range maxima in O(1) after O(n log n) preparation.
struct RangeMax {
    levels: Vec<Vec<f64>>,
}

impl RangeMax {
    fn new(values: Vec<f64>) -> Self {
        let mut levels = vec![values];
        let mut width = 1;
        // Level k holds the maxima of the windows [i, i + 2^k).
        while let Some(previous) = levels.last()
            && width < previous.len()
        {
            let next: Vec<f64> = (0..previous.len() - width)
                .map(|i| {
                    let a = previous.get(i).copied().unwrap_or(f64::NEG_INFINITY);
                    let b = previous
                        .get(i + width)
                        .copied()
                        .unwrap_or(f64::NEG_INFINITY);
                    a.max(b)
                })
                .collect();
            levels.push(next);
            width *= 2;
        }
        Self { levels }
    }

    /// The maximum over `range`; −∞ when empty.
    fn max(&self, range: std::ops::Range<usize>) -> f64 {
        if range.is_empty() {
            return f64::NEG_INFINITY;
        }
        let length = range.end - range.start;
        let level = (usize::BITS - 1 - length.leading_zeros()) as usize;
        let Some(row) = self.levels.get(level) else {
            return f64::NEG_INFINITY;
        };
        let a = row.get(range.start).copied().unwrap_or(f64::NEG_INFINITY);
        let b = row
            .get(range.end - (1 << level))
            .copied()
            .unwrap_or(f64::NEG_INFINITY);
        a.max(b)
    }
}

/// Depth-first branch and bound over the groups (heaviest first), each node bounded by the priced
/// utilities: what is fixed so far, plus λ times the capacity left, plus every remaining group's
/// best priced cut within the rate window the fixed groups leave it.
struct BranchAndBound<'p> {
    problem: &'p Problem<'p>,
    epsilon: f64,
    limit: f64,
    price: f64,
    slack: f64,
    /// Groups in branching order.
    order: Vec<usize>,
    /// Per group: its allowed cuts, best priced first.
    options: Vec<Vec<usize>>,
    /// Per group: range maxima of the priced utility over its cuts (−∞ where not allowed).
    maxima: Vec<RangeMax>,
    cuts: Vec<usize>,
    best: Candidate,
    /// Nodes visited plus cuts tried so far.
    work: usize,
    /// The most work to spend.
    budget: usize,
}

/// The partial choice at a node.
#[derive(Clone)]
struct Partial {
    utility: f64,
    selected: f64,
    /// Per constrained rate: the lowest and highest rate chosen so far.
    ranges: Vec<Option<(f64, f64)>>,
}

impl<'p> BranchAndBound<'p> {
    fn new(
        problem: &'p Problem<'p>,
        epsilon: f64,
        limit: f64,
        price: f64,
        best: Candidate,
    ) -> Self {
        let groups = problem.group_count();
        let priced = |flat: usize| {
            problem
                .utility
                .get(flat)
                .copied()
                .unwrap_or(f64::NEG_INFINITY)
                - price * problem.selected.get(flat).copied().unwrap_or(0.0)
        };
        let mut order: Vec<usize> = (0..groups).collect();
        let weight = |g: usize| problem.group_weights.get(g).copied().unwrap_or(0.0);
        order.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)).then(a.cmp(&b)));
        let mut options = Vec::with_capacity(groups);
        let mut maxima = Vec::with_capacity(groups);
        for (group, allowed) in problem.allowed.iter().enumerate() {
            let offset = problem.offsets.get(group).copied().unwrap_or(0);
            let mut cuts: Vec<usize> = allowed.clone().collect();
            cuts.sort_by(|&a, &b| {
                priced(offset + b)
                    .total_cmp(&priced(offset + a))
                    .then(b.cmp(&a))
            });
            options.push(cuts);
            let values = (0..problem.cut_count(group))
                .map(|cut| {
                    if allowed.contains(&cut) {
                        priced(offset + cut)
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect();
            maxima.push(RangeMax::new(values));
        }
        Self {
            problem,
            epsilon,
            limit,
            price,
            slack: problem.slack(),
            order,
            options,
            maxima,
            cuts: vec![0; groups],
            best,
            work: 0,
            budget: WORK_BUDGET,
        }
    }

    /// Searches the whole tree; `Ok(true)` when it finished (the best is then optimal).
    fn run(&mut self, progress: &dyn Progress) -> Result<bool, OptimizeError> {
        let partial = Partial {
            utility: 0.0,
            selected: 0.0,
            ranges: vec![None; self.problem.rates.len()],
        };
        self.descend(0, &partial, progress)
    }

    fn descend(
        &mut self,
        depth: usize,
        partial: &Partial,
        progress: &dyn Progress,
    ) -> Result<bool, OptimizeError> {
        self.work += 1;
        if self.work > self.budget {
            return Ok(false);
        }
        if self.work.is_multiple_of(4096) && progress.is_cancelled() {
            return Err(OptimizeError::Cancelled);
        }
        let Some(&group) = self.order.get(depth) else {
            if partial.utility > self.best.utility + self.slack {
                self.best = Candidate::new(self.problem, self.cuts.clone());
            }
            return Ok(true);
        };
        let mut rest = 0.0;
        for &other in self.order.iter().skip(depth + 1) {
            rest += self.window_max(other, &partial.ranges);
        }
        if rest == f64::NEG_INFINITY {
            return Ok(true);
        }
        let base = partial.utility - self.price * partial.selected + self.price * self.limit;
        let offset = self.problem.offsets.get(group).copied().unwrap_or(0);
        // A narrow window is sorted afresh; a wide one skips through the presorted options.
        let window = self.window(group, &partial.ranges);
        let local: Option<Vec<usize>> =
            (window.len() * 4 < self.problem.cut_count(group)).then(|| {
                let mut cuts: Vec<usize> = window.clone().collect();
                let priced = |cut: usize| self.priced(offset + cut);
                cuts.sort_by(|&a, &b| priced(b).total_cmp(&priced(a)).then(b.cmp(&a)));
                cuts
            });
        let option_count = local
            .as_ref()
            .map_or_else(|| self.options.get(group).map_or(0, Vec::len), Vec::len);
        for position in 0..option_count {
            self.work += 1;
            if self.work > self.budget {
                return Ok(false);
            }
            let cut = match &local {
                Some(cuts) => cuts.get(position),
                None => self.options.get(group).and_then(|o| o.get(position)),
            };
            let Some(&cut) = cut else {
                break;
            };
            if !window.contains(&cut) {
                continue;
            }
            let flat = offset + cut;
            let utility = self.problem.utility.get(flat).copied().unwrap_or(0.0);
            let selected = self.problem.selected.get(flat).copied().unwrap_or(0.0);
            if base + (utility - self.price * selected) + rest <= self.best.utility + self.slack {
                break;
            }
            let total_selected = partial.selected + selected;
            if total_selected > self.limit {
                continue;
            }
            let Some(ranges) = self.extend_ranges(group, flat, &partial.ranges) else {
                continue;
            };
            if let Some(slot) = self.cuts.get_mut(group) {
                *slot = cut;
            }
            let child = Partial {
                utility: partial.utility + utility,
                selected: total_selected,
                ranges,
            };
            if !self.descend(depth + 1, &child, progress)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The rate ranges with `group`'s cut added; `None` when a gap would exceed ε.
    fn extend_ranges(
        &self,
        group: usize,
        flat: usize,
        ranges: &[Option<(f64, f64)>],
    ) -> Option<Vec<Option<(f64, f64)>>> {
        let mut extended = ranges.to_vec();
        for (table, range) in self.problem.rates.iter().zip(&mut extended) {
            if !table.defined.get(group).copied().unwrap_or(false) {
                continue;
            }
            let rate = *table.values.get(flat)?;
            let (lo, hi) = range.map_or((rate, rate), |(lo, hi)| (lo.min(rate), hi.max(rate)));
            if hi - lo > self.epsilon {
                return None;
            }
            *range = Some((lo, hi));
        }
        Some(extended)
    }

    /// The priced utility of a flat cut.
    fn priced(&self, flat: usize) -> f64 {
        self.problem
            .utility
            .get(flat)
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
            - self.price * self.problem.selected.get(flat).copied().unwrap_or(0.0)
    }

    /// The best priced cut of `group` within its [`window`](Self::window).
    fn window_max(&self, group: usize, ranges: &[Option<(f64, f64)>]) -> f64 {
        self.maxima
            .get(group)
            .map_or(f64::NEG_INFINITY, |m| m.max(self.window(group, ranges)))
    }

    /// The allowed cuts of `group` that keep every monotone rate's gap within ε given the chosen
    /// `ranges` (accuracy, not monotone, is only checked when branching).
    fn window(&self, group: usize, ranges: &[Option<(f64, f64)>]) -> std::ops::Range<usize> {
        let Some(allowed) = self.problem.allowed.get(group) else {
            return 0..0;
        };
        let mut window = allowed.clone();
        let start = self.problem.offsets.get(group).copied().unwrap_or(0);
        let end = start + self.problem.cut_count(group);
        for (table, range) in self.problem.rates.iter().zip(ranges) {
            let (Some((lo, hi)), true, true) = (
                range,
                table.is_monotone(),
                table.defined.get(group).copied().unwrap_or(false),
            ) else {
                continue;
            };
            let Some(rates) = table.values.get(start..end) else {
                continue;
            };
            let from = rates.partition_point(|&r| r - lo > self.epsilon);
            let to = rates.partition_point(|&r| hi - r <= self.epsilon);
            window = window.start.max(from)..window.end.min(to);
        }
        window
    }
}

#[cfg(test)]
mod tests {
    use super::RangeMax;

    #[test]
    fn range_maxima_equal_a_scan() {
        let values: Vec<f64> = (0..37).map(|i| f64::from((i * 17) % 23)).collect();
        let table = RangeMax::new(values.clone());
        for start in 0..values.len() {
            for end in start..=values.len() {
                let scan = values[start..end]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                assert_eq!(table.max(start..end), scan, "{start}..{end}");
            }
        }
    }
}
