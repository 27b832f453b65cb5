//! Each group's confusion counts at fixed thresholds, counted in one pass over the rows.
//!
//! A [`GroupIndex`](super::GroupIndex) sorts the rows once so that every later threshold is a
//! binary search: what the explorer and the optimizer need. A one-shot audit (`fulcrum audit`)
//! asks about one set of thresholds only, and for that the sort is wasted work: counting the
//! rows directly is O(n), needs no extra copy of the data, and gives the same counts (exactly
//! the same for unweighted data; for fractional weights, up to the order of the additions).

use rayon::prelude::*;

use super::audit::{Audit, AuditOptions, GroupHeading, audit_groups};
use super::dataset::Dataset;
use super::grouping::{GroupingError, GroupingSpec, assign_groups, group_key};
use super::index::{DecisionRule, MERGED_KEY, split_small_groups};
use super::metrics::ConfusionCounts;
use super::thresholds::ThresholdError;

/// Rows per parallel counting task: large enough that merging the per-task totals is noise.
const CHUNK_ROWS: usize = 1 << 18;

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
    attribute_names: Vec<String>,
    groups: Vec<RowGroup>,
    /// Per row, its group, or [`NO_GROUP`](super::grouping::NO_GROUP) for rows of excluded levels.
    group_of_row: Vec<u32>,
}

impl<'a> GroupedRows<'a> {
    /// Assigns every row of `dataset` to its group under `spec` (merging small groups when the
    /// spec says so).
    pub fn new(dataset: &'a Dataset, spec: &GroupingSpec) -> Result<Self, GroupingError> {
        let assignment =
            assign_groups(dataset.attributes(), spec, dataset.weights(), dataset.len())?;
        let mut group_of_row = assignment.group_of_row;
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
            group_of_row.par_iter_mut().for_each(|group| {
                if let Some(&position) = new_position.get(*group as usize) {
                    *group = position;
                }
            });
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
            let mut slots: Vec<Option<RowGroup>> = groups.into_iter().map(Some).collect();
            groups = kept
                .iter()
                .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
                .collect();
            groups.push(merged);
        }
        Ok(Self {
            dataset,
            attribute_names: assignment.attribute_names,
            groups,
            group_of_row,
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
        let groups = self.groups.len();
        let thresholds: Vec<f64> = (0..groups)
            .map(|g| thresholds.get(g).copied().unwrap_or(f64::INFINITY))
            .collect();
        match rule {
            DecisionRule::AtLeast => self.count_with(&thresholds, |s, t| s >= t),
            DecisionRule::Above => self.count_with(&thresholds, |s, t| s > t),
        }
    }

    /// The counting pass, generic over the decision so the comparison is inlined.
    fn count_with(
        &self,
        thresholds: &[f64],
        selects: impl Fn(f64, f64) -> bool + Sync,
    ) -> Vec<ConfusionCounts> {
        let groups = self.groups.len();
        let scores = self.dataset.scores();
        let labels = self.dataset.labels();
        let chunks = self.group_of_row.par_chunks(CHUNK_ROWS).enumerate();
        // Cells per group: [TN, FP, FN, TP], indexed by (positive << 1) | selected.
        let cells: Vec<[f64; 4]> = match self.dataset.weights() {
            None => chunks
                .map(|(chunk, group_of_row)| {
                    let start = chunk * CHUNK_ROWS;
                    // Four cells per group in one flat table; a chunk's counts fit in u32.
                    let mut tally = vec![0u32; groups * 4];
                    let rows = group_of_row
                        .iter()
                        .zip(scores.get(start..).unwrap_or_default())
                        .zip(labels.get(start..).unwrap_or_default());
                    for ((&group, &score), &positive) in rows {
                        let group = group as usize;
                        if let Some(&threshold) = thresholds.get(group) {
                            let cell = group * 4
                                + (usize::from(positive) << 1
                                    | usize::from(selects(score, threshold)));
                            if let Some(n) = tally.get_mut(cell) {
                                *n += 1;
                            }
                        }
                    }
                    tally
                        .chunks_exact(4)
                        .map(|c| [c[0], c[1], c[2], c[3]].map(f64::from))
                        .collect::<Vec<_>>()
                })
                .reduce(|| vec![[0.0; 4]; groups], add_cells),
            Some(weights) => chunks
                .map(|(chunk, group_of_row)| {
                    let start = chunk * CHUNK_ROWS;
                    let mut tally = vec![[0.0f64; 4]; groups];
                    let rows = group_of_row
                        .iter()
                        .zip(scores.get(start..).unwrap_or_default())
                        .zip(labels.get(start..).unwrap_or_default())
                        .zip(weights.get(start..).unwrap_or_default());
                    for (((&group, &score), &positive), &weight) in rows {
                        if let (Some(cell), Some(&threshold)) = (
                            tally.get_mut(group as usize),
                            thresholds.get(group as usize),
                        ) {
                            let selected = selects(score, threshold);
                            if let Some(w) =
                                cell.get_mut(usize::from(positive) << 1 | usize::from(selected))
                            {
                                *w += weight;
                            }
                        }
                    }
                    tally
                })
                .reduce(|| vec![[0.0; 4]; groups], add_cells),
        };
        cells
            .into_iter()
            .map(|[tn, fp, fn_, tp]| ConfusionCounts { tp, fp, tn, fn_ })
            .collect()
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

    /// Smallest and largest score of the grouped rows' dataset (for the default threshold).
    pub fn score_range(&self) -> (f64, f64) {
        self.dataset.score_range()
    }
}

/// Adds two per-group cell tables.
fn add_cells(mut a: Vec<[f64; 4]>, b: Vec<[f64; 4]>) -> Vec<[f64; 4]> {
    for (a, b) in a.iter_mut().zip(b) {
        for (x, y) in a.iter_mut().zip(b) {
            *x += y;
        }
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
