//! What can go wrong in the window, as values: the library's own errors (whose messages name
//! the file, the column and the row), with the step of the window that met them, so the status
//! line says what failed and why, and tests can ask which kind of failure it was. Nothing in the
//! window turns a failure into a blank panel: every job's error ends here and is shown.

use std::path::PathBuf;

use crate::analysis::AnalysisError;
use crate::atomic::OutputError;
use crate::data::LoadError;
use crate::engine::{GroupingError, ThresholdError};
use crate::optimize::OptimizeError;
use crate::session::SessionError;

/// A failure shown in the window's status line.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A file could not be read as data.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Data could not be loaded, sorted or grouped.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The chosen grouping does not fit the data.
    #[error("grouping: {0}")]
    Grouping(#[from] GroupingError),
    /// A session could not be read, written or evaluated.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The optimizer or the frontier found no answer.
    #[error(transparent)]
    Optimize(#[from] OptimizeError),
    /// The thresholds could not be audited.
    #[error("the audit failed: {0}")]
    Audit(#[from] ThresholdError),
    /// An output file could not be written (nothing was replaced).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A file could not be written.
    #[error("{}: {problem}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// A step of the window failed for a reason the library does not type (an option the
    /// user typed, a model that is not there); `step` says which.
    #[error("{step}: {problem}")]
    Step {
        /// What the window was doing (`capacity`, `scenarios`, `slices` …).
        step: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A background job stopped without an answer (it panicked): `what` it was doing.
    #[error("{what} failed unexpectedly")]
    Stopped {
        /// What the job was doing (`loading`, `regrouping` …).
        what: &'static str,
    },
}

impl AppError {
    /// A failure of window step `step`, with the problem's own message.
    pub fn step(step: &'static str, problem: impl std::fmt::Display) -> Self {
        Self::Step {
            step,
            problem: problem.to_string(),
        }
    }
}

/// What a background job of the window gives back.
pub type AppResult<T> = Result<T, AppError>;
