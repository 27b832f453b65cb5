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
}

/// The first rows of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// The file.
    pub path: PathBuf,
    /// Its columns.
    pub columns: Vec<ColumnInfo>,
    /// The first rows, as text (`""` for missing).
    pub rows: Vec<Vec<String>>,
    /// Total number of rows when the format tells it without a scan (Parquet, IPC).
    pub total_rows: Option<usize>,
}

/// Reads the first `max_rows` rows of every column. For a folder or glob of part files, the first
/// part's rows and the partition folders' columns (standard input cannot be previewed: it can be
/// read only once).
pub fn preview(path: &Path, max_rows: usize) -> Result<Preview, LoadError> {
    if path.as_os_str() == super::STDIN {
        return Err(LoadError::NotAFile {
            path: path.to_path_buf(),
            problem:
                "standard input can be read only once, so it cannot be previewed; save it to a file"
                    .to_owned(),
        });
    }
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
    let (mut frame, _) =
        first_rows(&part.read, format, max_rows).map_err(|e| e.renamed(&part.read, &part.shown))?;
    for (key, name) in resolved.partition_keys.iter().enumerate() {
        if frame.schema().get(name).is_some() {
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
    }
    preview_frame(path, &frame, total_rows)
}

/// The first rows of one plain file, and its row count when the format tells it.
fn first_rows(
    path: &Path,
    format: FileFormat,
    max_rows: usize,
) -> Result<(DataFrame, Option<usize>), LoadError> {
    // Checks the file exists and is not empty, with the usual messages.
    file_schema(path, format)?;
    let open = || File::open(path).map_err(|e| unreadable(path, e));
    Ok(match format {
        FileFormat::Csv => (
            csv_options(path)
                .with_n_rows(Some(max_rows))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|r| r.finish())
                .map_err(|e| read_error(path, &e))?,
            None,
        ),
        FileFormat::Parquet => {
            let total = ParquetReader::new(open()?).num_rows().ok();
            let frame = ParquetReader::new(open()?)
                .with_slice(Some((0, max_rows)))
                .finish()
                .map_err(|e| read_error(path, &e))?;
            (frame, total)
        }
        FileFormat::Ipc => (
            IpcReader::new(open()?)
                .with_n_rows(Some(max_rows))
                .finish()
                .map_err(|e| read_error(path, &e))?,
            None,
        ),
    })
}

/// A preview of rows already read.
fn preview_frame(
    path: &Path,
    frame: &DataFrame,
    total_rows: Option<usize>,
) -> Result<Preview, LoadError> {
    let height = frame.height();
    let mut columns = Vec::new();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); height];
    for column in frame.columns() {
        let series = column.as_materialized_series();
        let dtype = series.dtype();
        let kind = if dtype.is_primitive_numeric() {
            ColumnKind::Numeric
        } else if *dtype == DataType::Boolean {
            ColumnKind::Boolean
        } else {
            ColumnKind::Text
        };
        let mut distinct: Vec<String> = Vec::new();
        let mut distinct_count = 0;
        let mut seen = std::collections::HashSet::new();
        for (row, cell) in cells.iter_mut().enumerate() {
            let text = match series.get(row) {
                Ok(AnyValue::Null) | Err(_) => String::new(),
                Ok(value) => value.str_value().into_owned(),
            };
            if !text.is_empty() && seen.insert(text.clone()) {
                distinct_count += 1;
                if distinct.len() < 5 {
                    distinct.push(text.clone());
                }
            }
            cell.push(text);
        }
        columns.push(ColumnInfo {
            name: series.name().to_string(),
            kind,
            dtype: dtype.to_string(),
            distinct: distinct_count,
            examples: distinct,
        });
    }
    Ok(Preview {
        path: path.to_path_buf(),
        columns,
        rows: cells,
        total_rows,
    })
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
        }
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
