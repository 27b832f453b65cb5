//! Writing tables (generated samples, exports) to CSV, Parquet or IPC, atomically: a temporary
//! file in the same directory, renamed into place when complete.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use polars::prelude::*;

use super::{FileFormat, LoadError};

/// A column to write.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputColumn {
    /// Floats.
    Float(String, Vec<f64>),
    /// Integers.
    Int(String, Vec<i64>),
    /// Floats with missing values.
    OptionalFloat(String, Vec<Option<f64>>),
    /// Text.
    Text(String, Vec<String>),
    /// Text with missing values.
    OptionalText(String, Vec<Option<String>>),
}

impl OutputColumn {
    /// The column's name.
    pub fn name(&self) -> &str {
        match self {
            OutputColumn::Float(name, _)
            | OutputColumn::Int(name, _)
            | OutputColumn::OptionalFloat(name, _)
            | OutputColumn::Text(name, _)
            | OutputColumn::OptionalText(name, _) => name,
        }
    }

    fn into_column(self) -> Column {
        match self {
            OutputColumn::Float(name, values) => Column::new(name.into(), values),
            OutputColumn::Int(name, values) => Column::new(name.into(), values),
            OutputColumn::OptionalFloat(name, values) => Column::new(name.into(), values),
            OutputColumn::Text(name, values) => Column::new(name.into(), values),
            OutputColumn::OptionalText(name, values) => Column::new(name.into(), values),
        }
    }
}

/// What went wrong while writing, as text (the writer's and the system's errors in one type).
struct WriteFailure(String);

impl From<std::io::Error> for WriteFailure {
    fn from(error: std::io::Error) -> Self {
        WriteFailure(error.to_string())
    }
}

/// Writes columns to `path` in the format its extension names, replacing any file there only once
/// the new one is complete.
pub fn write_columns(path: &Path, columns: Vec<OutputColumn>) -> Result<(), LoadError> {
    let format = FileFormat::of(path)?;
    let frame =
        DataFrame::new_infer_height(columns.into_iter().map(OutputColumn::into_column).collect())
            .map_err(|e| WriteFailure(e.to_string()));
    let unwritable = |WriteFailure(message)| LoadError::Unwritable {
        path: path.to_path_buf(),
        message,
    };
    let mut frame = frame.map_err(unwritable)?;
    crate::atomic::write_atomically_with(path, |mut file: &File| {
        let result = match format {
            FileFormat::Csv => CsvWriter::new(&mut file).finish(&mut frame),
            FileFormat::Parquet => ParquetWriter::new(&mut file).finish(&mut frame).map(|_| ()),
            FileFormat::Ipc => IpcWriter::new(&mut file).finish(&mut frame),
        };
        result.map_err(|e| WriteFailure(e.to_string()))?;
        file.flush().map_err(|e| WriteFailure(e.to_string()))
    })
    .map_err(unwritable)
}
