//! A first look at a file before mapping its columns: names, types, a few rows, and a guess of
//! which column plays which role (for the window's column-mapping dialog).

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::read::{csv_options, file_schema, read_error, unreadable};
use super::{ColumnRoles, FileFormat, LoadError};

/// Broad type of a column, as far as roles care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Integers or floats.
    Numeric,
    /// true / false.
    Boolean,
    /// Strings and anything shown as text.
    Text,
    /// A column the reader cannot read or show ([`ColumnInfo::problem`] says why): listed so
    /// the file's columns are all there, but it can play no role.
    Unreadable,
}

/// One column of a preview.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnInfo {
    /// Name in the file.
    pub name: String,
    /// Broad type.
    pub kind: ColumnKind,
    /// The file's type name (`f64`, `str`, …).
    pub dtype: String,
    /// Distinct non-missing values among the previewed rows.
    pub distinct: usize,
    /// Up to five distinct values, as text.
    pub examples: Vec<String>,
    /// Why the column cannot be read or shown, for an [`ColumnKind::Unreadable`] column.
    pub problem: Option<String>,
}

/// The first rows of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// The file.
    pub path: PathBuf,
    /// Its columns.
    pub columns: Vec<ColumnInfo>,
    /// The first rows, as text (`""` for missing, and in every row of an unreadable column).
    pub rows: Vec<Vec<String>>,
    /// Total number of rows when the format tells it without a scan (Parquet, IPC).
    pub total_rows: Option<usize>,
}

/// Reads the first `max_rows` rows of every column. For a folder or glob of part files, the first
/// part's rows and the partition folders' columns (standard input cannot be previewed: it can be
/// read only once).
///
/// A column the reader cannot read or show (a type it does not know, or one it fails on) is
/// listed as [`ColumnKind::Unreadable`] with the reason instead of failing the preview: the
/// columns that can be mapped must still be offered. Should the reader panic anyway, the error
/// names the file, as [`super::load`]'s does.
pub fn preview(path: &Path, max_rows: usize) -> Result<Preview, LoadError> {
    if path.as_os_str() == super::STDIN {
        return Err(LoadError::NotAFile {
            path: path.to_path_buf(),
            problem:
                "standard input can be read only once, so it cannot be previewed; save it to a file"
                    .to_owned(),
        });
    }
    super::guarded(path, || preview_dataset(path, max_rows))
}

/// [`preview`], unguarded.
fn preview_dataset(path: &Path, max_rows: usize) -> Result<Preview, LoadError> {
    let resolved = super::source::resolve(path)?;
    let format = resolved.format;
    let Some(part) = resolved.parts.first() else {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    };
    let mut total_rows = Some(0);
    for other in &resolved.parts {
        let rows = match format {
            FileFormat::Parquet => File::open(&other.read)
                .ok()
                .and_then(|f| ParquetReader::new(f).num_rows().ok()),
            _ => None,
        };
        total_rows = total_rows.zip(rows).map(|(a, b)| a + b);
    }
    let FirstRows {
        mut frame,
        mut order,
        unreadable: left_out,
    } = first_rows(&part.read, format, max_rows).map_err(|e| e.renamed(&part.read, &part.shown))?;
    for (key, name) in resolved.partition_keys.iter().enumerate() {
        if order.contains(name) {
            continue;
        }
        let value = part.partition.get(key).cloned().flatten();
        let series = super::source::partition_series(
            name,
            value.as_deref(),
            frame.height(),
            resolved.partition_is_integer(key),
        );
        frame
            .with_column(series.into_column())
            .map_err(|e| unreadable(path, e))?;
        order.push(name.clone());
    }
    Ok(preview_frame(path, &frame, &order, left_out, total_rows))
}

/// A column left out of a preview's frame: its name, the file's type name and why.
struct UnreadableColumn {
    name: String,
    dtype: String,
    problem: String,
}

/// The first rows of one plain file: the columns that could be read, every column's name in the
/// file's order, and the columns that could not be read.
struct FirstRows {
    frame: DataFrame,
    order: Vec<String>,
    unreadable: Vec<UnreadableColumn>,
}

/// The first rows of one plain file.
fn first_rows(path: &Path, format: FileFormat, max_rows: usize) -> Result<FirstRows, LoadError> {
    // Checks the file exists and is not empty, with the usual messages.
    let schema = file_schema(path, format)?;
    let order: Vec<String> = schema.iter_names().map(PlSmallStr::to_string).collect();
    if format == FileFormat::Csv {
        let frame = csv_options(path)
            .with_n_rows(Some(max_rows))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(SerReader::finish)
            .map_err(|e| read_error(path, &e))?;
        return Ok(FirstRows {
            frame,
            order,
            unreadable: Vec::new(),
        });
    }
    // Every column at once; should that fail, one column at a time, leaving out those that
    // fail (their own reading error, or a panic of the reader).
    let all = super::guarded(path, || columnar_rows(path, format, max_rows, None));
    if let Ok(frame) = all {
        return Ok(FirstRows {
            frame,
            order,
            unreadable: Vec::new(),
        });
    }
    let mut columns = Vec::new();
    let mut left_out = Vec::new();
    for (name, dtype) in schema.iter() {
        let read = super::guarded(path, || {
            columnar_rows(path, format, max_rows, Some(name.to_string()))
        });
        match read.map(|frame| frame.into_columns().into_iter().next()) {
            Ok(Some(column)) => columns.push(column),
            Ok(None) => {}
            Err(error) => left_out.push(UnreadableColumn {
                name: name.to_string(),
                dtype: dtype.to_string(),
                problem: reader_problem(&error),
            }),
        }
    }
    let frame = DataFrame::new_infer_height(columns).map_err(|e| unreadable(path, e))?;
    Ok(FirstRows {
        frame,
        order,
        unreadable: left_out,
    })
}

/// The first `max_rows` rows of a Parquet or IPC file: every column, or only `column`.
fn columnar_rows(
    path: &Path,
    format: FileFormat,
    max_rows: usize,
    column: Option<String>,
) -> Result<DataFrame, LoadError> {
    let open = || File::open(path).map_err(|e| unreadable(path, e));
    let columns = column.map(|c| vec![c]);
    let frame = match format {
        FileFormat::Ipc => IpcReader::new(open()?)
            .with_columns(columns)
            .with_n_rows(Some(max_rows))
            .finish(),
        _ => ParquetReader::new(open()?)
            .with_columns(columns)
            .with_slice(Some((0, max_rows)))
            .finish(),
    };
    frame.map_err(|e| read_error(path, &e))
}

/// What the reader said about one column, without the file's name (the preview names it).
fn reader_problem(error: &LoadError) -> String {
    match error {
        LoadError::Unreadable { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// A preview of rows already read: the columns in `order`, those of `unreadable` marked.
fn preview_frame(
    path: &Path,
    frame: &DataFrame,
    order: &[String],
    left_out: Vec<UnreadableColumn>,
    total_rows: Option<usize>,
) -> Preview {
    let height = frame.height();
    let mut columns = Vec::new();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); height];
    let mut left_out = left_out;
    for name in order {
        let shown = match frame.column(name) {
            Ok(column) => {
                let shown = super::guarded(path, || {
                    column_cells(column, height).map_err(|e| unreadable(path, e))
                });
                shown.map_err(|error| UnreadableColumn {
                    name: name.clone(),
                    dtype: column.dtype().to_string(),
                    problem: reader_problem(&error),
                })
            }
            Err(_) => match left_out.iter().position(|u| &u.name == name) {
                Some(position) => Err(left_out.swap_remove(position)),
                None => continue,
            },
        };
        match shown {
            Ok((info, values)) => {
                for (row, value) in cells.iter_mut().zip(values) {
                    row.push(value);
                }
                columns.push(info);
            }
            Err(column) => {
                for row in &mut cells {
                    row.push(String::new());
                }
                columns.push(ColumnInfo {
                    name: column.name,
                    kind: ColumnKind::Unreadable,
                    dtype: column.dtype,
                    distinct: 0,
                    examples: Vec::new(),
                    problem: Some(column.problem),
                });
            }
        }
    }
    Preview {
        path: path.to_path_buf(),
        columns,
        rows: cells,
        total_rows,
    }
}

/// A column's [`ColumnInfo`] and its first `height` values as text.
fn column_cells(column: &Column, height: usize) -> PolarsResult<(ColumnInfo, Vec<String>)> {
    let series = column.as_materialized_series();
    let dtype = series.dtype();
    super::read::check_showable(dtype)?;
    // Timestamps with a time zone in UTC (polars cannot format them itself here).
    let text = match dtype {
        DataType::Datetime(_, Some(_)) => Some(super::read::text_values(series)?),
        _ => None,
    };
    let kind = if dtype.is_primitive_numeric() {
        ColumnKind::Numeric
    } else if *dtype == DataType::Boolean {
        ColumnKind::Boolean
    } else {
        ColumnKind::Text
    };
    let shown = text.as_ref().unwrap_or(series);
    let mut examples: Vec<String> = Vec::new();
    let mut distinct = 0;
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::with_capacity(height);
    for row in 0..height {
        let text = match shown.get(row) {
            Ok(AnyValue::Null) | Err(_) => String::new(),
            Ok(value) => value.str_value().into_owned(),
        };
        if !text.is_empty() && seen.insert(text.clone()) {
            distinct += 1;
            if examples.len() < 5 {
                examples.push(text.clone());
            }
        }
        values.push(text);
    }
    let info = ColumnInfo {
        name: series.name().to_string(),
        kind,
        dtype: dtype.to_string(),
        distinct,
        examples,
        problem: None,
    };
    Ok((info, values))
}

/// A guess of the column roles, for the user to confirm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleGuess {
    /// Likely score column.
    pub score: Option<String>,
    /// Likely label column.
    pub label: Option<String>,
    /// Likely weight column.
    pub weight: Option<String>,
    /// Likely attributes (few distinct values, not an identifier).
    pub attributes: Vec<String>,
}

impl RoleGuess {
    /// The guess as roles, when score and label were found.
    pub fn to_roles(&self) -> Option<ColumnRoles> {
        Some(ColumnRoles {
            score: self.score.clone()?,
            label: self.label.clone()?,
            positive: None,
            attributes: self.attributes.clone(),
            weight: self.weight.clone(),
            models: Vec::new(),
        })
    }
}

fn name_matches(name: &str, words: &[&str]) -> bool {
    let lower = name.to_lowercase();
    words.iter().any(|w| {
        lower == *w
            || lower.starts_with(&format!("{w}_"))
            || lower.ends_with(&format!("_{w}"))
            || (w.len() > 3 && lower.contains(w))
    })
}

/// Guesses roles from names and values: the score is numeric and named like
/// score/prob/pred/risk; the label has two distinct values and is named like
/// label/target/outcome/y; attributes have few distinct values.
pub fn guess_roles(preview: &Preview) -> RoleGuess {
    const SCORE_WORDS: [&str; 7] = [
        "score",
        "prob",
        "proba",
        "pred",
        "prediction",
        "risk",
        "decile",
    ];
    const LABEL_WORDS: [&str; 12] = [
        "label", "target", "outcome", "y", "class", "truth", "actual", "recid", "repaid",
        "default", "hired", "result",
    ];
    const WEIGHT_WORDS: [&str; 5] = ["weight", "count", "n", "freq", "frequency"];
    const ID_WORDS: [&str; 3] = ["id", "uuid", "key"];
    let columns = &preview.columns;
    let numeric = |c: &&ColumnInfo| c.kind == ColumnKind::Numeric;
    let binary = |c: &&ColumnInfo| c.distinct == 2;

    let label = columns
        .iter()
        .filter(binary)
        .find(|c| name_matches(&c.name, &LABEL_WORDS))
        .or_else(|| {
            columns
                .iter()
                .filter(binary)
                .find(|c| c.kind != ColumnKind::Text)
        })
        .map(|c| c.name.clone());
    let score = columns
        .iter()
        .filter(numeric)
        .filter(|c| Some(&c.name) != label.as_ref())
        .find(|c| name_matches(&c.name, &SCORE_WORDS))
        .or_else(|| {
            columns
                .iter()
                .filter(numeric)
                .filter(|c| Some(&c.name) != label.as_ref() && c.distinct > 2)
                .find(|c| !name_matches(&c.name, &ID_WORDS))
        })
        .map(|c| c.name.clone());
    let weight = columns
        .iter()
        .filter(numeric)
        .find(|c| name_matches(&c.name, &WEIGHT_WORDS))
        .map(|c| c.name.clone());
    let taken = |name: &String| {
        Some(name) == score.as_ref()
            || Some(name) == label.as_ref()
            || Some(name) == weight.as_ref()
    };
    let attributes = columns
        .iter()
        .filter(|c| !taken(&c.name))
        .filter(|c| !name_matches(&c.name, &ID_WORDS))
        .filter(|c| c.kind != ColumnKind::Numeric && (2..=20).contains(&c.distinct))
        .map(|c| c.name.clone())
        .collect();
    RoleGuess {
        score,
        label,
        weight,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, kind: ColumnKind, distinct: usize) -> ColumnInfo {
        ColumnInfo {
            name: name.into(),
            kind,
            dtype: String::new(),
            distinct,
            examples: vec![],
            problem: None,
        }
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/types")
            .join(name)
    }

    fn named<'a>(preview: &'a Preview, name: &str) -> &'a ColumnInfo {
        preview
            .columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    #[test]
    fn every_column_of_a_typed_file_is_listed_and_those_that_cannot_be_shown_are_marked() {
        for file in ["types.parquet", "types.arrow"] {
            let preview = preview(&fixture(file), 200).unwrap();
            // make_types.py writes 39 columns and 8 rows.
            assert_eq!(preview.columns.len(), 39, "{file}");
            assert_eq!(preview.rows.len(), 8, "{file}");
            assert!(preview.rows.iter().all(|r| r.len() == 39), "{file}");
            let half = named(&preview, "m_f16");
            assert_eq!(
                (half.kind, half.dtype.as_str()),
                (ColumnKind::Numeric, "f16")
            );
            // 0.1 as a half-precision float.
            assert_eq!(half.examples.first().map(String::as_str), Some("0.099976"));
            let zoned = named(&preview, "g_tz");
            assert_eq!(
                zoned.examples,
                [
                    "2020-01-01 12:00:00.000000 UTC",
                    "2020-01-01 13:00:00.000000 UTC"
                ]
            );
            let nested = named(&preview, "m_struct_tz");
            assert_eq!(nested.kind, ColumnKind::Unreadable, "{file}");
            assert!(
                nested
                    .problem
                    .as_deref()
                    .unwrap_or_default()
                    .contains("time zone"),
                "{:?}",
                nested.problem
            );
            let position = preview
                .columns
                .iter()
                .position(|c| c.name == "m_struct_tz")
                .unwrap();
            assert!(preview.rows.iter().all(|r| r[position].is_empty()));
            for name in [
                "m_map",
                "m_bin",
                "g_list",
                "g_struct",
                "g_view",
                "g_dict_u32",
            ] {
                let info = named(&preview, name);
                assert_ne!(info.kind, ColumnKind::Unreadable, "{file}: {name}");
                assert!(!info.examples.is_empty(), "{file}: {name}");
            }
            // Nothing unreadable is guessed for a role.
            let guess = guess_roles(&preview);
            assert!(!guess.attributes.iter().any(|a| a == "m_struct_tz"));
        }
    }

    #[test]
    fn a_float16_parquet_file_is_previewed() {
        let preview = preview(&fixture("float16.parquet"), 200).unwrap();
        let score = named(&preview, "score");
        assert_eq!(score.kind, ColumnKind::Numeric);
        assert_eq!(score.distinct, 8);
        assert_eq!(preview.total_rows, Some(8));
        assert_eq!(guess_roles(&preview).score.as_deref(), Some("score"));
    }

    #[test]
    fn a_file_the_reader_cannot_open_is_an_error_naming_it() {
        let path = fixture("union.arrow");
        let error = preview(&path, 200).unwrap_err().to_string();
        assert!(error.contains("union.arrow"), "{error}");
        assert!(error.contains("Union"), "{error}");
    }

    #[test]
    fn roles_are_guessed_from_names_and_values() {
        let preview = Preview {
            path: PathBuf::new(),
            columns: vec![
                column("applicant_id", ColumnKind::Numeric, 1000),
                column("score", ColumnKind::Numeric, 950),
                column("repaid", ColumnKind::Numeric, 2),
                column("sex", ColumnKind::Text, 2),
                column("race", ColumnKind::Text, 5),
                column("income", ColumnKind::Numeric, 900),
                column("notes", ColumnKind::Text, 700),
            ],
            rows: vec![],
            total_rows: None,
        };
        let guess = guess_roles(&preview);
        assert_eq!(guess.score.as_deref(), Some("score"));
        assert_eq!(guess.label.as_deref(), Some("repaid"));
        assert_eq!(guess.weight, None);
        assert_eq!(guess.attributes, ["sex", "race"]);
    }
}
