//! The best band by branch and bound over band starts, for a frontier, where every group is free
//! to take any cut and the same utilities are searched at many tolerances.
//!
//! The sweep (`band`) visits every candidate start `L` (every cut's rate) and keeps each group's
//! best cut in `[L, L + ε]` as the window slides: O(N) per tolerance. Here the total at any one
//! start is computed directly instead — each group's cuts in rate order with a range-maximum
//! structure over their utilities, so a group's best in a band is two binary searches and one
//! range maximum — and whole ranges of starts are bounded at once: for starts in
//! `[L_i, L_j]`, each group's best over `[L_i, L_j + ε]` is at least its best in any of their
//! bands, so the sum of those maxima bounds every total in the range. Ranges whose bound
//! cannot beat the best total found are dropped, best bound first; the rest are split until
//! they are small enough to evaluate start by start.
//!
//! The answer is the sweep's, exactly: the same totals (each group's best is one of its
//! utilities, summed by the same [`SumTree`] in the same order), the same maximum, and the same
//! lowest start reaching it (a range whose bound only ties the best is still searched when it
//! starts lower). Floating-point addition is monotone, so a bound is never below a total it
//! bounds. A property test compares every answer with the sweep's.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::OptimizeError;
use super::band::{RateOrder, SumTree};
use super::problem::RateTable;
use crate::progress::Progress;

/// Ranges of at most this many starts are evaluated start by start.
const LEAF_STARTS: usize = 16;

/// Utilities are grouped in blocks of this many for the range maximum: a query scans at most
/// two partial blocks and reads two entries of the blocks' sparse table.
const BLOCK: usize = 32;

/// How many ranges are searched between two cancellation checks.
const CANCEL_CHECK_INTERVAL: usize = 1 << 12;

/// A range-maximum structure: the values, the maxima of blocks of [`BLOCK`] values, and a
/// sparse table over those blocks (level `k` holds the maximum of `2^k` blocks from each one).
struct RangeMax {
    values: Vec<f64>,
    levels: Vec<Vec<f64>>,
}

impl RangeMax {
    fn new(values: Vec<f64>) -> Self {
        let blocks: Vec<f64> = values
            .chunks(BLOCK)
            .map(|chunk| chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max))
            .collect();
        let mut levels = vec![blocks];
        let mut width = 1;
        while let Some(last) = levels.last()
            && width < last.len()
        {
            // Level k holds the maximum of 2^k blocks from each block on; the next, 2^(k+1).
            let next: Vec<f64> = (0..last.len() - width)
                .map(|i| {
                    let a = last.get(i).copied().unwrap_or(f64::NEG_INFINITY);
                    let b = last.get(i + width).copied().unwrap_or(f64::NEG_INFINITY);
                    a.max(b)
                })
                .collect();
            levels.push(next);
            width *= 2;
        }
        Self { values, levels }
    }

    /// The largest value in `range` (−∞ when it is empty). Exact: it is one of the values.
    fn max(&self, start: usize, end: usize) -> f64 {
        if start >= end {
            return f64::NEG_INFINITY;
        }
        let scan = |a: usize, b: usize| {
            self.values.get(a..b).map_or(f64::NEG_INFINITY, |v| {
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            })
        };
        let first_block = start / BLOCK;
        let last_block = (end - 1) / BLOCK;
        if first_block == last_block {
            return scan(start, end);
        }
        let mut best = scan(start, (first_block + 1) * BLOCK).max(scan(last_block * BLOCK, end));
        // Whole blocks strictly between.
        let (from, to) = (first_block + 1, last_block);
        if from < to {
            let count = to - from;
            let level = (usize::BITS - 1 - count.leading_zeros()) as usize;
            if let Some(table) = self.levels.get(level) {
                let a = table.get(from).copied().unwrap_or(f64::NEG_INFINITY);
                let b = table
                    .get(to - (1 << level))
                    .copied()
                    .unwrap_or(f64::NEG_INFINITY);
                best = best.max(a).max(b);
            }
        }
        best
    }
}

/// One group's cuts in ascending rate order (the merged order's), with their utilities.
struct GroupCuts {
    rates: Vec<f64>,
    utilities: RangeMax,
}

impl GroupCuts {
    /// The group's best utility over the cuts with `rate ≥ low` and `rate − high ≤ ε` (the
    /// sweep's own tests for entering and leaving a window; −∞ when there are none).
    fn best(&self, low: f64, high: f64, epsilon: f64) -> f64 {
        let start = self.rates.partition_point(|&rate| rate < low);
        let end = self.rates.partition_point(|&rate| rate - high <= epsilon);
        self.utilities.max(start, end.max(start))
    }
}

/// What a frontier's searches share for one rate and one utility vector: each group's cuts in
/// rate order with a range maximum over their utilities, and the candidate band starts.
pub(crate) struct BandIndex {
    /// Per group: its cuts when its rate is constrained (defined), else its best utility.
    groups: Vec<Result<GroupCuts, f64>>,
    /// Every cut's rate, ascending, each once: the starts the sweep tries.
    starts: Vec<f64>,
}

impl BandIndex {
    /// Builds the index from the merged order of the constrained rate and the utilities.
    pub fn new(table: &RateTable, order: &RateOrder, utility: &[f64], offsets: &[usize]) -> Self {
        let group_count = offsets.len().saturating_sub(1);
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); group_count];
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); group_count];
        let mut starts: Vec<f64> = Vec::with_capacity(order.entries.len());
        for entry in &order.entries {
            let group = entry.group as usize;
            if let (Some(r), Some(v)) = (rates.get_mut(group), values.get_mut(group)) {
                r.push(entry.rate);
                v.push(
                    utility
                        .get(entry.flat as usize)
                        .copied()
                        .unwrap_or(f64::NEG_INFINITY),
                );
            }
            // The sweep skips a start equal to the one before it.
            if starts.last() != Some(&entry.rate) {
                starts.push(entry.rate);
            }
        }
        let groups = rates
            .into_iter()
            .zip(values)
            .enumerate()
            .map(|(group, (rates, values))| {
                if table.defined.get(group).copied().unwrap_or(false) {
                    Ok(GroupCuts {
                        rates,
                        utilities: RangeMax::new(values),
                    })
                } else {
                    // Free of the constraint: its best cut anywhere.
                    let cuts = offsets.get(group).copied().unwrap_or(0)
                        ..offsets.get(group + 1).copied().unwrap_or(0);
                    Err(utility.get(cuts).map_or(f64::NEG_INFINITY, |u| {
                        u.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    }))
                }
            })
            .collect();
        Self { groups, starts }
    }

    /// The sum, in group order, of each group's best over `[low, high + ε]` — the total at the
    /// start `low` when `high == low`, a bound on the totals of every start in `[low, high]`
    /// otherwise.
    fn total(&self, tree: &mut SumTree, low: f64, high: f64, epsilon: f64) -> f64 {
        for (group, cuts) in self.groups.iter().enumerate() {
            let leaf = match cuts {
                Ok(cuts) => cuts.best(low, high, epsilon),
                Err(best) => *best,
            };
            tree.set(group, leaf);
        }
        tree.total()
    }

    /// The lowest start whose band `[L, L + ε]` has the largest total, as the sweep over every
    /// start finds it; `None` when no band admits every constrained group.
    pub fn best_start(
        &self,
        epsilon: f64,
        progress: &dyn Progress,
    ) -> Result<Option<f64>, OptimizeError> {
        let mut tree = SumTree::new(self.groups.len());
        let range_bound = |tree: &mut SumTree, range: (usize, usize)| {
            let low = self.starts.get(range.0).copied().unwrap_or(f64::NAN);
            let high = self.starts.get(range.1 - 1).copied().unwrap_or(f64::NAN);
            self.total(tree, low, high, epsilon)
        };
        let mut best: Option<(f64, usize)> = None;
        let mut queue = BinaryHeap::new();
        if !self.starts.is_empty() {
            let whole = (0, self.starts.len());
            queue.push(Candidate {
                bound: range_bound(&mut tree, whole),
                range: whole,
            });
        }
        let mut searched = 0usize;
        while let Some(Candidate { bound, range }) = queue.pop() {
            searched += 1;
            if searched.is_multiple_of(CANCEL_CHECK_INTERVAL) && progress.is_cancelled() {
                return Err(OptimizeError::Cancelled);
            }
            if !could_improve(bound, range.0, best) {
                continue;
            }
            if range.1 - range.0 <= LEAF_STARTS {
                for position in range.0..range.1 {
                    let start = self.starts.get(position).copied().unwrap_or(f64::NAN);
                    let total = self.total(&mut tree, start, start, epsilon);
                    if improves(total, position, best) {
                        best = Some((total, position));
                    }
                }
                continue;
            }
            let middle = range.0 + (range.1 - range.0) / 2;
            for half in [(range.0, middle), (middle, range.1)] {
                let bound = range_bound(&mut tree, half);
                if could_improve(bound, half.0, best) {
                    queue.push(Candidate { bound, range: half });
                }
            }
        }
        Ok(best.and_then(|(_, position)| self.starts.get(position).copied()))
    }
}

/// Whether a start at `position` with `total` beats the best so far: a larger total, or the same
/// at a lower start (a total of −∞ is infeasible and never best).
fn improves(total: f64, position: usize, best: Option<(f64, usize)>) -> bool {
    match best {
        None => total > f64::NEG_INFINITY,
        Some((best_total, best_position)) => {
            total > best_total || (total == best_total && position < best_position)
        }
    }
}

/// Whether a range of starts from `first` whose totals are at most `bound` may hold a start that
/// [`improves`] on the best so far.
fn could_improve(bound: f64, first: usize, best: Option<(f64, usize)>) -> bool {
    improves(bound, first, best)
}

/// A range of starts waiting in the queue, with its bound.
struct Candidate {
    bound: f64,
    range: (usize, usize),
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    /// The larger bound first; on a tie, the lower range (it decides ties between totals).
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .total_cmp(&other.bound)
            .then_with(|| other.range.0.cmp(&self.range.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every range of 1,200 values (38 blocks, so six levels of the sparse table), against a
    /// running maximum.
    #[test]
    fn the_range_maximum_is_the_largest_value_of_every_range() {
        let values: Vec<f64> = (0..1200u32)
            .map(|i| f64::from((i * 7919 + 11) % 1009) - 500.0)
            .collect();
        let table = RangeMax::new(values.clone());
        for start in 0..values.len() {
            assert_eq!(table.max(start, start), f64::NEG_INFINITY);
            let mut expected = f64::NEG_INFINITY;
            for end in start + 1..=values.len() {
                expected = expected.max(values[end - 1]);
                assert_eq!(table.max(start, end), expected, "{start}..{end}");
            }
        }
    }
}
