//! Writing tables (generated samples, exports) to CSV, Parquet or IPC, atomically: a temporary
//! file in the same directory, renamed into place when complete.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;

use polars::prelude::*;

use super::read::unreadable;
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
}

impl OutputColumn {
    fn into_column(self) -> Column {
        match self {
            OutputColumn::Float(name, values) => Column::new(name.into(), values),
            OutputColumn::Int(name, values) => Column::new(name.into(), values),
            OutputColumn::OptionalFloat(name, values) => Column::new(name.into(), values),
            OutputColumn::Text(name, values) => Column::new(name.into(), values),
        }
    }
}

/// Writes columns to `path` in the format its extension names, replacing any file there only once
/// the new one is complete.
pub fn write_columns(path: &Path, columns: Vec<OutputColumn>) -> Result<(), LoadError> {
    let format = FileFormat::of(path)?;
    let mut frame =
        DataFrame::new_infer_height(columns.into_iter().map(OutputColumn::into_column).collect())
            .map_err(|e| unreadable(path, e))?;
    let temporary = crate::atomic::temporary_file_beside(path).map_err(|e| unreadable(path, e))?;
    {
        let mut file: &File = temporary.as_file();
        let result = match format {
            FileFormat::Csv => CsvWriter::new(&mut file).finish(&mut frame),
            FileFormat::Parquet => ParquetWriter::new(&mut file).finish(&mut frame).map(|_| ()),
            FileFormat::Ipc => IpcWriter::new(&mut file).finish(&mut frame),
        };
        result.map_err(|e| unreadable(path, e))?;
        file.flush().map_err(|e| unreadable(path, e))?;
    }
    temporary
        .persist(path)
        .map_err(|e| unreadable(path, e.error))?;
    Ok(())
}
