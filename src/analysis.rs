//! A loaded dataset ready to audit: the file read ([`crate::data`]), rows sorted once and grouped
//! ([`crate::engine`]). Both front ends (CLI and window) and the session checks start here.

use std::path::Path;
use std::sync::Arc;

use crate::data::{self, ColumnRoles, LoadError, LoadOptions, LoadedData};
use crate::engine::{
    DroppedRows, GroupIndex, GroupingError, GroupingSpec, ScoreRounding, SortedDataset,
};
use crate::progress::Progress;

/// Why an analysis could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The file could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The grouping does not fit the data.
    #[error("{path}: {problem}")]
    Grouping {
        /// The file, for the message.
        path: String,
        /// What is wrong.
        problem: GroupingError,
    },
}

/// What was loaded, without the columns themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSummary {
    /// The file.
    pub path: std::path::PathBuf,
    /// The mapping.
    pub roles: ColumnRoles,
    /// The positive label value, as text.
    pub positive_label: String,
    /// Rows in the file.
    pub rows_read: usize,
    /// Rows dropped as invalid.
    pub rows_dropped: usize,
    /// Loader warnings.
    pub warnings: Vec<String>,
    /// The rows dropped as invalid, with their attributes (shared: a profile counts them per
    /// group).
    pub dropped: Arc<DroppedRows>,
    /// The scores' rounding, when the score column records one (an aggregate of
    /// `fulcrum aggregate --decimals D`: `score_rounded_D`) and the values agree.
    pub score_rounding: Option<ScoreRounding>,
}

/// A dataset sorted by score, with its current grouping.
#[derive(Debug)]
pub struct Analysis {
    /// What was loaded.
    pub data: DataSummary,
    /// The rows sorted by score (kept to regroup without sorting again; shared with background
    /// jobs).
    pub sorted: Arc<SortedDataset>,
    /// The current grouping's index.
    pub index: Arc<GroupIndex>,
    /// The current grouping.
    pub grouping: GroupingSpec,
}

impl Analysis {
    /// Loads `path`, sorts its rows and groups them.
    pub fn load(
        path: &Path,
        roles: &ColumnRoles,
        grouping: &GroupingSpec,
        options: LoadOptions,
        progress: &dyn Progress,
    ) -> Result<Self, AnalysisError> {
        let loaded = data::load(path, roles, options, progress)?;
        Self::from_loaded(loaded, grouping, progress)
    }

    /// Sorts and groups an already loaded dataset.
    pub fn from_loaded(
        loaded: LoadedData,
        grouping: &GroupingSpec,
        progress: &dyn Progress,
    ) -> Result<Self, AnalysisError> {
        let LoadedData {
            dataset,
            path,
            roles,
            positive_label,
            rows_read,
            rows_dropped,
            warnings,
            dropped,
        } = loaded;
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled.into());
        }
        let score_rounding = ScoreRounding::detect(&roles.score, dataset.scores());
        progress.stage(&format!("sorting {} rows", dataset.len()));
        let sorted = SortedDataset::new(dataset);
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled.into());
        }
        progress.stage("grouping");
        let index =
            GroupIndex::build(&sorted, grouping).map_err(|source| AnalysisError::Grouping {
                path: path.display().to_string(),
                problem: source,
            })?;
        Ok(Self {
            data: DataSummary {
                path,
                roles,
                positive_label,
                rows_read,
                rows_dropped,
                warnings,
                dropped: Arc::new(dropped),
                score_rounding,
            },
            sorted: Arc::new(sorted),
            index: Arc::new(index),
            grouping: grouping.clone(),
        })
    }

    /// Regroups without sorting again.
    pub fn regroup(&mut self, grouping: &GroupingSpec) -> Result<(), AnalysisError> {
        let index = GroupIndex::build(&self.sorted, grouping).map_err(|source| {
            AnalysisError::Grouping {
                path: self.data.path.display().to_string(),
                problem: source,
            }
        })?;
        self.index = Arc::new(index);
        self.grouping = grouping.clone();
        Ok(())
    }

    /// The threshold used when none is given: 0.5 for scores in [0, 1], otherwise the midpoint
    /// of the score range.
    pub fn default_threshold(&self) -> f64 {
        default_threshold(self.sorted.score_range())
    }
}

/// 0.5 for scores within [0, 1]; otherwise the midpoint of the range.
pub fn default_threshold((low, high): (f64, f64)) -> f64 {
    if low >= 0.0 && high <= 1.0 {
        0.5
    } else {
        (low + high) / 2.0
    }
}
