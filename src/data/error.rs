//! Everything that can go wrong while loading, each naming the file, and where it applies the
//! column and the first offending row (1-based, not counting the header).

use std::path::PathBuf;

use crate::engine::DatasetError;

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be opened or read.
    #[error("{}: cannot read the file: {message}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the system or parser said.
        message: String,
    },
    /// The file could not be written.
    #[error("{}: cannot write the file: {message}", path.display())]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// What the system or writer said.
        message: String,
    },
    /// The path is not a readable data file of its format (a directory, or another format's
    /// bytes behind the name).
    #[error("{}: {problem}", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead, and what to do.
        problem: String,
    },
    /// The header names a mapped column more than once.
    #[error(
        "{}: the header has {} columns named `{column}` (positions {}); rename all but one",
        path.display(),
        positions.len(),
        positions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        column: String,
        /// Its 1-based positions in the header.
        positions: Vec<usize>,
    },
    /// A row has another number of fields than the header.
    #[error(
        "{}: row {row} has {found} field{} but the header has {expected}; every row needs one value per column (check for a missing or extra separator, or an unclosed quote)",
        path.display(),
        if *found == 1 { "" } else { "s" }
    )]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based row, not counting the header.
        row: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A quote is opened and never closed.
    #[error(
        "{}: row {row} opens a quote (\") that is never closed, so the rest of the file would be one field; close it, or double quotes inside a quoted field (\"\")",
        path.display()
    )]
    UnclosedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based row, not counting the header.
        row: usize,
    },
    /// Bytes that are not UTF-8 text.
    #[error(
        "{}: {}, column `{column}`: not UTF-8 text (byte offset {offset}); save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)",
        path.display(),
        if *row == 0 { "header".to_owned() } else { format!("row {row}") }
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based row, not counting the header (0: the header).
        row: usize,
        /// The column's name (or `field N`).
        column: String,
        /// Byte offset in the file.
        offset: usize,
    },
    /// The extension is not one we read.
    #[error(
        "{}: unsupported file type `.{extension}` (Fulcrum reads .csv, .tsv (also .gz or .zst compressed), .parquet, .arrow/.ipc/.feather, a folder of such part files, or - for standard input)",
        path.display()
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// Its extension.
        extension: String,
    },
    /// The file has no data rows.
    #[error("{}: the file is empty (no data rows)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A mapped column does not exist.
    #[error(
        "{}: no column `{column}` (for the {role}){}; the columns are: {}",
        path.display(),
        closest.as_ref().map(|c| format!(", did you mean `{c}`?")).unwrap_or_default(),
        available.join(", ")
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The requested column.
        column: String,
        /// What it was for (`score`, `label`, `attribute`, `weight`).
        role: &'static str,
        /// The most similar column name.
        closest: Option<String>,
        /// Every column in the file.
        available: Vec<String>,
    },
    /// A column that must be numeric holds text.
    #[error(
        "{}: column `{column}` ({role}) must be numeric, but row {row} holds `{value}`",
        path.display()
    )]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its role.
        role: &'static str,
        /// First offending row.
        row: usize,
        /// The text found.
        value: String,
    },
    /// A column that must be numeric has a type that is neither number nor text.
    #[error("{}: column `{column}` ({role}) must be numeric, but its type is {dtype}", path.display())]
    WrongType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its role.
        role: &'static str,
        /// The type found.
        dtype: String,
    },
    /// Missing, NaN or infinite values where a value is required.
    #[error(
        "{}: column `{column}` ({role}) has {count} row{} with a missing, NaN or infinite value (first: row {first_row}); fix the data or pass --drop-invalid to drop such rows",
        path.display(),
        if *count == 1 { "" } else { "s" }
    )]
    InvalidValues {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its role.
        role: &'static str,
        /// How many rows.
        count: usize,
        /// First offending row.
        first_row: usize,
    },
    /// The weights count nothing, or their total would overflow.
    #[error("{}: column `{column}` (weight) {problem}", path.display())]
    WeightTotal {
        /// The file.
        path: PathBuf,
        /// The weight column.
        column: String,
        /// What is wrong with the total.
        problem: String,
    },
    /// An attribute column of a type that cannot name groups.
    #[error(
        "{}: column `{column}` (attribute) has type {dtype}, which cannot name groups; group by a column of text, numbers, booleans or dates",
        path.display()
    )]
    AttributeType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its type.
        dtype: String,
    },
    /// A negative weight.
    #[error("{}: column `{column}` (weight) has a negative value {value} at row {row}; weights must be ≥ 0", path.display())]
    NegativeWeight {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// First offending row.
        row: usize,
        /// The value.
        value: f64,
    },
    /// The label does not have exactly two values, or its positive class is ambiguous.
    #[error(
        "{}: column `{column}` (label) has {count} distinct value{} ({}); pass --positive VALUE to say which value is the positive outcome",
        path.display(),
        if *count == 1 { "" } else { "s" },
        values.join(", ")
    )]
    AmbiguousLabel {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Number of distinct values.
        count: usize,
        /// Up to ten of them.
        values: Vec<String>,
    },
    /// `--positive` names a value the label never takes.
    #[error(
        "{}: column `{column}` (label) never equals `{positive}`; its values include: {}",
        path.display(),
        values.join(", ")
    )]
    PositiveNotFound {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The requested positive value.
        positive: String,
        /// Up to ten values seen.
        values: Vec<String>,
    },
    /// Every row was dropped as invalid.
    #[error("{}: every row was invalid and dropped; nothing is left to analyse", path.display())]
    NothingLeft {
        /// The file.
        path: PathBuf,
    },
    /// The models mapped do not fit together (two with one name, a column mapped twice, a model
    /// scoring with the label column …).
    #[error("{}: {problem}", path.display())]
    Models {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Scores joined from another file do not line up with the data's rows: an id missing,
    /// repeated, or found in only one of the files (the message names the row and the id).
    #[error("{}: column `{column}` (join id): {problem}", path.display())]
    Join {
        /// The file the problem is in.
        path: PathBuf,
        /// The id column.
        column: String,
        /// What is wrong, with the row.
        problem: String,
    },
    /// The user cancelled.
    #[error("loading was cancelled")]
    Cancelled,
    /// The validated columns failed an engine invariant (a bug if it happens).
    #[error("{}: {problem}", path.display())]
    Dataset {
        /// The file.
        path: PathBuf,
        /// The engine's complaint.
        problem: DatasetError,
    },
}

impl LoadError {
    /// The file the error names, to be renamed when the file read was a stand-in for the user's
    /// (a decompressed copy, standard input spooled to disk).
    pub(super) fn path_mut(&mut self) -> Option<&mut PathBuf> {
        match self {
            LoadError::Unreadable { path, .. }
            | LoadError::Unwritable { path, .. }
            | LoadError::NotAFile { path, .. }
            | LoadError::DuplicateColumn { path, .. }
            | LoadError::RaggedRow { path, .. }
            | LoadError::UnclosedQuote { path, .. }
            | LoadError::NotUtf8 { path, .. }
            | LoadError::Unsupported { path, .. }
            | LoadError::Empty { path }
            | LoadError::MissingColumn { path, .. }
            | LoadError::NotNumeric { path, .. }
            | LoadError::WrongType { path, .. }
            | LoadError::InvalidValues { path, .. }
            | LoadError::WeightTotal { path, .. }
            | LoadError::AttributeType { path, .. }
            | LoadError::NegativeWeight { path, .. }
            | LoadError::AmbiguousLabel { path, .. }
            | LoadError::PositiveNotFound { path, .. }
            | LoadError::NothingLeft { path }
            | LoadError::Models { path, .. }
            | LoadError::Join { path, .. }
            | LoadError::Dataset { path, .. } => Some(path),
            LoadError::Cancelled => None,
        }
    }

    /// The 1-based data row the error points at, if it points at one.
    pub(super) fn row_mut(&mut self) -> Option<&mut usize> {
        match self {
            LoadError::NotNumeric { row, .. } | LoadError::NegativeWeight { row, .. } => Some(row),
            LoadError::InvalidValues { first_row, .. } => Some(first_row),
            _ => None,
        }
    }

    /// The error of a piece of a file (rows after `rows_before` data rows of it; for a CSV piece,
    /// whose own file repeats the header, `bytes`: the header's length in the piece and where
    /// the piece's rows start in the file) as an error of the whole file: its row (and byte
    /// offset) counted from the file's start. An error of the header is left as it is.
    pub(super) fn shifted(mut self, rows_before: usize, bytes: Option<(usize, usize)>) -> Self {
        match &mut self {
            LoadError::NotUtf8 { row, offset, .. } if *row > 0 => {
                *row += rows_before;
                if let Some((header, start)) = bytes {
                    *offset = offset.saturating_sub(header) + start;
                }
            }
            LoadError::RaggedRow { row, .. } | LoadError::UnclosedQuote { row, .. } => {
                *row += rows_before;
            }
            other => {
                if let Some(row) = other.row_mut() {
                    *row += rows_before;
                }
            }
        }
        self
    }

    /// The same error naming `shown` wherever it named `read`.
    pub(super) fn renamed(mut self, read: &std::path::Path, shown: &std::path::Path) -> Self {
        if let Some(path) = self.path_mut()
            && path == read
        {
            *path = shown.to_path_buf();
        }
        self
    }
}
