//! Dispatch to the right solver for the constraint's rates: none (each group its best cut), one
//! rate (the band sweep) or two (equalized odds' branch and bound). The capacity and the frontier
//! call [`Solver::solve`] with their own utilities and tolerances.

use std::ops::Range;

use super::OptimizeError;
use super::band::{BandSearch, Outcome, RateOrder};
use super::band_bound::BandIndex;
use super::odds;
use super::problem::{Problem, Tables};
use crate::progress::Progress;

/// One merged order per constrained rate of `tables`, in the order of `tables.rates`.
pub(crate) fn rate_orders(tables: &Tables) -> Vec<RateOrder> {
    tables
        .rates
        .iter()
        .map(|table| RateOrder::new(table, &tables.offsets))
        .collect()
}

/// A problem with its rate orders, ready to solve for any utilities and tolerance.
pub(crate) struct Solver<'p> {
    /// The problem.
    pub problem: &'p Problem<'p>,
    /// One merged order per constrained rate (see [`rate_orders`]).
    orders: &'p [RateOrder],
}

impl<'p> Solver<'p> {
    /// A solver over `orders` made by [`rate_orders`] from the problem's tables.
    pub fn new(problem: &'p Problem<'p>, orders: &'p [RateOrder]) -> Self {
        Self { problem, orders }
    }

    /// The best cuts for `utility` (one value per flat cut) with every gap within `epsilon`;
    /// `None` when no cuts satisfy the constraint.
    pub fn solve(
        &self,
        utility: &[f64],
        epsilon: f64,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        match self.orders.len() {
            0 => Ok(self.each_best(utility)),
            1 => self
                .band(0, utility, &self.problem.allowed)
                .map_or(Ok(None), |search| search.best(epsilon, progress)),
            _ => odds::solve(self, utility, epsilon, progress),
        }
    }

    /// For a frontier over one rate: each group's cuts in rate order with a range maximum over
    /// the problem's own utilities, which every search at any tolerance shares (see
    /// `band_bound`); `None` for none or two rates.
    pub fn band_index(&self) -> Option<BandIndex> {
        match (self.orders, self.problem.rates.first()) {
            ([order], Some(table)) => Some(BandIndex::new(
                table,
                order,
                &self.problem.utility,
                &self.problem.offsets,
            )),
            _ => None,
        }
    }

    /// [`Self::solve`] for the problem's own utilities, every group free, by branch and bound
    /// over band starts with `index` (from [`Self::band_index`]): the same answer, sooner.
    pub fn solve_indexed(
        &self,
        epsilon: f64,
        index: &BandIndex,
        progress: &dyn Progress,
    ) -> Result<Option<Outcome>, OptimizeError> {
        let utility = &self.problem.utility;
        self.band(0, utility, &self.problem.allowed)
            .map_or(Ok(None), |search| {
                search.best_indexed(index, epsilon, progress)
            })
    }

    /// The band search over the `which`-th constrained rate, each group within `ranges`.
    pub fn band<'s>(
        &'s self,
        which: usize,
        utility: &'s [f64],
        ranges: &'s [Range<usize>],
    ) -> Option<BandSearch<'s>> {
        Some(BandSearch {
            table: self.problem.rates.get(which)?,
            order: self.orders.get(which)?,
            utility,
            offsets: &self.problem.offsets,
            ranges,
        })
    }

    /// Without a gap constraint: every group's best allowed cut (ties to the higher cut).
    fn each_best(&self, utility: &[f64]) -> Option<Outcome> {
        let problem = self.problem;
        let mut cuts = Vec::with_capacity(problem.group_count());
        let mut value = 0.0;
        for (range, &offset) in problem.allowed.iter().zip(&problem.offsets) {
            let mut best: Option<(usize, f64)> = None;
            for cut in range.clone() {
                let u = *utility.get(offset + cut)?;
                if best.is_none_or(|(_, b)| u >= b) {
                    best = Some((cut, u));
                }
            }
            let (cut, u) = best?;
            cuts.push(cut);
            value += u;
        }
        Some(Outcome {
            cuts,
            value,
            bound: value,
        })
    }
}
