//! Everything that can go wrong with a session, each naming the file and, for a broken file, the
//! line, column and JSON path, and what was expected.

use std::path::PathBuf;

use crate::analysis::AnalysisError;
use crate::engine::ThresholdError;

/// Why a session could not be loaded, saved or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session file could not be read.
    #[error("{}: cannot read the session file: {message}", path.display())]
    Unreadable {
        /// The session file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// The file is not JSON, or is cut short.
    #[error("{}: not valid JSON (line {line}, column {column}): {message}\n{excerpt}", path.display())]
    Syntax {
        /// The session file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
        /// The line with a caret.
        excerpt: String,
    },
    /// Valid JSON that is not a session at all (no `schema_version`, not an object).
    #[error("{}: not a Fulcrum session: {message}", path.display())]
    NotASession {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// Written by a newer Fulcrum.
    #[error(
        "{}: schema_version {found} is newer than this Fulcrum ({}) can read (versions 0 to {supported}); open it with a newer Fulcrum",
        path.display(),
        env!("CARGO_PKG_VERSION")
    )]
    FutureVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u64,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A field with a wrong type or value, a missing field or an unknown one.
    #[error("{}: {location}: {message}{}", path.display(), excerpt.as_ref().map(|e| format!("\n{e}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `line 14, column 22, at scenarios[0].thresholds.default` (or the path alone).
        location: String,
        /// What is wrong: expected vs found.
        message: String,
        /// The line with a caret, when the position is known.
        excerpt: Option<String>,
    },
    /// A session built or edited in memory that is not consistent (duplicate scenario names,
    /// two baselines, …).
    #[error("invalid session: {location}: {message}")]
    Inconsistent {
        /// The JSON path of the offending field.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The session could not be written.
    #[error("{}: cannot write the session: {message}", path.display())]
    Unwritable {
        /// The target file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// The data file is not where the session says.
    #[error(
        "the session's data file {} is missing; if it moved, relocate it (`fulcrum session relocate`), or evaluate another file with --data",
        path.display()
    )]
    DataMissing {
        /// Where the session expects it.
        path: PathBuf,
    },
    /// The data file exists but cannot be read to fingerprint it.
    #[error("{}: cannot read the data file: {message}", path.display())]
    DataUnreadable {
        /// The data file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// The data file's contents differ from the fingerprint in the session.
    #[error(
        "{}: the data changed since the session was made (SHA-256 {expected} recorded, {actual} found); to monitor new data pass it with --data, or record it as the session's data",
        path.display()
    )]
    DataChanged {
        /// The data file.
        path: PathBuf,
        /// The SHA-256 recorded in the session.
        expected: String,
        /// The SHA-256 of the file now.
        actual: String,
    },
    /// The file of a session's evaluation rows differs from its fingerprint.
    #[error(
        "{}: the evaluation rows' file changed since the session was made (SHA-256 {expected} recorded, {actual} found); record the split again (session new … --evaluate-on FILE)",
        path.display()
    )]
    EvaluationDataChanged {
        /// The evaluation file.
        path: PathBuf,
        /// The SHA-256 recorded in the session.
        expected: String,
        /// The SHA-256 of the file now.
        actual: String,
    },
    /// Loading or grouping the data failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The session's thresholds (or reference group) do not fit the data's groups.
    #[error("{context}: {problem}")]
    Thresholds {
        /// Which thresholds (`thresholds`, `scenarios[1] "Production today"`, `reference`).
        context: String,
        /// What does not fit.
        problem: ThresholdError,
    },
}
