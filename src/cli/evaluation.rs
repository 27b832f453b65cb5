//! `--holdout F` and `--evaluate-on FILE` (`optimize`, `frontier`): thresholds chosen on some
//! rows and judged on rows they were not chosen on, side by side, so a number that is signed
//! holds beyond the rows it was tuned on.

use std::fmt::Write as _;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use super::args::{DataArgs, SplitArgs};
use super::progress_bar::CliProgress;
use crate::analysis::Analysis;
use crate::data::{self, LoadOptions, LoadedData};
use crate::engine::intervals::Interval;
use crate::engine::split::holdout_mask;
use crate::engine::{
    Audit, AuditOptions, AuditUncertainty, DecisionRule, GroupIndex, Metric, SortedDataset,
    UncertaintySettings, audit, audit_uncertainty,
};
use crate::optimize::{Constraint, Objective, OptimizeRequest, Solution};
use crate::report::audit_json::interval_json;
use crate::report::format::count;
use crate::report::{AuditSettings, audit_json, audit_table};

/// Rows kept apart from the fit, and where they come from.
pub(super) struct EvaluationRows {
    /// `holdout` or the file's path, as the JSON says.
    pub source: String,
    /// In words, for the table.
    pub description: String,
    /// The held-out fraction and the split's seed, with `--holdout`.
    pub holdout: Option<(f64, u64)>,
    /// The rows.
    pub dataset: crate::engine::Dataset,
}

/// The fit rows (loaded, sorted, grouped) and the evaluation rows, if any were asked for.
pub(super) fn fit_and_evaluation_rows(
    data: &DataArgs,
    split: &SplitArgs,
) -> Result<(Analysis, Option<EvaluationRows>)> {
    if let Some(fraction) = split.holdout {
        let loaded = data.load()?;
        // Quantile bins are cut on every row, as a session's split and the window's are, so the
        // fit rows' groups (and the thresholds' keys) are the same whichever tool split them.
        let spec = bins_on_every_row(&loaded, data.grouping()?)?;
        let mask = holdout_mask(&loaded.dataset, &spec, fraction, split.seed)
            .with_context(|| loaded.path.display().to_string())?;
        let (fit, evaluation) = loaded.dataset.partition(&mask).with_context(|| {
            format!(
                "--holdout {fraction}: {} has too few rows to split",
                loaded.path.display()
            )
        })?;
        let description = format!(
            "{:.0}% of the rows held out at random (stratified by group and label, seed {})",
            100.0 * fraction,
            split.seed
        );
        let fit_rows = LoadedData {
            dataset: fit,
            ..loaded
        };
        let progress = CliProgress::new();
        let analysis = Analysis::from_loaded(fit_rows, &spec, &progress);
        progress.finish();
        let rows = EvaluationRows {
            source: "holdout".to_owned(),
            description,
            holdout: Some((fraction, split.seed)),
            dataset: evaluation,
        };
        return Ok((analysis?, Some(rows)));
    }
    let analysis = data.analysis()?;
    let Some(file) = &split.evaluate_on else {
        return Ok((analysis, None));
    };
    let progress = CliProgress::new();
    let loaded = data::load(
        file,
        &data.roles()?,
        LoadOptions {
            drop_invalid: data.drop_invalid,
        },
        &progress,
    );
    progress.finish();
    let loaded = loaded?;
    for warning in &loaded.warnings {
        eprintln!("warning: {}: {warning}", file.display());
    }
    if loaded.positive_label != analysis.data.positive_label {
        bail!(
            "{}: the positive label is `{}` here but `{}` in {}; pass --positive to name it",
            file.display(),
            loaded.positive_label,
            analysis.data.positive_label,
            analysis.data.path.display()
        );
    }
    let rows = EvaluationRows {
        source: file.display().to_string(),
        description: format!("the rows of {}", file.display()),
        holdout: None,
        dataset: loaded.dataset,
    };
    Ok((analysis, Some(rows)))
}

/// `spec` with quantile bins replaced by the edges they have on every loaded row.
fn bins_on_every_row(
    loaded: &LoadedData,
    spec: crate::engine::GroupingSpec,
) -> Result<crate::engine::GroupingSpec> {
    let quantiles = spec
        .attributes
        .iter()
        .any(|a| matches!(a.binning, Some(crate::engine::Binning::Quantiles { .. })));
    if !quantiles {
        return Ok(spec);
    }
    let sorted = SortedDataset::new(loaded.dataset.clone());
    let index =
        GroupIndex::build(&sorted, &spec).with_context(|| loaded.path.display().to_string())?;
    Ok(crate::session::freeze_grouping(&sorted, &spec, &index))
}

/// Where evaluation rows come from, as [`EvaluationIndex`] records it.
struct Protocol {
    source: String,
    description: String,
    holdout: Option<(f64, u64)>,
}

/// The evaluation rows sorted and grouped exactly as the fit rows (quantile bins frozen to the
/// fit rows' edges), once, so any thresholds fitted on the fit rows are audited on them with a
/// binary search per group — one frontier point or a hundred.
pub(super) struct EvaluationIndex {
    /// `holdout` or the file's path.
    pub source: String,
    /// In words.
    pub description: String,
    /// The held-out fraction and seed, with `--holdout`.
    pub holdout: Option<(f64, u64)>,
    /// How many rows.
    pub rows: usize,
    /// The rows' groups.
    index: GroupIndex,
    /// For each evaluation group, its position among the fit groups.
    fit_position: Vec<usize>,
    /// Fit groups with no evaluation rows.
    pub absent: Vec<String>,
    /// Each evaluation group's expected calibration error (default bins), computed once.
    calibration: crate::engine::calibration::GroupCalibration,
}

impl EvaluationIndex {
    /// Groups `rows` as `fit` is grouped, over the scores of `fit`'s current model; refuses
    /// evaluation groups the fit rows lack (no threshold was chosen for them).
    pub fn new(fit: &Analysis, rows: EvaluationRows) -> Result<Self> {
        let mut models = Self::of_models(fit, rows, Some(fit.current))?;
        match models.pop() {
            Some(index) => Ok(index),
            None => bail!(
                "the evaluation rows lack the scores of model {}",
                fit.current + 1
            ),
        }
    }

    /// [`Self::new`] for every model of the rows, in the models' order (`--choose-model`
    /// judges each model's optimum on the evaluation rows).
    pub fn for_models(fit: &Analysis, rows: EvaluationRows) -> Result<Vec<Self>> {
        Self::of_models(fit, rows, None)
    }

    /// Every model's index, or only model `only`'s (sorting and grouping the others' rows would
    /// be wasted).
    fn of_models(fit: &Analysis, rows: EvaluationRows, only: Option<usize>) -> Result<Vec<Self>> {
        let grouping = crate::session::freeze_grouping(&fit.sorted, &fit.grouping, &fit.index);
        let count = rows.dataset.len();
        let EvaluationRows {
            source,
            description,
            holdout,
            dataset,
        } = rows;
        let protocol = Protocol {
            source,
            description,
            holdout,
        };
        let models = match only {
            Some(model) => SortedDataset::model(dataset, model).into_iter().collect(),
            None => SortedDataset::models(dataset),
        };
        models
            .iter()
            .map(|sorted| Self::grouped(fit, &grouping, sorted, &protocol, count))
            .collect()
    }

    /// One model's sorted evaluation rows grouped by the fit rows' frozen `grouping`.
    fn grouped(
        fit: &Analysis,
        grouping: &crate::engine::GroupingSpec,
        sorted: &SortedDataset,
        rows: &Protocol,
        count: usize,
    ) -> Result<Self> {
        let index = GroupIndex::build(sorted, grouping)
            .with_context(|| format!("the evaluation rows ({})", rows.description))?;
        let mut fit_position = Vec::with_capacity(index.len());
        let mut unfitted = Vec::new();
        for group in index.groups() {
            match fit.index.position(&group.key) {
                Some(position) => fit_position.push(position),
                None => unfitted.push(group.key.as_str()),
            }
        }
        if !unfitted.is_empty() {
            bail!(
                "the evaluation rows ({}) have groups the fit rows lack, so no threshold was chosen for them: {}",
                rows.description,
                unfitted.join(", ")
            );
        }
        let absent = fit
            .index
            .groups()
            .iter()
            .filter(|g| index.position(&g.key).is_none())
            .map(|g| g.key.clone())
            .collect();
        let curves: Vec<_> = index.groups().iter().map(|g| &g.curve).collect();
        let calibration = crate::engine::calibration::calibration_of_curves(
            &curves,
            sorted.score_range(),
            &crate::engine::calibration::CalibrationSettings::default(),
        );
        Ok(Self {
            source: rows.source.clone(),
            description: rows.description.clone(),
            holdout: rows.holdout,
            rows: count,
            index,
            fit_position,
            absent,
            calibration,
        })
    }

    /// The audit of the evaluation rows at `thresholds` (one per fit group, in fit order).
    fn audit(&self, thresholds: &[f64], rule: DecisionRule) -> Result<Audit> {
        let resolved: Vec<f64> = self
            .fit_position
            .iter()
            .map(|&p| thresholds.get(p).copied().unwrap_or(f64::INFINITY))
            .collect();
        let options = AuditOptions {
            rule,
            ..AuditOptions::default()
        };
        Ok(audit(&self.index, &resolved, &options)?.with_calibration(self.calibration.clone()))
    }

    /// How `thresholds` do on the evaluation rows: the full audit with its intervals.
    pub fn evaluate(
        &self,
        thresholds: &[f64],
        request: &OptimizeRequest,
        settings: &UncertaintySettings,
    ) -> Result<Evaluation> {
        let audit = self.audit(thresholds, request.rule)?;
        let uncertainty = audit_uncertainty(&audit, settings);
        Ok(Evaluation {
            gap_interval: request.constraint.gap_interval_in(&uncertainty),
            uncertainty,
            objective: request.objective.value_of(&audit.overall.counts),
            accuracy: audit.overall.values.get(Metric::Accuracy),
            gap: request.constraint.gap_in(&audit),
            audit,
        })
    }

    /// The objective, accuracy, gap and gap interval of `thresholds` on the evaluation rows:
    /// what a frontier point is judged by.
    pub fn score(
        &self,
        thresholds: &[f64],
        constraint: Constraint,
        objective: Objective,
        rule: DecisionRule,
        settings: &UncertaintySettings,
    ) -> Result<Evaluation> {
        let request = OptimizeRequest {
            constraint,
            objective,
            rule,
            ..OptimizeRequest::default()
        };
        self.evaluate(thresholds, &request, settings)
    }

    /// The evaluation rows' attribute names (those of the fit rows).
    pub fn attribute_names(&self) -> &[String] {
        self.index.attribute_names()
    }
}

/// How the fitted thresholds do on the evaluation rows.
#[derive(Clone)]
pub(super) struct Evaluation {
    /// The audit of the evaluation rows at the fitted thresholds.
    pub audit: Audit,
    /// The objective there.
    pub objective: Option<f64>,
    /// Accuracy there.
    pub accuracy: Option<f64>,
    /// The constraint's gap there.
    pub gap: Option<f64>,
    /// Its interval.
    pub gap_interval: Option<Interval>,
    /// Intervals and tests of the evaluation audit.
    pub uncertainty: AuditUncertainty,
}

impl Evaluation {
    /// The objective, accuracy, gap and gap interval as JSON: how a model's optimum, an envelope
    /// point or a frontier point did on the evaluation rows.
    pub fn numbers_json(&self) -> Value {
        json!({
            "objective": self.objective,
            "accuracy": self.accuracy,
            "gap": self.gap,
            "gap_interval": interval_json(self.gap_interval),
        })
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

/// Fit beside evaluation, then the evaluation rows' audit table.
pub(super) fn evaluation_table(
    request: &OptimizeRequest,
    solution: &Solution,
    fit_rows: usize,
    rows: &EvaluationIndex,
    evaluation: &Evaluation,
    confidence: f64,
) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "\nFit and evaluation (thresholds chosen on the fit rows only; evaluation: {}):",
        rows.description
    )
    .ok();
    let cost = !request.objective.is_maximized();
    writeln!(
        out,
        "              rows  accuracy       gap{}",
        if cost { "      cost" } else { "" }
    )
    .ok();
    let line = |name: &str,
                rows: usize,
                accuracy: Option<f64>,
                gap: Option<f64>,
                objective: Option<f64>| {
        format!(
            "{name:<10} {:>7} {:>9} {:>9}{}",
            count(rows as f64),
            number(accuracy),
            number(gap),
            if cost {
                format!(" {:>9}", number(objective))
            } else {
                String::new()
            }
        )
    };
    writeln!(
        out,
        "{}",
        line(
            "fit",
            fit_rows,
            Some(solution.accuracy),
            solution.gap,
            Some(solution.objective)
        )
    )
    .ok();
    let mut evaluation_line = line(
        "evaluation",
        rows.rows,
        evaluation.accuracy,
        evaluation.gap,
        evaluation.objective,
    );
    if request.constraint.has_gap()
        && let Some(gap) = evaluation.gap
        && gap > request.tolerance
    {
        write!(
            evaluation_line,
            "   gap above the tolerance {}",
            request.tolerance
        )
        .ok();
    }
    if let Some(Interval { low, high }) = evaluation.gap_interval {
        write!(
            evaluation_line,
            "   gap {} interval [{low:.4}, {high:.4}]",
            crate::report::format::percent_label(confidence)
        )
        .ok();
    }
    writeln!(out, "{evaluation_line}").ok();
    if !rows.absent.is_empty() {
        writeln!(
            out,
            "note: fit groups with no evaluation rows: {}",
            rows.absent.join(", ")
        )
        .ok();
    }
    writeln!(out, "\nThe evaluation rows at these thresholds:\n").ok();
    out.push_str(&audit_table(
        &evaluation.audit,
        Some(&evaluation.uncertainty),
    ));
    out
}

/// The `fit` and `evaluation` objects of the optimize JSON. `fit_audit` is the audit JSON of
/// the fit rows at the fitted thresholds (its groups become `fit.groups`).
pub(super) fn evaluation_json(
    solution: &Solution,
    fit_rows: usize,
    fit_audit: &Value,
    rows: &EvaluationIndex,
    evaluation: &Evaluation,
    settings: &AuditSettings,
) -> (Value, Value) {
    let audit = audit_json(
        &evaluation.audit,
        rows.attribute_names(),
        settings,
        Some(&evaluation.uncertainty),
    );
    let fit = json!({
        "rows": fit_rows,
        "objective": solution.objective,
        "accuracy": solution.accuracy,
        "gap": solution.gap,
        "groups": fit_audit["groups"],
    });
    let mut object = protocol_json(rows);
    let fields = json!({
        "rows": rows.rows,
        "objective": evaluation.objective,
        "accuracy": evaluation.accuracy,
        "gap": evaluation.gap,
        "gap_interval": interval_json(evaluation.gap_interval),
        "absent_groups": rows.absent,
        "groups": audit["groups"],
        "overall": audit["overall"],
        "summary": audit["summary"],
        "summary_intervals": audit["summary_intervals"],
    });
    if let (Some(object), Value::Object(fields)) = (object.as_object_mut(), fields) {
        object.extend(fields);
    }
    (fit, object)
}

/// Where the evaluation rows come from: `source`, `description`, and with `--holdout` the
/// `holdout_fraction` and `split_seed` (`null` otherwise).
pub(super) fn protocol_json(rows: &EvaluationIndex) -> Value {
    json!({
        "source": rows.source,
        "description": rows.description,
        "holdout_fraction": rows.holdout.map(|h| h.0),
        "split_seed": rows.holdout.map(|h| h.1),
    })
}
