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

/// One model of an analysis: the name it is shown under, its score column, the rows sorted by
/// its scores and the current grouping's index over them.
#[derive(Clone, Debug)]
pub struct ModelAnalysis {
    /// The display name.
    pub name: String,
    /// The score column.
    pub score: String,
    /// The rows sorted by this model's scores (attributes shared with the other models).
    pub sorted: Arc<SortedDataset>,
    /// The current grouping's index over them.
    pub index: Arc<GroupIndex>,
}

/// A dataset sorted by score, with its current grouping.
#[derive(Debug)]
pub struct Analysis {
    /// What was loaded.
    pub data: DataSummary,
    /// The rows sorted by the current model's score (kept to regroup without sorting again;
    /// shared with background jobs).
    pub sorted: Arc<SortedDataset>,
    /// The current grouping's index, over the current model's scores.
    pub index: Arc<GroupIndex>,
    /// The current grouping.
    pub grouping: GroupingSpec,
    /// Every model mapped, in order: one for a single score column. `sorted` and `index` are
    /// `models[current]`'s.
    pub models: Vec<ModelAnalysis>,
    /// Which model `sorted` and `index` belong to.
    pub current: usize,
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
        let sorted: Vec<Arc<SortedDataset>> = SortedDataset::models(dataset)
            .into_iter()
            .map(Arc::new)
            .collect();
        if progress.is_cancelled() {
            return Err(LoadError::Cancelled.into());
        }
        progress.stage("grouping");
        let indexes = GroupIndex::build_models(
            &sorted.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
            grouping,
        )
        .map_err(|source| AnalysisError::Grouping {
            path: path.display().to_string(),
            problem: source,
        })?;
        let models: Vec<ModelAnalysis> = roles
            .models()
            .into_iter()
            .zip(sorted)
            .zip(indexes)
            .map(|((model, sorted), index)| ModelAnalysis {
                name: model.name,
                score: model.score,
                sorted,
                index: Arc::new(index),
            })
            .collect();
        let Some(first) = models.first().cloned() else {
            // A dataset always has a first model, and the roles name at least one.
            return Err(LoadError::Empty { path }.into());
        };
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
            sorted: first.sorted,
            index: first.index,
            grouping: grouping.clone(),
            models,
            current: 0,
        })
    }

    /// Regroups without sorting again (every model).
    pub fn regroup(&mut self, grouping: &GroupingSpec) -> Result<(), AnalysisError> {
        let sorted: Vec<&SortedDataset> = self.models.iter().map(|m| m.sorted.as_ref()).collect();
        let indexes = GroupIndex::build_models(&sorted, grouping).map_err(|source| {
            AnalysisError::Grouping {
                path: self.data.path.display().to_string(),
                problem: source,
            }
        })?;
        for (model, index) in self.models.iter_mut().zip(indexes) {
            model.index = Arc::new(index);
        }
        self.grouping = grouping.clone();
        self.select_model(self.current);
        Ok(())
    }

    /// Makes model `model` the current one (`sorted` and `index` become its own); false, and
    /// nothing changes, when there is no such model.
    pub fn select_model(&mut self, model: usize) -> bool {
        let Some(chosen) = self.models.get(model) else {
            return false;
        };
        self.sorted = Arc::clone(&chosen.sorted);
        self.index = Arc::clone(&chosen.index);
        self.current = model;
        true
    }

    /// The position of the model named `name`.
    pub fn model_position(&self, name: &str) -> Option<usize> {
        self.models.iter().position(|m| m.name == name)
    }

    /// The current model.
    pub fn current_model(&self) -> Option<&ModelAnalysis> {
        self.models.get(self.current)
    }

    /// Every model's index under the current grouping, in order.
    pub fn model_indexes(&self) -> Vec<&GroupIndex> {
        self.models.iter().map(|m| m.index.as_ref()).collect()
    }

    /// Whether several models are compared.
    pub fn has_models(&self) -> bool {
        self.models.len() > 1
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
