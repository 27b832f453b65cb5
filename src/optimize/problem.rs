//! The problem in flat arrays: for every cut of every group its utility, selected weight and
//! constrained rates, so that the solvers never go back to the curves. Cut `c` of group `g` is
//! entry `offsets[g] + c` of every flat array.

use std::ops::Range;

use super::{Constraint, Guarantee, Objective, OptimizeError, Solution};
use crate::engine::{ConfusionCounts, Convention, DecisionRule, GroupIndex, Metric};

/// Relative slack under which two utilities count as equal when deciding exactness and pruning:
/// far above summation rounding, far below anything a user could see.
const RELATIVE_SLACK: f64 = 1e-12;

/// A rate's value at every cut (the gap constraint applies to it).
pub(crate) struct RateTable {
    /// Which rate.
    pub metric: Metric,
    /// Per flat cut; 0 for groups where the rate is undefined.
    pub values: Vec<f64>,
    /// Per group: whether the rate has a non-zero denominator. The denominator does not depend
    /// on the cut, so a group either always or never constrains the gap.
    pub defined: Vec<bool>,
}

impl RateTable {
    /// Whether the rate never increases as the cut grows (all but accuracy), so that each band
    /// is a contiguous range of cuts.
    pub fn is_monotone(&self) -> bool {
        self.metric != Metric::Accuracy
    }

    /// The gap (max − min) of the defined rates at `cuts`, as the audit computes it.
    pub fn gap(&self, offsets: &[usize], cuts: &[usize]) -> Option<f64> {
        let mut range: Option<(f64, f64)> = None;
        for (group, &cut) in cuts.iter().enumerate() {
            if !self.defined.get(group).copied().unwrap_or(false) {
                continue;
            }
            let Some(&rate) = offsets.get(group).and_then(|o| self.values.get(o + cut)) else {
                continue;
            };
            range = Some(range.map_or((rate, rate), |(lo, hi)| (lo.min(rate), hi.max(rate))));
        }
        range.map(|(lo, hi)| hi - lo)
    }
}

/// Everything about the groups' cuts that does not change between solves: utilities, selected
/// weights and constrained rates, tabulated once per index, constraint and objective.
pub(crate) struct Tables {
    /// The constraint (its rates are in `rates`).
    pub constraint: Constraint,
    /// What is optimized.
    pub objective: Objective,
    /// How thresholds are applied.
    pub rule: DecisionRule,
    /// Where each group's cuts start in the flat arrays; one more entry at the end.
    pub offsets: Vec<usize>,
    /// `−(a·FP + b·FN)` per flat cut: the quantity maximized.
    pub utility: Vec<f64>,
    /// Selected weight per flat cut.
    pub selected: Vec<f64>,
    /// The constrained rates (none, one, or TPR and FPR for equalized odds).
    pub rates: Vec<RateTable>,
    /// Total weight of each group.
    pub group_weights: Vec<f64>,
    /// Each group's key, for messages.
    pub keys: Vec<String>,
    /// Total weight of every group.
    pub total_weight: f64,
}

impl Tables {
    /// Tabulates every cut of every group of `index`.
    pub fn new(
        index: &GroupIndex,
        constraint: Constraint,
        objective: Objective,
        rule: DecisionRule,
    ) -> Result<Self, OptimizeError> {
        let groups = index.groups();
        let mut offsets = Vec::with_capacity(groups.len() + 1);
        let mut total = 0usize;
        for group in groups {
            offsets.push(total);
            total += group.curve.cut_count();
        }
        offsets.push(total);
        if u32::try_from(total).is_err() {
            return Err(OptimizeError::TooLarge(total));
        }
        let (fp_cost, fn_cost) = objective.costs();
        let mut utility = Vec::with_capacity(total);
        let mut selected = Vec::with_capacity(total);
        let mut rates: Vec<RateTable> = constraint
            .gap_metrics()
            .iter()
            .map(|&metric| RateTable {
                metric,
                values: Vec::with_capacity(total),
                defined: Vec::with_capacity(groups.len()),
            })
            .collect();
        for group in groups {
            let curve = &group.curve;
            for table in &mut rates {
                let whole = curve.counts_at_cut(0);
                table.defined.push(rate(table.metric, &whole).is_some());
            }
            for cut in 0..curve.cut_count() {
                let counts = curve.counts_at_cut(cut);
                utility.push(-(fp_cost * counts.fp + fn_cost * counts.fn_));
                selected.push(counts.selected());
                for table in &mut rates {
                    table
                        .values
                        .push(rate(table.metric, &counts).unwrap_or(0.0));
                }
            }
        }
        Ok(Self {
            constraint,
            objective,
            rule,
            offsets,
            utility,
            selected,
            rates,
            group_weights: groups.iter().map(|g| g.curve.weight()).collect(),
            keys: groups.iter().map(|g| g.key.clone()).collect(),
            total_weight: index.total_weight(),
        })
    }

    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of cuts of group `g`.
    pub fn cut_count(&self, group: usize) -> usize {
        match (self.offsets.get(group), self.offsets.get(group + 1)) {
            (Some(start), Some(end)) => end - start,
            _ => 0,
        }
    }

    /// The absolute slack for comparing total utilities (see [`RELATIVE_SLACK`]).
    pub fn slack(&self) -> f64 {
        let (fp_cost, fn_cost) = self.objective.costs();
        RELATIVE_SLACK * (self.total_weight * fp_cost.max(fn_cost)).max(1.0)
    }

    /// Total utility and selected weight of one cut per group, summed in group order.
    pub fn evaluate(&self, cuts: &[usize]) -> (f64, f64) {
        let mut utility = 0.0;
        let mut selected = 0.0;
        for (&offset, &cut) in self.offsets.iter().zip(cuts) {
            utility += self.utility.get(offset + cut).copied().unwrap_or(0.0);
            selected += self.selected.get(offset + cut).copied().unwrap_or(0.0);
        }
        (utility, selected)
    }

    /// Whether every constrained gap at `cuts` is within `epsilon`.
    #[cfg(test)]
    pub fn is_feasible(&self, cuts: &[usize], epsilon: f64) -> bool {
        self.rates.iter().all(|table| {
            table
                .gap(&self.offsets, cuts)
                .is_none_or(|gap| gap <= epsilon)
        })
    }

    fn key(&self, group: usize) -> &str {
        self.keys.get(group).map_or("?", String::as_str)
    }
}

/// One solve's problem: the tables, with some groups possibly fixed to one cut.
pub(crate) struct Problem<'t> {
    /// The tabulated cuts.
    pub tables: &'t Tables,
    /// Per group, the cuts it may take: all of them, or the one its fixed threshold makes.
    pub allowed: Vec<Range<usize>>,
    /// Per group, whether its threshold is fixed.
    pub fixed: Vec<bool>,
}

impl std::ops::Deref for Problem<'_> {
    type Target = Tables;

    fn deref(&self) -> &Tables {
        self.tables
    }
}

impl<'t> Problem<'t> {
    /// Every group free: all its cuts allowed.
    pub fn free(tables: &'t Tables) -> Self {
        let groups = tables.group_count();
        Self {
            tables,
            allowed: (0..groups).map(|g| 0..tables.cut_count(g)).collect(),
            fixed: vec![false; groups],
        }
    }

    /// `fixed` pins groups of `index` (the index the tables were made from) to the cut their
    /// threshold makes.
    pub fn with_fixed(
        tables: &'t Tables,
        index: &GroupIndex,
        fixed: &[(usize, f64)],
    ) -> Result<Self, OptimizeError> {
        let mut problem = Self::free(tables);
        let groups = index.groups();
        for &(group_id, threshold) in fixed {
            let (Some(group), Some(range), Some(flag)) = (
                groups.get(group_id),
                problem.allowed.get_mut(group_id),
                problem.fixed.get_mut(group_id),
            ) else {
                return Err(OptimizeError::UnknownFixedGroup {
                    group: group_id,
                    groups: groups.len(),
                });
            };
            let cut = group.curve.cut_at(threshold, tables.rule);
            if *flag && range.start != cut {
                return Err(OptimizeError::Infeasible(format!(
                    "group `{}` is fixed at two thresholds that select differently",
                    group.key
                )));
            }
            *flag = true;
            *range = cut..cut + 1;
        }
        Ok(problem)
    }

    /// Fails when the fixed groups alone already break a gap constraint, naming the two groups.
    pub fn check_fixed_gaps(&self, epsilon: f64) -> Result<(), OptimizeError> {
        for table in &self.rates {
            let fixed_rates: Vec<(usize, f64)> = (0..self.group_count())
                .filter(|&g| {
                    self.fixed.get(g).copied().unwrap_or(false)
                        && table.defined.get(g).copied().unwrap_or(false)
                })
                .filter_map(|g| {
                    let start = self.allowed.get(g)?.start;
                    let rate = self
                        .offsets
                        .get(g)
                        .and_then(|o| table.values.get(o + start))?;
                    Some((g, *rate))
                })
                .collect();
            let low = fixed_rates.iter().min_by(|a, b| a.1.total_cmp(&b.1));
            let high = fixed_rates.iter().max_by(|a, b| a.1.total_cmp(&b.1));
            if let (Some(&(lo_group, lo)), Some(&(hi_group, hi))) = (low, high)
                && hi - lo > epsilon
            {
                return Err(OptimizeError::Infeasible(format!(
                    "the fixed groups `{}` ({} {lo:.4}) and `{}` ({hi:.4}) already differ by {:.4}, \
                     more than the tolerance {epsilon}",
                    self.key(lo_group),
                    gap_name(table.metric),
                    self.key(hi_group),
                    hi - lo,
                )));
            }
        }
        Ok(())
    }

    /// The error for a gap constraint no cuts satisfy.
    pub fn infeasible(&self, epsilon: f64) -> OptimizeError {
        let names: Vec<&str> = self.rates.iter().map(|t| gap_name(t.metric)).collect();
        OptimizeError::Infeasible(format!(
            "no thresholds keep the {} gap within {epsilon}",
            names.join(" and ")
        ))
    }
}

impl Tables {
    /// The solution for one cut per group of `index` (the index the tables were made from);
    /// `bound` is an upper bound on the total utility of any feasible choice (exact when the
    /// cuts reach it).
    pub fn solution(&self, index: &GroupIndex, cuts: &[usize], bound: f64) -> Solution {
        let thresholds = index
            .groups()
            .iter()
            .zip(cuts)
            .map(|(g, &cut)| g.curve.threshold_for_cut(cut, self.rule))
            .collect();
        solution_at(
            index,
            self.constraint,
            self.objective,
            self.rule,
            thresholds,
            Some(bound),
        )
    }
}

/// How a gap is named in messages.
fn gap_name(metric: Metric) -> &'static str {
    match metric {
        Metric::SelectionRate => "selection-rate",
        Metric::Accuracy => "accuracy",
        other => other.label(),
    }
}

/// A rate at one cut; `None` when its denominator is 0. The single definition every solver and
/// check uses, identical to the audit's.
pub(crate) fn rate(metric: Metric, counts: &ConfusionCounts) -> Option<f64> {
    metric.fraction(counts, 0.0).and_then(|f| f.value())
}

/// What `thresholds` achieve, computed from the curves as the audit would. `bound` (a total
/// utility no feasible choice exceeds) decides the guarantee: exact when the thresholds reach it
/// (or when there is none).
pub(crate) fn solution_at(
    index: &GroupIndex,
    constraint: Constraint,
    objective: Objective,
    rule: DecisionRule,
    thresholds: Vec<f64>,
    bound: Option<f64>,
) -> Solution {
    let counts = index.counts(&thresholds, rule);
    let cuts = index
        .groups()
        .iter()
        .zip(&thresholds)
        .map(|(g, &t)| g.curve.cut_at(t, rule))
        .collect();
    let (fp_cost, fn_cost) = objective.costs();
    let total = counts
        .iter()
        .fold(ConfusionCounts::default(), |acc, c| acc.add(c));
    let utility = counts
        .iter()
        .map(|c| -(fp_cost * c.fp + fn_cost * c.fn_))
        .sum::<f64>();
    let total_weight = total.total();
    let gap = constraint
        .gap_metrics()
        .iter()
        .filter_map(|&metric| {
            let values: Vec<Option<f64>> = counts.iter().map(|c| rate(metric, c)).collect();
            Convention::Native.difference(&values)
        })
        .reduce(f64::max);
    let slack = RELATIVE_SLACK * (total_weight * fp_cost.max(fn_cost)).max(1.0);
    let guarantee = match bound {
        Some(bound) if bound > utility + slack => Guarantee::Bounded {
            bound: objective.objective_of(bound, total_weight),
        },
        _ => Guarantee::Exact,
    };
    let accuracy = if total_weight > 0.0 {
        total.correct() / total_weight
    } else {
        0.0
    };
    Solution {
        thresholds,
        cuts,
        // Accuracy straight from the counts, as the audit reports it.
        objective: match objective {
            Objective::Accuracy => accuracy,
            Objective::Cost { .. } if total_weight > 0.0 => {
                objective.objective_of(utility, total_weight)
            }
            Objective::Cost { .. } => 0.0,
        },
        accuracy,
        gap,
        selected: total.selected(),
        guarantee,
    }
}
