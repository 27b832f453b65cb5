//! The loaded dataset the window works on: rows sorted once, the current grouping's index, and the
//! plot curves derived from it. Built and rebuilt on worker threads; the window swaps a finished
//! one in, so the previous state stays usable until the new one is ready.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::analysis::{Analysis, AnalysisError, default_threshold};
use crate::data::{ColumnRoles, LoadOptions};
use crate::engine::calibration::{CalibrationSettings, GroupCalibration, calibration_of_curves};
use crate::engine::curves::{
    CalibrationBin, Histogram, RocPoint, calibration, histogram, linspace, roc_curve,
};
use crate::engine::dataset::AttributeValues;
use crate::engine::{GroupIndex, GroupingError, GroupingSpec, SortedDataset};
use crate::progress::Progress;

/// Points per ROC curve: enough for a smooth curve at any window size.
const ROC_POINTS: usize = 600;
/// Histogram bins per group.
const HISTOGRAM_BINS: usize = 40;
/// Reliability-diagram bins.
const CALIBRATION_BINS: usize = 10;
/// Thresholds at which metric curves are evaluated.
pub const SWEEP_POINTS: usize = 300;

/// A loaded attribute, as the slicing panel shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeInfo {
    /// Column name.
    pub name: String,
    /// Numbers (binnable) or levels.
    pub numeric: bool,
    /// Levels of a categorical attribute (empty for numeric ones).
    pub levels: Vec<String>,
}

/// Per-group curves for plotting, sized for the screen, never for the rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlotCurves {
    /// ROC curve per group.
    pub roc: Vec<Vec<RocPoint>>,
    /// Score histogram per group.
    pub histograms: Vec<Histogram>,
    /// Reliability bins per group.
    pub calibration: Vec<Vec<CalibrationBin>>,
    /// The thresholds metric curves are evaluated at.
    pub sweep_thresholds: Vec<f64>,
    /// Each group's expected calibration error (default bins), attached to every audit.
    pub ece: GroupCalibration,
}

impl PlotCurves {
    /// Computes every group's curves (in parallel; O(distinct scores) per group).
    pub fn build(index: &GroupIndex, (low, high): (f64, f64)) -> Self {
        let groups = index.groups();
        let roc = groups
            .par_iter()
            .map(|g| roc_curve(&g.curve, ROC_POINTS))
            .collect();
        let histograms = groups
            .par_iter()
            .map(|g| histogram(&g.curve, low, high, HISTOGRAM_BINS))
            .collect();
        let calibration = groups
            .par_iter()
            .map(|g| calibration(&g.curve, low, high, CALIBRATION_BINS))
            .collect();
        let ece = calibration_of_curves(
            &groups.iter().map(|g| &g.curve).collect::<Vec<_>>(),
            (low, high),
            &CalibrationSettings::default(),
        );
        Self {
            roc,
            histograms,
            calibration,
            sweep_thresholds: linspace(low, high, SWEEP_POINTS),
            ece,
        }
    }
}

/// A dataset in the window: the [`Analysis`] (file, sorted rows, current grouping) plus what the
/// window derives from it. Dereferences to the analysis.
pub struct Workspace {
    /// The loaded, sorted, grouped data.
    pub analysis: Analysis,
    /// The current grouping's plot curves, for the current model.
    pub curves: Arc<PlotCurves>,
    /// Every model's plot curves under the current grouping, in order (compare mode overlays
    /// two of them); `curves` is the current model's.
    pub model_curves: Vec<Arc<PlotCurves>>,
    /// Every loaded attribute.
    pub attributes: Vec<AttributeInfo>,
    /// Smallest and largest score.
    pub score_range: (f64, f64),
    /// The current grouping as a session records it (quantile bins frozen to their edges),
    /// worked out with the grouping, off the UI thread; `None` until then for newly loaded data
    /// with quantile bins (freezing regroups every row, which the first frame does not need).
    pub frozen_grouping: Option<GroupingSpec>,
}

impl std::ops::Deref for Workspace {
    type Target = Analysis;

    fn deref(&self) -> &Analysis {
        &self.analysis
    }
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("path", &self.analysis.data.path)
            .field("groups", &self.analysis.index.len())
            .finish_non_exhaustive()
    }
}

/// A grouping's index and curves, for every model, ready to swap in.
pub struct Regrouped {
    /// The grouping.
    pub grouping: GroupingSpec,
    /// Every model's index, in order.
    pub indexes: Vec<Arc<GroupIndex>>,
    /// Every model's curves, in order.
    pub curves: Vec<Arc<PlotCurves>>,
    /// The grouping with quantile bins frozen ([`crate::session::freeze_grouping`]).
    pub frozen_grouping: GroupingSpec,
}

/// Whether a grouping cuts any attribute into quantile bins (whose edges depend on the data).
pub fn has_quantile_bins(grouping: &GroupingSpec) -> bool {
    grouping
        .attributes
        .iter()
        .any(|a| matches!(a.binning, Some(crate::engine::Binning::Quantiles { .. })))
}

impl Workspace {
    /// Loads a file and groups it (on a worker thread).
    pub fn load(
        path: &Path,
        roles: &ColumnRoles,
        grouping: &GroupingSpec,
        options: LoadOptions,
        progress: &dyn Progress,
    ) -> Result<Self, AnalysisError> {
        let analysis = Analysis::load(path, roles, grouping, options, progress)?;
        progress.stage("preparing plots");
        let score_range = analysis.sorted.score_range();
        let model_curves: Vec<Arc<PlotCurves>> = analysis
            .models
            .iter()
            .map(|m| Arc::new(PlotCurves::build(&m.index, m.sorted.score_range())))
            .collect();
        let curves = model_curves
            .get(analysis.current)
            .cloned()
            .unwrap_or_else(|| Arc::new(PlotCurves::build(&analysis.index, score_range)));
        let attributes = analysis
            .sorted
            .attributes()
            .iter()
            .map(|a| AttributeInfo {
                name: a.name.clone(),
                numeric: a.is_numeric(),
                levels: match &a.values {
                    AttributeValues::Categorical { levels, .. } => levels.clone(),
                    AttributeValues::Numeric { .. } => Vec::new(),
                },
            })
            .collect();
        // Without quantile bins there is nothing to freeze; with them, freezing checks the
        // edges by regrouping every row: the window does that after its first frame.
        let frozen_grouping =
            (!has_quantile_bins(&analysis.grouping)).then(|| analysis.grouping.clone());
        Ok(Self {
            analysis,
            curves,
            model_curves,
            attributes,
            score_range,
            frozen_grouping,
        })
    }

    /// Builds another grouping's index and curves for every model from its sorted rows (on a
    /// worker thread; the rows are assigned to groups once for all models).
    pub fn regroup(
        models: &[Arc<SortedDataset>],
        grouping: &GroupingSpec,
    ) -> Result<Regrouped, GroupingError> {
        let sorted: Vec<&SortedDataset> = models.iter().map(AsRef::as_ref).collect();
        let indexes = GroupIndex::build_models(&sorted, grouping)?;
        let curves = indexes
            .iter()
            .zip(&sorted)
            .map(|(index, sorted)| Arc::new(PlotCurves::build(index, sorted.score_range())))
            .collect();
        let frozen_grouping = match (sorted.first(), indexes.first()) {
            (Some(sorted), Some(index)) => crate::session::freeze_grouping(sorted, grouping, index),
            _ => grouping.clone(),
        };
        Ok(Regrouped {
            grouping: grouping.clone(),
            indexes: indexes.into_iter().map(Arc::new).collect(),
            curves,
            frozen_grouping,
        })
    }

    /// Swaps in a finished regrouping.
    pub fn apply(&mut self, regrouped: Regrouped) {
        self.analysis.grouping = regrouped.grouping;
        for (model, index) in self.analysis.models.iter_mut().zip(regrouped.indexes) {
            model.index = index;
        }
        self.model_curves = regrouped.curves;
        self.frozen_grouping = Some(regrouped.frozen_grouping);
        self.select_model(self.analysis.current);
    }

    /// The grouping a session records: frozen when known, else the grouping itself (the same
    /// unless quantile bins are still being frozen).
    pub fn recorded_grouping(&self) -> GroupingSpec {
        self.frozen_grouping
            .clone()
            .unwrap_or_else(|| self.analysis.grouping.clone())
    }

    /// Makes model `model` the current one: its sorted rows, index, curves and score range
    /// (false, and nothing changes, when there is no such model).
    pub fn select_model(&mut self, model: usize) -> bool {
        if !self.analysis.select_model(model) {
            return false;
        }
        if let Some(curves) = self.model_curves.get(model) {
            self.curves = Arc::clone(curves);
        }
        self.score_range = self.analysis.sorted.score_range();
        true
    }

    /// The threshold groups start at.
    pub fn default_threshold(&self) -> f64 {
        default_threshold(self.score_range)
    }

    /// The file name, for titles.
    pub fn file_name(&self) -> String {
        self.analysis
            .data
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}
