//! Reading the mapped columns of a file into a polars frame.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use super::source::{Part, Resolved, partition_series};
use super::{ColumnRoles, FileFormat, LoadError};
use crate::engine::thresholds::closest_key;

/// Rows used to infer CSV column types before a full scan is tried.
const CSV_INFER_ROWS: usize = 10_000;

pub(super) fn unreadable(path: &Path, error: impl std::fmt::Display) -> LoadError {
    LoadError::Unreadable {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

fn open(path: &Path) -> Result<File, LoadError> {
    File::open(path).map_err(|e| unreadable(path, e))
}

/// CSV read options shared by the preview and the full read.
///
/// Only an empty field is missing: text such as `NA` stays a value (it may be a level, like
/// North America), and in a numeric column it is reported as not a number.
pub(super) fn csv_options(path: &Path) -> CsvReadOptions {
    let separator = super::sniff::csv_separator(path);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(CSV_INFER_ROWS))
        .map_parse_options(move |p| p.with_separator(separator))
}

/// Maps a polars error on reading, turning "empty file" into [`LoadError::Empty`] and, for CSV,
/// the errors of a ragged row or bytes that are not UTF-8 into messages naming the row and column.
pub(super) fn read_error(path: &Path, error: &PolarsError) -> LoadError {
    let message = error.to_string();
    if message.to_ascii_lowercase().contains("empty") && is_empty_file(path) {
        return LoadError::Empty {
            path: path.to_path_buf(),
        };
    }
    if matches!(FileFormat::of(path), Ok(FileFormat::Csv)) {
        match super::sniff::find_csv_defect(path, super::sniff::csv_separator(path)) {
            Ok(Some(defect)) => return super::sniff::defect_error(path, defect),
            Err(error) => return error,
            Ok(None) => {}
        }
    }
    unreadable(path, message)
}

/// Whether the file holds nothing but white space (a header needs a name).
fn is_empty_file(path: &Path) -> bool {
    /// Longer files are not empty, whatever they hold.
    const SMALL: u64 = 4096;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= SMALL)
        && std::fs::read(path).is_ok_and(|bytes| bytes.iter().all(u8::is_ascii_whitespace))
}

/// Column names and types of a file, without reading its data (CSV: the first rows).
pub(super) fn file_schema(path: &Path, format: FileFormat) -> Result<Schema, LoadError> {
    super::sniff::check_file(path, format)?;
    if is_empty_file(path) {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    match format {
        FileFormat::Csv => {
            // A header that is not UTF-8 is named here (polars would read it lossily).
            super::sniff::check_header(path, &[])?;
            let frame = csv_options(path)
                .with_n_rows(Some(100))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(SerReader::finish)
                .map_err(|e| read_error(path, &e))?;
            Ok(frame.schema().as_ref().clone())
        }
        FileFormat::Parquet => {
            let schema = ParquetReader::new(open(path)?)
                .schema()
                .map_err(|e| read_error(path, &e))?;
            Ok(Schema::from_arrow_schema(&schema))
        }
        FileFormat::Ipc => {
            let schema = IpcReader::new(open(path)?)
                .schema()
                .map_err(|e| read_error(path, &e))?;
            Ok(Schema::from_arrow_schema(&schema))
        }
    }
}

/// The columns a read asks for, each with the role it is named by in messages, and which of
/// them must be numbers (read as floats whatever the first rows of a CSV look like).
#[derive(Clone, Debug, Default)]
pub(super) struct Request {
    /// `(column, role)` in the order asked for; a column may appear under several roles.
    pub columns: Vec<(String, &'static str)>,
    /// `(column, role)` of the columns that must be numeric.
    pub numeric: Vec<(String, &'static str)>,
}

impl Request {
    /// The mapped columns of `roles`: score and weight numeric.
    pub(super) fn of_roles(roles: &ColumnRoles) -> Self {
        let other_scores = roles.other_scores();
        let mut columns: Vec<(String, &'static str)> = vec![(roles.score.clone(), "score")];
        columns.extend(other_scores.iter().map(|c| ((*c).to_owned(), "score")));
        columns.push((roles.label.clone(), "label"));
        columns.extend(roles.weight.iter().map(|w| (w.clone(), "weight")));
        columns.extend(roles.attributes.iter().map(|a| (a.clone(), "attribute")));
        let mut numeric = vec![(roles.score.clone(), "score")];
        numeric.extend(other_scores.iter().map(|c| ((*c).to_owned(), "score")));
        numeric.extend(roles.weight.iter().map(|w| (w.clone(), "weight")));
        Self { columns, numeric }
    }

    /// Every column asked for, once, in order.
    pub(super) fn names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.columns
            .iter()
            .map(|(c, _)| c.as_str())
            .filter(|c| seen.insert(*c))
            .collect()
    }
}

/// Checks that every requested column exists (in the file or as a partition folder), naming the
/// closest match when one does not.
fn check_columns(
    path: &Path,
    schema: &Schema,
    partition_keys: &[String],
    request: &Request,
) -> Result<(), LoadError> {
    for (column, role) in &request.columns {
        let (column, role) = (column.as_str(), *role);
        if schema.get(column).is_none() && !partition_keys.iter().any(|k| k == column) {
            let mut available: Vec<String> =
                schema.iter_names().map(PlSmallStr::to_string).collect();
            for key in partition_keys {
                if !available.contains(key) {
                    available.push(key.clone());
                }
            }
            return Err(LoadError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_owned(),
                role,
                closest: closest_key(column, available.iter().map(String::as_str)),
                available,
            });
        }
    }
    Ok(())
}

/// A column's values as text, as levels and the preview show them. A timestamp with a time zone
/// is written as its UTC time followed by ` UTC` (the same instant; polars is built without a
/// time-zone database, and its own formatting of such a value panics without one).
///
/// A time zone inside a struct or list cannot be written (polars would panic): that is an error
/// naming the type.
pub(super) fn text_values(series: &Series) -> PolarsResult<Series> {
    let dtype = series.dtype();
    check_showable(dtype)?;
    let DataType::Datetime(unit, Some(_)) = dtype else {
        return series.cast(&DataType::String);
    };
    let utc = series
        .to_physical_repr()
        .into_owned()
        .into_datetime(*unit, None);
    let text = utc.cast(&DataType::String)?;
    let with_zone: StringChunked = text
        .str()?
        .iter()
        .map(|value| value.map(|v| format!("{v} UTC")))
        .collect();
    Ok(with_zone.with_name(series.name().clone()).into_series())
}

/// Refuses a type whose values polars cannot write as text (it would panic): a struct, list or
/// array holding a timestamp with a time zone.
pub(super) fn check_showable(dtype: &DataType) -> PolarsResult<()> {
    if nested_time_zone(dtype) {
        return Err(PolarsError::ComputeError(
            format!("a time zone inside a column of type {dtype} cannot be shown as text").into(),
        ));
    }
    Ok(())
}

/// Whether a struct, list or array type holds a timestamp with a time zone.
fn nested_time_zone(dtype: &DataType) -> bool {
    fn has_zone(dtype: &DataType) -> bool {
        match dtype {
            DataType::Datetime(_, Some(_)) => true,
            DataType::List(inner) | DataType::Array(inner, _) => has_zone(inner),
            DataType::Struct(fields) => fields.iter().any(|f| has_zone(f.dtype())),
            _ => false,
        }
    }
    match dtype {
        DataType::List(inner) | DataType::Array(inner, _) => has_zone(inner),
        DataType::Struct(fields) => fields.iter().any(|f| has_zone(f.dtype())),
        _ => false,
    }
}

/// Rows of a Parquet file, from its footer.
pub(super) fn parquet_rows(path: &Path) -> Result<usize, LoadError> {
    super::sniff::check_file(path, FileFormat::Parquet)?;
    ParquetReader::new(open(path)?)
        .num_rows()
        .map_err(|e| read_error(path, &e))
}

/// One part file of a [`ColumnSource`].
struct PartColumns {
    part: Part,
    schema: Schema,
    /// The mapped columns of a CSV part, or `None` for a columnar file.
    frame: Option<DataFrame>,
    /// Rows, once a column of this part has been read.
    height: Option<usize>,
    /// Only these rows (offset, length) of a Parquet part.
    slice: Option<(usize, usize)>,
}

/// Where the mapped columns come from: the parts of a dataset (one file, most often). A CSV part
/// is parsed once, into a frame of the mapped columns. Parquet and IPC files store each column
/// apart, so their columns are read one at a time as the loader asks for them: only one raw
/// column (a text column holds 16 bytes a row) is in memory beside the converted ones, which
/// keeps a 10M-row load well under a gigabyte. A column of several parts is their concatenation;
/// a partition folder's column is its value repeated.
pub(super) struct ColumnSource {
    parts: Vec<PartColumns>,
    format: FileFormat,
    partition_keys: Vec<String>,
    /// Per partition key, whether its values are all integers.
    partition_integer: Vec<bool>,
    /// Columns supplied from elsewhere, already in this source's row order (scores joined from
    /// another file, [`super::join`]); served before the file's own.
    supplied: Vec<(String, Series)>,
}

impl ColumnSource {
    /// Checks that every part has every mapped column; reads a CSV part's mapped columns.
    pub(super) fn open(resolved: Resolved, request: &Request) -> Result<Self, LoadError> {
        let partition_integer = (0..resolved.partition_keys.len())
            .map(|k| resolved.partition_is_integer(k))
            .collect();
        let Resolved {
            format,
            parts,
            partition_keys,
        } = resolved;
        Self::open_parts(
            format,
            parts,
            partition_keys,
            partition_integer,
            request,
            None,
        )
    }

    /// One piece of a dataset as a source of its own: a part (a CSV chunk in its own file, or a
    /// Parquet or IPC part), only the rows `slice` (offset, length) of a Parquet part, with the
    /// whole dataset's partition keys and whether each is an integer.
    pub(super) fn open_piece(
        format: FileFormat,
        part: Part,
        partition_keys: &[String],
        partition_integer: &[bool],
        request: &Request,
        slice: Option<(usize, usize)>,
    ) -> Result<Self, LoadError> {
        Self::open_parts(
            format,
            vec![part],
            partition_keys.to_vec(),
            partition_integer.to_vec(),
            request,
            slice.filter(|_| format == FileFormat::Parquet),
        )
    }

    fn open_parts(
        format: FileFormat,
        parts: Vec<Part>,
        partition_keys: Vec<String>,
        partition_integer: Vec<bool>,
        request: &Request,
        slice: Option<(usize, usize)>,
    ) -> Result<Self, LoadError> {
        let mut opened = Vec::with_capacity(parts.len());
        for part in parts {
            let (read, shown) = (part.read.clone(), part.shown.clone());
            let mut opened_part = Self::open_part(part, format, &partition_keys, request)
                .map_err(|e| e.renamed(&read, &shown))?;
            opened_part.slice = slice;
            opened.push(opened_part);
        }
        Ok(Self {
            parts: opened,
            format,
            partition_keys,
            partition_integer,
            supplied: Vec::new(),
        })
    }

    fn open_part(
        part: Part,
        format: FileFormat,
        partition_keys: &[String],
        request: &Request,
    ) -> Result<PartColumns, LoadError> {
        let path = part.read.as_path();
        let schema = file_schema(path, format)?;
        let in_file: Vec<&str> = request
            .names()
            .into_iter()
            .filter(|c| schema.get(c).is_some())
            .collect();
        if format == FileFormat::Csv {
            super::sniff::check_header(path, &in_file)?;
        }
        check_columns(path, &schema, partition_keys, request)?;
        let frame = match format {
            FileFormat::Csv => {
                let columns: Vec<String> = in_file.into_iter().map(str::to_owned).collect();
                Some(read_csv(path, &columns, request)?)
            }
            FileFormat::Parquet | FileFormat::Ipc => None,
        };
        let height = frame.as_ref().map(DataFrame::height);
        Ok(PartColumns {
            part,
            schema,
            frame,
            height,
            slice: None,
        })
    }

    /// One mapped column. `last_use` lets a frame give the column up instead of sharing it.
    pub(super) fn column(&mut self, name: &str, last_use: bool) -> Result<Series, LoadError> {
        if let Some(position) = self.supplied.iter().position(|(n, _)| n == name) {
            return Ok(if last_use {
                self.supplied.swap_remove(position).1
            } else {
                self.supplied[position].1.clone()
            });
        }
        let format = self.format;
        let key = self.partition_keys.iter().position(|k| k == name);
        let mut pieces: Vec<Series> = Vec::with_capacity(self.parts.len());
        for part in &mut self.parts {
            let piece = match key {
                Some(key) if part.schema.get(name).is_none() => {
                    let height = part.height(format)?;
                    let value = part.part.partition.get(key).cloned().flatten();
                    let integer = self.partition_integer.get(key).copied().unwrap_or(false);
                    partition_series(name, value.as_deref(), height, integer)
                }
                _ => part.column(format, name, last_use)?,
            };
            pieces.push(piece);
        }
        concatenate(pieces).map_err(|e| unreadable(&self.shown_path(), e))
    }

    /// Serves `series` as column `name` from now on (it must have this source's rows, in order).
    pub(super) fn supply(&mut self, name: &str, series: Series) {
        self.supplied.retain(|(n, _)| n != name);
        self.supplied.push((name.to_owned(), series));
    }

    /// Frees the parsed CSV frames once every column has been taken (the part heights stay, for
    /// [`ColumnSource::locate`]).
    pub(super) fn release_frames(&mut self) {
        for part in &mut self.parts {
            part.frame = None;
        }
    }

    /// The path naming the whole dataset in a message about all of it.
    fn shown_path(&self) -> PathBuf {
        match self.parts.as_slice() {
            [only] => only.part.shown.clone(),
            _ => self
                .parts
                .first()
                .and_then(|p| p.part.shown.parent())
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        }
    }

    /// An error of the whole dataset, renamed to the part (and the row within it) it points at.
    pub(super) fn locate(&self, mut error: LoadError, named: &Path) -> LoadError {
        if let [only] = self.parts.as_slice() {
            return error
                .renamed(&only.part.read, &only.part.shown)
                .renamed(named, &only.part.shown);
        }
        let Some(row) = error.row_mut() else {
            return error;
        };
        let mut first = 1;
        for part in &self.parts {
            let height = part.height.unwrap_or(0);
            if *row < first + height {
                *row = *row - first + 1;
                let shown = part.part.shown.clone();
                if let Some(path) = error.path_mut() {
                    *path = shown;
                }
                return error;
            }
            first += height;
        }
        error
    }
}

impl PartColumns {
    fn column(
        &mut self,
        format: FileFormat,
        name: &str,
        last_use: bool,
    ) -> Result<Series, LoadError> {
        let path = self.part.read.as_path();
        let column = match (&mut self.frame, format) {
            (Some(frame), _) if last_use => frame.drop_in_place(name),
            (Some(frame), _) => frame.column(name).cloned(),
            (None, format) => {
                let columns = Some(vec![name.to_owned()]);
                let frame = match format {
                    FileFormat::Ipc => IpcReader::new(open(path)?).with_columns(columns).finish(),
                    _ => ParquetReader::new(open(path)?)
                        .with_columns(columns)
                        .with_slice(self.slice)
                        .finish(),
                }
                .map_err(|e| read_error(path, &e).renamed(path, &self.part.shown))?;
                frame.into_columns().into_iter().next().ok_or_else(|| {
                    PolarsError::ColumnNotFound(format!("`{name}` was not read").into())
                })
            }
        };
        let series = column
            .map(Column::take_materialized_series)
            .map_err(|e| unreadable(&self.part.shown, e))?;
        self.height = Some(series.len());
        Ok(series)
    }

    /// Rows of the part, reading its first column if no column has been read yet.
    fn height(&mut self, format: FileFormat) -> Result<usize, LoadError> {
        if let Some(height) = self.height {
            return Ok(height);
        }
        let first = self.schema.iter_names().next().map(PlSmallStr::to_string);
        match first {
            Some(first) => self.column(format, &first, false).map(|s| s.len()),
            None => Ok(0),
        }
    }
}

/// The parts of a column end to end. Parts whose types differ (a CSV part inferred as integers
/// beside one of floats, dictionaries of different levels) meet at a common type.
fn concatenate(mut pieces: Vec<Series>) -> PolarsResult<Series> {
    if pieces.len() <= 1 {
        return pieces
            .pop()
            .ok_or_else(|| PolarsError::NoData("a dataset without parts".into()));
    }
    let categorical = pieces
        .iter()
        .any(|p| matches!(p.dtype(), DataType::Categorical(..) | DataType::Enum(..)));
    let first = pieces.first().map_or(DataType::Null, |p| p.dtype().clone());
    let common = if categorical {
        DataType::String
    } else if pieces.iter().all(|p| p.dtype() == &first) {
        first
    } else if pieces
        .iter()
        .all(|p| p.dtype().is_primitive_numeric() || p.dtype().is_null())
    {
        DataType::Float64
    } else {
        DataType::String
    };
    let mut pieces = pieces.into_iter();
    let mut whole = match pieces.next() {
        Some(first) => first.cast(&common)?,
        None => return Err(PolarsError::NoData("a dataset without parts".into())),
    };
    for piece in pieces {
        whole.append_owned(piece.cast(&common)?)?;
    }
    Ok(whole)
}

fn read_csv(path: &Path, columns: &[String], request: &Request) -> Result<DataFrame, LoadError> {
    let projection: Arc<[PlSmallStr]> = columns
        .iter()
        .map(|c| PlSmallStr::from(c.as_str()))
        .collect();
    // Numbers that must be numbers are read as floats whatever the first rows look like.
    let mut overwrite = Schema::default();
    for (column, _) in &request.numeric {
        overwrite.insert(PlSmallStr::from(column.as_str()), DataType::Float64);
    }
    let overwrite = Arc::new(overwrite);
    let read = |infer: Option<usize>| {
        csv_options(path)
            .with_infer_schema_length(infer)
            .with_columns(Some(projection.clone()))
            .with_schema_overwrite(Some(overwrite.clone()))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(SerReader::finish)
    };
    let separator = super::sniff::csv_separator(path);
    // Polars fills the missing fields of a short row with nulls: when a mapped column has
    // nulls, read the file through to tell empty fields from missing ones.
    // Blank lines, which polars also reads as rows of nulls, are dropped, as pandas does.
    let checked = |frame: DataFrame| {
        if !frame.columns().iter().any(|c| c.null_count() > 0) {
            return Ok(frame);
        }
        let scan = super::sniff::scan_csv(path, separator)?;
        if let Some(defect) = scan.defect {
            return Err(super::sniff::defect_error(path, defect));
        }
        without_blank_rows(frame, &scan.blank_rows).map_err(|e| read_error(path, &e))
    };
    match read(Some(CSV_INFER_ROWS)) {
        Ok(frame) => checked(frame),
        // A type guessed from the first rows did not hold further down: scan the whole file.
        Err(_) => match read(None) {
            Ok(frame) => checked(frame),
            Err(error) => {
                if let Some(defect) = super::sniff::find_csv_defect(path, separator)? {
                    return Err(super::sniff::defect_error(path, defect));
                }
                for (column, role) in &request.numeric {
                    let role = *role;
                    find_non_numeric(path, column, role)?;
                }
                Err(read_error(path, &error))
            }
        },
    }
}

/// The frame without the rows at `blank` (0-based) that are null in every column.
fn without_blank_rows(frame: DataFrame, blank: &[usize]) -> PolarsResult<DataFrame> {
    let all_null = |row: usize| {
        frame
            .columns()
            .iter()
            .all(|c| c.get(row).is_ok_and(|v| v.is_null()))
    };
    let drop: Vec<usize> = blank.iter().copied().filter(|r| all_null(*r)).collect();
    if drop.is_empty() {
        return Ok(frame);
    }
    let mut keep = vec![true; frame.height()];
    for row in drop {
        if let Some(slot) = keep.get_mut(row) {
            *slot = false;
        }
    }
    frame.filter(&BooleanChunked::from_slice(PlSmallStr::from("keep"), &keep))
}

/// Reads one CSV column as text and reports the first value that is not a number.
fn find_non_numeric(path: &Path, column: &str, role: &'static str) -> Result<(), LoadError> {
    let mut text = Schema::default();
    text.insert(PlSmallStr::from(column), DataType::String);
    let frame = csv_options(path)
        .with_columns(Some(Arc::from([PlSmallStr::from(column)])))
        .with_schema_overwrite(Some(Arc::new(text)))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(SerReader::finish)
        .map_err(|e| read_error(path, &e))?;
    let values = frame
        .column(column)
        .and_then(|c| c.as_materialized_series().str().cloned())
        .map_err(|e| read_error(path, &e))?;
    for (row, value) in values.iter().enumerate() {
        if let Some(value) = value
            && value.trim().parse::<f64>().is_err()
        {
            return Err(LoadError::NotNumeric {
                path: path.to_path_buf(),
                column: column.to_owned(),
                role,
                row: row + 1,
                value: value.to_owned(),
            });
        }
    }
    Ok(())
}
