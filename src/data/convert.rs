//! Turning polars columns into the engine's typed columns, with row-precise validation.

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::read::{ColumnSource, unreadable};
use super::{ColumnRoles, LoadError, LoadOptions, LoadedData};
use crate::engine::dataset::{
    MISSING_LEVEL, NO_RANGE, RangeAndFinite, combine_ranges, range_and_finite, retain_by_mask,
};
use crate::engine::grouping::level_label;
use crate::engine::{Attribute, AttributeValues, Dataset, DroppedRows, MAX_TOTAL_WEIGHT};
use crate::progress::Progress;

/// Label codes while validating.
const NEGATIVE: u8 = 0;
const POSITIVE: u8 = 1;
const INVALID: u8 = 2;

/// Which of the score and label columns a dataset is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scores {
    /// The score and label columns of the roles.
    Column,
    /// The label only; the score is 1 for a positive row, 0 otherwise (recorded decisions, where
    /// the label column says who was selected and there is no score).
    FromLabel,
    /// The score only; every label is negative (a score audited without outcomes).
    WithoutLabel,
}

pub(super) fn to_dataset(
    path: &Path,
    source: &mut ColumnSource,
    roles: &ColumnRoles,
    options: LoadOptions,
    scores_from: Scores,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    // Each column is dropped as soon as its last role has taken it, so that the raw columns
    // (a text column holds 16 bytes a row) are freed while the rest is converted.
    let mut uses: FxHashMap<&str, usize> = FxHashMap::default();
    let score_column = (scores_from != Scores::FromLabel).then_some(roles.score.as_str());
    let label_column = (scores_from != Scores::WithoutLabel).then_some(roles.label.as_str());
    let other_score_columns = match scores_from {
        Scores::Column => roles.other_scores(),
        Scores::FromLabel | Scores::WithoutLabel => Vec::new(),
    };
    for name in score_column
        .into_iter()
        .chain(other_score_columns.iter().copied())
        .chain(label_column)
        .chain(roles.weight.as_deref())
        .chain(roles.attributes.iter().map(String::as_str))
    {
        *uses.entry(name).or_default() += 1;
    }
    let mut take = |name: &str| -> Result<Series, LoadError> {
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled);
        }
        progress.stage(&format!("reading column `{name}`"));
        let remaining = uses.get_mut(name).map(|n| {
            *n = n.saturating_sub(1);
            *n
        });
        source.column(name, remaining == Some(0))
    };

    let (scores, score_range, labels, positive_label) = match scores_from {
        Scores::WithoutLabel => {
            let (scores, score_range) =
                numeric_values_and_range(path, &take(&roles.score)?, "score")?;
            if scores.is_empty() {
                return Err(LoadError::Empty {
                    path: path.to_path_buf(),
                });
            }
            let labels = vec![NEGATIVE; scores.len()];
            (scores, score_range, labels, String::new())
        }
        Scores::Column => {
            let (scores, score_range) =
                numeric_values_and_range(path, &take(&roles.score)?, "score")?;
            if scores.is_empty() {
                return Err(LoadError::Empty {
                    path: path.to_path_buf(),
                });
            }
            let (labels, positive_label) =
                label_codes(path, &take(&roles.label)?, roles.positive.as_deref())?;
            (scores, score_range, labels, positive_label)
        }
        Scores::FromLabel => {
            let (labels, positive_label) =
                label_codes(path, &take(&roles.label)?, roles.positive.as_deref())?;
            if labels.is_empty() {
                return Err(LoadError::Empty {
                    path: path.to_path_buf(),
                });
            }
            // An invalid label gives a NaN score: the row is reported (and dropped) once, as an
            // invalid label, below.
            let scores: Vec<f64> = labels
                .par_iter()
                .map(|l| match *l {
                    POSITIVE => 1.0,
                    NEGATIVE => 0.0,
                    _ => f64::NAN,
                })
                .collect();
            (scores, None, labels, positive_label)
        }
    };
    let rows = scores.len();
    // Further models' scores (issue 15): read like the first model's, checked alike below.
    let mut other_scores: Vec<Vec<f64>> = Vec::with_capacity(other_score_columns.len());
    let mut other_finite: Vec<bool> = Vec::with_capacity(other_score_columns.len());
    for column in &other_score_columns {
        let (values, range) = numeric_values_and_range(path, &take(column)?, "score")?;
        other_finite.push(matches!(range, Some((_, _, true))));
        other_scores.push(values);
    }
    let weights = match &roles.weight {
        Some(name) => {
            let weights = numeric_values(path, &take(name)?, "weight")?;
            if let Some((row, value)) = weights.iter().enumerate().find(|(_, w)| **w < 0.0) {
                return Err(LoadError::NegativeWeight {
                    path: path.to_path_buf(),
                    column: name.clone(),
                    row: row + 1,
                    value: *value,
                });
            }
            Some(weights)
        }
        None => None,
    };
    let mut attributes = Vec::with_capacity(roles.attributes.len());
    for name in &roles.attributes {
        attributes.push(Attribute {
            name: name.clone(),
            values: attribute_values(path, &take(name)?)?,
        });
    }
    source.release_frames();

    // Invalid values per role: counted, and the first one's row found, before anything else.
    let mut found = vec![(
        roles.score.as_str(),
        "score",
        match (scores_from, score_range) {
            (Scores::FromLabel, _) | (_, Some((_, _, true))) => None,
            _ => count_invalid(&scores, |s| !s.is_finite()),
        },
    )];
    for ((column, values), finite) in other_score_columns
        .iter()
        .zip(&other_scores)
        .zip(&other_finite)
    {
        let invalid = if *finite {
            None
        } else {
            count_invalid(values, |s| !s.is_finite())
        };
        found.push((column, "score", invalid));
    }
    found.extend([
        (
            roles.label.as_str(),
            "label",
            count_invalid(&labels, |l| *l == INVALID),
        ),
        (
            roles.weight.as_deref().unwrap_or_default(),
            "weight",
            weights
                .as_deref()
                .and_then(|w| count_invalid(w, |w| !w.is_finite())),
        ),
    ]);
    let mut warnings = Vec::new();
    let mut rows_dropped = 0;
    for (column, role, found) in found {
        let Some((count, first_row)) = found else {
            continue;
        };
        if !options.drop_invalid {
            return Err(LoadError::InvalidValues {
                path: path.to_path_buf(),
                column: column.to_owned(),
                role,
                count,
                first_row,
            });
        }
        warnings.push(format!(
            "{count} row{} with a missing, NaN or infinite {role} in column `{column}` (first: row {first_row})",
            if count == 1 { "" } else { "s" }
        ));
    }
    let keep: Option<Vec<bool>> = (!warnings.is_empty()).then(|| {
        (0..rows)
            .into_par_iter()
            .map(|row| {
                scores.get(row).is_some_and(|s| s.is_finite())
                    && other_scores
                        .iter()
                        .all(|other| other.get(row).is_some_and(|s| s.is_finite()))
                    && labels.get(row).is_some_and(|l| *l != INVALID)
                    && weights
                        .as_ref()
                        .is_none_or(|w| w.get(row).is_some_and(|w| w.is_finite()))
            })
            .collect()
    });
    let mut scores = scores;
    let mut labels = labels;
    let mut weights = weights;
    let mut dropped = DroppedRows::default();
    if let Some(keep) = keep {
        rows_dropped = keep.iter().filter(|k| !**k).count();
        warnings.insert(
            0,
            format!("dropped {rows_dropped} of {rows} rows as invalid:"),
        );
        // The dropped rows' attributes and weights are kept aside: a profile counts them per
        // group (dropping can itself be biased).
        dropped.rows = keep
            .iter()
            .enumerate()
            .filter(|(_, kept)| !**kept)
            .map(|(row, _)| row)
            .collect();
        retain_by_mask(&mut scores, &keep);
        for other in &mut other_scores {
            retain_by_mask(other, &keep);
        }
        retain_by_mask(&mut labels, &keep);
        if let Some(w) = weights.as_mut() {
            let mut removed = w.clone();
            let dropped_flags: Vec<bool> = keep.iter().map(|k| !k).collect();
            retain_by_mask(&mut removed, &dropped_flags);
            dropped.weights = Some(removed);
            retain_by_mask(w, &keep);
        }
        for attribute in &mut attributes {
            dropped.attributes.push(Attribute {
                name: attribute.name.clone(),
                values: attribute.values.split_off_rows(&keep),
            });
        }
        if scores.is_empty() {
            return Err(LoadError::NothingLeft {
                path: path.to_path_buf(),
            });
        }
    }
    if let (Some(weights), Some(column)) = (&weights, &roles.weight) {
        check_weight_total(path, column, weights)?;
    }
    let labels: Vec<bool> = labels.par_iter().map(|l| *l == POSITIVE).collect();
    // Every row has been checked above (scores finite, weights finite and non-negative) or
    // made valid by construction (attribute codes); the range is known unless rows were dropped.
    let dataset = match score_range {
        Some((low, high, true)) if rows_dropped == 0 => {
            Dataset::from_checked_columns(scores, labels, weights, attributes, (low, high))
        }
        _ => Dataset::new(scores, labels, weights, attributes),
    }
    .and_then(|dataset| dataset.with_other_scores(other_scores))
    .map_err(|source| LoadError::Dataset {
        path: path.to_path_buf(),
        problem: source,
    })?;
    Ok(LoadedData {
        dataset,
        path: path.to_path_buf(),
        roles: roles.clone(),
        positive_label,
        rows_read: rows,
        rows_dropped,
        warnings,
        dropped,
    })
}

/// How many `values` are invalid, and the 1-based row of the first; `None` when all are valid.
fn count_invalid<T: Sync>(
    values: &[T],
    is_invalid: impl Fn(&T) -> bool + Sync,
) -> Option<(usize, usize)> {
    let count: usize = values
        .par_chunks(1 << 16)
        .map(|chunk| chunk.iter().filter(|v| is_invalid(v)).count())
        .sum();
    (count > 0).then(|| {
        (
            count,
            values.iter().position(&is_invalid).unwrap_or_default() + 1,
        )
    })
}

/// A numeric column as `f64`, missing values as NaN.
pub(super) fn numeric_values(
    path: &Path,
    series: &Series,
    role: &'static str,
) -> Result<Vec<f64>, LoadError> {
    numeric_values_and_range(path, series, role).map(|(values, _)| values)
}

/// [`numeric_values`], with the column's [`RangeAndFinite`] when it came free with the copy
/// (a float or integer column without missing values, the usual score column).
fn numeric_values_and_range(
    path: &Path,
    series: &Series,
    role: &'static str,
) -> Result<(Vec<f64>, Option<RangeAndFinite>), LoadError> {
    let column = series.name().to_string();
    let dtype = series.dtype();
    if dtype.is_string() {
        // Text that may still be numbers (a CSV column with odd nulls, say).
        let text = series.str().map_err(|e| unreadable(path, e))?;
        let mut values = Vec::with_capacity(text.len());
        for (row, value) in text.iter().enumerate() {
            match value.map(|v| v.trim().parse::<f64>()) {
                None => values.push(f64::NAN),
                Some(Ok(v)) => values.push(v),
                Some(Err(_)) => {
                    return Err(LoadError::NotNumeric {
                        path: path.to_path_buf(),
                        column,
                        role,
                        row: row + 1,
                        value: value.unwrap_or_default().to_owned(),
                    });
                }
            }
        }
        return Ok((values, None));
    }
    if !(dtype.is_primitive_numeric() || is_decimal(dtype) || dtype.is_null()) {
        return Err(LoadError::WrongType {
            path: path.to_path_buf(),
            column,
            role,
            dtype: dtype.to_string(),
        });
    }
    let floats = series
        .cast(&DataType::Float64)
        .map_err(|e| unreadable(path, e))?;
    let floats = floats.f64().map_err(|e| unreadable(path, e))?;
    Ok(floats_with_nan(floats))
}

/// The values of a float column, missing values as NaN. Without missing values, a plain copy,
/// which also finds the range while each block is in cache.
fn floats_with_nan(floats: &Float64Chunked) -> (Vec<f64>, Option<RangeAndFinite>) {
    if floats.null_count() > 0 {
        return (floats.iter().map(|v| v.unwrap_or(f64::NAN)).collect(), None);
    }
    // Copied block by block in parallel (a 10M-row column is 80 MB).
    let blocks: Vec<&[f64]> = floats
        .downcast_iter()
        .flat_map(|array| array.values().chunks(1 << 16))
        .collect();
    let mut values = vec![0.0; floats.len()];
    let range = split_lengths(&mut values, blocks.iter().map(|b| b.len()))
        .into_par_iter()
        .zip(blocks.par_iter())
        .map(|(out, block)| {
            // Same lengths: `values` is as long as the blocks together.
            out.copy_from_slice(block);
            range_and_finite(out)
        })
        .reduce(|| NO_RANGE, combine_ranges);
    (values, Some(range))
}

/// `output` cut into consecutive slices of the given lengths, to fill in parallel.
fn split_lengths<T>(output: &mut [T], lengths: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    let mut slices = Vec::new();
    let mut rest = output;
    for length in lengths {
        let (slice, tail) = rest.split_at_mut(length.min(rest.len()));
        slices.push(slice);
        rest = tail;
    }
    slices
}

/// Up to this many distinct label values are named in messages.
const MAX_NAMED_VALUES: usize = 10;

/// Label column as positive/negative/invalid codes, and the positive value as text.
fn label_codes(
    path: &Path,
    series: &Series,
    positive: Option<&str>,
) -> Result<(Vec<u8>, String), LoadError> {
    let column = series.name().to_string();
    let dtype = series.dtype().clone();
    let ambiguous = |values: Vec<String>, count: usize| LoadError::AmbiguousLabel {
        path: path.to_path_buf(),
        column: column.clone(),
        count,
        values,
    };
    let not_found = |positive: &str, values: Vec<String>| LoadError::PositiveNotFound {
        path: path.to_path_buf(),
        column: column.clone(),
        positive: positive.to_owned(),
        values,
    };
    if dtype == DataType::Boolean {
        let values = series.bool().map_err(|e| unreadable(path, e))?;
        let positive_value = match positive.map(str::to_ascii_lowercase).as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => return Err(not_found(other, vec!["true".into(), "false".into()])),
        };
        let codes = values
            .iter()
            .map(|v| match v {
                None => INVALID,
                Some(v) if v == positive_value => POSITIVE,
                Some(_) => NEGATIVE,
            })
            .collect();
        return Ok((codes, positive_value.to_string()));
    }
    if dtype.is_integer()
        && series.null_count() == 0
        && let Some(coded) = binary_integer_labels(series, positive)
    {
        return Ok(coded);
    }
    if dtype.is_primitive_numeric() {
        let values = numeric_values(path, series, "label")?;
        // The first distinct values in row order (one more than are named, to know there are
        // more), gathered per block in parallel and merged in order.
        let first_distinct = |mut seen: Vec<f64>, values: &[f64]| {
            for v in values.iter().filter(|v| v.is_finite()) {
                if seen.len() > MAX_NAMED_VALUES {
                    break;
                }
                if !seen.contains(v) {
                    seen.push(*v);
                }
            }
            seen
        };
        let mut distinct: Vec<f64> = values
            .par_chunks(1 << 16)
            .map(|block| first_distinct(Vec::new(), block))
            .reduce(Vec::new, |seen, more| first_distinct(seen, &more));
        distinct.sort_by(f64::total_cmp);
        let named = || {
            distinct
                .iter()
                .take(MAX_NAMED_VALUES)
                .map(|v| crate::engine::grouping::format_level_number(*v))
                .collect::<Vec<_>>()
        };
        let positive_value = match positive {
            Some(text) => {
                let value = text
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| not_found(text, named()))?;
                if !distinct.contains(&value) && distinct.len() <= MAX_NAMED_VALUES {
                    return Err(not_found(text, named()));
                }
                value
            }
            None if !distinct.is_empty() && distinct.iter().all(|v| *v == 0.0 || *v == 1.0) => 1.0,
            None => {
                let count = if distinct.len() > MAX_NAMED_VALUES {
                    count_distinct_numbers(&values)
                } else {
                    distinct.len()
                };
                return Err(ambiguous(named(), count));
            }
        };
        let codes = values
            .par_iter()
            .map(|v| {
                if !v.is_finite() {
                    INVALID
                } else if *v == positive_value {
                    POSITIVE
                } else {
                    NEGATIVE
                }
            })
            .collect();
        return Ok((
            codes,
            crate::engine::grouping::format_level_number(positive_value),
        ));
    }
    // Anything else is compared as text.
    let text = super::read::text_values(series)
        .map_err(|e| unreadable(path, format!("column `{column}` (label): {e}")))?;
    let text = text.str().map_err(|e| unreadable(path, e))?;
    let mut distinct: Vec<String> = Vec::new();
    let mut count = 0;
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    for value in text.iter().flatten() {
        if seen.insert(value) {
            count += 1;
            if distinct.len() < MAX_NAMED_VALUES {
                distinct.push(value.to_owned());
            }
        }
    }
    distinct.sort();
    let positive_value = match positive {
        Some(p) if seen.contains(p) => p.to_owned(),
        Some(p) => return Err(not_found(p, distinct)),
        None => {
            let lower: Vec<String> = distinct.iter().map(|d| d.trim().to_lowercase()).collect();
            let binary = |pos: &str, neg: &str| {
                count <= 2
                    && lower.iter().all(|l| l == pos || l == neg)
                    && lower.iter().any(|l| l == pos)
            };
            if binary("1", "0") || binary("true", "false") {
                distinct
                    .iter()
                    .zip(&lower)
                    .find(|(_, l)| *l == "1" || *l == "true")
                    .map(|(d, _)| d.clone())
                    .unwrap_or_default()
            } else {
                return Err(ambiguous(distinct, count));
            }
        }
    };
    let codes = text
        .iter()
        .map(|v| match v {
            None => INVALID,
            Some(v) if v == positive_value => POSITIVE,
            Some(_) => NEGATIVE,
        })
        .collect();
    Ok((codes, positive_value))
}

/// Labels of an integer column without missing values holding only 0 and 1 (the common case),
/// coded straight from a one-byte copy instead of through floats. `None` sends any other column,
/// or a `--positive` this path cannot honour, down the general path (which also words the errors).
fn binary_integer_labels(series: &Series, positive: Option<&str>) -> Option<(Vec<u8>, String)> {
    // Free when the column already is Int64 (the usual Parquet and CSV type).
    let integers = series.strict_cast(&DataType::Int64).ok()?;
    let integers = integers.i64().ok()?;
    let blocks: Vec<&[i64]> = integers
        .downcast_iter()
        .flat_map(|array| array.values().chunks(1 << 16))
        .collect();
    // One parallel pass writes the codes and finds whether any value is not 0 or 1.
    let mut codes: Vec<u8> = vec![0; integers.len()];
    let binary = split_lengths(&mut codes, blocks.iter().map(|b| b.len()))
        .into_par_iter()
        .zip(blocks.par_iter())
        .map(|(out, block)| {
            let mut binary = true;
            for (code, value) in out.iter_mut().zip(block.iter()) {
                binary &= *value == 0 || *value == 1;
                *code = u8::from(*value == 1);
            }
            binary
        })
        .reduce(|| true, |a, b| a && b);
    if !binary {
        return None;
    }
    let positive_value: u8 = match positive {
        None => 1,
        Some(text) => {
            let value = text.trim().parse::<f64>().ok()?;
            if value == 1.0 {
                1
            } else if value == 0.0 {
                0
            } else {
                return None;
            }
        }
    };
    if positive.is_some() && !codes.par_iter().any(|v| *v == positive_value) {
        return None;
    }
    if positive_value == 0 {
        // Codes are POSITIVE (1) for the positive value, NEGATIVE (0) for the other.
        codes.par_iter_mut().for_each(|v| *v = 1 - *v);
    }
    Some((
        codes,
        crate::engine::grouping::format_level_number(f64::from(positive_value)),
    ))
}

fn count_distinct_numbers(values: &[f64]) -> usize {
    let mut bits: Vec<u64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.to_bits())
        .collect();
    bits.sort_unstable();
    bits.dedup();
    bits.len()
}

/// An attribute column: numbers stay numbers (for binning), everything else becomes levels.
pub(super) fn attribute_values(path: &Path, series: &Series) -> Result<AttributeValues, LoadError> {
    let dtype = series.dtype();
    if matches!(
        dtype,
        DataType::List(_) | DataType::Array(..) | DataType::Binary | DataType::BinaryOffset
    ) || super::read::check_showable(dtype).is_err()
    {
        let shown = match super::read::check_showable(dtype) {
            Ok(()) => dtype.to_string(),
            Err(_) => format!("{dtype} with a time zone inside"),
        };
        return Err(LoadError::AttributeType {
            path: path.to_path_buf(),
            column: series.name().to_string(),
            dtype: shown,
        });
    }
    if dtype.is_integer() && !integers_exact_as_floats(series) {
        // Identifiers beyond 2^53 would merge through f64 (…992 and …993 are one float): keep
        // them as exact text levels instead.
        let text = series
            .cast(&DataType::String)
            .map_err(|e| unreadable(path, e))?;
        let text = text.str().map_err(|e| unreadable(path, e))?;
        return Ok(categorical_from_string_column(text));
    }
    if dtype.is_primitive_numeric() || is_decimal(dtype) {
        return Ok(AttributeValues::Numeric {
            values: numeric_values(path, series, "attribute")?,
        });
    }
    if *dtype == DataType::Boolean {
        let values = series.bool().map_err(|e| unreadable(path, e))?;
        let has_missing = values.null_count() > 0;
        let mut levels = vec!["false".to_owned(), "true".to_owned()];
        if has_missing {
            levels.push(MISSING_LEVEL.to_owned());
        }
        let codes = values
            .iter()
            .map(|v| match v {
                Some(false) => 0,
                Some(true) => 1,
                None => 2,
            })
            .collect();
        return Ok(AttributeValues::Categorical { levels, codes });
    }
    let text = super::read::text_values(series).map_err(|e| unreadable(path, e))?;
    let text = text.str().map_err(|e| unreadable(path, e))?;
    Ok(categorical_from_string_column(text))
}

/// Whether a column holds fixed-point decimals (warehouses' NUMERIC/DECIMAL): numbers, read as
/// floats.
fn is_decimal(dtype: &DataType) -> bool {
    matches!(dtype, DataType::Decimal(..))
}

/// Whether every value of an integer column is exactly a float: all magnitudes below 2^53.
fn integers_exact_as_floats(series: &Series) -> bool {
    /// 2^53: from here on, consecutive integers share a float.
    const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;
    let within = |extreme: PolarsResult<Option<f64>>| {
        extreme.map_or(true, |v| v.is_none_or(|v| v.abs() < EXACT_LIMIT))
    };
    within(series.min::<f64>()) && within(series.max::<f64>())
}

/// Assigns codes to text levels in the order they are first seen.
#[derive(Clone, Default)]
struct LevelCoder<'a> {
    lookup: FxHashMap<&'a str, u32>,
    first_seen: Vec<&'a str>,
}

/// The provisional code of a missing value.
const MISSING_CODE: u32 = u32::MAX;

impl<'a> LevelCoder<'a> {
    /// A coder that already knows `levels`, coded in sorted order.
    fn seeded(mut levels: Vec<&'a str>) -> Self {
        levels.sort_unstable();
        levels.dedup();
        let mut coder = Self::default();
        for level in levels {
            coder.code(level);
        }
        coder
    }

    fn code(&mut self, value: &'a str) -> u32 {
        *self.lookup.entry(value).or_insert_with(|| {
            self.first_seen.push(value);
            (self.first_seen.len() - 1) as u32
        })
    }

    /// The levels in sorted order, and for each code given so far its position among them.
    fn into_sorted(self) -> (Vec<String>, Vec<u32>) {
        let first_seen = self.first_seen;
        let mut order: Vec<u32> = (0..first_seen.len() as u32).collect();
        order.sort_by(|a, b| {
            first_seen
                .get(*a as usize)
                .cmp(&first_seen.get(*b as usize))
        });
        let mut position = vec![0; first_seen.len()];
        for (new, old) in order.iter().enumerate() {
            if let Some(slot) = position.get_mut(*old as usize) {
                *slot = new as u32;
            }
        }
        let levels = order
            .iter()
            .map(|old| first_seen.get(*old as usize).copied().unwrap_or_default())
            .map(|value| level_label(value).into_owned())
            .collect();
        (levels, position)
    }
}

/// Slots of the per-task cache of recently seen views (a power of two; the slot is the top 6 bits
/// of a multiplicative hash).
const VIEW_CACHE_SLOTS: usize = 64;

/// Rows of a string column coded per parallel task.
const TEXT_BLOCK_ROWS: usize = 1 << 18;

/// Leading rows of a string column whose levels seed every block's coder.
const SEED_ROWS: usize = 1 << 12;

/// Codes a polars string column: levels sorted, missing values as the last level.
///
/// Blocks of rows are coded in parallel, each with its own provisional codes. Every block's
/// coder starts from the same seed, the sorted levels of the column's first rows, so when no
/// block meets another level and the column has no missing values (the usual attribute column),
/// the provisional codes are already the final ones; otherwise blocks are renumbered into the
/// sorted levels. Within a block, values are keyed by their 16-byte views where that is exact: a
/// string of at most 12 bytes is stored inside its view, zero-padded, so equal views are equal
/// strings, and hashing one 128-bit number is several times cheaper than hashing and comparing
/// text. Longer strings are looked up by their text.
fn categorical_from_string_column(text: &StringChunked) -> AttributeValues {
    /// Strings up to this many bytes live inside their view.
    const INLINE_BYTES: u32 = 12;
    let has_nulls = text.null_count() > 0;
    let seed = LevelCoder::seeded(text.iter().take(SEED_ROWS).flatten().collect());
    let mut codes: Vec<u32> = vec![0; text.len()];
    // (array, first row, rows) of every block, and the matching slice of `codes`.
    let mut spans = Vec::new();
    for array in text.downcast_iter() {
        for start in (0..array.len()).step_by(TEXT_BLOCK_ROWS) {
            spans.push((array, start, TEXT_BLOCK_ROWS.min(array.len() - start)));
        }
    }
    let outputs = split_lengths(&mut codes, spans.iter().map(|(_, _, rows)| *rows));
    let mut blocks: Vec<_> = spans
        .into_iter()
        .zip(outputs)
        .map(|((array, start, _), out)| (array, start, out))
        .collect();
    // Per block: its levels in code order, and whether it has missing values.
    let block_levels: Vec<(Vec<&str>, bool)> = blocks
        .par_iter_mut()
        .map(|(array, start, out)| {
            let mut coder = seed.clone();
            let mut missing = false;
            let mut by_view: FxHashMap<u128, u32> = FxHashMap::default();
            // A direct-mapped cache in front of the map: with the handful of levels attributes
            // have, nearly every row is one multiply and one compare. The empty key cannot be
            // an inline view (its length field is above 12).
            let mut cache = [(u128::MAX, 0u32); VIEW_CACHE_SLOTS];
            let views = array
                .views()
                .get(*start..*start + out.len())
                .unwrap_or_default();
            for (offset, (code, view)) in out.iter_mut().zip(views).enumerate() {
                let row = *start + offset;
                *code = if has_nulls && array.get(row).is_none() {
                    missing = true;
                    MISSING_CODE
                } else if view.length <= INLINE_BYTES {
                    let key = view.as_u128();
                    let folded = (key as u64) ^ ((key >> 64) as u64);
                    let slot = (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize;
                    match cache.get_mut(slot) {
                        Some((cached, code)) if *cached == key => *code,
                        Some(entry) => {
                            let code = *by_view
                                .entry(key)
                                .or_insert_with(|| coder.code(array.value(row)));
                            *entry = (key, code);
                            code
                        }
                        None => *by_view
                            .entry(key)
                            .or_insert_with(|| coder.code(array.value(row))),
                    }
                } else {
                    coder.code(array.value(row))
                };
            }
            (coder.first_seen, missing)
        })
        .collect();
    // One coder over every block's levels: each block's codes map into the sorted levels.
    let mut coder = LevelCoder::default();
    let provisional: Vec<Vec<u32>> = block_levels
        .iter()
        .map(|(levels, _)| levels.iter().map(|level| coder.code(level)).collect())
        .collect();
    let (mut levels, sorted_position) = coder.into_sorted();
    let missing_code = levels.len() as u32;
    let any_missing = block_levels.iter().any(|(_, missing)| *missing);
    blocks
        .par_iter_mut()
        .zip(&provisional)
        .zip(&block_levels)
        .for_each(|(((_, _, out), provisional), (_, missing))| {
            let final_code: Vec<u32> = provisional
                .iter()
                .map(|p| {
                    sorted_position
                        .get(*p as usize)
                        .copied()
                        .unwrap_or(missing_code)
                })
                .collect();
            let unchanged = final_code.iter().enumerate().all(|(i, c)| i as u32 == *c);
            if unchanged && !missing {
                return;
            }
            for code in out.iter_mut() {
                *code = final_code
                    .get(*code as usize)
                    .copied()
                    .unwrap_or(missing_code);
            }
        });
    drop(blocks);
    if any_missing {
        levels.push(MISSING_LEVEL.to_owned());
    }
    AttributeValues::Categorical { levels, codes }
}

/// Refuses weights that count nothing (all zero) or whose total is beyond
/// [`MAX_TOTAL_WEIGHT`], where sums of weighted counts, and their products with costs, would
/// overflow to infinity and every rate would print as NaN.
pub(super) fn check_weight_total(
    path: &Path,
    column: &str,
    weights: &[f64],
) -> Result<(), LoadError> {
    let total: f64 = weights.par_iter().sum();
    if total > MAX_TOTAL_WEIGHT || !total.is_finite() {
        return Err(LoadError::WeightTotal {
            path: path.to_path_buf(),
            column: column.to_owned(),
            problem: format!(
                "sums to more than {MAX_TOTAL_WEIGHT:e}, where counts would overflow; rates do not change when every weight is divided by the same number, so scale the column down"
            ),
        });
    }
    if total == 0.0 {
        return Err(LoadError::WeightTotal {
            path: path.to_path_buf(),
            column: column.to_owned(),
            problem: "is 0 in every row, so there is nothing to count".to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_levels_are_sorted_with_missing_last() {
        let values = [Some("b"), None, Some("a"), Some("b")];
        assert_eq!(
            categorical_from_string_column(&StringChunked::from_iter_options(
                "x".into(),
                values.into_iter()
            )),
            AttributeValues::Categorical {
                levels: vec!["a".into(), "b".into(), "(missing)".into()],
                codes: vec![1, 2, 0, 1],
            }
        );
    }

    #[test]
    fn string_columns_code_short_and_long_text_alike() {
        let long = "a level name longer than twelve bytes";
        let values = [
            Some("b"),
            None,
            Some(long),
            Some("a"),
            Some("b"),
            Some(long),
        ];
        let column = StringChunked::from_iter_options("x".into(), values.into_iter());
        // Two chunks, so codes must agree across chunks.
        let mut column = column;
        column
            .append(&StringChunked::from_iter_options(
                "x".into(),
                [Some(long), Some("b")].into_iter(),
            ))
            .unwrap();
        assert_eq!(
            categorical_from_string_column(&column),
            AttributeValues::Categorical {
                levels: vec!["a".into(), long.into(), "b".into(), "(missing)".into()],
                codes: vec![2, 3, 1, 0, 2, 1, 1, 2],
            }
        );
    }

    /// Codes `rows` values of `value` and checks every row's level and the sorted levels.
    fn assert_codes_name_each_rows_level(
        rows: usize,
        value: impl Fn(usize) -> Option<&'static str>,
    ) {
        let column = StringChunked::from_iter_options("x".into(), (0..rows).map(&value));
        let AttributeValues::Categorical { levels, codes } =
            categorical_from_string_column(&column)
        else {
            panic!("text codes as levels")
        };
        let mut expected: Vec<&str> = (0..rows).filter_map(&value).collect();
        expected.sort_unstable();
        expected.dedup();
        let mut expected: Vec<String> = expected
            .into_iter()
            .map(|v| level_label(v).into_owned())
            .collect();
        if (0..rows).any(|i| value(i).is_none()) {
            expected.push("(missing)".to_owned());
        }
        assert_eq!(levels, expected);
        for (i, code) in codes.iter().enumerate() {
            let label = value(i).map_or("(missing)".to_owned(), |v| level_label(v).into_owned());
            assert_eq!(levels[*code as usize], label, "row {i}");
        }
    }

    #[test]
    fn blocks_agree_on_codes_across_many_rows() {
        // More rows than one block, levels first seen in different blocks, some missing.
        let names = ["north", "a much longer region name", "", "south", "east"];
        assert_codes_name_each_rows_level(3 * TEXT_BLOCK_ROWS + 17, |i| match i % 7 {
            6 => None,
            k if i > TEXT_BLOCK_ROWS || k < 3 => Some(names[k % names.len()]),
            _ => Some("north"),
        });
        // Every level among the first rows, nothing missing: the seeded codes are final.
        assert_codes_name_each_rows_level(2 * TEXT_BLOCK_ROWS + 3, |i| Some(names[i % 5]));
        // A level sorting before all others appears only in the last block, past the seed rows.
        assert_codes_name_each_rows_level(2 * TEXT_BLOCK_ROWS + 3, |i| {
            Some(if i == 2 * TEXT_BLOCK_ROWS + 1 {
                "Aardvark"
            } else {
                names[i % 5]
            })
        });
    }

    #[test]
    fn integer_labels_take_the_fast_path_and_honour_positive() {
        let path = Path::new("x.parquet");
        let labels = Series::new("y".into(), &[0i64, 1, 1, 0]);
        assert!(binary_integer_labels(&labels, None).is_some());
        assert!(binary_integer_labels(&Series::new("y".into(), &[0i32, 1]), Some("0")).is_some());
        let (codes, positive) = label_codes(path, &labels, None).unwrap();
        assert_eq!((codes, positive.as_str()), (vec![0, 1, 1, 0], "1"));
        let (codes, positive) = label_codes(path, &labels, Some("0")).unwrap();
        assert_eq!((codes, positive.as_str()), (vec![1, 0, 0, 1], "0"));
        // Values other than 0 and 1 go down the general path and its messages.
        assert!(matches!(
            label_codes(path, &labels, Some("2")),
            Err(LoadError::PositiveNotFound { .. })
        ));
        let three = Series::new("y".into(), &[0i32, 1, 2]);
        assert!(binary_integer_labels(&three, None).is_none());
        assert!(matches!(
            label_codes(path, &three, None),
            Err(LoadError::AmbiguousLabel { count: 3, .. })
        ));
        let (codes, _) = label_codes(path, &three, Some("2")).unwrap();
        assert_eq!(codes, vec![0, 0, 1]);
        let with_null = Series::new("y".into(), &[Some(1i64), None, Some(0)]);
        let (codes, _) = label_codes(path, &with_null, None).unwrap();
        assert_eq!(codes, vec![1, INVALID, 0]);
    }
}
