//! The data profile per group: who is in the data, how often they are positive, what is missing
//! and what was dropped, before any threshold is chosen.
//!
//! Every number is weighted (frequency weights, as everywhere in Fulcrum):
//!
//! - `count` is rows, `weight` their total weight, `share` the weight over all groups' weight.
//! - `expected_share` comes from a population file (attribute key → level key → share) and
//!   `representation_ratio` is `share / expected_share` (undefined when the expected share is 0).
//! - `base_rate` is positives' weight over the group's weight (undefined for a group of weight 0).
//! - `missing[column]` is the weight of the group's rows with no value in `column` (null, or NaN
//!   in a float column) over the group's weight, for every column of the file that is not mapped.
//! - `dropped` counts the rows of the group that a load drops as invalid (missing or non-finite
//!   score, label or weight); they are in no other number, as the audit never sees them.
//! - `score_mean` is the weighted mean score; `score_quartiles` are the weighted quartiles by the
//!   inverted empirical distribution function: the `p`-quartile is the smallest score whose
//!   cumulative weight reaches `p` × the group's weight (for unweighted data, the "lower" sample
//!   quantile, R's type 1).
//! - A group is flagged `small` below the minimum weight, and `under_represented` when its
//!   representation ratio is below the minimum ratio (four fifths by default).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::dataset::{Attribute, DroppedRows};
use super::grouping::{
    Binning, GroupingError, GroupingSpec, KEY_SEPARATOR, assign_groups, code_attribute, group_key,
    quantile_edges,
};
use super::index::{GroupIndex, ScoreCurve, SortedDataset};

/// The ratio under which a group is flagged under-represented unless the user names another: the
/// four-fifths rule applied to representation.
pub const DEFAULT_MIN_REPRESENTATION: f64 = 0.8;

/// A set of rows (0-based positions), as bits: 1.25 MB per 10M rows whatever it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowSet {
    words: Vec<u64>,
    len: usize,
}

impl RowSet {
    /// The rows `0..len` for which `contains` holds.
    pub fn from_fn(len: usize, contains: impl Fn(usize) -> bool) -> Self {
        let words = (0..len.div_ceil(64))
            .map(|word| {
                (0..64)
                    .map(|bit| word * 64 + bit)
                    .take_while(|row| *row < len)
                    .filter(|row| contains(*row))
                    .fold(0u64, |bits, row| bits | 1 << (row % 64))
            })
            .collect();
        Self { words, len }
    }

    /// Number of rows the set is over (not the number in it).
    pub fn universe(&self) -> usize {
        self.len
    }

    /// Whether `row` is in the set.
    pub fn contains(&self, row: usize) -> bool {
        row < self.len
            && self
                .words
                .get(row / 64)
                .is_some_and(|word| word >> (row % 64) & 1 == 1)
    }

    /// Number of rows in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The rows in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, word)| {
            let mut bits = *word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    index * 64 + bit
                })
            })
        })
    }

    /// The set over the rows that remain once the rows `removed` (ascending, each below the
    /// universe) are taken out and the others renumbered: what a set over the rows read becomes
    /// over the rows kept.
    pub fn without(&self, removed: &[usize]) -> Self {
        if removed.is_empty() {
            return self.clone();
        }
        let kept_len = self.len.saturating_sub(removed.len());
        let mut words = vec![0u64; kept_len.div_ceil(64)];
        for row in self.iter() {
            // Rows removed before this one shift it down; a removed row itself is left out.
            let before = removed.partition_point(|r| *r < row);
            if removed.get(before) == Some(&row) {
                continue;
            }
            let kept = row - before;
            if let Some(word) = words.get_mut(kept / 64) {
                *word |= 1 << (kept % 64);
            }
        }
        Self {
            words,
            len: kept_len,
        }
    }
}

/// The rows of one unmapped column that have no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingColumn {
    /// Column name, as in the file.
    pub name: String,
    /// The rows (of the dataset, after invalid rows are dropped) with no value.
    pub rows: RowSet,
}

/// Expected population shares: attribute key (`sex`, or `sex × race` for an intersection) →
/// group key (`Female`, `Female × Black`) → share in [0, 1].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExpectedShares(pub BTreeMap<String, BTreeMap<String, f64>>);

impl ExpectedShares {
    /// Reads `{"sex": {"Female": 0.51, "Male": 0.49}}`; every share must be a number in [0, 1].
    /// A group key may separate values with `|` (`"Female | Black"`), read as Fulcrum writes it
    /// ([`super::grouping::normalize_key`]); two keys naming one group are refused.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Value::Object(attributes) = value else {
            return Err(
                "expected an object of attribute → level → share, like {\"sex\": {\"Female\": 0.51}}"
                    .to_owned(),
            );
        };
        let mut shares = BTreeMap::new();
        for (attribute, levels) in attributes {
            let Value::Object(levels) = levels else {
                return Err(format!(
                    "`{attribute}`: expected an object of level → share"
                ));
            };
            let mut by_level = BTreeMap::new();
            for (level, share) in levels {
                let share = share
                    .as_f64()
                    .filter(|s| (0.0..=1.0).contains(s))
                    .ok_or_else(|| {
                        format!("`{attribute}` → `{level}`: {share} is not a share in [0, 1]")
                    })?;
                let key = super::grouping::normalize_key(level).into_owned();
                if by_level.insert(key.clone(), share).is_some() {
                    return Err(format!(
                        "`{attribute}` → `{level}`: the group `{key}` is named twice"
                    ));
                }
            }
            shares.insert(attribute.clone(), by_level);
        }
        Ok(Self(shares))
    }
}

/// What a profile flags.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileSettings {
    /// Groups with less weight than this are flagged `small`.
    pub min_count: f64,
    /// Groups whose representation ratio is below this are flagged `under_represented`.
    pub min_representation: f64,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        Self {
            min_count: super::audit::DEFAULT_MIN_COUNT,
            min_representation: DEFAULT_MIN_REPRESENTATION,
        }
    }
}

/// One group's profile (or everyone's, for the overall row). See the module's documentation for
/// each number's definition.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupProfile {
    /// Key like `Female × Black`, or `Overall`.
    pub key: String,
    /// The group's level of each grouping attribute (empty for the overall row).
    pub levels: Vec<String>,
    /// Rows kept.
    pub rows: u64,
    /// Their total weight.
    pub weight: f64,
    /// Weight over every group's weight.
    pub share: f64,
    /// The population share the user expects, when given.
    pub expected_share: Option<f64>,
    /// `share / expected_share`.
    pub representation_ratio: Option<f64>,
    /// Positives' weight over the weight.
    pub base_rate: Option<f64>,
    /// Per unmapped column (in [`DataProfile::columns`] order), the missing weight's fraction.
    pub missing: Vec<Option<f64>>,
    /// Rows of this group dropped as invalid.
    pub dropped: u64,
    /// Weighted mean score.
    pub score_mean: Option<f64>,
    /// Weighted quartiles of the score.
    pub score_quartiles: Option<[f64; 3]>,
    /// Weight under the minimum count.
    pub small: bool,
    /// Representation ratio under the minimum.
    pub under_represented: bool,
}

impl GroupProfile {
    /// Dropped rows over all of the group's rows read (kept and dropped); `None` for none.
    pub fn dropped_fraction(&self) -> Option<f64> {
        let read = self.rows + self.dropped;
        (read > 0).then(|| self.dropped as f64 / read as f64)
    }
}

/// Every group's profile.
#[derive(Clone, Debug, PartialEq)]
pub struct DataProfile {
    /// The grouping attributes, in key order.
    pub attribute_names: Vec<String>,
    /// The unmapped columns whose missing values are counted.
    pub columns: Vec<String>,
    /// The groups: those with kept rows in key order, then those with only dropped rows, then
    /// those only the population file names.
    pub groups: Vec<GroupProfile>,
    /// Every row together.
    pub overall: GroupProfile,
    /// Whether a population file gave expected shares for this grouping.
    pub has_expected: bool,
}

/// Why a profile cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// The grouping does not fit the data.
    #[error(transparent)]
    Grouping(#[from] GroupingError),
    /// A population key does not name one level per grouping attribute.
    #[error(
        "population `{attribute}`: `{key}` does not name one level of each of {count} attributes (join levels with \" × \")"
    )]
    PopulationKey {
        /// The attribute key.
        attribute: String,
        /// The group key.
        key: String,
        /// Attributes in the grouping.
        count: usize,
    },
}

/// The grouping with quantile bins replaced by the edges they have on `sorted`'s rows, so that
/// the rows dropped as invalid are cut where the kept ones are; without merging small groups (a
/// profile is about the small ones).
fn resolved_spec(sorted: &SortedDataset, spec: &GroupingSpec) -> GroupingSpec {
    let weights = sorted.weights_by_row();
    let mut resolved = GroupingSpec {
        merge_below: None,
        ..spec.clone()
    };
    for grouping in &mut resolved.attributes {
        if let Some(Binning::Quantiles { bins }) = grouping.binning
            && let Some(Attribute {
                values: super::AttributeValues::Numeric { values },
                ..
            }) = sorted.attributes().iter().find(|a| a.name == grouping.name)
        {
            grouping.binning = Some(Binning::Edges {
                edges: quantile_edges(values, weights.as_deref(), bins),
            });
        }
    }
    resolved
}

/// The `p`-quantile of a curve's scores by the inverted weighted distribution function.
fn curve_quantile(curve: &ScoreCurve, p: f64) -> Option<f64> {
    let total = curve.weight();
    if total <= 0.0 {
        return None;
    }
    let target = p * total;
    let mut cumulative = 0.0;
    for (j, value) in curve.values().iter().enumerate() {
        let (positives, negatives) = curve.mass_at(j);
        cumulative += positives + negatives;
        if cumulative >= target && positives + negatives > 0.0 {
            return Some(*value);
        }
    }
    curve.values().last().copied()
}

/// Rows, weight, base rate, mean and quartiles of a curve.
fn curve_profile(key: String, levels: Vec<String>, curve: &ScoreCurve) -> GroupProfile {
    let weight = curve.weight();
    let defined = weight > 0.0;
    let score_sum: f64 = curve
        .values()
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let (p, n) = curve.mass_at(j);
            v * (p + n)
        })
        .sum();
    let quartiles = [0.25, 0.5, 0.75].map(|p| curve_quantile(curve, p));
    GroupProfile {
        key,
        levels,
        rows: curve.rows(),
        weight,
        share: 0.0,
        expected_share: None,
        representation_ratio: None,
        base_rate: defined.then(|| curve.positives() / weight),
        missing: Vec::new(),
        dropped: 0,
        score_mean: defined.then(|| score_sum / weight),
        score_quartiles: match quartiles {
            [Some(a), Some(b), Some(c)] => Some([a, b, c]),
            _ => None,
        },
        small: false,
        under_represented: false,
    }
}

/// A group with no kept rows (only dropped ones, or only named by the population file).
fn empty_group(key: String, levels: Vec<String>) -> GroupProfile {
    curve_profile(key, levels, &ScoreCurve::default())
}

/// Profiles every group of `spec` on the kept rows (`sorted`), the rows dropped as invalid and
/// the missing values of the unmapped columns (over the kept rows, in their original order).
pub fn profile(
    sorted: &SortedDataset,
    spec: &GroupingSpec,
    dropped: &DroppedRows,
    missing: &[MissingColumn],
    expected: Option<&ExpectedShares>,
    settings: &ProfileSettings,
) -> Result<DataProfile, ProfileError> {
    let spec = resolved_spec(sorted, spec);
    let index = GroupIndex::build(sorted, &spec)?;
    let attribute_names = index.attribute_names().to_vec();
    let mut groups: Vec<GroupProfile> = index
        .groups()
        .iter()
        .map(|g| curve_profile(g.key.clone(), g.levels.clone(), &g.curve))
        .collect();
    let all_curves: Vec<&ScoreCurve> = index.groups().iter().map(|g| &g.curve).collect();
    let mut overall = curve_profile(
        super::grouping::OVERALL_KEY.to_owned(),
        Vec::new(),
        &ScoreCurve::merge(&all_curves),
    );

    // Dropped rows: coded with the kept rows' bins, then counted by key.
    let mut position: HashMap<String, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.key.clone(), i))
        .collect();
    let mut only_dropped: BTreeMap<String, (Vec<String>, u64)> = BTreeMap::new();
    if !dropped.is_empty() {
        let coded = spec
            .attributes
            .iter()
            .map(|grouping| {
                let attribute = dropped
                    .attributes
                    .iter()
                    .find(|a| a.name == grouping.name)
                    .ok_or_else(|| GroupingError::UnknownAttribute {
                        name: grouping.name.clone(),
                        loaded: dropped.attributes.iter().map(|a| a.name.clone()).collect(),
                    })?;
                let coded = code_attribute(attribute, grouping, None)?;
                Ok((coded, &grouping.excluded_levels))
            })
            .collect::<Result<Vec<_>, GroupingError>>()?;
        for row in 0..dropped.len() {
            let levels: Option<Vec<String>> = coded
                .iter()
                .map(|(attribute, excluded)| {
                    let code = attribute.codes.get(row).copied().unwrap_or_default();
                    let level = attribute
                        .levels
                        .get(code as usize)
                        .cloned()
                        .unwrap_or_default();
                    (!excluded.contains(&level)).then_some(level)
                })
                .collect();
            let Some(levels) = levels else { continue };
            overall.dropped += 1;
            let key = group_key(&levels);
            match position.get(&key).and_then(|i| groups.get_mut(*i)) {
                Some(group) => group.dropped += 1,
                None => only_dropped.entry(key).or_insert((levels, 0)).1 += 1,
            }
        }
    }
    for (key, (levels, count)) in only_dropped {
        position.insert(key.clone(), groups.len());
        let mut group = empty_group(key, levels);
        group.dropped = count;
        groups.push(group);
    }

    // Expected shares, and groups the population names that the data does not have.
    let attribute_key = attribute_names.join(KEY_SEPARATOR);
    let expected_levels = expected.and_then(|e| e.0.get(&attribute_key));
    if let Some(expected_levels) = expected_levels {
        for key in expected_levels.keys() {
            if position.contains_key(key) {
                continue;
            }
            let levels: Vec<String> = key.split(KEY_SEPARATOR).map(str::to_owned).collect();
            if levels.len() != attribute_names.len() {
                return Err(ProfileError::PopulationKey {
                    attribute: attribute_key.clone(),
                    key: key.clone(),
                    count: attribute_names.len(),
                });
            }
            position.insert(key.clone(), groups.len());
            groups.push(empty_group(key.clone(), levels));
        }
    }

    // Missing values per group: each kept row's group, for the rows that miss a value.
    let columns: Vec<String> = missing.iter().map(|m| m.name.clone()).collect();
    let kept_groups = index.len();
    let mut missing_weight = vec![vec![0.0; columns.len()]; groups.len()];
    let mut overall_missing = vec![0.0; columns.len()];
    if missing.iter().any(|m| m.rows.count() > 0) {
        let weights = sorted.weights_by_row();
        let assignment = assign_groups(
            sorted.attributes(),
            &spec,
            weights.as_deref(),
            sorted.len(),
            None,
        )?;
        for (column, set) in missing.iter().enumerate() {
            for row in set.rows.iter() {
                let weight = weights
                    .as_deref()
                    .map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
                let group = assignment.group_of_row(row) as usize;
                if group >= kept_groups {
                    continue; // An excluded level: in no group.
                }
                if let Some(slot) = missing_weight
                    .get_mut(group)
                    .and_then(|g| g.get_mut(column))
                {
                    *slot += weight;
                }
                if let Some(slot) = overall_missing.get_mut(column) {
                    *slot += weight;
                }
            }
        }
    }
    let fractions = |weights: &[f64], total: f64| -> Vec<Option<f64>> {
        weights
            .iter()
            .map(|w| (total > 0.0).then(|| w / total))
            .collect()
    };

    let total_weight = overall.weight;
    for (group, missing) in groups.iter_mut().zip(&missing_weight) {
        group.missing = fractions(missing, group.weight);
        group.share = if total_weight > 0.0 {
            group.weight / total_weight
        } else {
            0.0
        };
        group.expected_share = expected_levels.and_then(|e| e.get(&group.key).copied());
        group.representation_ratio = group
            .expected_share
            .filter(|e| *e > 0.0)
            .map(|e| group.share / e);
        group.small = group.weight < settings.min_count;
        group.under_represented = group
            .representation_ratio
            .is_some_and(|r| r < settings.min_representation);
    }
    overall.missing = fractions(&overall_missing, overall.weight);
    overall.share = 1.0;
    overall.small = overall.weight < settings.min_count;
    Ok(DataProfile {
        attribute_names,
        columns,
        groups,
        overall,
        has_expected: expected_levels.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{AttributeValues, Dataset};

    fn categorical(name: &str, levels: &[&str], codes: &[u32]) -> Attribute {
        Attribute {
            name: name.into(),
            values: AttributeValues::Categorical {
                levels: levels.iter().map(ToString::to_string).collect(),
                codes: codes.to_vec(),
            },
        }
    }

    #[test]
    fn row_sets_hold_their_rows_and_drop_removed_ones() {
        let set = RowSet::from_fn(130, |r| r % 3 == 0 || r == 129);
        assert_eq!(set.count(), 44); // 0, 3, …, 129 (129 is a multiple of 3).
        assert!(set.contains(0) && set.contains(129) && !set.contains(1));
        assert!(!set.contains(500));
        let rows: Vec<usize> = set.iter().collect();
        assert_eq!(rows.first(), Some(&0));
        assert_eq!(rows.last(), Some(&129));
        // Removing rows 0 and 2: row 3 becomes 1, row 6 becomes 4, and row 0 is gone.
        let kept = set.without(&[0, 2]);
        assert_eq!(kept.universe(), 128);
        let kept_rows: Vec<usize> = kept.iter().take(3).collect();
        assert_eq!(kept_rows, vec![1, 4, 7]);
        assert_eq!(kept.count(), 43);
    }

    #[test]
    fn a_small_profile_matches_hand_computed_values() {
        // Group a: scores 0.1 (w 1, +), 0.4 (w 3, -), 0.8 (w 1, +) → weight 5, base rate 2/5,
        // mean (0.1 + 1.2 + 0.8) / 5 = 0.42; cumulative weights 1, 4, 5: q1 (target 1.25) 0.4,
        // median (2.5) 0.4, q3 (3.75) 0.4. Group b: one row 0.6 (w 2, -).
        let dataset = Dataset::new(
            vec![0.1, 0.4, 0.8, 0.6],
            vec![true, false, true, false],
            Some(vec![1.0, 3.0, 1.0, 2.0]),
            vec![categorical("g", &["a", "b", "c"], &[0, 0, 0, 1])],
        )
        .unwrap();
        let sorted = SortedDataset::new(dataset);
        // One dropped row in b, one in c (which has no kept row).
        let dropped = DroppedRows {
            rows: vec![4, 5],
            attributes: vec![categorical("g", &["a", "b", "c"], &[1, 2])],
            weights: Some(vec![f64::NAN, 1.0]),
        };
        // Column `x` is missing in rows 1 (a, w 3) and 3 (b, w 2).
        let missing = [MissingColumn {
            name: "x".into(),
            rows: RowSet::from_fn(4, |r| r == 1 || r == 3),
        }];
        let expected = ExpectedShares::from_json(&serde_json::json!({
            "g": {"a": 0.5, "b": 0.5, "d": 0.1}
        }))
        .unwrap();
        let profile = profile(
            &sorted,
            &GroupingSpec::by_names(&["g"]),
            &dropped,
            &missing,
            Some(&expected),
            &ProfileSettings {
                min_count: 3.0,
                min_representation: 0.8,
            },
        )
        .unwrap();
        let keys: Vec<&str> = profile.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c", "d"]);
        let [a, b, c, d] = &profile.groups[..] else {
            panic!("four groups")
        };
        assert_eq!((a.rows, a.weight, a.share), (3, 5.0, 5.0 / 7.0));
        assert_eq!(a.base_rate, Some(0.4));
        assert!((a.score_mean.unwrap() - 0.42).abs() < 1e-12);
        assert_eq!(a.score_quartiles, Some([0.4, 0.4, 0.4]));
        assert_eq!(a.missing, vec![Some(0.6)]);
        assert_eq!(a.expected_share, Some(0.5));
        assert_eq!(a.representation_ratio, Some(10.0 / 7.0));
        assert!(!a.small && !a.under_represented);
        assert_eq!((b.rows, b.weight, b.dropped), (1, 2.0, 1));
        assert_eq!(b.missing, vec![Some(1.0)]);
        assert_eq!(b.representation_ratio, Some(4.0 / 7.0));
        assert!(b.small && b.under_represented);
        assert_eq!(b.dropped_fraction(), Some(0.5));
        // c: only a dropped row; d: only in the population file.
        assert_eq!((c.rows, c.dropped, c.base_rate), (0, 1, None));
        assert_eq!(c.missing, vec![None]);
        assert_eq!(
            (d.rows, d.expected_share, d.representation_ratio),
            (0, Some(0.1), Some(0.0))
        );
        assert!(d.under_represented);
        assert_eq!(profile.overall.dropped, 2);
        assert_eq!(profile.overall.missing, vec![Some(5.0 / 7.0)]);
        assert_eq!(profile.overall.base_rate, Some(2.0 / 7.0));
    }

    #[test]
    fn population_group_keys_may_separate_values_with_a_bar() {
        let read = ExpectedShares::from_json(&serde_json::json!({
            "sex × race": {"Female | Black": 0.2, "Male|White": 0.3}
        }))
        .unwrap();
        let levels = read.0.get("sex × race").unwrap();
        assert_eq!(levels.get("Female × Black"), Some(&0.2));
        assert_eq!(levels.get("Male × White"), Some(&0.3));
        let twice = ExpectedShares::from_json(&serde_json::json!({
            "sex × race": {"Female | Black": 0.2, "Female × Black": 0.3}
        }));
        assert!(twice.unwrap_err().contains("named twice"));
    }

    #[test]
    fn population_files_are_checked() {
        assert!(ExpectedShares::from_json(&serde_json::json!({"g": {"a": 1.5}})).is_err());
        assert!(ExpectedShares::from_json(&serde_json::json!({"g": 0.5})).is_err());
        assert!(ExpectedShares::from_json(&serde_json::json!([1])).is_err());
    }
}
