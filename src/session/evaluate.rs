//! A session evaluated on data: which file it ran on, the decision and scenarios audited with
//! their criteria, and the accuracy–fairness frontier with the decision on it. Reports and
//! `fulcrum check` print this; the window can build it from its own index.

use std::path::{Path, PathBuf};

use super::context::{SingleThresholdAlternative, single_threshold_alternative};
use super::criteria::{Criterion, Measure, Outcome, SummaryName, overall_outcome};
use super::discovery::SessionDiscovery;
use super::drift::{DatasetComparison, compare_datasets};
use super::scenario::{KeyMatching, ScenarioComparison, compare_scenarios};
use super::{EvaluationSplit, Session, SessionError};
use crate::analysis::{Analysis, AnalysisError};
use crate::data::fingerprint::sha256_dataset;
use crate::engine::{Audit, GroupIndex, HELD_OUT_PART, Metric, SortedDataset, SplitRows};
use crate::optimize::{Constraint, Frontier, FrontierRequest, Objective, frontier};
use crate::progress::Progress;

/// Tolerances evaluated for a report's frontier: enough for a smooth curve, cheap to compute.
pub const REPORT_FRONTIER_POINTS: usize = 41;

/// The constraint a frontier is drawn for when no criterion suggests one.
pub const DEFAULT_FRONTIER_CONSTRAINT: Constraint = Constraint::DemographicParity;

/// Which data to evaluate a session on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataChoice {
    /// The file the session records; it must exist and be unchanged (else an error: a decision
    /// is only re-checked on the data it was made on, unless another file is named on purpose).
    Recorded,
    /// Another file (monitoring new data): evaluated whatever its fingerprint, which is reported.
    Other(PathBuf),
}

/// The data an evaluation ran on.
#[derive(Clone, Debug, PartialEq)]
pub struct EvaluatedData {
    /// The file as the session stores it, or as the user named it.
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Whether that is the SHA-256 the session records.
    pub matches_session: bool,
    /// Rows in the file.
    pub rows_read: usize,
    /// Rows dropped as invalid.
    pub rows_dropped: usize,
    /// The label value counted as positive.
    pub positive_label: String,
    /// Loader warnings.
    pub warnings: Vec<String>,
    /// The scores' rounding, when the score column records one (`score_rounded_3`).
    pub score_rounding: Option<crate::engine::ScoreRounding>,
}

/// A point of a frontier chart: a constraint gap and the overall accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GapAccuracy {
    /// The constraint's gap (x).
    pub gap: f64,
    /// Overall accuracy (y).
    pub accuracy: f64,
}

/// The accuracy–fairness frontier for one gap constraint, reduced to what a chart needs, with
/// the decision and the scenarios placed on it.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierSummary {
    /// The constraint whose gap is on the x axis.
    pub constraint: Constraint,
    /// Why this constraint (the criterion it comes from, or the default).
    pub chosen_because: String,
    /// Best deterministic per-group thresholds: achieved gap and accuracy, by tolerance.
    pub optimal: Vec<GapAccuracy>,
    /// One threshold for every group (the points not beaten on both axes).
    pub single_threshold: Vec<GapAccuracy>,
    /// Randomized optimum by tolerance: an upper bound for any thresholds.
    pub randomized: Vec<GapAccuracy>,
    /// The decision, from its audit (`None` when its gap or accuracy is undefined).
    pub decision: Option<GapAccuracy>,
    /// Each scenario with a defined point, from its audit.
    pub scenarios: Vec<(String, GapAccuracy)>,
}

impl FrontierSummary {
    /// Reduces an optimizer frontier (computed with the accuracy objective) and places the
    /// decision and scenarios on it from their audits.
    pub fn new(
        frontier: &Frontier,
        constraint: Constraint,
        chosen_because: String,
        comparison: &ScenarioComparison,
    ) -> Self {
        let optimal = frontier
            .points
            .iter()
            .filter_map(|p| {
                p.solution.gap.map(|gap| GapAccuracy {
                    gap,
                    accuracy: p.solution.accuracy,
                })
            })
            .collect();
        let single_threshold = frontier
            .single_threshold
            .iter()
            .filter_map(|p| {
                p.gap.map(|gap| GapAccuracy {
                    gap,
                    accuracy: p.accuracy,
                })
            })
            .collect();
        let randomized = frontier
            .randomized
            .iter()
            .map(|p| GapAccuracy {
                gap: p.tolerance,
                accuracy: p.objective,
            })
            .collect();
        let place = |audit: &Audit| {
            Some(GapAccuracy {
                gap: constraint.gap_in(audit)?,
                accuracy: audit.overall.values.get(Metric::Accuracy)?,
            })
        };
        Self {
            constraint,
            chosen_because,
            optimal,
            single_threshold,
            randomized,
            decision: place(&comparison.decision.audit),
            scenarios: comparison
                .scenarios
                .iter()
                .filter_map(|s| place(&s.audit).map(|p| (s.name.clone(), p)))
                .collect(),
        }
    }
}

/// The gap constraint a criterion is about, if any (`disparate_impact` → demographic parity).
pub fn constraint_of(criterion: &Criterion) -> Option<Constraint> {
    let of_metric = |metric: Metric| match metric {
        Metric::SelectionRate => Some(Constraint::DemographicParity),
        Metric::Tpr | Metric::Fnr => Some(Constraint::EqualOpportunity),
        Metric::Fpr | Metric::Tnr => Some(Constraint::FprParity),
        Metric::Accuracy => Some(Constraint::EqualAccuracy),
        _ => None,
    };
    match criterion.measure {
        Measure::Summary(summary) => Some(match summary {
            SummaryName::DemographicParityDifference
            | SummaryName::DemographicParityRatio
            | SummaryName::DisparateImpact => Constraint::DemographicParity,
            SummaryName::EqualOpportunityDifference | SummaryName::EqualOpportunityRatio => {
                Constraint::EqualOpportunity
            }
            SummaryName::EqualizedOddsDifference | SummaryName::EqualizedOddsRatio => {
                Constraint::EqualizedOdds
            }
            SummaryName::PredictiveParityDifference => return None,
        }),
        Measure::Difference(metric) | Measure::Ratio(metric) | Measure::Disparity(metric) => {
            of_metric(metric)
        }
        Measure::AccuracyDrop | Measure::MinGroupCount => None,
    }
}

/// The frontier's constraint for a session and why: the session's explicit choice, else the
/// first criterion about a gap, else [`DEFAULT_FRONTIER_CONSTRAINT`].
pub fn frontier_constraint(session: &Session) -> (Constraint, String) {
    if let Some(constraint) = session.frontier_constraint.filter(|c| c.has_gap()) {
        return (constraint, "set in the session".into());
    }
    session
        .criteria
        .iter()
        .find_map(|c| constraint_of(c).map(|constraint| (constraint, c)))
        .map_or_else(
            || {
                (
                    DEFAULT_FRONTIER_CONSTRAINT,
                    "the default: no criterion is about a gap".into(),
                )
            },
            |(constraint, criterion)| (constraint, format!("from the criterion “{criterion}”")),
        )
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvaluateOptions {
    /// Tolerances for the frontier; `None` skips it (`check` does not need it).
    pub frontier_points: Option<usize>,
    /// How strictly threshold keys must match the groups.
    pub matching: KeyMatching,
}

/// The rows a session's thresholds were chosen on, beside the rows its criteria are judged on
/// (the session's [`EvaluationSplit`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FitComparison {
    /// Where the evaluation rows come from.
    pub split: EvaluationSplit,
    /// Rows the thresholds were chosen on.
    pub fit_rows: u64,
    /// Rows the criteria are judged on.
    pub evaluation_rows: u64,
    /// The decision and scenarios audited on the fit rows (their criteria too, for comparison:
    /// the verdict is the evaluation rows').
    pub fit: ScenarioComparison,
}

/// A session evaluated on one dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionEvaluation {
    /// The data it ran on.
    pub data: EvaluatedData,
    /// The decision and scenarios, audited, with criteria: on the evaluation rows when the
    /// session has an evaluation split (then `split` holds the fit rows' numbers).
    pub comparison: ScenarioComparison,
    /// With an evaluation split, the fit rows' numbers; `None` when the criteria are judged on
    /// the rows the thresholds were chosen on (or on other data, with `check --data`).
    pub split: Option<FitComparison>,
    /// The frontier, when asked for and computable.
    pub frontier: Option<FrontierSummary>,
    /// Why there is no frontier, when there is none.
    pub frontier_note: Option<String>,
    /// One threshold for all beside the decision, when the session's context forbids thresholds
    /// that differ between groups (employment) and the decision's do.
    pub single_threshold: Option<SingleThresholdAlternative>,
    /// The data profile and proxies the report shows, when computed
    /// ([`Session::evaluate_for_report`], [`super::discovery::discover`]).
    pub discovery: Option<SessionDiscovery>,
}

impl SessionEvaluation {
    /// The decision's overall criteria outcome (pass when there are no criteria).
    pub fn outcome(&self) -> Outcome {
        overall_outcome(&self.comparison.decision.criteria)
    }
}

/// Evaluates `session` on the indexes of its models built from `data`, in the order of
/// [`Session::models`] (the window passes its own); the frontier and the single-threshold
/// alternative are the decision's model's.
pub fn evaluate_session(
    session: &Session,
    indexes: &[&GroupIndex],
    data: EvaluatedData,
    options: &EvaluateOptions,
    progress: &dyn Progress,
) -> Result<SessionEvaluation, SessionError> {
    let comparison = compare_scenarios(session, indexes, options.matching)?;
    let index = decision_index(session, indexes)?;
    let (frontier, frontier_note) = frontier_of(session, index, &comparison, options, progress);
    let single_threshold =
        single_threshold_alternative(session, &comparison.decision.resolved, index, index);
    Ok(SessionEvaluation {
        data,
        comparison,
        split: None,
        frontier,
        frontier_note,
        single_threshold,
        discovery: None,
    })
}

/// Evaluates `session` with its criteria judged on `held_out` and the fit rows' numbers beside
/// them; the frontier is the fit rows' (where thresholds are chosen). Evaluation groups absent
/// from the held-out rows are tolerated (a tiny group may have none there).
pub fn evaluate_split(
    session: &Session,
    rows: &SplitIndexes,
    data: EvaluatedData,
    options: &EvaluateOptions,
    progress: &dyn Progress,
) -> Result<SessionEvaluation, SessionError> {
    let fit_indexes: Vec<&GroupIndex> = rows.fit.iter().collect();
    let held_indexes: Vec<&GroupIndex> = rows.held_out.iter().collect();
    let fit = compare_scenarios(session, &fit_indexes, options.matching)?;
    let comparison = compare_scenarios(session, &held_indexes, KeyMatching::Lenient)?;
    let fit_index = decision_index(session, &fit_indexes)?;
    let held_index = decision_index(session, &held_indexes)?;
    let (frontier, frontier_note) = frontier_of(session, fit_index, &fit, options, progress);
    let rows_of = |index: &GroupIndex| index.groups().iter().map(|g| g.curve.rows()).sum();
    let single_threshold =
        single_threshold_alternative(session, &fit.decision.resolved, fit_index, held_index);
    Ok(SessionEvaluation {
        data,
        comparison,
        split: Some(FitComparison {
            split: rows.split.clone(),
            fit_rows: rows_of(fit_index),
            evaluation_rows: rows_of(held_index),
            fit,
        }),
        frontier,
        frontier_note,
        single_threshold,
        discovery: None,
    })
}

/// The index of the decision's model among `indexes` (the session's models' indexes in order;
/// a single index serves every model).
fn decision_index<'a>(
    session: &Session,
    indexes: &[&'a GroupIndex],
) -> Result<&'a GroupIndex, SessionError> {
    indexes
        .get(session.decision_model())
        .or(indexes.first())
        .copied()
        .ok_or_else(|| SessionError::Inconsistent {
            location: "roles".into(),
            message: "no data to evaluate the session on".into(),
        })
}

/// The fit and held-out rows of a session with an evaluation split, grouped as the session,
/// per model (in the order of [`Session::models`]): the same rows for every model.
#[derive(Clone, Debug)]
pub struct SplitIndexes {
    /// How they were split.
    pub split: EvaluationSplit,
    /// The rows the thresholds were chosen on, per model.
    pub fit: Vec<GroupIndex>,
    /// The rows the criteria are judged on, per model.
    pub held_out: Vec<GroupIndex>,
}

impl SplitIndexes {
    /// A held-out share of the rows of `sorted` (one sorted order per model of the whole data,
    /// grouped by the session's grouping). The rows held out depend on the rows' groups and
    /// labels, not on their scores, so every model holds out the same rows.
    pub fn holdout(
        sorted: &[&SortedDataset],
        grouping: &crate::engine::GroupingSpec,
        fraction: f64,
        seed: u64,
    ) -> Result<Self, crate::engine::GroupingError> {
        let mut fit = Vec::with_capacity(sorted.len());
        let mut held_out = Vec::with_capacity(sorted.len());
        for model in sorted {
            let (fit_rows, held_rows) = SplitRows::holdout(model, grouping, fraction, seed)?
                .fit_and_held_out(HELD_OUT_PART);
            fit.push(fit_rows);
            held_out.push(held_rows);
        }
        Ok(Self {
            split: EvaluationSplit::Holdout { fraction, seed },
            fit,
            held_out,
        })
    }

    /// Model `model`'s fit rows (the first model's when there is no such model).
    pub fn fit_of(&self, model: usize) -> Option<&GroupIndex> {
        self.fit.get(model).or(self.fit.first())
    }

    /// Model `model`'s held-out rows (the first model's when there is no such model).
    pub fn held_out_of(&self, model: usize) -> Option<&GroupIndex> {
        self.held_out.get(model).or(self.held_out.first())
    }
}

/// The session's frontier on `index` with the decision placed on it, or why there is none.
fn frontier_of(
    session: &Session,
    index: &GroupIndex,
    comparison: &ScenarioComparison,
    options: &EvaluateOptions,
    progress: &dyn Progress,
) -> (Option<FrontierSummary>, Option<String>) {
    match options.frontier_points {
        None => (None, Some("not computed".to_owned())),
        Some(points) => {
            let (constraint, because) = frontier_constraint(session);
            let request = FrontierRequest {
                constraint,
                objective: Objective::Accuracy,
                rule: session.rule,
                points,
            };
            match frontier(index, &request, progress) {
                Ok(frontier) => (
                    Some(FrontierSummary::new(
                        &frontier, constraint, because, comparison,
                    )),
                    None,
                ),
                Err(error) => (None, Some(error.to_string())),
            }
        }
    }
}

/// A session's data, loaded: the analysis and what the evaluation reports about the file.
#[derive(Debug)]
pub struct SessionData {
    /// The loaded, sorted, grouped data.
    pub analysis: Analysis,
    /// The file's identity.
    pub info: EvaluatedData,
}

impl Session {
    /// Loads the data to evaluate on: the recorded file (refused when missing or changed) or
    /// another one.
    pub fn load_data(
        &self,
        choice: &DataChoice,
        progress: &dyn Progress,
    ) -> Result<SessionData, SessionError> {
        let (path, shown, sha256) = match choice {
            DataChoice::Recorded => (
                self.verify_data()?,
                self.data.path.clone(),
                self.data.sha256.clone(),
            ),
            DataChoice::Other(path) => {
                let sha256 = sha256_dataset(path).map_err(|e| SessionError::DataUnreadable {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                (path.clone(), path.display().to_string(), sha256)
            }
        };
        let analysis = Analysis::load(
            &path,
            &self.roles,
            &self.grouping,
            self.load_options(),
            progress,
        )?;
        let info = EvaluatedData {
            path: shown,
            matches_session: sha256 == self.data.sha256,
            sha256,
            rows_read: analysis.data.rows_read,
            rows_dropped: analysis.data.rows_dropped,
            positive_label: analysis.data.positive_label.clone(),
            warnings: analysis.data.warnings.clone(),
            score_rounding: analysis.data.score_rounding,
        };
        Ok(SessionData { analysis, info })
    }

    /// Loads the data and evaluates the session on it; on another file than the recorded one,
    /// threshold keys naming absent groups are ignored with a warning. On the recorded data, a
    /// session with an evaluation split judges its criteria on the evaluation rows.
    pub fn evaluate(
        &self,
        choice: &DataChoice,
        frontier_points: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<SessionEvaluation, SessionError> {
        self.evaluate_rows(choice, frontier_points, true, progress)
    }

    /// [`Session::evaluate`]; with `use_split` false, every row of the data is judged even when
    /// the session records an evaluation split (drift compares whole populations).
    pub fn evaluate_rows(
        &self,
        choice: &DataChoice,
        frontier_points: Option<usize>,
        use_split: bool,
        progress: &dyn Progress,
    ) -> Result<SessionEvaluation, SessionError> {
        let data = self.load_data(choice, progress)?;
        self.evaluate_loaded(&data, frontier_points, use_split, progress)
    }

    /// What the sign-off report shows: [`Session::evaluate`] with the report's frontier, and the
    /// data profile and proxies of the same file ([`Session::discover`]) from the rows loaded
    /// once.
    pub fn evaluate_for_report(
        &self,
        choice: &DataChoice,
        progress: &dyn Progress,
    ) -> Result<SessionEvaluation, SessionError> {
        let data = self.load_data(choice, progress)?;
        let mut evaluation =
            self.evaluate_loaded(&data, Some(REPORT_FRONTIER_POINTS), true, progress)?;
        evaluation.discovery = Some(self.discover(&data.analysis, progress));
        Ok(evaluation)
    }

    /// [`Session::evaluate_rows`] on data already loaded.
    fn evaluate_loaded(
        &self,
        data: &SessionData,
        frontier_points: Option<usize>,
        use_split: bool,
        progress: &dyn Progress,
    ) -> Result<SessionEvaluation, SessionError> {
        let options = EvaluateOptions {
            frontier_points,
            matching: if data.info.matches_session {
                KeyMatching::Strict
            } else {
                KeyMatching::Lenient
            },
        };
        // The split applies to the data it was recorded on, however that file is named.
        let recorded = data.info.matches_session;
        match &self.evaluation {
            Some(split) if use_split && recorded => {
                let rows = self.split_indexes(split, &data.analysis, progress)?;
                evaluate_split(self, &rows, data.info.clone(), &options, progress)
            }
            _ => evaluate_session(
                self,
                &data.analysis.model_indexes(),
                data.info.clone(),
                &options,
                progress,
            ),
        }
    }

    /// The fit and evaluation rows of `split`: a held-out share of `recorded`, or `recorded`
    /// beside the evaluation file (which must be unchanged).
    pub fn split_indexes(
        &self,
        split: &EvaluationSplit,
        recorded: &Analysis,
        progress: &dyn Progress,
    ) -> Result<SplitIndexes, SessionError> {
        let grouping_error = |source| {
            SessionError::Analysis(AnalysisError::Grouping {
                path: recorded.data.path.display().to_string(),
                problem: source,
            })
        };
        match split {
            EvaluationSplit::Holdout { fraction, seed } => {
                let sorted: Vec<&SortedDataset> =
                    recorded.models.iter().map(|m| m.sorted.as_ref()).collect();
                SplitIndexes::holdout(&sorted, &self.grouping, *fraction, *seed)
                    .map_err(grouping_error)
            }
            EvaluationSplit::File { data } => {
                let path = self.resolve(&data.path);
                let actual = sha256_dataset(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        SessionError::DataMissing { path: path.clone() }
                    }
                    _ => SessionError::DataUnreadable {
                        path: path.clone(),
                        message: e.to_string(),
                    },
                })?;
                if actual != data.sha256 {
                    return Err(SessionError::EvaluationDataChanged {
                        path,
                        expected: data.sha256.clone(),
                        actual,
                    });
                }
                let held_out = Analysis::load(
                    &path,
                    &self.roles,
                    &self.grouping,
                    self.load_options(),
                    progress,
                )?;
                Ok(SplitIndexes {
                    split: split.clone(),
                    fit: recorded.models.iter().map(|m| (*m.index).clone()).collect(),
                    held_out: held_out.models.iter().map(|m| (*m.index).clone()).collect(),
                })
            }
        }
    }

    /// The decision's audit on the recorded data and on `other`, group by group (drift).
    pub fn compare_with_dataset(
        &self,
        other: &Path,
        progress: &dyn Progress,
    ) -> Result<DatasetComparison, SessionError> {
        let recorded = self.evaluate_rows(&DataChoice::Recorded, None, false, progress)?;
        let newer = self.evaluate(&DataChoice::Other(other.to_path_buf()), None, progress)?;
        Ok(compare_datasets(
            &recorded.comparison.decision.audit,
            &newer.comparison.decision.audit,
        ))
    }
}
