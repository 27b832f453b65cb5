//! Owned, validated columns: the engine's only input.
//!
//! The loader (`crate::data`) parses files and hands the engine a [`Dataset`]; from then on no code
//! needs to ask whether a score may be NaN or a weight negative, because [`Dataset::new`] refuses
//! such values.

use std::fmt;

use rayon::prelude::*;

/// Rows per parallel task when checking columns.
const CHECK_BLOCK_ROWS: usize = 1 << 16;

/// The first position where `is_bad` holds: blocks are checked in parallel, and only a block
/// known to hold a bad value is searched in order.
fn first_position<T: Sync>(values: &[T], is_bad: impl Fn(&T) -> bool + Sync) -> Option<usize> {
    values
        .par_chunks(CHECK_BLOCK_ROWS)
        .enumerate()
        .filter_map(|(block, values)| {
            values
                .iter()
                .position(&is_bad)
                .map(|i| block * CHECK_BLOCK_ROWS + i)
        })
        .min()
}

/// The smallest and largest of some values, and whether all are finite.
pub(crate) type RangeAndFinite = (f64, f64, bool);

/// The [`RangeAndFinite`] of no values, the identity of [`combine_ranges`].
pub(crate) const NO_RANGE: RangeAndFinite = (f64::INFINITY, f64::NEG_INFINITY, true);

/// The [`RangeAndFinite`] of two parts together.
pub(crate) fn combine_ranges(a: RangeAndFinite, b: RangeAndFinite) -> RangeAndFinite {
    (a.0.min(b.0), a.1.max(b.1), a.2 & b.2)
}

/// Smallest and largest of `values`, and whether all are finite. Eight independent lanes with
/// plain comparisons, so the compiler turns the loop into vector min/max instructions.
pub(crate) fn range_and_finite(values: &[f64]) -> RangeAndFinite {
    const LANES: usize = 8;
    let mut low = [f64::INFINITY; LANES];
    let mut high = [f64::NEG_INFINITY; LANES];
    let mut finite = [true; LANES];
    let mut blocks = values.chunks_exact(LANES);
    for block in &mut blocks {
        for (((value, low), high), finite) in
            block.iter().zip(&mut low).zip(&mut high).zip(&mut finite)
        {
            *low = if *value < *low { *value } else { *low };
            *high = if *value > *high { *value } else { *high };
            *finite &= value.abs() < f64::INFINITY;
        }
    }
    let rest = blocks.remainder();
    let low = rest
        .iter()
        .chain(&low)
        .copied()
        .fold(f64::INFINITY, f64::min);
    let high = rest
        .iter()
        .chain(&high)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let finite = finite.iter().all(|f| *f) && rest.iter().all(|v| v.is_finite());
    (low, high, finite)
}

/// The level name shown for a missing (null) attribute value.
pub const MISSING_LEVEL: &str = "(missing)";

/// Why a set of columns cannot form a [`Dataset`]. Rows are 0-based indices into the columns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// Two columns have a different number of rows.
    #[error("column `{column}` has {actual} rows, expected {expected}")]
    LengthMismatch {
        /// The column whose length differs.
        column: String,
        /// Number of rows of the score column.
        expected: usize,
        /// Number of rows of this column.
        actual: usize,
    },
    /// A score is NaN or infinite.
    #[error("score at row index {row} is not a finite number ({value})")]
    NonFiniteScore {
        /// 0-based row index.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A weight is negative, NaN or infinite.
    #[error("weight at row index {row} is not a finite non-negative number ({value})")]
    InvalidWeight {
        /// 0-based row index.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A categorical code points past the level list.
    #[error("attribute `{attribute}` has code {code} at row index {row} but only {levels} levels")]
    CodeOutOfRange {
        /// Attribute name.
        attribute: String,
        /// 0-based row index.
        row: usize,
        /// The offending code.
        code: u32,
        /// Number of levels.
        levels: usize,
    },
    /// The dataset has no rows.
    #[error("the data has no rows")]
    Empty,
    /// More rows than the engine's 32-bit row indices can address.
    #[error("the data has {0} rows; at most 4,294,967,295 are supported")]
    TooManyRows(usize),
}

/// The largest total weight the loader accepts. Weighted counts are sums of weights, and costs
/// (at most [`crate::optimize::MAX_COST`]) multiply them, so every sum and product stays finite
/// below this; real frequency weights are many orders of magnitude smaller.
pub const MAX_TOTAL_WEIGHT: f64 = 1e200;

/// The values of one attribute column, per row.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValues {
    /// Text-like values: strings, booleans. Missing values are a level of their own
    /// ([`MISSING_LEVEL`]).
    Categorical {
        /// Distinct values, sorted, with [`MISSING_LEVEL`] last when present.
        levels: Vec<String>,
        /// Per row, an index into `levels`.
        codes: Vec<u32>,
    },
    /// Numbers; kept raw so they can be binned. NaN marks a missing value.
    Numeric {
        /// Per row, the value, or NaN when missing.
        values: Vec<f64>,
    },
}

impl AttributeValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Categorical { codes, .. } => codes.len(),
            Self::Numeric { values } => values.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the rows whose `keep` flag is true (used when invalid rows are dropped).
    pub fn retain_rows(&mut self, keep: &[bool]) {
        match self {
            Self::Categorical { codes, .. } => retain_by_mask(codes, keep),
            Self::Numeric { values } => retain_by_mask(values, keep),
        }
    }
}

impl AttributeValues {
    /// Keeps the rows whose `keep` flag is true and returns the others, in row order, with the
    /// same levels (so a dropped row's code names the same level as a kept row's).
    pub fn split_off_rows(&mut self, keep: &[bool]) -> AttributeValues {
        fn dropped<T: Copy>(values: &[T], keep: &[bool]) -> Vec<T> {
            values
                .iter()
                .zip(keep)
                .filter(|(_, kept)| !**kept)
                .map(|(value, _)| *value)
                .collect()
        }
        let removed = match self {
            Self::Categorical { levels, codes } => Self::Categorical {
                levels: levels.clone(),
                codes: dropped(codes, keep),
            },
            Self::Numeric { values } => Self::Numeric {
                values: dropped(values, keep),
            },
        };
        self.retain_rows(keep);
        removed
    }
}

/// The rows a load dropped as invalid (a missing or non-finite score, label or weight), kept
/// aside so that a profile can count them per group: dropping can itself be biased.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DroppedRows {
    /// Each dropped row's 0-based position among the rows read, ascending.
    pub rows: Vec<usize>,
    /// The mapped attribute columns of the dropped rows, in the dataset's order and with its
    /// levels.
    pub attributes: Vec<Attribute>,
    /// Their weights as read (NaN where missing), when the data is weighted.
    pub weights: Option<Vec<f64>>,
}

impl DroppedRows {
    /// Number of dropped rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row was dropped.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Keeps the elements of `values` whose flag in `keep` is true.
pub fn retain_by_mask<T>(values: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    values.retain(|_| flags.next().copied().unwrap_or(true));
}

/// One attribute column (sex, race, age band …) that rows can be grouped by.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Column name, as in the file.
    pub name: String,
    /// Per-row values.
    pub values: AttributeValues,
}

impl Attribute {
    /// True when the attribute holds numbers that may be binned.
    pub fn is_numeric(&self) -> bool {
        matches!(self.values, AttributeValues::Numeric { .. })
    }
}

/// A dataset's columns taken apart: every model's scores (the first model's first), the labels,
/// the weights when weighted, and the attributes.
pub(crate) type ModelParts = (Vec<Vec<f64>>, Vec<bool>, Option<Vec<f64>>, Vec<Attribute>);

/// Validated columns of a scored dataset: finite scores, boolean labels, optional non-negative
/// weights and attribute columns, all of the same length.
#[derive(Clone, PartialEq)]
pub struct Dataset {
    scores: Vec<f64>,
    labels: Vec<bool>,
    weights: Option<Vec<f64>>,
    attributes: Vec<Attribute>,
    /// Smallest and largest score, found while checking the scores.
    score_range: (f64, f64),
    /// Further models' scores on the same rows (issue 15), each with its range: the first
    /// model's are `scores`. Empty for one model.
    other_scores: Vec<(Vec<f64>, (f64, f64))>,
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("rows", &self.scores.len())
            .field("weighted", &self.weights.is_some())
            .field(
                "attributes",
                &self.attributes.iter().map(|a| &a.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The checks of [`Dataset::new`] that take constant time: rows present and below 2^32, every
/// column as long as the scores.
fn check_lengths(
    scores: &[f64],
    labels: &[bool],
    weights: Option<&[f64]>,
    attributes: &[Attribute],
) -> Result<(), DatasetError> {
    let rows = scores.len();
    if rows == 0 {
        return Err(DatasetError::Empty);
    }
    if u32::try_from(rows).is_err() {
        return Err(DatasetError::TooManyRows(rows));
    }
    let lengths = std::iter::once(("label", labels.len()))
        .chain(weights.map(|w| ("weight", w.len())))
        .chain(attributes.iter().map(|a| (a.name.as_str(), a.values.len())));
    for (column, actual) in lengths {
        if actual != rows {
            return Err(DatasetError::LengthMismatch {
                column: column.to_owned(),
                expected: rows,
                actual,
            });
        }
    }
    Ok(())
}

/// The checks of [`Dataset::new`] that read every row: finite scores (whose range this returns),
/// finite non-negative weights, attribute codes below their level count.
fn check_rows(
    scores: &[f64],
    weights: Option<&[f64]>,
    attributes: &[Attribute],
) -> Result<(f64, f64), DatasetError> {
    // One parallel pass finds the range and whether any score is not finite; the first bad row
    // is looked for only when there is one.
    let (low, high, all_finite) = scores
        .par_chunks(CHECK_BLOCK_ROWS)
        .map(range_and_finite)
        .reduce(|| NO_RANGE, combine_ranges);
    if !all_finite && let Some(row) = scores.iter().position(|s| !s.is_finite()) {
        let value = scores.get(row).copied().unwrap_or(f64::NAN);
        return Err(DatasetError::NonFiniteScore { row, value });
    }
    if let Some(weights) = weights
        && let Some(row) = first_position(weights, |w| !(w.is_finite() && *w >= 0.0))
    {
        let value = weights.get(row).copied().unwrap_or(f64::NAN);
        return Err(DatasetError::InvalidWeight { row, value });
    }
    for attribute in attributes {
        if let AttributeValues::Categorical { levels, codes } = &attribute.values
            && let Some(row) = first_position(codes, |c| *c as usize >= levels.len())
        {
            let code = codes.get(row).copied().unwrap_or_default();
            return Err(DatasetError::CodeOutOfRange {
                attribute: attribute.name.clone(),
                row,
                code,
                levels: levels.len(),
            });
        }
    }
    Ok((low, high))
}

impl Dataset {
    /// Checks the invariants and builds the dataset.
    ///
    /// Weights are frequency weights: a row of weight `w` counts as `w` cases. This is also how
    /// pre-aggregated data (one row per score × label × attributes with a count) is loaded.
    pub fn new(
        scores: Vec<f64>,
        labels: Vec<bool>,
        weights: Option<Vec<f64>>,
        attributes: Vec<Attribute>,
    ) -> Result<Self, DatasetError> {
        check_lengths(&scores, &labels, weights.as_deref(), &attributes)?;
        let score_range = check_rows(&scores, weights.as_deref(), &attributes)?;
        Self::from_checked_columns(scores, labels, weights, attributes, score_range)
    }

    /// The loader's constructor. The loader checks every row while it converts the columns
    /// (scores finite, and their range found in the same pass; weights finite and non-negative;
    /// codes made below their level count by construction), so only the column lengths are
    /// checked here, which saves [`Dataset::new`]'s passes over every column (about 25 ms of a
    /// 10M-row load). Debug builds (the tests) re-run the row checks.
    pub(crate) fn from_checked_columns(
        scores: Vec<f64>,
        labels: Vec<bool>,
        weights: Option<Vec<f64>>,
        attributes: Vec<Attribute>,
        score_range: (f64, f64),
    ) -> Result<Self, DatasetError> {
        check_lengths(&scores, &labels, weights.as_deref(), &attributes)?;
        debug_assert_eq!(
            check_rows(&scores, weights.as_deref(), &attributes),
            Ok(score_range)
        );
        Ok(Self {
            scores,
            labels,
            weights,
            attributes,
            score_range,
            other_scores: Vec::new(),
        })
    }

    /// The same rows scored by further models too (one column of finite scores per model, as
    /// long as `scores`): the models compared on the same rows.
    pub fn with_other_scores(mut self, other_scores: Vec<Vec<f64>>) -> Result<Self, DatasetError> {
        for (position, scores) in other_scores.into_iter().enumerate() {
            if scores.len() != self.scores.len() {
                return Err(DatasetError::LengthMismatch {
                    column: format!("score of model {}", position + 2),
                    expected: self.scores.len(),
                    actual: scores.len(),
                });
            }
            let (low, high, finite) = scores
                .par_chunks(CHECK_BLOCK_ROWS)
                .map(range_and_finite)
                .reduce(|| NO_RANGE, combine_ranges);
            if !finite && let Some(row) = scores.iter().position(|s| !s.is_finite()) {
                let value = scores.get(row).copied().unwrap_or(f64::NAN);
                return Err(DatasetError::NonFiniteScore { row, value });
            }
            self.other_scores.push((scores, (low, high)));
        }
        Ok(self)
    }

    /// How many models score these rows (at least one).
    pub fn model_count(&self) -> usize {
        1 + self.other_scores.len()
    }

    /// Model `model`'s scores (0: [`scores`](Self::scores)) and their range.
    pub fn model_scores(&self, model: usize) -> Option<(&[f64], (f64, f64))> {
        match model.checked_sub(1) {
            None => Some((&self.scores, self.score_range)),
            Some(other) => self
                .other_scores
                .get(other)
                .map(|(scores, range)| (scores.as_slice(), *range)),
        }
    }

    /// Smallest and largest score.
    pub fn score_range(&self) -> (f64, f64) {
        self.score_range
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Always false: a dataset has at least one row.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Scores, one per row, all finite.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// True outcomes: `true` for the positive class.
    pub fn labels(&self) -> &[bool] {
        &self.labels
    }

    /// The rows whose flag in `second` is false, then those whose flag is true, as two datasets
    /// (a fit/evaluation split). Either part may not be empty.
    pub fn partition(&self, second: &[bool]) -> Result<(Dataset, Dataset), DatasetError> {
        let first: Vec<bool> = second.iter().map(|b| !b).collect();
        Ok((self.subset(&first)?, self.subset(second)?))
    }

    /// The rows whose flag in `keep` is true (every model's scores with them).
    fn subset(&self, keep: &[bool]) -> Result<Dataset, DatasetError> {
        let others = self
            .other_scores
            .iter()
            .map(|(scores, _)| {
                let mut scores = scores.clone();
                retain_by_mask(&mut scores, keep);
                scores
            })
            .collect();
        self.first_model_subset(keep)?.with_other_scores(others)
    }

    /// The rows whose flag in `keep` is true, scored by the first model only.
    fn first_model_subset(&self, keep: &[bool]) -> Result<Dataset, DatasetError> {
        let mut scores = self.scores.clone();
        retain_by_mask(&mut scores, keep);
        let mut labels = self.labels.clone();
        retain_by_mask(&mut labels, keep);
        let weights = self.weights.clone().map(|mut w| {
            retain_by_mask(&mut w, keep);
            w
        });
        let mut attributes = self.attributes.clone();
        for attribute in &mut attributes {
            attribute.values.retain_rows(keep);
        }
        Dataset::new(scores, labels, weights, attributes)
    }

    /// Frequency weights, when the data has a weight column.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Attribute columns, in the order they were loaded.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// Looks an attribute up by column name.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Takes the columns apart (used by [`crate::engine::SortedDataset`], which reorders them);
    /// the first model's scores only.
    pub fn into_parts(self) -> (Vec<f64>, Vec<bool>, Option<Vec<f64>>, Vec<Attribute>) {
        (self.scores, self.labels, self.weights, self.attributes)
    }

    /// Takes the columns apart with every model's scores, the first model's first.
    pub(crate) fn into_model_parts(self) -> ModelParts {
        let scores = std::iter::once(self.scores)
            .chain(self.other_scores.into_iter().map(|(scores, _)| scores))
            .collect();
        (scores, self.labels, self.weights, self.attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sex(codes: Vec<u32>) -> Attribute {
        Attribute {
            name: "sex".into(),
            values: AttributeValues::Categorical {
                levels: vec!["F".into(), "M".into()],
                codes,
            },
        }
    }

    #[test]
    fn range_and_finiteness_in_lanes_and_remainder() {
        assert_eq!(range_and_finite(&[0.5]), (0.5, 0.5, true));
        let values: Vec<f64> = (0..19).map(|i| f64::from((i * 7) % 19) - 3.0).collect();
        assert_eq!(range_and_finite(&values), (-3.0, 15.0, true));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for position in [0, 7, 17] {
                let mut with_bad = values.clone();
                with_bad[position] = bad;
                assert!(!range_and_finite(&with_bad).2, "{bad} at {position}");
            }
        }
    }

    #[test]
    fn a_valid_dataset_is_accepted() {
        let data = Dataset::new(
            vec![0.1, 0.9],
            vec![false, true],
            Some(vec![1.0, 2.5]),
            vec![sex(vec![0, 1])],
        )
        .unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.weights(), Some(&[1.0, 2.5][..]));
        assert!(data.attribute("sex").is_some());
    }

    #[test]
    fn nan_scores_negative_weights_and_bad_codes_are_refused() {
        assert!(matches!(
            Dataset::new(vec![0.1, f64::NAN], vec![true, false], None, vec![]),
            Err(DatasetError::NonFiniteScore { row: 1, .. })
        ));
        assert!(matches!(
            Dataset::new(vec![0.1], vec![true], Some(vec![-1.0]), vec![]),
            Err(DatasetError::InvalidWeight { row: 0, .. })
        ));
        assert!(matches!(
            Dataset::new(
                vec![0.1, 0.2],
                vec![true, true],
                None,
                vec![sex(vec![0, 2])]
            ),
            Err(DatasetError::CodeOutOfRange {
                row: 1,
                code: 2,
                ..
            })
        ));
        assert_eq!(
            Dataset::new(vec![], vec![], None, vec![]),
            Err(DatasetError::Empty)
        );
        assert!(matches!(
            Dataset::new(vec![0.1], vec![], None, vec![]),
            Err(DatasetError::LengthMismatch { .. })
        ));
    }
}
