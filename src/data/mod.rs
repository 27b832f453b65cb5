//! Loading scored data from CSV, Parquet and Arrow IPC files. This is the only module that uses
//! polars: it reads just the mapped columns, validates them with messages that name the file, the
//! column and the row, and hands the engine owned typed columns ([`Dataset`]).

mod chunks;
mod convert;
pub mod discovery;
mod error;
pub mod fingerprint;
mod join;
mod preview;
mod read;
pub mod sample;
mod sniff;
mod source;
mod write;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::LoadError;
pub use join::ScoreJoin;
pub use preview::{ColumnInfo, ColumnKind, Preview, RoleGuess, guess_roles, preview};
pub use source::STDIN;
pub use write::{OutputColumn, write_columns};

use crate::engine::{Dataset, DroppedRows};
use crate::progress::Progress;

/// Which column plays which role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ColumnRoles {
    /// The model's score (any numeric column).
    pub score: String,
    /// The true outcome.
    pub label: String,
    /// The label value that counts as positive; needed unless the label is 0/1 or boolean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive: Option<String>,
    /// Attribute columns to slice by.
    pub attributes: Vec<String>,
    /// Optional frequency-weight (count) column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    /// Every model compared, in order, with the name it is shown under; the first one's column
    /// is `score`. Empty when only `score` is mapped, under its own name (one model, as before
    /// models could be compared: sessions then read and write exactly as they did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelColumn>,
}

/// One model's score column and the name it is shown under (`production`, `candidate`), so
/// several models' numbers can stand side by side on the same rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelColumn {
    /// The display name (unique among the models).
    pub name: String,
    /// The score column (numeric; higher means more likely positive).
    pub score: String,
}

impl ModelColumn {
    /// A model named after its score column.
    pub fn of_column(column: &str) -> Self {
        Self {
            name: column.to_owned(),
            score: column.to_owned(),
        }
    }
}

/// The most models one analysis compares: each keeps its own sorted copy of the rows' scores,
/// labels and weights, so the bound keeps memory predictable.
pub const MAX_MODELS: usize = 8;

impl ColumnRoles {
    /// Every mapped column, score first, without repeats.
    pub fn columns(&self) -> Vec<&str> {
        let mut columns: Vec<&str> = vec![self.score.as_str()];
        columns.extend(self.models.iter().map(|m| m.score.as_str()));
        columns.push(self.label.as_str());
        columns.extend(self.weight.as_deref());
        columns.extend(self.attributes.iter().map(String::as_str));
        let mut seen = std::collections::HashSet::new();
        columns.retain(|c| seen.insert(*c));
        columns
    }

    /// The models mapped, in order: `models`, or the one model `score` names (under the
    /// column's name) when `models` is empty.
    pub fn models(&self) -> Vec<ModelColumn> {
        if self.models.is_empty() {
            vec![ModelColumn::of_column(&self.score)]
        } else {
            self.models.clone()
        }
    }

    /// How many models are mapped (at least one).
    pub fn model_count(&self) -> usize {
        self.models.len().max(1)
    }

    /// Maps `models` (at least one; the first becomes `score`). One model named after its
    /// column is recorded as `score` alone, exactly as a single-model mapping always was.
    pub fn set_models(&mut self, models: Vec<ModelColumn>) {
        let Some(first) = models.first() else {
            return;
        };
        self.score = first.score.clone();
        self.models = match models.as_slice() {
            [only] if only.name == only.score => Vec::new(),
            _ => models,
        };
    }

    /// The score columns after the first, in order (the extra models' columns).
    pub fn other_scores(&self) -> Vec<&str> {
        self.models
            .iter()
            .skip(1)
            .map(|m| m.score.as_str())
            .collect()
    }

    /// Checks the models: at most [`MAX_MODELS`], each with a name and a column, names and
    /// columns unique, the first one's column `score`, none scoring with the label or weight
    /// column. The message says what is wrong in the user's terms. A mapping without `models`
    /// (one model, `score`) is not checked here: it loads as it always did.
    pub fn check_models(&self) -> Result<(), String> {
        if self.models.is_empty() {
            return Ok(());
        }
        let models = self.models();
        if models.len() > MAX_MODELS {
            return Err(format!(
                "{} models mapped; at most {MAX_MODELS} can be compared at once",
                models.len()
            ));
        }
        if models.first().map(|m| m.score.as_str()) != Some(self.score.as_str()) {
            return Err(format!(
                "the first model must score with the score column `{}`",
                self.score
            ));
        }
        for (position, model) in models.iter().enumerate() {
            if model.name.trim().is_empty() {
                return Err(format!(
                    "model {} (column `{}`) has an empty name",
                    position + 1,
                    model.score
                ));
            }
            if model.score.is_empty() {
                return Err(format!("model `{}` names no score column", model.name));
            }
            if let Some(other) = models
                .iter()
                .take(position)
                .find(|m| m.score == model.score)
            {
                return Err(format!(
                    "models `{}` and `{}` both score with column `{}`; map each column once",
                    other.name, model.name, model.score
                ));
            }
            if let Some(other) = models.iter().take(position).find(|m| m.name == model.name) {
                return Err(format!(
                    "two models are named `{}` (columns `{}` and `{}`); give each its own name",
                    model.name, other.score, model.score
                ));
            }
            let role = if model.score == self.label {
                Some("label")
            } else if self.weight.as_deref() == Some(model.score.as_str()) {
                Some("weight")
            } else {
                None
            };
            if let Some(role) = role {
                return Err(format!(
                    "model `{}` scores with column `{}`, which is the {role} column",
                    model.name, model.score
                ));
            }
        }
        Ok(())
    }
}

/// How to treat rows with missing or invalid values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Drop rows whose score, label or weight is missing or not finite (with a warning) instead of
    /// refusing the file.
    pub drop_invalid: bool,
}

/// Supported file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileFormat {
    /// Comma-separated text (tab-separated for `.tsv`).
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC (Feather v2).
    Ipc,
}

impl FileFormat {
    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::Parquet => "Parquet",
            FileFormat::Ipc => "Arrow IPC",
        }
    }

    /// The format of a path, by extension.
    pub fn of(path: &Path) -> Result<Self, LoadError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match extension.as_str() {
            "csv" | "tsv" | "txt" => Ok(FileFormat::Csv),
            "parquet" | "pq" => Ok(FileFormat::Parquet),
            "arrow" | "ipc" | "feather" => Ok(FileFormat::Ipc),
            _ => Err(LoadError::Unsupported {
                path: path.to_path_buf(),
                extension,
            }),
        }
    }
}

/// A loaded dataset plus what the loader learned along the way.
#[derive(Debug)]
pub struct LoadedData {
    /// The validated columns.
    pub dataset: Dataset,
    /// The file read.
    pub path: PathBuf,
    /// The mapping used.
    pub roles: ColumnRoles,
    /// The label value treated as positive, as text.
    pub positive_label: String,
    /// Rows in the file.
    pub rows_read: usize,
    /// Rows dropped as invalid (only with `drop_invalid`).
    pub rows_dropped: usize,
    /// Warnings for the user (dropped rows and why).
    pub warnings: Vec<String>,
    /// The rows dropped as invalid, with their attributes (empty unless `drop_invalid`).
    pub dropped: DroppedRows,
}

/// Reads `path`, keeps the columns named in `roles`, validates them and builds a [`Dataset`].
///
/// `path` may be a file (CSV also gzip- or zstd-compressed), a folder or glob of part files (one
/// dataset; `key=value/` folders are columns), or [`STDIN`].
pub fn load(
    path: &Path,
    roles: &ColumnRoles,
    options: LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    load_scores_from(path, roles, options, convert::Scores::Column, progress)
}

/// Reads `path` as [`load`] does, with the models' score columns that `path` lacks read from
/// another file and joined to its rows on an id column (`join`): every data row must find
/// exactly one row there and every row there must be used, else the error names the file, the
/// id column, the row and the id.
pub fn load_joined(
    path: &Path,
    roles: &ColumnRoles,
    join: &ScoreJoin,
    options: LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    roles.check_models().map_err(|problem| LoadError::Models {
        path: path.to_path_buf(),
        problem,
    })?;
    progress.stage("reading and joining the scores");
    guarded(path, || {
        let resolved = source::resolve(path)?;
        let joined = join::columns_to_join(path, &resolved, roles, join)?;
        let request = join::data_request(roles, &joined, &join.id);
        let mut columns = read::ColumnSource::open(resolved, &request)?;
        join::join_scores(path, &mut columns, join, &joined)
            .map_err(|error| columns.locate(error, path))?;
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled);
        }
        let scores = convert::Scores::Column;
        convert::to_dataset(path, &mut columns, roles, options, scores, progress)
            .map_err(|error| columns.locate(error, path))
    })
}

/// Reads recorded decisions: `roles.label` names the column saying who was selected (0/1,
/// boolean, or any values with `roles.positive` as the selected one); there is no score column,
/// so every row's score is 1 when selected and 0 when not (`roles.score` is set to the label
/// column). Used by the bias audit of a selection tool's recorded decisions.
pub fn load_decisions(
    path: &Path,
    roles: &ColumnRoles,
    options: LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    let roles = ColumnRoles {
        score: roles.label.clone(),
        models: Vec::new(),
        ..roles.clone()
    };
    load_scores_from(path, &roles, options, convert::Scores::FromLabel, progress)
}

/// Reads scores without outcomes: `roles.score` is read, `roles.label` is not (every label is
/// negative). Used by the bias audit of a scoring tool, which needs only who scored what.
pub fn load_scores(
    path: &Path,
    roles: &ColumnRoles,
    options: LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    let roles = ColumnRoles {
        label: roles.score.clone(),
        positive: None,
        models: Vec::new(),
        ..roles.clone()
    };
    load_scores_from(
        path,
        &roles,
        options,
        convert::Scores::WithoutLabel,
        progress,
    )
}

fn load_scores_from(
    path: &Path,
    roles: &ColumnRoles,
    options: LoadOptions,
    scores_from: convert::Scores,
    progress: &dyn Progress,
) -> Result<LoadedData, LoadError> {
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    roles.check_models().map_err(|problem| LoadError::Models {
        path: path.to_path_buf(),
        problem,
    })?;
    progress.stage(&format!("reading {file_name}"));
    guarded(path, || {
        let resolved = source::resolve(path)?;
        let mut columns = read::ColumnSource::open(resolved, &read::Request::of_roles(roles))?;
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled);
        }
        convert::to_dataset(path, &mut columns, roles, options, scores_from, progress)
            .map_err(|error| columns.locate(error, path))
    })
}

/// Rows [`load_in_chunks`] reads at a time unless told otherwise. A piece of a CSV file with a
/// score, a label and three text attributes peaks near 100 bytes a row while it is parsed and
/// converted, so about 100 MB here (measured in BENCHMARKS.md).
pub const DEFAULT_CHUNK_ROWS: usize = 1_000_000;

/// Reads `path` as [`load`] does, but at most `chunk_rows` rows at a time, handing each piece
/// to `sink` before the next is read: memory holds one piece, so a file larger than memory can
/// be aggregated. Returns how many pieces there were.
///
/// A CSV file (also compressed, or from standard input) is cut into pieces of `chunk_rows`
/// records, each written to a temporary file with the header and read like a file of its own;
/// a Parquet file is read `chunk_rows` rows at a time; an Arrow IPC file one part at a time.
/// Messages name the file and the row in it, as [`load`]'s do. Each piece is checked and
/// converted on its own: a CSV column's type is inferred per piece, and a piece without any
/// valid row is an error even when other pieces have some.
pub fn load_in_chunks<E: From<LoadError>>(
    path: &Path,
    roles: &ColumnRoles,
    options: LoadOptions,
    chunk_rows: usize,
    progress: &dyn Progress,
    mut sink: impl FnMut(LoadedData) -> Result<(), E>,
) -> Result<usize, E> {
    let chunk_rows = chunk_rows.max(1);
    let resolved = guarded(path, || source::resolve(path))?;
    let format = resolved.format;
    let keys = resolved.partition_keys.clone();
    let integer: Vec<bool> = (0..keys.len())
        .map(|k| resolved.partition_is_integer(k))
        .collect();
    let request = read::Request::of_roles(roles);
    let piece =
        |part: source::Part, slice: Option<(usize, usize)>| -> Result<LoadedData, LoadError> {
            guarded(path, || {
                let mut columns =
                    read::ColumnSource::open_piece(format, part, &keys, &integer, &request, slice)?;
                if progress.is_cancelled() {
                    return Err(LoadError::Cancelled);
                }
                let scores = convert::Scores::Column;
                convert::to_dataset(path, &mut columns, roles, options, scores, progress)
                    .map_err(|error| columns.locate(error, path))
            })
        };
    let mut pieces = 0;
    for part in &resolved.parts {
        match format {
            FileFormat::Csv => {
                let named = |e: LoadError| e.renamed(&part.read, &part.shown);
                let mut csv = chunks::CsvChunks::open(&part.read, chunk_rows).map_err(named)?;
                while let Some(chunk) = csv.next_chunk().map_err(named)? {
                    progress.stage(&format!(
                        "reading rows {} to {}",
                        chunk.records_before + 1,
                        chunk.records_before + chunk_rows
                    ));
                    let (before, bytes) = (chunk.records_before, chunk.bytes);
                    let loaded = piece(part.piece(chunk.file), None)
                        .map_err(|e| e.shifted(before, Some(bytes)))?;
                    sink(loaded)?;
                    pieces += 1;
                }
            }
            FileFormat::Parquet => {
                let rows = read::parquet_rows(&part.read)
                    .map_err(|e| e.renamed(&part.read, &part.shown))?;
                let mut offset = 0;
                while offset < rows {
                    let length = chunk_rows.min(rows - offset);
                    progress.stage(&format!(
                        "reading rows {} to {}",
                        offset + 1,
                        offset + length
                    ));
                    let loaded = piece(part.again(), Some((offset, length)))
                        .map_err(|e| e.shifted(offset, None))?;
                    sink(loaded)?;
                    pieces += 1;
                    offset += length;
                }
            }
            FileFormat::Ipc => {
                sink(piece(part.again(), None)?)?;
                pieces += 1;
            }
        }
    }
    if pieces == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(pieces)
}

/// Runs `read` on `path`. The reader is a large library; should it panic on a file nobody
/// foresaw, the user gets a message naming the file instead of a crash (the window keeps its
/// data).
///
/// A panic on this thread is not printed by the panic hook meanwhile: the error returned carries
/// its message (a panic on one of the reader's worker threads still prints).
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, LoadError>) -> Result<T, LoadError> {
    use std::cell::Cell;
    thread_local! {
        /// How many [`guarded`] calls this thread is inside.
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result.unwrap_or_else(|panic| {
        Err(LoadError::Unreadable {
            path: path.to_path_buf(),
            message: format!(
                "the file reader failed on this file ({}); please report it with the file's schema",
                panic_message(panic.as_ref())
            ),
        })
    })
}

/// The message of a caught panic.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}
