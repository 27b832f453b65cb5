//! Turning polars columns into the engine's typed columns, with row-precise validation.

use std::path::Path;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::read::unreadable;
use super::{ColumnRoles, LoadError, LoadOptions, LoadedData};
use crate::engine::dataset::{MISSING_LEVEL, retain_by_mask};
use crate::engine::{Attribute, AttributeValues, Dataset};

/// Label codes while validating.
const NEGATIVE: u8 = 0;
const POSITIVE: u8 = 1;
const INVALID: u8 = 2;

pub(super) fn to_dataset(
    path: &Path,
    mut frame: DataFrame,
    roles: &ColumnRoles,
    options: LoadOptions,
) -> Result<LoadedData, LoadError> {
    let rows = frame.height();
    if rows == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let column = |frame: &DataFrame, name: &str| -> Result<Series, LoadError> {
        frame
            .column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|e| unreadable(path, e))
    };

    let scores = numeric_values(path, &column(&frame, &roles.score)?, "score")?;
    let (labels, positive_label) = label_codes(
        path,
        &column(&frame, &roles.label)?,
        roles.positive.as_deref(),
    )?;
    let weights = match &roles.weight {
        Some(name) => {
            let weights = numeric_values(path, &column(&frame, name)?, "weight")?;
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
            values: attribute_values(path, &column(&frame, name)?)?,
        });
        // Free text columns as soon as they are coded (they are the bulk of the memory).
        let used_elsewhere = name == &roles.score
            || name == &roles.label
            || roles.weight.as_ref() == Some(name)
            || roles.attributes.iter().filter(|a| *a == name).count() > 1;
        if !used_elsewhere {
            frame.drop_in_place(name).ok();
        }
    }
    drop(frame);

    // Which rows are valid, and the first invalid row of each role.
    let invalid_score: Vec<bool> = scores.iter().map(|s| !s.is_finite()).collect();
    let invalid_label: Vec<bool> = labels.iter().map(|l| *l == INVALID).collect();
    let invalid_weight: Vec<bool> = weights
        .as_ref()
        .map(|w| w.iter().map(|w| !w.is_finite()).collect())
        .unwrap_or_else(|| vec![false; rows]);
    let checks = [
        (&invalid_score, roles.score.as_str(), "score"),
        (&invalid_label, roles.label.as_str(), "label"),
        (
            &invalid_weight,
            roles.weight.as_deref().unwrap_or_default(),
            "weight",
        ),
    ];
    let mut warnings = Vec::new();
    let mut rows_dropped = 0;
    let mut keep = vec![true; rows];
    for (invalid, column, role) in checks {
        let count = invalid.iter().filter(|i| **i).count();
        if count == 0 {
            continue;
        }
        let first_row = invalid.iter().position(|i| *i).unwrap_or_default() + 1;
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
        for (k, i) in keep.iter_mut().zip(invalid) {
            *k &= !*i;
        }
    }
    let mut scores = scores;
    let mut labels = labels;
    let mut weights = weights;
    if keep.iter().any(|k| !k) {
        rows_dropped = keep.iter().filter(|k| !**k).count();
        warnings.insert(
            0,
            format!("dropped {rows_dropped} of {rows} rows as invalid:"),
        );
        retain_by_mask(&mut scores, &keep);
        retain_by_mask(&mut labels, &keep);
        if let Some(w) = weights.as_mut() {
            retain_by_mask(w, &keep);
        }
        for attribute in &mut attributes {
            attribute.values.retain_rows(&keep);
        }
        if scores.is_empty() {
            return Err(LoadError::NothingLeft {
                path: path.to_path_buf(),
            });
        }
    }
    let labels: Vec<bool> = labels.iter().map(|l| *l == POSITIVE).collect();
    let dataset =
        Dataset::new(scores, labels, weights, attributes).map_err(|source| LoadError::Dataset {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(LoadedData {
        dataset,
        path: path.to_path_buf(),
        roles: roles.clone(),
        positive_label,
        rows_read: rows,
        rows_dropped,
        warnings,
    })
}

/// A numeric column as `f64`, missing values as NaN.
fn numeric_values(path: &Path, series: &Series, role: &'static str) -> Result<Vec<f64>, LoadError> {
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
        return Ok(values);
    }
    if !(dtype.is_primitive_numeric() || dtype.is_null()) {
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
    Ok(floats.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
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
    if dtype.is_primitive_numeric() {
        let values = numeric_values(path, series, "label")?;
        let mut distinct: Vec<f64> = Vec::new();
        for v in values.iter().filter(|v| v.is_finite()) {
            if !distinct.contains(v) {
                distinct.push(*v);
                if distinct.len() > MAX_NAMED_VALUES {
                    break;
                }
            }
        }
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
            .iter()
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
    let text = series
        .cast(&DataType::String)
        .map_err(|e| unreadable(path, e))?;
    let text = text.str().map_err(|e| unreadable(path, e))?;
    let mut distinct: Vec<String> = Vec::new();
    let mut count = 0;
    let mut seen: FxHashMap<&str, ()> = FxHashMap::default();
    for value in text.iter().flatten() {
        if seen.insert(value, ()).is_none() {
            count += 1;
            if distinct.len() < MAX_NAMED_VALUES {
                distinct.push(value.to_owned());
            }
        }
    }
    distinct.sort();
    let positive_value = match positive {
        Some(p) if seen.contains_key(p) => p.to_owned(),
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
fn attribute_values(path: &Path, series: &Series) -> Result<AttributeValues, LoadError> {
    let dtype = series.dtype();
    if dtype.is_primitive_numeric() {
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
    let text = series
        .cast(&DataType::String)
        .map_err(|e| unreadable(path, e))?;
    let text = text.str().map_err(|e| unreadable(path, e))?;
    Ok(categorical_from_text(text.iter()))
}

/// Codes text values: levels sorted, missing values as the last level.
pub(super) fn categorical_from_text<'a>(
    values: impl Iterator<Item = Option<&'a str>>,
) -> AttributeValues {
    const MISSING: u32 = u32::MAX;
    let mut lookup: FxHashMap<&str, u32> = FxHashMap::default();
    let mut first_seen: Vec<&str> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(values.size_hint().0);
    for value in values {
        let code = match value {
            None => MISSING,
            Some(v) => *lookup.entry(v).or_insert_with(|| {
                first_seen.push(v);
                (first_seen.len() - 1) as u32
            }),
        };
        codes.push(code);
    }
    // Sort levels and remap codes to the sorted order.
    let mut order: Vec<u32> = (0..first_seen.len() as u32).collect();
    order.sort_by(|a, b| {
        first_seen
            .get(*a as usize)
            .cmp(&first_seen.get(*b as usize))
    });
    let mut remap = vec![0u32; first_seen.len()];
    for (new, old) in order.iter().enumerate() {
        if let Some(slot) = remap.get_mut(*old as usize) {
            *slot = new as u32;
        }
    }
    let mut levels: Vec<String> = order
        .iter()
        .map(|old| {
            first_seen
                .get(*old as usize)
                .copied()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let missing_code = levels.len() as u32;
    let mut has_missing = false;
    for code in &mut codes {
        *code = if *code == MISSING {
            has_missing = true;
            missing_code
        } else {
            remap.get(*code as usize).copied().unwrap_or(missing_code)
        };
    }
    if has_missing {
        levels.push(MISSING_LEVEL.to_owned());
    }
    AttributeValues::Categorical { levels, codes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_levels_are_sorted_with_missing_last() {
        let values = [Some("b"), None, Some("a"), Some("b")];
        assert_eq!(
            categorical_from_text(values.into_iter()),
            AttributeValues::Categorical {
                levels: vec!["a".into(), "b".into(), "(missing)".into()],
                codes: vec![1, 2, 0, 1],
            }
        );
    }
}
