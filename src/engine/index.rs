//! The index that makes a threshold move cheap: rows sorted by score once, then per group the
//! distinct scores with cumulative weighted positives and negatives. The confusion counts of a
//! group at any threshold are one binary search away.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::dataset::{Attribute, Dataset};
use super::grouping::{GroupingError, GroupingSpec, RowGroups, assign_groups, group_key};
use super::metrics::ConfusionCounts;

/// How a score is turned into a decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DecisionRule {
    /// Positive (selected) iff score ≥ threshold.
    #[default]
    #[serde(rename = "ge")]
    AtLeast,
    /// Positive (selected) iff score > threshold.
    #[serde(rename = "gt")]
    Above,
}

impl DecisionRule {
    /// The name used on the command line and in files.
    pub fn key(self) -> &'static str {
        match self {
            DecisionRule::AtLeast => "ge",
            DecisionRule::Above => "gt",
        }
    }

    /// The comparison sign, for display.
    pub fn symbol(self) -> &'static str {
        match self {
            DecisionRule::AtLeast => "≥",
            DecisionRule::Above => ">",
        }
    }

    /// Whether a score is selected at `threshold`.
    pub fn selects(self, score: f64, threshold: f64) -> bool {
        match self {
            DecisionRule::AtLeast => score >= threshold,
            DecisionRule::Above => score > threshold,
        }
    }
}

impl std::str::FromStr for DecisionRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ge" | ">=" => Ok(DecisionRule::AtLeast),
            "gt" | ">" => Ok(DecisionRule::Above),
            other => Err(format!("unknown rule `{other}` (expected ge or gt)")),
        }
    }
}

/// The dataset with rows sorted by score once; every grouping is built from it without sorting
/// again.
#[derive(Clone)]
pub struct SortedDataset {
    /// Original row index of each sorted position.
    rows: Vec<u32>,
    /// Scores, ascending.
    scores: Vec<f64>,
    /// Labels in sorted order.
    positives: Vec<bool>,
    /// Weights in sorted order, when weighted.
    weights: Option<Vec<f64>>,
    /// Attribute columns indexed by original row: shared by every model's sorted order
    /// ([`SortedDataset::models`]), so a second model costs its own order, not another copy of
    /// the attributes.
    attributes: Arc<Vec<Attribute>>,
}

impl std::fmt::Debug for SortedDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SortedDataset")
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

impl SortedDataset {
    /// Sorts the rows by score (ties by row order); the first model's scores only.
    pub fn new(dataset: Dataset) -> Self {
        let (scores, labels, weights, attributes) = dataset.into_parts();
        Self::sorted(scores, &labels, weights.as_deref(), Arc::new(attributes))
    }

    /// One sorted order per model scoring the dataset, the first model's first. The labels,
    /// weights and attributes are read once: each model sorts only its own scores and gathers
    /// the labels (and weights) into its order, while the attribute columns (the bulk of a
    /// wide dataset) are shared.
    pub fn models(dataset: Dataset) -> Vec<Self> {
        let (scores, labels, weights, attributes) = dataset.into_model_parts();
        let attributes = Arc::new(attributes);
        scores
            .into_iter()
            .map(|scores| {
                Self::sorted(scores, &labels, weights.as_deref(), Arc::clone(&attributes))
            })
            .collect()
    }

    /// Model `model`'s sorted order alone (the others' scores are dropped unsorted); `None` when
    /// the dataset has no such model.
    pub fn model(dataset: Dataset, model: usize) -> Option<Self> {
        let (scores, labels, weights, attributes) = dataset.into_model_parts();
        let scores = scores.into_iter().nth(model)?;
        Some(Self::sorted(
            scores,
            &labels,
            weights.as_deref(),
            Arc::new(attributes),
        ))
    }

    /// Whether two sorted orders are of the same rows (two models of one dataset).
    pub fn shares_rows_with(&self, other: &SortedDataset) -> bool {
        Arc::ptr_eq(&self.attributes, &other.attributes)
    }

    fn sorted(
        scores: Vec<f64>,
        labels: &[bool],
        weights: Option<&[f64]>,
        attributes: Arc<Vec<Attribute>>,
    ) -> Self {
        let mut order: Vec<(f64, u32)> = scores
            .iter()
            .enumerate()
            // Dataset::new guarantees at most u32::MAX rows.
            .map(|(row, score)| (*score, row as u32))
            .collect();
        drop(scores);
        // A stable LSD radix sort by the score alone (total_cmp order), O(n) and skipping the
        // bytes all scores share; stability keeps ties in row order, as the engine promises.
        radsort::sort_by_key(&mut order, |p| p.0);
        let rows: Vec<u32> = order.par_iter().map(|p| p.1).collect();
        let sorted_scores: Vec<f64> = order.par_iter().map(|p| p.0).collect();
        drop(order);
        let positives = rows
            .par_iter()
            .map(|&r| labels.get(r as usize).copied().unwrap_or(false))
            .collect();
        let weights = weights.map(|w| {
            rows.par_iter()
                .map(|&r| w.get(r as usize).copied().unwrap_or(0.0))
                .collect()
        });
        Self {
            rows,
            scores: sorted_scores,
            positives,
            weights,
            attributes,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Always false: datasets have rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Attribute columns (indexed by original row).
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Whether rows carry weights.
    pub fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// Smallest and largest score.
    pub fn score_range(&self) -> (f64, f64) {
        (
            self.scores.first().copied().unwrap_or(0.0),
            self.scores.last().copied().unwrap_or(0.0),
        )
    }

    /// Scores in ascending order.
    pub fn sorted_scores(&self) -> &[f64] {
        &self.scores
    }

    /// Every row's score, label and weight in the order the rows were loaded (the order of the
    /// attribute columns), for passes that read rows beside their attributes (slice search).
    pub fn rows_in_original_order(&self) -> (Vec<f64>, Vec<bool>, Option<Vec<f64>>) {
        let mut scores = vec![0.0; self.rows.len()];
        let mut labels = vec![false; self.rows.len()];
        for (position, &row) in self.rows.iter().enumerate() {
            let row = row as usize;
            if let (Some(score), Some(label)) = (scores.get_mut(row), labels.get_mut(row)) {
                *score = self.scores.get(position).copied().unwrap_or(0.0);
                *label = self.positives.get(position).copied().unwrap_or(false);
            }
        }
        (scores, labels, self.weights_by_row())
    }

    /// Weights of original rows (for quantile binning), when weighted.
    pub(crate) fn weights_by_row(&self) -> Option<Vec<f64>> {
        let sorted = self.weights.as_ref()?;
        let mut by_row = vec![0.0; self.rows.len()];
        for (&row, &w) in self.rows.iter().zip(sorted) {
            if let Some(slot) = by_row.get_mut(row as usize) {
                *slot = w;
            }
        }
        Some(by_row)
    }
}

/// One group's scores, compressed to distinct values with cumulative weighted class totals.
///
/// `values` ascend; `positives_below[j]` is the weight of positives scoring below `values[j]`,
/// with one more entry at the end holding the group's total. Same for negatives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoreCurve {
    values: Vec<f64>,
    positives_below: Vec<f64>,
    negatives_below: Vec<f64>,
    rows: u64,
}

impl ScoreCurve {
    /// Builds a curve from (score, positive, weight) triples in ascending score order.
    pub fn from_sorted(rows: impl IntoIterator<Item = (f64, bool, f64)>) -> Self {
        let mut curve = CurveBuilder::default();
        for (score, positive, weight) in rows {
            curve.push(score, positive, weight);
        }
        curve.finish()
    }

    /// Merges several groups' curves into one (for "merge small groups").
    pub fn merge(curves: &[&ScoreCurve]) -> Self {
        let mut masses: Vec<(f64, f64, f64)> = curves
            .iter()
            .flat_map(|c| {
                c.values
                    .iter()
                    .enumerate()
                    .map(|(j, v)| {
                        let (p, n) = c.mass_at(j);
                        (*v, p, n)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        masses.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged = ScoreCurve {
            rows: curves.iter().map(|c| c.rows).sum(),
            ..ScoreCurve::default()
        };
        let (mut positives, mut negatives) = (0.0, 0.0);
        for (value, p, n) in masses {
            if merged.values.last() != Some(&value) {
                merged.values.push(value);
                merged.positives_below.push(positives);
                merged.negatives_below.push(negatives);
            }
            positives += p;
            negatives += n;
        }
        merged.positives_below.push(positives);
        merged.negatives_below.push(negatives);
        merged
    }

    /// Distinct scores, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of rows in the group.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Total weight of positives.
    pub fn positives(&self) -> f64 {
        self.positives_below.last().copied().unwrap_or(0.0)
    }

    /// Total weight of negatives.
    pub fn negatives(&self) -> f64 {
        self.negatives_below.last().copied().unwrap_or(0.0)
    }

    /// Total weight.
    pub fn weight(&self) -> f64 {
        self.positives() + self.negatives()
    }

    /// Number of distinct ways to cut this group: select `values[cut..]` for `cut` in
    /// `0..=values.len()` (the last selects nobody).
    pub fn cut_count(&self) -> usize {
        self.values.len() + 1
    }

    /// The cut a threshold makes: how many distinct values fall below it.
    pub fn cut_at(&self, threshold: f64, rule: DecisionRule) -> usize {
        match rule {
            DecisionRule::AtLeast => self.values.partition_point(|&v| v < threshold),
            DecisionRule::Above => self.values.partition_point(|&v| v <= threshold),
        }
    }

    /// Confusion counts when `values[cut..]` are selected.
    pub fn counts_at_cut(&self, cut: usize) -> ConfusionCounts {
        let fn_ = self.positives_below.get(cut).copied().unwrap_or(0.0);
        let tn = self.negatives_below.get(cut).copied().unwrap_or(0.0);
        ConfusionCounts {
            tp: self.positives() - fn_,
            fp: self.negatives() - tn,
            tn,
            fn_,
        }
    }

    /// Confusion counts at a threshold.
    pub fn counts_at(&self, threshold: f64, rule: DecisionRule) -> ConfusionCounts {
        self.counts_at_cut(self.cut_at(threshold, rule))
    }

    /// A threshold that makes cut `cut` under `rule`: the lowest selected value for `ge`, the
    /// highest rejected one for `gt`; ±∞ for "everybody" / "nobody" when no value fits.
    pub fn threshold_for_cut(&self, cut: usize, rule: DecisionRule) -> f64 {
        match rule {
            DecisionRule::AtLeast => self.values.get(cut).copied().unwrap_or(f64::INFINITY),
            DecisionRule::Above => cut
                .checked_sub(1)
                .and_then(|i| self.values.get(i).copied())
                .unwrap_or(f64::NEG_INFINITY),
        }
    }

    /// Weighted positives and negatives at exactly `values[j]`.
    pub fn mass_at(&self, j: usize) -> (f64, f64) {
        let at = |below: &[f64]| match (below.get(j + 1), below.get(j)) {
            (Some(hi), Some(lo)) => hi - lo,
            _ => 0.0,
        };
        (at(&self.positives_below), at(&self.negatives_below))
    }
}

/// Accumulates a [`ScoreCurve`] from rows in ascending score order.
#[derive(Default)]
struct CurveBuilder {
    curve: ScoreCurve,
    positives: f64,
    negatives: f64,
}

impl CurveBuilder {
    fn push(&mut self, score: f64, positive: bool, weight: f64) {
        if self.curve.values.last() != Some(&score) {
            self.curve.values.push(score);
            self.curve.positives_below.push(self.positives);
            self.curve.negatives_below.push(self.negatives);
        }
        if positive {
            self.positives += weight;
        } else {
            self.negatives += weight;
        }
        self.curve.rows += 1;
    }

    fn finish(mut self) -> ScoreCurve {
        self.curve.positives_below.push(self.positives);
        self.curve.negatives_below.push(self.negatives);
        self.curve
    }
}

/// One group of the current grouping.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Key like `Female × Black`.
    pub key: String,
    /// The group's level of each grouping attribute, in key order.
    pub levels: Vec<String>,
    /// Its scores with cumulative class weights.
    pub curve: ScoreCurve,
}

/// The key of the group that merges every group under the minimum weight.
pub const MERGED_KEY: &str = "Other (small groups)";

/// Which groups merge when groups lighter than `minimum` are merged into one: the positions of
/// the groups kept (in their order) and of the groups merged. `None` when fewer than two groups
/// are that light (merging one group into itself would only rename it).
pub(crate) fn split_small_groups(
    weights: impl IntoIterator<Item = f64>,
    minimum: f64,
) -> Option<(Vec<usize>, Vec<usize>)> {
    let mut kept = Vec::new();
    let mut small = Vec::new();
    for (position, weight) in weights.into_iter().enumerate() {
        if weight < minimum {
            small.push(position);
        } else {
            kept.push(position);
        }
    }
    (small.len() >= 2).then_some((kept, small))
}

/// Replaces the groups lighter than `minimum` by one merged group, listed last (when there are
/// at least two of them).
fn merge_small_groups(groups: Vec<Group>, minimum: f64) -> Vec<Group> {
    let Some((kept, small)) = split_small_groups(groups.iter().map(|g| g.curve.weight()), minimum)
    else {
        return groups;
    };
    merge_groups(groups, &kept, &small)
}

/// The groups at `kept`, then one group merging those at `small`.
fn merge_groups(groups: Vec<Group>, kept: &[usize], small: &[usize]) -> Vec<Group> {
    let attributes = groups.first().map_or(0, |g| g.levels.len());
    let curves: Vec<&ScoreCurve> = small
        .iter()
        .filter_map(|&i| groups.get(i).map(|g| &g.curve))
        .collect();
    let merged = Group {
        key: MERGED_KEY.to_owned(),
        levels: vec![MERGED_KEY.to_owned(); attributes],
        curve: ScoreCurve::merge(&curves),
    };
    let mut result = take_positions(groups, kept);
    result.push(merged);
    result
}

/// The items at `positions`, in that order (each position taken once).
pub(crate) fn take_positions<T>(items: Vec<T>, positions: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    positions
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// Pushes every sorted row into its group's curve (one in-order pass; generic over the weights
/// so the unweighted case is a constant).
fn fill_curves(
    builders: &mut [CurveBuilder],
    groups: &[u32],
    scores: &[f64],
    positives: &[bool],
    weights: impl Iterator<Item = f64>,
) {
    for (((group, score), positive), weight) in
        groups.iter().zip(scores).zip(positives).zip(weights)
    {
        let Some(builder) = builders.get_mut(*group as usize) else {
            continue; // NO_GROUP: an excluded level.
        };
        builder.push(*score, *positive, weight);
    }
}

/// Groups of a dataset under one grouping, each with its [`ScoreCurve`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupIndex {
    attribute_names: Vec<String>,
    groups: Vec<Group>,
}

thread_local! {
    /// How many times [`GroupIndex::build`] has been called from this thread: a pass over every
    /// row, so the window's tests check that it stays still on the UI thread while nothing
    /// changes (no per-frame work may read every row). Per thread, so tests running side by
    /// side do not count each other's builds.
    static BUILDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The number of [`GroupIndex::build`] calls made so far from the calling thread.
pub fn group_index_builds() -> usize {
    BUILDS.with(std::cell::Cell::get)
}

impl GroupIndex {
    /// Partitions the sorted rows by group (stably, so each group stays sorted) and compresses
    /// each group to its distinct scores.
    pub fn build(sorted: &SortedDataset, spec: &GroupingSpec) -> Result<Self, GroupingError> {
        BUILDS.with(|builds| builds.set(builds.get() + 1));
        let assignment = Self::assign(sorted, spec)?;
        Ok(Self::partition(sorted, spec, &assignment))
    }

    /// Every model's index under one grouping (`models` are the sorted orders of one dataset,
    /// [`SortedDataset::models`]): the rows are assigned to their groups once — the models share
    /// the rows, so they share the groups — and each model's order is then partitioned, in the
    /// same group order with the same keys as [`build`](Self::build) gives each alone.
    pub fn build_models(
        models: &[&SortedDataset],
        spec: &GroupingSpec,
    ) -> Result<Vec<Self>, GroupingError> {
        let Some(first) = models.first() else {
            return Ok(Vec::new());
        };
        BUILDS.with(|builds| builds.set(builds.get() + 1));
        let assignment = Self::assign(first, spec)?;
        Ok(models
            .iter()
            .map(|sorted| {
                debug_assert!(
                    sorted.shares_rows_with(first),
                    "models of one index share their rows"
                );
                Self::partition(sorted, spec, &assignment)
            })
            .collect())
    }

    /// Every row's group under `spec`.
    fn assign(sorted: &SortedDataset, spec: &GroupingSpec) -> Result<RowGroups, GroupingError> {
        let weights_by_row = sorted.weights_by_row();
        assign_groups(
            &sorted.attributes,
            spec,
            weights_by_row.as_deref(),
            sorted.len(),
            None,
        )
    }

    /// Partitions the sorted rows by their groups in `assignment`.
    fn partition(sorted: &SortedDataset, spec: &GroupingSpec, assignment: &RowGroups) -> Self {
        // Each sorted position's group, gathered in parallel, so the pass below reads every
        // array in order instead of jumping to each row's original place.
        let group_by_position: Vec<u32> = sorted
            .rows
            .par_iter()
            .map(|&row| assignment.group_of_row(row as usize))
            .collect();
        let mut builders: Vec<CurveBuilder> = (0..assignment.group_count())
            .map(|_| CurveBuilder::default())
            .collect();
        match &sorted.weights {
            Some(weights) => fill_curves(
                &mut builders,
                &group_by_position,
                &sorted.scores,
                &sorted.positives,
                weights.iter().copied(),
            ),
            None => fill_curves(
                &mut builders,
                &group_by_position,
                &sorted.scores,
                &sorted.positives,
                std::iter::repeat(1.0),
            ),
        }
        drop(group_by_position);
        let mut groups: Vec<Group> = builders
            .into_iter()
            .zip(&assignment.group_levels)
            .map(|(builder, levels)| Group {
                key: group_key(levels),
                levels: levels.clone(),
                curve: builder.finish(),
            })
            .collect();
        if let Some(minimum) = spec.merge_below {
            groups = merge_small_groups(groups, minimum);
        }
        Self {
            attribute_names: assignment.attribute_names.clone(),
            groups,
        }
    }

    /// Builds an index directly from prepared groups (tests, pre-aggregated inputs).
    pub fn from_groups(attribute_names: Vec<String>, groups: Vec<Group>) -> Self {
        Self {
            attribute_names,
            groups,
        }
    }

    /// Grouping attribute names, in key order.
    pub fn attribute_names(&self) -> &[String] {
        &self.attribute_names
    }

    /// The groups, in lexicographic order of their levels.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when there are no groups (never, for a built index).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Position of the group with this key.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.key == key)
    }

    /// Every group's confusion counts at its threshold (`thresholds[i]` for group `i`).
    pub fn counts(&self, thresholds: &[f64], rule: DecisionRule) -> Vec<ConfusionCounts> {
        self.groups
            .iter()
            .zip(thresholds)
            .map(|(g, &t)| g.curve.counts_at(t, rule))
            .collect()
    }

    /// Total weight of all grouped rows.
    pub fn total_weight(&self) -> f64 {
        self.groups.iter().map(|g| g.curve.weight()).sum()
    }

    /// Smallest and largest score over all groups.
    pub fn score_range(&self) -> Option<(f64, f64)> {
        let lo = self
            .groups
            .iter()
            .filter_map(|g| g.curve.values.first())
            .copied()
            .reduce(f64::min)?;
        let hi = self
            .groups
            .iter()
            .filter_map(|g| g.curve.values.last())
            .copied()
            .reduce(f64::max)?;
        Some((lo, hi))
    }
}

/// The most folds a cross-validation may use.
pub const MAX_FOLDS: usize = 20;

/// The rows of a sorted dataset split into parts — K stratified folds for cross-validation, or
/// fit and held-out rows — and grouped once, so that each part's complement (the fit rows) and
/// the part itself (the held-out rows) can be indexed by a pass over the rows without grouping
/// or sorting again. Only two indexes are alive at once whatever the number of parts.
pub struct SplitRows<'a> {
    sorted: &'a SortedDataset,
    attribute_names: Vec<String>,
    group_levels: Vec<Vec<String>>,
    /// The group of each sorted position ([`super::grouping::NO_GROUP`] for excluded levels).
    group_of_position: Vec<u32>,
    /// The part of each sorted position (`u8::MAX` for rows outside every group).
    part_of_position: Vec<u8>,
    parts: usize,
    /// Which groups merge into [`MERGED_KEY`], decided on all the rows so every part has the
    /// same groups.
    merge: Option<(Vec<usize>, Vec<usize>)>,
}

impl std::fmt::Debug for SplitRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitRows")
            .field("parts", &self.parts)
            .field("groups", &self.group_levels.len())
            .finish_non_exhaustive()
    }
}

/// The part that [`SplitRows::holdout`] holds out.
pub const HELD_OUT_PART: usize = 1;

impl<'a> SplitRows<'a> {
    /// Deals the rows of `sorted`, grouped by `spec`, into `folds` folds: within every stratum
    /// of (group, label) the rows are put in a seeded random order and dealt round-robin, so
    /// each fold holds the same share of every group's positives and negatives (up to one row)
    /// and the same seed always gives the same folds.
    pub fn folds(
        sorted: &'a SortedDataset,
        spec: &GroupingSpec,
        folds: usize,
        seed: u64,
    ) -> Result<Self, GroupingError> {
        let folds = folds.clamp(2, MAX_FOLDS);
        // folds ≤ MAX_FOLDS < u8::MAX.
        Self::dealt(sorted, spec, folds, seed, |rank, _| (rank % folds) as u8)
    }

    /// Splits the rows of `sorted` into fit rows (part 0) and held-out rows (part
    /// [`HELD_OUT_PART`]): exactly the rows [`super::split::holdout_mask`] holds out of the same
    /// data in its original order — in each stratum of (group, label), the `floor(fraction × n)`
    /// rows first in the seeded order.
    pub fn holdout(
        sorted: &'a SortedDataset,
        spec: &GroupingSpec,
        fraction: f64,
        seed: u64,
    ) -> Result<Self, GroupingError> {
        Self::dealt(sorted, spec, 2, seed, |rank, stratum| {
            let take = (fraction * stratum as f64).floor() as usize;
            u8::from(rank < take)
        })
    }

    /// Groups the rows once and gives each its part: `part(rank, stratum size)` for the row at
    /// `rank` in its stratum's seeded order.
    fn dealt(
        sorted: &'a SortedDataset,
        spec: &GroupingSpec,
        parts: usize,
        seed: u64,
        part: impl Fn(usize, usize) -> u8,
    ) -> Result<Self, GroupingError> {
        let weights_by_row = sorted.weights_by_row();
        let assignment = assign_groups(
            &sorted.attributes,
            spec,
            weights_by_row.as_deref(),
            sorted.len(),
            None,
        )?;
        drop(weights_by_row);
        let group_of_position: Vec<u32> = sorted
            .rows
            .par_iter()
            .map(|&row| assignment.group_of_row(row as usize))
            .collect();
        let group_count = assignment.group_count();
        // (seeded order, original row, sorted position) per stratum.
        let mut strata: Vec<Vec<(u64, u32, u32)>> = vec![Vec::new(); 2 * group_count];
        for (position, ((&group, &positive), &row)) in group_of_position
            .iter()
            .zip(&sorted.positives)
            .zip(&sorted.rows)
            .enumerate()
        {
            let stratum = 2 * group as usize + usize::from(positive);
            if let Some(stratum) = strata.get_mut(stratum) {
                // Dataset::new guarantees at most u32::MAX rows.
                let order = super::split::mix(seed, u64::from(row));
                stratum.push((order, row, position as u32));
            }
        }
        let mut part_of_position = vec![u8::MAX; sorted.len()];
        for stratum in &mut strata {
            stratum.sort_unstable();
            let size = stratum.len();
            for (rank, &(_, _, position)) in stratum.iter().enumerate() {
                if let Some(slot) = part_of_position.get_mut(position as usize) {
                    *slot = part(rank, size);
                }
            }
        }
        let merge = spec.merge_below.and_then(|minimum| {
            split_small_groups(assignment.weight_per_group.iter().copied(), minimum)
        });
        Ok(Self {
            sorted,
            attribute_names: assignment.attribute_names,
            group_levels: assignment.group_levels,
            group_of_position,
            part_of_position,
            parts,
            merge,
        })
    }

    /// How many parts (folds).
    pub fn parts(&self) -> usize {
        self.parts
    }

    /// The index of every row outside `part` (the rows thresholds are fitted on) and the index
    /// of the rows in it (the rows they are judged on). Both have every group of the grouping,
    /// in the same order, even where a part holds none of a group's rows.
    pub fn fit_and_held_out(&self, part: usize) -> (GroupIndex, GroupIndex) {
        let new_builders = || -> Vec<CurveBuilder> {
            (0..self.group_levels.len())
                .map(|_| CurveBuilder::default())
                .collect()
        };
        let mut fit = new_builders();
        let mut held = new_builders();
        let weights = self.sorted.weights.as_deref();
        for (position, (&group, &row_part)) in self
            .group_of_position
            .iter()
            .zip(&self.part_of_position)
            .enumerate()
        {
            let builders = if usize::from(row_part) == part {
                &mut held
            } else {
                &mut fit
            };
            let Some(builder) = builders.get_mut(group as usize) else {
                continue; // NO_GROUP: an excluded level.
            };
            let (Some(&score), Some(&positive)) = (
                self.sorted.scores.get(position),
                self.sorted.positives.get(position),
            ) else {
                continue;
            };
            let weight = weights
                .and_then(|w| w.get(position))
                .copied()
                .unwrap_or(1.0);
            builder.push(score, positive, weight);
        }
        (self.index_of(fit), self.index_of(held))
    }

    fn index_of(&self, builders: Vec<CurveBuilder>) -> GroupIndex {
        let mut groups: Vec<Group> = builders
            .into_iter()
            .zip(&self.group_levels)
            .map(|(builder, levels)| Group {
                key: group_key(levels),
                levels: levels.clone(),
                curve: builder.finish(),
            })
            .collect();
        if let Some((kept, small)) = &self.merge {
            groups = merge_groups(groups, kept, small);
        }
        GroupIndex {
            attribute_names: self.attribute_names.clone(),
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{AttributeValues, DatasetError};

    fn curve() -> ScoreCurve {
        // Scores 0.2(+), 0.5(-), 0.5(+), 0.9(-) with weights 1, 2, 3, 4.
        ScoreCurve::from_sorted([
            (0.2, true, 1.0),
            (0.5, false, 2.0),
            (0.5, true, 3.0),
            (0.9, false, 4.0),
        ])
    }

    #[test]
    fn counts_follow_the_decision_rule_with_ties() {
        let c = curve();
        assert_eq!(c.values(), [0.2, 0.5, 0.9]);
        assert_eq!(c.rows(), 4);
        let ge = c.counts_at(0.5, DecisionRule::AtLeast);
        assert_eq!(
            ge,
            ConfusionCounts {
                tp: 3.0,
                fp: 6.0,
                tn: 0.0,
                fn_: 1.0
            }
        );
        let gt = c.counts_at(0.5, DecisionRule::Above);
        assert_eq!(
            gt,
            ConfusionCounts {
                tp: 0.0,
                fp: 4.0,
                tn: 2.0,
                fn_: 4.0
            }
        );
        let nobody = c.counts_at(f64::INFINITY, DecisionRule::AtLeast);
        assert_eq!(nobody.selected(), 0.0);
        let everybody = c.counts_at(f64::NEG_INFINITY, DecisionRule::Above);
        assert_eq!(everybody.rejected(), 0.0);
    }

    #[test]
    fn thresholds_for_cuts_reproduce_the_cut() {
        let c = curve();
        for rule in [DecisionRule::AtLeast, DecisionRule::Above] {
            for cut in 0..c.cut_count() {
                let t = c.threshold_for_cut(cut, rule);
                assert_eq!(c.cut_at(t, rule), cut, "{rule:?} cut {cut} threshold {t}");
            }
        }
        assert_eq!(c.mass_at(1), (3.0, 2.0));
    }

    #[test]
    fn index_partitions_sorted_rows_by_group() {
        let data = Dataset::new(
            vec![0.9, 0.1, 0.5, 0.5, 0.3],
            vec![true, false, true, false, true],
            None,
            vec![Attribute {
                name: "g".into(),
                values: AttributeValues::Categorical {
                    levels: vec!["a".into(), "b".into()],
                    codes: vec![0, 1, 0, 1, 0],
                },
            }],
        )
        .unwrap();
        let sorted = SortedDataset::new(data);
        assert_eq!(sorted.sorted_scores(), [0.1, 0.3, 0.5, 0.5, 0.9]);
        let index = GroupIndex::build(&sorted, &GroupingSpec::by_names(&["g"])).unwrap();
        assert_eq!(index.len(), 2);
        let a = &index.groups()[0].curve;
        assert_eq!(a.values(), [0.3, 0.5, 0.9]);
        assert_eq!(a.positives(), 3.0);
        let b = &index.groups()[1].curve;
        assert_eq!(b.values(), [0.1, 0.5]);
        assert_eq!(b.negatives(), 2.0);
        assert_eq!(index.position("b"), Some(1));
        assert_eq!(index.score_range(), Some((0.1, 0.9)));
    }

    #[test]
    fn every_model_is_indexed_as_if_it_were_alone() {
        let attribute = || Attribute {
            name: "g".into(),
            values: AttributeValues::Categorical {
                levels: vec!["a".into(), "b".into()],
                codes: vec![0, 1, 0, 1, 0, 1],
            },
        };
        let labels = vec![true, false, true, false, false, true];
        let weights = Some(vec![1.0, 2.0, 0.5, 1.0, 3.0, 1.5]);
        let first = vec![0.9, 0.1, 0.5, 0.5, 0.3, 0.7];
        let second = vec![0.2, 0.8, 0.6, 0.4, 0.6, 0.1];
        let both = Dataset::new(
            first.clone(),
            labels.clone(),
            weights.clone(),
            vec![attribute()],
        )
        .unwrap()
        .with_other_scores(vec![second.clone()])
        .unwrap();
        assert_eq!(both.model_count(), 2);
        assert_eq!(both.model_scores(1).unwrap().1, (0.1, 0.8));
        let models = SortedDataset::models(both);
        assert!(models[0].shares_rows_with(&models[1]));
        let spec = GroupingSpec::by_names(&["g"]);
        let together = GroupIndex::build_models(&models.iter().collect::<Vec<_>>(), &spec).unwrap();
        for (scores, index) in [first, second].into_iter().zip(&together) {
            let alone =
                Dataset::new(scores, labels.clone(), weights.clone(), vec![attribute()]).unwrap();
            let alone = GroupIndex::build(&SortedDataset::new(alone), &spec).unwrap();
            assert_eq!(*index, alone);
        }
        assert_ne!(together[0], together[1]);
        // A model's scores must be as many as the rows, and finite.
        let data = || Dataset::new(vec![0.1, 0.2], vec![true, false], None, vec![]).unwrap();
        assert!(matches!(
            data().with_other_scores(vec![vec![0.5]]),
            Err(DatasetError::LengthMismatch { .. })
        ));
        assert!(matches!(
            data().with_other_scores(vec![vec![0.5, f64::NAN]]),
            Err(DatasetError::NonFiniteScore { row: 1, .. })
        ));
    }

    #[test]
    fn small_groups_merge_into_one() {
        let data = Dataset::new(
            vec![0.9, 0.1, 0.5, 0.5, 0.3, 0.5],
            vec![true, false, true, false, true, true],
            None,
            vec![Attribute {
                name: "g".into(),
                values: AttributeValues::Categorical {
                    levels: vec!["a".into(), "b".into(), "c".into()],
                    codes: vec![0, 1, 0, 2, 0, 1],
                },
            }],
        )
        .unwrap();
        let sorted = SortedDataset::new(data);
        let mut spec = GroupingSpec::by_names(&["g"]);
        spec.merge_below = Some(3.0);
        let index = GroupIndex::build(&sorted, &spec).unwrap();
        let keys: Vec<&str> = index.groups().iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["a", MERGED_KEY]);
        let merged = &index.groups()[1].curve;
        // b: 0.1(-), 0.5(+); c: 0.5(-).
        assert_eq!(merged.values(), [0.1, 0.5]);
        assert_eq!(merged.rows(), 3);
        assert_eq!(merged.mass_at(1), (1.0, 1.0));
    }
}
