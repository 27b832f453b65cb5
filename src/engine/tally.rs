//! Each group's confusion counts at fixed thresholds, counted in one pass over the rows.
//!
//! A [`GroupIndex`](super::GroupIndex) sorts the rows once so that every later threshold is a
//! binary search: what the explorer and the optimizer need. A one-shot audit (`fulcrum audit`)
//! asks about one set of thresholds only, and for that the sort is wasted work: counting the
//! rows directly is O(n), needs no extra copy of the data, and gives the same counts (exactly
//! the same for unweighted data; for fractional weights, up to the order of the additions).

use std::sync::OnceLock;

use rayon::prelude::*;

use super::audit::{Audit, AuditOptions, GroupHeading, audit_groups};
use super::calibration::{
    BinStrategy, BinTotals, CalibrationSettings, GroupCalibration, calibration_of_curves,
    ece_of_bins, equal_width_bin, scores_are_probabilities,
};
use super::dataset::Dataset;
use super::grouping::{
    CELLS, DecisionSplit, GroupingError, GroupingSpec, assign_groups, group_key,
};
use super::index::{DecisionRule, MERGED_KEY, ScoreCurve, split_small_groups, take_positions};
use super::metrics::ConfusionCounts;
use super::thresholds::ThresholdError;

/// Rows per parallel counting task: large enough that merging the per-task totals is noise.
const CHUNK_ROWS: usize = 1 << 16;

/// One group of a [`GroupedRows`].
#[derive(Clone, Debug, PartialEq)]
pub struct RowGroup {
    /// Key like `Female × Black`.
    pub key: String,
    /// The group's level of each grouping attribute, in key order.
    pub levels: Vec<String>,
    /// Rows in the group.
    pub rows: u64,
    /// Total weight of the group (its rows when unweighted).
    pub weight: f64,
}

/// Every row's group under a grouping, with the groups in the same order and with the same keys
/// as [`GroupIndex::build`](super::GroupIndex::build) gives them, but without sorting anything.
#[derive(Debug)]
pub struct GroupedRows<'a> {
    dataset: &'a Dataset,
    /// The scores counted: the dataset's first model's, or another model's
    /// ([`of_model`](Self::of_model)).
    scores: &'a [f64],
    /// Their smallest and largest value.
    score_range: (f64, f64),
    attribute_names: Vec<String>,
    groups: Vec<RowGroup>,
    /// The grouping, to number the rows again when [`counted_at`](Self::counted_at) did not
    /// keep their keys.
    spec: GroupingSpec,
    /// Per row, a key; its group is `group_of_key[key]`, or
    /// [`NO_GROUP`](super::grouping::NO_GROUP) for rows of excluded levels. Found on first use
    /// when the grouping pass counted instead of keeping them.
    row_keys: OnceLock<Vec<u32>>,
    /// The group of each key.
    group_of_key: Vec<u32>,
    /// Every group's counts at one threshold, when they were found while grouping.
    counted: Option<CountedAt>,
}

/// Every group's counts at one threshold for all, found by [`GroupedRows::counted_at`].
#[derive(Debug)]
struct CountedAt {
    threshold: f64,
    rule: DecisionRule,
    counts: Vec<ConfusionCounts>,
}

impl<'a> GroupedRows<'a> {
    /// Assigns every row of `dataset` to its group under `spec` (merging small groups when the
    /// spec says so).
    pub fn new(dataset: &'a Dataset, spec: &GroupingSpec) -> Result<Self, GroupingError> {
        Self::build(dataset, 0, spec, None)
    }

    /// [`new`](Self::new) or, with a threshold for all, [`counted_at`](Self::counted_at), for the
    /// scores of model `model` of the dataset (0: the first): each model's audit counts exactly
    /// as the audit of a dataset scored by that model alone. A model the dataset does not have
    /// counts the first model's scores.
    pub fn of_model(
        dataset: &'a Dataset,
        model: usize,
        spec: &GroupingSpec,
        threshold: Option<(f64, DecisionRule)>,
    ) -> Result<Self, GroupingError> {
        let (scores, _) = dataset
            .model_scores(model)
            .unwrap_or((dataset.scores(), dataset.score_range()));
        let split = threshold.map(|(threshold, rule)| DecisionSplit {
            scores,
            labels: dataset.labels(),
            threshold,
            rule,
        });
        Self::build(dataset, model, spec, split)
    }

    /// [`new`](Self::new), also counting every group's confusion matrix at `threshold` in the
    /// same pass over the rows: what a one-shot audit with one threshold for all groups needs
    /// (`fulcrum audit` without per-group thresholds). [`counts`](Self::counts) at that
    /// threshold then reads these instead of passing over the rows again; at other thresholds it
    /// counts as usual.
    pub fn counted_at(
        dataset: &'a Dataset,
        spec: &GroupingSpec,
        threshold: f64,
        rule: DecisionRule,
    ) -> Result<Self, GroupingError> {
        let split = DecisionSplit {
            scores: dataset.scores(),
            labels: dataset.labels(),
            threshold,
            rule,
        };
        Self::build(dataset, 0, spec, Some(split))
    }

    fn build(
        dataset: &'a Dataset,
        model: usize,
        spec: &GroupingSpec,
        split: Option<DecisionSplit<'_>>,
    ) -> Result<Self, GroupingError> {
        let (scores, score_range) = dataset
            .model_scores(model)
            .unwrap_or((dataset.scores(), dataset.score_range()));
        let assignment = assign_groups(
            dataset.attributes(),
            spec,
            dataset.weights(),
            dataset.len(),
            split,
        )?;
        let row_keys = OnceLock::new();
        if assignment.cells_by_key.is_none() {
            row_keys.get_or_init(|| assignment.row_keys);
        }
        let mut group_of_key = assignment.group_of_key;
        let mut groups: Vec<RowGroup> = assignment
            .group_levels
            .into_iter()
            .zip(assignment.rows_per_group)
            .zip(assignment.weight_per_group)
            .map(|((levels, rows), weight)| RowGroup {
                key: group_key(&levels),
                levels,
                rows,
                weight,
            })
            .collect();
        if let Some(minimum) = spec.merge_below
            && let Some((kept, small)) =
                split_small_groups(groups.iter().map(|g| g.weight), minimum)
        {
            // Renumber: kept groups in order, then the merged one.
            let merged_position = kept.len() as u32;
            let mut new_position = vec![merged_position; groups.len()];
            for (position, &old) in kept.iter().enumerate() {
                if let Some(slot) = new_position.get_mut(old) {
                    *slot = position as u32;
                }
            }
            for group in &mut group_of_key {
                if let Some(&position) = new_position.get(*group as usize) {
                    *group = position;
                }
            }
            let attributes = assignment.attribute_names.len();
            let merged = RowGroup {
                key: MERGED_KEY.to_owned(),
                levels: vec![MERGED_KEY.to_owned(); attributes],
                rows: small
                    .iter()
                    .filter_map(|&i| groups.get(i))
                    .map(|g| g.rows)
                    .sum(),
                weight: small
                    .iter()
                    .filter_map(|&i| groups.get(i))
                    .map(|g| g.weight)
                    .sum(),
            };
            groups = take_positions(groups, &kept);
            groups.push(merged);
        }
        // Each group's counts: the cells of its keys added up (a merged group has several).
        let counted = split.zip(assignment.cells_by_key).map(|(split, cells)| {
            let mut counts = vec![ConfusionCounts::default(); groups.len()];
            for (&group, cells) in group_of_key.iter().zip(cells.chunks_exact(CELLS)) {
                if let Some(counts) = counts.get_mut(group as usize) {
                    counts.tn += cells[0];
                    counts.fp += cells[1];
                    counts.fn_ += cells[2];
                    counts.tp += cells[3];
                }
            }
            CountedAt {
                threshold: split.threshold,
                rule: split.rule,
                counts,
            }
        });
        Ok(Self {
            dataset,
            scores,
            score_range,
            attribute_names: assignment.attribute_names,
            groups,
            spec: spec.clone(),
            row_keys,
            group_of_key,
            counted,
        })
    }

    /// Every row's key, numbered again (the same way) if the grouping pass did not keep them.
    fn row_keys(&self) -> &[u32] {
        self.row_keys.get_or_init(|| {
            let dataset = self.dataset;
            assign_groups(
                dataset.attributes(),
                &self.spec,
                dataset.weights(),
                dataset.len(),
                None,
            )
            // The same grouping succeeded on the same data when `self` was built.
            .map(|assignment| assignment.row_keys)
            .unwrap_or_default()
        })
    }

    /// Grouping attribute names, in key order.
    pub fn attribute_names(&self) -> &[String] {
        &self.attribute_names
    }

    /// The groups, in the order of [`GroupIndex::groups`](super::GroupIndex::groups).
    pub fn groups(&self) -> &[RowGroup] {
        &self.groups
    }

    /// Group keys, in order (to resolve a [`ThresholdMap`](super::ThresholdMap)).
    pub fn keys(&self) -> Vec<&str> {
        self.groups.iter().map(|g| g.key.as_str()).collect()
    }

    /// Every group's confusion counts at its threshold (`thresholds[i]` for group `i`; a group
    /// without one selects nobody), in one parallel pass over the rows.
    pub fn counts(&self, thresholds: &[f64], rule: DecisionRule) -> Vec<ConfusionCounts> {
        if let Some(counted) = &self.counted
            && counted.rule == rule
            && thresholds.len() == self.groups.len()
            && thresholds.iter().all(|t| *t == counted.threshold)
        {
            return counted.counts.clone();
        }
        // Per key: its group's threshold and first cell (keys of no group point past the cells).
        let no_cell = self.groups.len() * CELLS;
        let by_key: Vec<(f64, usize)> = self
            .group_of_key
            .iter()
            .map(|&group| match thresholds.get(group as usize) {
                Some(&threshold) => (threshold, group as usize * CELLS),
                None if (group as usize) < self.groups.len() => {
                    (f64::INFINITY, group as usize * CELLS)
                }
                None => (f64::INFINITY, no_cell),
            })
            .collect();
        match rule {
            DecisionRule::AtLeast => self.count_with(&by_key, |s, t| s >= t),
            DecisionRule::Above => self.count_with(&by_key, |s, t| s > t),
        }
    }

    /// The counting pass, generic over the decision so the comparison is inlined. Cells are four
    /// per group, [TN, FP, FN, TP], indexed by `(positive << 1) | selected`.
    fn count_with(
        &self,
        by_key: &[(f64, usize)],
        selects: impl Fn(f64, f64) -> bool + Sync,
    ) -> Vec<ConfusionCounts> {
        let totals = match self.dataset.weights() {
            // A chunk's counts fit in u32, which keeps the tables small.
            None => self.tally(by_key, &selects, |_| 1u32),
            Some(weights) => self.tally(by_key, &selects, |row| {
                weights.get(row).copied().unwrap_or_default()
            }),
        };
        totals
            .chunks_exact(4)
            .map(|c| ConfusionCounts {
                tn: c[0],
                fp: c[1],
                fn_: c[2],
                tp: c[3],
            })
            .collect()
    }

    /// Adds up `weight(row)` per cell over every row, in parallel chunks: each chunk's cells
    /// first, then counted from that list (about three times faster than counting straight from
    /// the comparison; see `count_split` in the grouping module).
    fn tally<T>(
        &self,
        by_key: &[(f64, usize)],
        selects: &(impl Fn(f64, f64) -> bool + Sync),
        weight: impl Fn(usize) -> T + Sync,
    ) -> Vec<f64>
    where
        T: Copy + Default + std::ops::AddAssign + Into<f64> + Send,
    {
        let cells = self.groups.len() * CELLS;
        let scores = self.scores;
        let labels = self.dataset.labels();
        self.row_keys()
            .par_chunks(CHUNK_ROWS)
            .enumerate()
            .map(|(chunk, keys)| {
                let start = chunk * CHUNK_ROWS;
                let rows = keys
                    .iter()
                    .zip(scores.get(start..).unwrap_or_default())
                    .zip(labels.get(start..).unwrap_or_default());
                // Rows of no group get a cell past the table, and are skipped below.
                let row_cells: Vec<usize> = rows
                    .map(
                        |((&key, &score), &positive)| match by_key.get(key as usize) {
                            Some(&(threshold, first_cell)) => {
                                first_cell
                                    + (usize::from(positive) << 1
                                        | usize::from(selects(score, threshold)))
                            }
                            None => cells,
                        },
                    )
                    .collect();
                let mut tally = vec![T::default(); cells];
                for (offset, cell) in row_cells.into_iter().enumerate() {
                    if let Some(total) = tally.get_mut(cell) {
                        *total += weight(start + offset);
                    }
                }
                tally.into_iter().map(Into::into).collect::<Vec<f64>>()
            })
            .reduce(|| vec![0.0; cells], add_cells)
    }

    /// Audits every group at `thresholds[i]`: the same [`Audit`] as
    /// [`audit`](super::audit()) gives on the index of the same grouping.
    ///
    /// Fails only when the reference names no group.
    pub fn audit(
        &self,
        thresholds: &[f64],
        options: &AuditOptions,
    ) -> Result<Audit, ThresholdError> {
        let counts = self.counts(thresholds, options.rule);
        let headings: Vec<GroupHeading<'_>> = self
            .groups
            .iter()
            .map(|g| GroupHeading {
                key: &g.key,
                levels: &g.levels,
                rows: g.rows,
                weight: g.weight,
            })
            .collect();
        audit_groups(&headings, &counts, thresholds, options)
    }
}

impl GroupedRows<'_> {
    /// Every group's expected calibration error (see [`super::calibration`]): equal-width bins
    /// in one parallel pass over the rows; equal-mass bins from each group's rows in score order.
    /// Undefined for every group unless every score is in [0, 1].
    pub fn calibration(&self, settings: &CalibrationSettings) -> GroupCalibration {
        let groups = self.groups.len();
        if !scores_are_probabilities(self.score_range) {
            return GroupCalibration::undefined(*settings, groups);
        }
        let scores = self.scores;
        let labels = self.dataset.labels();
        let weights = self.dataset.weights();
        let weight = |row: usize| weights.map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
        let row_keys = self.row_keys();
        let group_of = |row: usize| {
            row_keys
                .get(row)
                .and_then(|key| self.group_of_key.get(*key as usize))
                .map(|g| *g as usize)
                .filter(|g| *g < groups)
        };
        match settings.strategy {
            BinStrategy::EqualWidth => {
                let bins = settings.bins.max(1);
                let empty = || vec![BinTotals::default(); groups * bins];
                let totals = (0..scores.len())
                    .into_par_iter()
                    .with_min_len(CHUNK_ROWS)
                    .fold(empty, |mut totals, row| {
                        if let (Some(group), Some(&score), Some(&positive)) =
                            (group_of(row), scores.get(row), labels.get(row))
                        {
                            let w = weight(row);
                            let bin = group * bins + equal_width_bin(score, bins);
                            if let Some(slot) = totals.get_mut(bin) {
                                slot.add(score, w, if positive { w } else { 0.0 });
                            }
                        }
                        totals
                    })
                    .reduce(empty, |mut a, b| {
                        for (x, y) in a.iter_mut().zip(&b) {
                            x.merge(y);
                        }
                        a
                    });
                let ece = totals.chunks(bins).map(ece_of_bins).collect();
                let mut overall = vec![BinTotals::default(); bins];
                for group in totals.chunks(bins) {
                    for (o, b) in overall.iter_mut().zip(group) {
                        o.merge(b);
                    }
                }
                GroupCalibration::from_values(*settings, ece, ece_of_bins(&overall))
            }
            BinStrategy::EqualMass => {
                let mut rows_of: Vec<Vec<(f64, bool, f64)>> = vec![Vec::new(); groups];
                for (row, (&score, &positive)) in scores.iter().zip(labels).enumerate() {
                    if let Some(rows) = group_of(row).and_then(|g| rows_of.get_mut(g)) {
                        rows.push((score, positive, weight(row)));
                    }
                }
                let curves: Vec<ScoreCurve> = rows_of
                    .into_par_iter()
                    .map(|mut rows| {
                        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                        ScoreCurve::from_sorted(rows)
                    })
                    .collect();
                let curves: Vec<&ScoreCurve> = curves.iter().collect();
                calibration_of_curves(&curves, self.score_range, settings)
            }
        }
    }
}

/// Adds two cell tables.
fn add_cells(mut a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{Attribute, AttributeValues};
    use crate::engine::{GroupIndex, SortedDataset};

    fn dataset(weights: Option<Vec<f64>>) -> Dataset {
        Dataset::new(
            vec![0.9, 0.1, 0.5, 0.5, 0.3, 0.5, 0.7],
            vec![true, false, true, false, true, true, false],
            weights,
            vec![Attribute {
                name: "g".into(),
                values: AttributeValues::Categorical {
                    levels: vec!["a".into(), "b".into(), "c".into()],
                    codes: vec![0, 1, 0, 2, 0, 1, 0],
                },
            }],
        )
        .unwrap()
    }

    #[test]
    fn counts_by_hand() {
        let data = dataset(None);
        let grouped = GroupedRows::new(&data, &GroupingSpec::by_names(&["g"])).unwrap();
        assert_eq!(grouped.keys(), ["a", "b", "c"]);
        let counts = grouped.counts(&[0.5, 0.5, 0.6], DecisionRule::AtLeast);
        // a: 0.9+ 0.5+ 0.3+ 0.7-  → TP 2, FN 1, FP 1.
        assert_eq!(
            counts[0],
            ConfusionCounts {
                tp: 2.0,
                fp: 1.0,
                tn: 0.0,
                fn_: 1.0
            }
        );
        // b: 0.1- 0.5+ → TP 1, TN 1.
        assert_eq!(
            counts[1],
            ConfusionCounts {
                tp: 1.0,
                fp: 0.0,
                tn: 1.0,
                fn_: 0.0
            }
        );
        // c: 0.5- under 0.6 → TN 1.
        assert_eq!(
            counts[2],
            ConfusionCounts {
                tp: 0.0,
                fp: 0.0,
                tn: 1.0,
                fn_: 0.0
            }
        );
        let strict = grouped.counts(&[0.5, 0.5, 0.6], DecisionRule::Above);
        assert_eq!(
            strict[1],
            ConfusionCounts {
                tp: 0.0,
                fp: 0.0,
                tn: 1.0,
                fn_: 1.0
            }
        );
        assert_eq!(grouped.groups()[0].rows, 4);
    }

    #[test]
    fn matches_the_index_with_weights_and_merged_groups() {
        let data = dataset(Some(vec![1.0, 2.0, 0.5, 1.5, 3.0, 0.25, 2.0]));
        let mut spec = GroupingSpec::by_names(&["g"]);
        spec.merge_below = Some(3.0);
        let grouped = GroupedRows::new(&data, &spec).unwrap();
        let index = GroupIndex::build(&SortedDataset::new(data.clone()), &spec).unwrap();
        let index_keys: Vec<&str> = index.groups().iter().map(|g| g.key.as_str()).collect();
        assert_eq!(grouped.keys(), index_keys);
        assert_eq!(grouped.keys(), ["a", MERGED_KEY]);
        for thresholds in [[0.5, 0.5], [0.2, 0.95], [f64::NEG_INFINITY, f64::INFINITY]] {
            for rule in [DecisionRule::AtLeast, DecisionRule::Above] {
                assert_eq!(
                    grouped.counts(&thresholds, rule),
                    index.counts(&thresholds, rule)
                );
            }
        }
        let options = AuditOptions::default();
        assert_eq!(
            grouped.audit(&[0.5, 0.4], &options).unwrap(),
            crate::engine::audit(&index, &[0.5, 0.4], &options).unwrap()
        );
    }
}
