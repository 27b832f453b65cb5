//! Reads for the discovery commands: a load that keeps the rows dropped as invalid and finds the
//! missing values of every unmapped column (the profile), and a load of arbitrary columns as
//! levels or numbers (the proxies). Only what each needs is read: for Parquet and IPC one column
//! at a time; a CSV is parsed once with the columns asked for.

use std::path::Path;

use polars::prelude::*;

use super::read::{ColumnSource, Request, file_schema};
use super::{ColumnRoles, LoadError, LoadOptions, LoadedData, convert, source};
use crate::engine::profile::{MissingColumn, RowSet};
use crate::engine::{Attribute, AttributeValues};
use crate::progress::Progress;

/// What the profile reads: the mapped columns (invalid rows dropped, and kept aside) and the
/// missing values of every other column over the rows kept.
#[derive(Debug)]
pub struct ProfileData {
    /// The mapped columns; `dropped` holds the rows dropped as invalid.
    pub loaded: LoadedData,
    /// Every unmapped column's rows without a value (over the kept rows).
    pub missing: Vec<MissingColumn>,
}

/// Whether a column of this type can be read as values (levels or numbers).
fn readable(dtype: &DataType) -> bool {
    !matches!(
        dtype,
        DataType::List(_)
            | DataType::Array(..)
            | DataType::Binary
            | DataType::BinaryOffset
            | DataType::Struct(_)
    )
}

/// Every readable column of a resolved dataset (the first part's, then the partition folders'),
/// each once, with the unreadable ones apart.
fn all_columns(resolved: &source::Resolved) -> Result<(Vec<String>, Vec<String>), LoadError> {
    let mut readable_columns: Vec<String> = Vec::new();
    let mut unreadable_columns: Vec<String> = Vec::new();
    if let Some(part) = resolved.parts.first() {
        let schema = file_schema(&part.read, resolved.format)
            .map_err(|e| e.renamed(&part.read, &part.shown))?;
        for (name, dtype) in schema.iter() {
            let name = name.to_string();
            if readable_columns.contains(&name) || unreadable_columns.contains(&name) {
                continue;
            }
            if readable(dtype) {
                readable_columns.push(name);
            } else {
                unreadable_columns.push(name);
            }
        }
    }
    for key in &resolved.partition_keys {
        if !readable_columns.contains(key) {
            readable_columns.push(key.clone());
        }
    }
    Ok((readable_columns, unreadable_columns))
}

/// The rows of a column without a value: null, or NaN in a float column.
fn missing_rows(series: &Series) -> RowSet {
    let float = series.dtype().is_float();
    if series.null_count() == 0 && !float {
        return RowSet::from_fn(series.len(), |_| false);
    }
    let nulls: Vec<bool> = series.is_null().iter().map(|v| v == Some(true)).collect();
    let nans: Vec<bool> = if float {
        series
            .is_nan()
            .map(|n| n.iter().map(|v| v == Some(true)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    RowSet::from_fn(series.len(), |row| {
        nulls.get(row).copied().unwrap_or(false) || nans.get(row).copied().unwrap_or(false)
    })
}

/// Reads `path` for a profile: the columns of `roles` as [`super::load`] reads them with invalid
/// rows dropped (and kept aside in `loaded.dropped`, whatever `drop_invalid` says elsewhere), and
/// for every other column which kept rows have no value.
pub fn load_profile(
    path: &Path,
    roles: &ColumnRoles,
    progress: &dyn Progress,
) -> Result<ProfileData, LoadError> {
    let resolved = source::resolve(path)?;
    let others = unmapped_columns(&resolved, roles)?;
    let mut request = Request::of_roles(roles);
    request
        .columns
        .extend(others.iter().map(|c| (c.clone(), "column")));
    let mut source = ColumnSource::open(resolved, &request)?;
    let missing = read_missing_rows(path, &mut source, &others, None, progress)?;
    let loaded = convert::to_dataset(
        path,
        &mut source,
        roles,
        LoadOptions { drop_invalid: true },
        convert::Scores::Column,
        progress,
    )
    .map_err(|error| source.locate(error, path))?;
    let missing = missing
        .into_iter()
        .map(|(name, rows)| MissingColumn {
            name,
            rows: rows.without(&loaded.dropped.rows),
        })
        .collect();
    Ok(ProfileData { loaded, missing })
}

/// For data already loaded with `roles` (the window), every other column's rows without a value,
/// over the rows kept: reads the file again, only those columns. `rows_read` and `dropped_rows`
/// are the load's ([`LoadedData::rows_read`], [`crate::engine::DroppedRows::rows`]); a file that
/// changed since is refused.
pub fn missing_values(
    path: &Path,
    roles: &ColumnRoles,
    rows_read: usize,
    dropped_rows: &[usize],
    progress: &dyn Progress,
) -> Result<Vec<MissingColumn>, LoadError> {
    let resolved = source::resolve(path)?;
    let others = unmapped_columns(&resolved, roles)?;
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let request = Request {
        columns: others.iter().map(|c| (c.clone(), "column")).collect(),
        numeric: Vec::new(),
    };
    let mut source = ColumnSource::open(resolved, &request)?;
    let missing = read_missing_rows(path, &mut source, &others, Some(rows_read), progress)?;
    Ok(missing
        .into_iter()
        .map(|(name, rows)| MissingColumn {
            name,
            rows: rows.without(dropped_rows),
        })
        .collect())
}

/// Every readable column of the file that `roles` does not map.
fn unmapped_columns(
    resolved: &source::Resolved,
    roles: &ColumnRoles,
) -> Result<Vec<String>, LoadError> {
    let (columns, _) = all_columns(resolved)?;
    let mapped = roles.columns();
    Ok(columns
        .into_iter()
        .filter(|c| !mapped.contains(&c.as_str()))
        .collect())
}

/// Reads each of `names` from `source` and keeps which of its rows read have no value; with
/// `rows_read`, a column of another length (the file changed since it was loaded) is refused.
fn read_missing_rows(
    path: &Path,
    source: &mut ColumnSource,
    names: &[String],
    rows_read: Option<usize>,
    progress: &dyn Progress,
) -> Result<Vec<(String, RowSet)>, LoadError> {
    let mut missing = Vec::with_capacity(names.len());
    for name in names {
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled);
        }
        progress.stage(&format!("reading column `{name}`"));
        let series = source
            .column(name, true)
            .map_err(|e| source.locate(e, path))?;
        if let Some(rows_read) = rows_read
            && series.len() != rows_read
        {
            return Err(changed_length(path, name, series.len(), rows_read));
        }
        missing.push((name.clone(), missing_rows(&series)));
    }
    Ok(missing)
}

/// Columns read as values, for measuring how they go together (proxies).
#[derive(Debug)]
pub struct ColumnTable {
    /// Every column read: numbers stay numbers (NaN missing), anything else becomes levels.
    pub columns: Vec<Attribute>,
    /// Frequency weights, when a weight column is named.
    pub weights: Option<Vec<f64>>,
    /// Rows read.
    pub rows: usize,
    /// Columns of a type that cannot be read as values (lists, binary), left out.
    pub skipped: Vec<String>,
}

/// Reads `wanted` (or, when `None`, every readable column but the weight) as values, and
/// `weight` as frequency weights (finite and ≥ 0 in every row). An unknown column is named with
/// the closest existing one.
pub fn load_columns(
    path: &Path,
    wanted: Option<&[String]>,
    weight: Option<&str>,
    progress: &dyn Progress,
) -> Result<ColumnTable, LoadError> {
    read_columns(path, wanted, weight, &[], progress, &mut |_, _| Ok(()))
}

/// For data already loaded with `roles` (the session report), from one read of the file: every
/// readable column but the weight as values ([`load_columns`] with no list, for the proxies) and
/// the rows kept without a value in every unmapped column ([`missing_values`], for the
/// profile). `rows_read` and `dropped_rows` are the load's; a file that changed since is
/// refused. The dropped rows weigh nothing in the table (their weight may be the invalid value
/// that had them dropped), so the proxies measure the rows the session kept.
pub fn load_discovery_columns(
    path: &Path,
    roles: &ColumnRoles,
    rows_read: usize,
    dropped_rows: &[usize],
    progress: &dyn Progress,
) -> Result<(ColumnTable, Vec<MissingColumn>), LoadError> {
    let mapped = roles.columns();
    let mut missing = Vec::new();
    let table = read_columns(
        path,
        None,
        roles.weight.as_deref(),
        dropped_rows,
        progress,
        &mut |name, series| {
            if mapped.contains(&name) {
                return Ok(());
            }
            if series.len() != rows_read {
                return Err(changed_length(path, name, series.len(), rows_read));
            }
            missing.push(MissingColumn {
                name: name.to_owned(),
                rows: missing_rows(series).without(dropped_rows),
            });
            Ok(())
        },
    )?;
    Ok((table, missing))
}

/// A column whose length is not the rows loaded before.
fn changed_length(path: &Path, name: &str, length: usize, rows_read: usize) -> LoadError {
    LoadError::Unreadable {
        path: path.to_path_buf(),
        message: format!(
            "column `{name}` has {length} rows but {rows_read} were loaded; has the file changed?"
        ),
    }
}

/// [`load_columns`], showing each column read (before conversion) to `inspect`; the rows
/// `weightless` (0-based, as [`crate::engine::DroppedRows`] holds them) weigh 0 and their
/// weight is not checked.
fn read_columns(
    path: &Path,
    wanted: Option<&[String]>,
    weight: Option<&str>,
    weightless: &[usize],
    progress: &dyn Progress,
    inspect: &mut dyn FnMut(&str, &Series) -> Result<(), LoadError>,
) -> Result<ColumnTable, LoadError> {
    let resolved = source::resolve(path)?;
    let (readable_columns, skipped) = all_columns(&resolved)?;
    let names: Vec<String> = match wanted {
        Some(wanted) => wanted.to_vec(),
        None => readable_columns
            .into_iter()
            .filter(|c| Some(c.as_str()) != weight)
            .collect(),
    };
    let mut request = Request {
        columns: names.iter().map(|c| (c.clone(), "column")).collect(),
        numeric: Vec::new(),
    };
    if let Some(weight) = weight {
        request.columns.push((weight.to_owned(), "weight"));
        request.numeric.push((weight.to_owned(), "weight"));
    }
    let mut source = ColumnSource::open(resolved, &request)?;
    let located = |source: &ColumnSource, error: LoadError| source.locate(error, path);
    let mut columns = Vec::with_capacity(names.len());
    let mut rows = None;
    for name in &names {
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled);
        }
        progress.stage(&format!("reading column `{name}`"));
        let series = source
            .column(name, Some(name.as_str()) != weight)
            .map_err(|e| located(&source, e))?;
        rows = Some(series.len());
        inspect(name, &series).map_err(|e| located(&source, e))?;
        let values = convert::attribute_values(path, &series).map_err(|e| located(&source, e))?;
        columns.push(Attribute {
            name: name.clone(),
            values,
        });
    }
    let weights = match weight {
        Some(column) => {
            let series = source
                .column(column, true)
                .map_err(|e| located(&source, e))?;
            rows = Some(series.len());
            let mut values = convert::numeric_values(path, &series, "weight")
                .map_err(|e| located(&source, e))?;
            for &row in weightless {
                if let Some(weight) = values.get_mut(row) {
                    *weight = 0.0;
                }
            }
            if let Some((row, value)) = values
                .iter()
                .enumerate()
                .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
            {
                let error = if value.is_nan() || value.is_infinite() {
                    LoadError::InvalidValues {
                        path: path.to_path_buf(),
                        column: column.to_owned(),
                        role: "weight",
                        count: values.iter().filter(|w| !w.is_finite()).count(),
                        first_row: row + 1,
                    }
                } else {
                    LoadError::NegativeWeight {
                        path: path.to_path_buf(),
                        column: column.to_owned(),
                        row: row + 1,
                        value: *value,
                    }
                };
                return Err(located(&source, error));
            }
            convert::check_weight_total(path, column, &values)?;
            Some(values)
        }
        None => None,
    };
    let rows = rows.unwrap_or(0);
    if rows == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    // A column with nothing but missing values is read as numbers: it has one level.
    for column in &mut columns {
        if let AttributeValues::Numeric { values } = &column.values
            && values.iter().all(|v| v.is_nan())
        {
            column.values = AttributeValues::Categorical {
                levels: vec![crate::engine::dataset::MISSING_LEVEL.to_owned()],
                codes: vec![0; values.len()],
            };
        }
    }
    Ok(ColumnTable {
        columns,
        weights,
        rows,
        skipped,
    })
}
