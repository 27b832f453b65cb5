//! Splitting rows into fit and evaluation parts, so thresholds chosen on some rows can be judged
//! on rows they were not chosen on. The split is stratified by group and label (every group keeps
//! the same share of positives and negatives on both sides, up to rounding) and seeded: the same
//! seed and data always give the same split, whatever the machine or thread count.

use super::dataset::Dataset;
use super::grouping::{GroupingError, GroupingSpec, NO_GROUP, assign_groups};

/// The seed a split uses unless the user gives one.
pub const DEFAULT_SPLIT_SEED: u64 = 20_261_203;

/// Which rows are held out for evaluation (`true`): in each stratum of (group, label), the
/// `floor(fraction × n)` rows that come first in a seeded random order. Rows of excluded levels
/// are never held out. Rows are counted, not weighted: with frequency weights, a row of weight
/// `w` goes to one side whole.
pub fn holdout_mask(
    dataset: &Dataset,
    spec: &GroupingSpec,
    fraction: f64,
    seed: u64,
) -> Result<Vec<bool>, GroupingError> {
    let rows = dataset.len();
    let groups = assign_groups(dataset.attributes(), spec, dataset.weights(), rows, None)?;
    let labels = dataset.labels();
    let group_count = groups.rows_per_group.len();
    let mut strata: Vec<Vec<usize>> = vec![Vec::new(); 2 * group_count];
    for (row, key) in groups.row_keys.iter().enumerate() {
        let group = groups
            .group_of_key
            .get(*key as usize)
            .copied()
            .unwrap_or(NO_GROUP);
        if group == NO_GROUP {
            continue;
        }
        let label = labels.get(row).copied().unwrap_or(false);
        if let Some(stratum) = strata.get_mut(2 * group as usize + usize::from(label)) {
            stratum.push(row);
        }
    }
    let mut held_out = vec![false; rows];
    for stratum in &mut strata {
        stratum.sort_by_key(|row| (mix(seed, *row as u64), *row));
        // floor, so a group's only row (or its only positive) stays with the fit rows.
        let take = (fraction * stratum.len() as f64).floor() as usize;
        for row in stratum.iter().take(take) {
            if let Some(flag) = held_out.get_mut(*row) {
                *flag = true;
            }
        }
    }
    Ok(held_out)
}

/// A well-mixed 64-bit hash of (seed, row): `SplitMix64`'s finalizer, so the order of rows within
/// a stratum is a seeded random permutation that needs no state.
pub(crate) fn mix(seed: u64, row: u64) -> u64 {
    let mut z = seed ^ row.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Attribute, AttributeValues};

    fn dataset(rows: usize) -> Dataset {
        let scores = (0..rows).map(|i| i as f64 / rows as f64).collect();
        let labels = (0..rows).map(|i| i % 3 == 0).collect();
        let codes = (0..rows).map(|i| u32::from(i % 4 == 0)).collect();
        let attribute = Attribute {
            name: "g".into(),
            values: AttributeValues::Categorical {
                levels: vec!["a".into(), "b".into()],
                codes,
            },
        };
        Dataset::new(scores, labels, None, vec![attribute]).unwrap()
    }

    #[test]
    fn the_split_is_stratified_deterministic_and_seeded() {
        let data = dataset(1000);
        let spec = GroupingSpec::by_names(&["g"]);
        let mask = holdout_mask(&data, &spec, 0.3, 7).unwrap();
        assert_eq!(mask, holdout_mask(&data, &spec, 0.3, 7).unwrap());
        assert_ne!(mask, holdout_mask(&data, &spec, 0.3, 8).unwrap());
        // Each (group, label) stratum holds out floor(0.3 n) of its n rows.
        for group in [false, true] {
            for label in [false, true] {
                let rows: Vec<usize> = (0..1000)
                    .filter(|i| (i % 4 == 0) == group && (i % 3 == 0) == label)
                    .collect();
                let held = rows.iter().filter(|r| mask[**r]).count();
                assert_eq!(held, (0.3 * rows.len() as f64).floor() as usize);
            }
        }
    }

    #[test]
    fn partitions_keep_every_row_once() {
        let data = dataset(50);
        let mask = holdout_mask(&data, &GroupingSpec::by_names(&["g"]), 0.5, 1).unwrap();
        let (fit, evaluation) = data.partition(&mask).unwrap();
        assert_eq!(fit.len() + evaluation.len(), 50);
        assert_eq!(evaluation.len(), mask.iter().filter(|m| **m).count());
        let mut scores: Vec<f64> = fit
            .scores()
            .iter()
            .chain(evaluation.scores())
            .copied()
            .collect();
        scores.sort_by(f64::total_cmp);
        assert_eq!(scores, data.scores());
    }

    #[test]
    fn the_sorted_holdout_holds_out_exactly_the_rows_of_the_mask() {
        use crate::engine::index::{HELD_OUT_PART, SplitRows};
        use crate::engine::{GroupIndex, SortedDataset};
        let spec = GroupingSpec::by_names(&["g"]);
        let mask = holdout_mask(&dataset(1000), &spec, 0.3, 7).unwrap();
        let (fit_rows, held_rows) = dataset(1000).partition(&mask).unwrap();
        let sorted = SortedDataset::new(dataset(1000));
        let split = SplitRows::holdout(&sorted, &spec, 0.3, 7).unwrap();
        let (fit, held) = split.fit_and_held_out(HELD_OUT_PART);
        let index = |rows| GroupIndex::build(&SortedDataset::new(rows), &spec).unwrap();
        assert_eq!(held, index(held_rows));
        assert_eq!(fit, index(fit_rows));
    }
}
