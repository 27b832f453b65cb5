//! The exact one-rate solver: the best choice of one cut per group with every constrained rate
//! in a band `[L, L + ε]`, swept over every candidate `L` with per-group sliding-window maxima.
//! See the documentation of `crate::optimize` for why this is exact.

use std::cell::RefCell;
use std::ops::Range;

use super::OptimizeError;
use super::problem::RateTable;
use crate::progress::Progress;

/// How many merged cuts the sweep visits between two cancellation checks.
const CANCEL_CHECK_INTERVAL: usize = 1 << 16;

/// A sweep's two buffers, one entry per cut: the utilities in merged order and the windows'
/// deques.
#[derive(Default)]
struct SweepBuffers {
    utilities: Vec<f64>,
    slots: Vec<Slot>,
}

thread_local! {
    /// The buffers of the last sweep on this thread, reused by the next: a frontier sweeps the
    /// same cuts once per tolerance, and fresh buffers of a million cuts cost more in page faults
    /// (the kernel zeroing 24 MB of new pages) than a good part of the sweep itself. Taken out
    /// while a sweep runs, so a sweep inside a sweep simply allocates its own.
    static SWEEP_BUFFERS: RefCell<SweepBuffers> = RefCell::new(SweepBuffers::default());
}

/// One cut in the merged order: its rate (kept here so that the sweep reads memory in order),
/// flat index and group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Entry {
    /// The cut's rate.
    pub rate: f64,
    /// Flat index of the cut.
    pub flat: u32,
    /// Its group.
    pub group: u32,
}

/// The cuts of every group whose rate is defined, merged in ascending order of the rate.
pub(crate) struct RateOrder {
    /// Ascending by rate; ties keep group order.
    pub entries: Vec<Entry>,
}

impl RateOrder {
    /// Merges the groups' cuts by rate. Monotone rates are already sorted within a group (in
    /// descending cut order); accuracy is sorted per group first. The stable sort then only
    /// merges the G sorted runs: O(N log G).
    pub fn new(table: &RateTable, offsets: &[usize]) -> Self {
        let mut entries: Vec<Entry> = Vec::with_capacity(table.values.len());
        for (group, window) in offsets.windows(2).enumerate() {
            let (Some(&start), Some(&end)) = (window.first(), window.get(1)) else {
                continue;
            };
            if !table.defined.get(group).copied().unwrap_or(false) {
                continue;
            }
            let first = entries.len();
            // Problem::new checked that flat indices fit in u32; there are fewer groups.
            entries.extend((start..end).rev().map(|flat| Entry {
                rate: table.values.get(flat).copied().unwrap_or(0.0),
                flat: flat as u32,
                group: group as u32,
            }));
            if !table.is_monotone()
                && let Some(run) = entries.get_mut(first..)
            {
                run.sort_by(|a, b| a.rate.total_cmp(&b.rate));
            }
        }
        entries.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        Self { entries }
    }
}

/// One solver result: a cut per group, its total utility and an upper bound on the total utility
/// of any feasible choice (equal to `value` when the result is exact).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    /// One cut per group.
    pub cuts: Vec<usize>,
    /// Their total utility, summed in group order.
    pub value: f64,
    /// No feasible choice has a larger total utility.
    pub bound: f64,
}

/// A one-rate band search over given utilities, with each group limited to a range of cuts.
pub(crate) struct BandSearch<'s> {
    /// The constrained rate.
    pub table: &'s RateTable,
    /// Its merged order.
    pub order: &'s RateOrder,
    /// Utility per flat cut (possibly priced, see `capacity`).
    pub utility: &'s [f64],
    /// Flat offsets of the groups.
    pub offsets: &'s [usize],
    /// Per group, the local cuts it may take (non-empty).
    pub ranges: &'s [Range<usize>],
}

impl BandSearch<'_> {
    fn in_range(&self, entry: Entry) -> bool {
        let group = entry.group as usize;
        match (self.offsets.get(group), self.ranges.get(group)) {
            (Some(&offset), Some(range)) => range.contains(&(entry.flat as usize - offset)),
            _ => false,
        }
    }

    fn is_constrained(&self, group: usize) -> bool {
        self.table.defined.get(group).copied().unwrap_or(false)
    }

    /// The best cut of `group` among those `accept`ed, preferring higher utility, then the higher
    /// cut (fewer selected).
    fn best_cut(&self, group: usize, accept: impl Fn(usize) -> bool) -> Option<usize> {
        self.best_cut_among(group, self.ranges.get(group)?.clone(), accept)
    }

    /// [`Self::best_cut`] among the local cuts `cuts` only.
    fn best_cut_among(
        &self,
        group: usize,
        cuts: Range<usize>,
        accept: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let offset = *self.offsets.get(group)?;
        let mut best: Option<(usize, f64)> = None;
        for cut in cuts {
            let Some(&utility) = self.utility.get(offset + cut) else {
                continue;
            };
            // Ascending cuts: `>=` lets the higher cut win ties.
            if accept(offset + cut) && best.is_none_or(|(_, b)| utility >= b) {
                best = Some((cut, utility));
            }
        }
        best.map(|(cut, _)| cut)
    }

    /// The best band: one cut per group maximizing total utility with every constrained rate in
    /// `[L, L + ε]` for some `L`. `None` when no band admits every constrained group. Ties go to
    /// the lowest band.
    pub fn best(
        &self,
        epsilon: f64,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        if !(0..self.ranges.len()).any(|g| self.is_constrained(g)) {
            return Ok(self.choose(0.0, f64::INFINITY));
        }
        let mut best: Option<(f64, f64)> = None;
        self.sweep(epsilon, progress, |lower, total| {
            if total > best.map_or(f64::NEG_INFINITY, |(_, t)| t) {
                best = Some((lower, total));
            }
        })?;
        Ok(best.and_then(|(lower, _)| self.choose(lower, epsilon)))
    }

    /// [`Self::best`] found by branch and bound over band starts (`band_bound`) with `index`,
    /// built for these utilities: the same answer. Only for searches where every group may take
    /// any cut (a frontier).
    pub fn best_indexed(
        &self,
        index: &super::band_bound::BandIndex,
        epsilon: f64,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        if !(0..self.ranges.len()).any(|g| self.is_constrained(g)) {
            return Ok(self.choose(0.0, f64::INFINITY));
        }
        Ok(index
            .best_start(epsilon, progress)?
            .and_then(|lower| self.choose(lower, epsilon)))
    }

    /// Every feasible band, as (L, best total utility within `[L, L + ε]`), ascending by L.
    pub fn bands(
        &self,
        epsilon: f64,
        progress: &dyn Progress,
    ) -> Result<Vec<(f64, f64)>, OptimizeError> {
        if !(0..self.ranges.len()).any(|g| self.is_constrained(g)) {
            return Ok(self
                .choose(0.0, f64::INFINITY)
                .map(|o| (0.0, o.value))
                .into_iter()
                .collect());
        }
        let mut bands = Vec::new();
        self.sweep(epsilon, progress, |lower, total| {
            if total > f64::NEG_INFINITY {
                bands.push((lower, total));
            }
        })?;
        Ok(bands)
    }

    /// The sweep: calls `visit(L, total)` for every candidate band start L, ascending, with the
    /// sum of the groups' window maxima (−∞ when a constrained group has no cut in the band).
    fn sweep(
        &self,
        epsilon: f64,
        progress: &dyn Progress,
        mut visit: impl FnMut(f64, f64),
    ) -> Result<(), OptimizeError> {
        let groups = self.ranges.len();
        let mut tree = SumTree::new(groups);
        for group in 0..groups {
            let leaf = if self.is_constrained(group) {
                f64::NEG_INFINITY
            } else {
                self.best_cut(group, |_| true)
                    .and_then(|cut| self.offsets.get(group).map(|o| o + cut))
                    .and_then(|flat| self.utility.get(flat).copied())
                    .unwrap_or(f64::NEG_INFINITY)
            };
            tree.set(group, leaf);
        }
        let entries = &self.order.entries;
        // Every group free (the frontier, most solves): no range checks.
        let cut_count = |g: usize| match (self.offsets.get(g), self.offsets.get(g + 1)) {
            (Some(start), Some(end)) => end - start,
            _ => 0,
        };
        let unrestricted = (0..groups).all(|g| {
            self.ranges
                .get(g)
                .is_some_and(|r| r.start == 0 && r.end == cut_count(g))
        });
        let admitted = |entry: &Entry| unrestricted || self.in_range(*entry);
        let SweepBuffers {
            mut utilities,
            slots,
        } = SWEEP_BUFFERS.with(RefCell::take);
        // Candidate bands start at every cut's rate; the windows see every cut, with its
        // utility in merged order (one gather, then the sweep reads memory in order).
        utilities.clear();
        utilities.extend(entries.iter().map(|e| {
            self.utility
                .get(e.flat as usize)
                .copied()
                .unwrap_or(f64::NEG_INFINITY)
        }));
        let (window_list, window_utilities): (&[Entry], &[f64]) = (entries, &utilities);
        let mut windows = Windows::new(self.offsets, slots);
        let (mut enter, mut leave) = (0usize, 0usize);
        let mut previous: Option<f64> = None;
        for (position, candidate) in entries.iter().enumerate() {
            if position % CANCEL_CHECK_INTERVAL == 0 && progress.is_cancelled() {
                return Err(OptimizeError::Cancelled);
            }
            let lower = candidate.rate;
            if previous == Some(lower) || !admitted(candidate) {
                continue;
            }
            previous = Some(lower);
            // Cuts enter once `rate − L ≤ ε` (and stay: L only grows) …
            while let Some(entry) = window_list.get(enter) {
                if entry.rate - lower > epsilon {
                    break;
                }
                let utility = window_utilities
                    .get(enter)
                    .copied()
                    .unwrap_or(f64::NEG_INFINITY);
                if admitted(entry) && windows.push(entry, utility) {
                    tree.set(entry.group as usize, utility);
                }
                enter += 1;
            }
            // … and leave once `rate < L`.
            while let Some(entry) = window_list.get(leave) {
                if entry.rate >= lower {
                    break;
                }
                if admitted(entry) && windows.pop_if_front(entry) {
                    let group = entry.group as usize;
                    let front = windows.front_utility(group);
                    tree.set(group, front.unwrap_or(f64::NEG_INFINITY));
                }
                leave += 1;
            }
            visit(lower, tree.total());
        }
        SWEEP_BUFFERS.with(|buffers| {
            buffers.replace(SweepBuffers {
                utilities,
                slots: windows.buffer,
            })
        });
        Ok(())
    }

    /// The best cut of every group within the band `[lower, lower + ε]` (unconstrained groups:
    /// their best cut).
    fn choose(&self, lower: f64, epsilon: f64) -> Option<Outcome> {
        let mut cuts = Vec::with_capacity(self.ranges.len());
        let mut value = 0.0;
        for group in 0..self.ranges.len() {
            let cut = if self.is_constrained(group) {
                let in_band = |flat: usize| {
                    let rate = self.table.values.get(flat).copied().unwrap_or(f64::NAN);
                    rate >= lower && rate - lower <= epsilon
                };
                let cuts = self.ranges.get(group)?.clone();
                let cuts = self
                    .band_cuts(group, lower, epsilon)
                    .map_or(cuts.clone(), |band| {
                        band.start.max(cuts.start)..band.end.min(cuts.end)
                    });
                self.best_cut_among(group, cuts, in_band)?
            } else {
                self.best_cut(group, |_| true)?
            };
            let flat = self.offsets.get(group)? + cut;
            value += self.utility.get(flat)?;
            cuts.push(cut);
        }
        Some(Outcome {
            cuts,
            value,
            bound: value,
        })
    }
}

impl BandSearch<'_> {
    /// For a monotone rate (it never increases as the cut grows), the local cuts of `group`
    /// whose rate may lie in `[lower, lower + ε]`: a contiguous range found by two binary
    /// searches instead of a scan of every cut (`None` for accuracy, whose rate is not
    /// monotone). The caller still checks each cut in it, so the range only has to contain
    /// every cut in the band.
    fn band_cuts(&self, group: usize, lower: f64, epsilon: f64) -> Option<Range<usize>> {
        if !self.table.is_monotone() {
            return None;
        }
        let start = *self.offsets.get(group)?;
        let end = *self.offsets.get(group + 1)?;
        let rates = self.table.values.get(start..end)?;
        // Descending rates: first the cuts above the band, then the band, then those below.
        let first = rates.partition_point(|&rate| rate - lower > epsilon);
        let last = rates.partition_point(|&rate| rate >= lower);
        Some(first..last.max(first))
    }
}

/// One cut in a window: its utility and flat index.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    utility: f64,
    flat: u32,
}

impl Slot {
    /// Whether this cut is preferred over `other` of the same group: higher utility, then the
    /// higher cut (fewer selected). A strict total order, so every window has one best cut.
    fn prefers(self, other: Slot) -> bool {
        self.utility > other.utility || (self.utility == other.utility && self.flat > other.flat)
    }
}

/// Per-group monotone deques in one buffer: group `g` owns `buffer[offsets[g]..offsets[g + 1]]`,
/// enough for all its cuts since each enters at most once. The front is the window's best cut.
struct Windows {
    buffer: Vec<Slot>,
    head: Vec<usize>,
    tail: Vec<usize>,
}

impl Windows {
    /// Empty windows for the groups at `offsets`, in `buffer` (grown to hold every cut; what
    /// it held before is never read: a deque reads only slots it wrote).
    fn new(offsets: &[usize], mut buffer: Vec<Slot>) -> Self {
        let starts: Vec<usize> = offsets
            .iter()
            .take(offsets.len().saturating_sub(1))
            .copied()
            .collect();
        let cuts = offsets.last().copied().unwrap_or(0);
        if buffer.len() < cuts {
            buffer.resize(cuts, Slot::default());
        }
        Self {
            buffer,
            head: starts.clone(),
            tail: starts,
        }
    }

    /// Adds a cut to its group's window; returns whether the window's best cut changed.
    fn push(&mut self, entry: &Entry, utility: f64) -> bool {
        let group = entry.group as usize;
        let (Some(&head), Some(&tail)) = (self.head.get(group), self.tail.get(group)) else {
            return false;
        };
        let slot = Slot {
            utility,
            flat: entry.flat,
        };
        let mut end = tail;
        while end > head
            && let Some(&back) = self.buffer.get(end - 1)
            && !back.prefers(slot)
        {
            end -= 1;
        }
        if let Some(place) = self.buffer.get_mut(end) {
            *place = slot;
        }
        if let Some(tail) = self.tail.get_mut(group) {
            *tail = end + 1;
        }
        end == head
    }

    /// Removes a cut leaving its group's window, if it is the front; returns whether it was.
    fn pop_if_front(&mut self, entry: &Entry) -> bool {
        let group = entry.group as usize;
        if self.front(group).map(|s| s.flat) != Some(entry.flat) {
            return false;
        }
        if let Some(head) = self.head.get_mut(group) {
            *head += 1;
        }
        true
    }

    /// The best cut in the group's window, if the window is not empty.
    fn front(&self, group: usize) -> Option<Slot> {
        let head = *self.head.get(group)?;
        let tail = *self.tail.get(group)?;
        if head < tail {
            self.buffer.get(head).copied()
        } else {
            None
        }
    }

    /// The utility of the window's best cut.
    fn front_utility(&self, group: usize) -> Option<f64> {
        self.front(group).map(|s| s.utility)
    }
}

/// A sum over G leaves without drift however many updates it sees: each total is recomputed
/// from the leaves in a fixed order — directly for a few groups (cheaper than a tree's chain of
/// dependent updates), through a tree of partial sums, O(log G) per update, for many. An empty
/// window is −∞, which makes the total −∞ (infeasible).
pub(crate) struct SumTree {
    leaves: usize,
    nodes: Vec<f64>,
    direct: bool,
    /// The direct sum as last computed, while no leaf has been set since (the sweep asks for
    /// the total at every cut, and most cuts change no window's best).
    cached: std::cell::Cell<Option<f64>>,
}

/// Up to this many groups the total is summed straight from the leaves.
const DIRECT_SUM_GROUPS: usize = 32;

impl SumTree {
    /// A tree of `groups` zero leaves.
    pub fn new(groups: usize) -> Self {
        let leaves = groups.next_power_of_two().max(1);
        Self {
            leaves,
            nodes: vec![0.0; 2 * leaves],
            direct: groups <= DIRECT_SUM_GROUPS,
            cached: std::cell::Cell::new(None),
        }
    }

    /// Sets one leaf (and, for many groups, the sums above it).
    pub fn set(&mut self, leaf: usize, value: f64) {
        let mut node = self.leaves + leaf;
        if let Some(slot) = self.nodes.get_mut(node) {
            *slot = value;
        }
        if self.direct {
            self.cached.set(None);
            return;
        }
        while node > 1 {
            node /= 2;
            let left = self.nodes.get(2 * node).copied().unwrap_or(0.0);
            let right = self.nodes.get(2 * node + 1).copied().unwrap_or(0.0);
            if let Some(slot) = self.nodes.get_mut(node) {
                *slot = left + right;
            }
        }
    }

    /// The sum of all leaves.
    pub fn total(&self) -> f64 {
        if self.direct {
            // The same leaves summed in the same order give the same total: caching it
            // changes no result.
            if let Some(total) = self.cached.get() {
                return total;
            }
            let total = self
                .nodes
                .get(self.leaves..)
                .map_or(0.0, |l| l.iter().sum());
            self.cached.set(Some(total));
            total
        } else {
            self.nodes.get(1).copied().unwrap_or(0.0)
        }
    }
}
