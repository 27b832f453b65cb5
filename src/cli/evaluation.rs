//! `optimize --holdout F` and `--evaluate-on FILE`: thresholds chosen on some rows and judged on
//! rows they were not chosen on, side by side, so a number that is signed holds beyond the rows
//! it was tuned on.

use std::fmt::Write as _;

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use super::args::OptimizeArgs;
use super::progress_bar::CliProgress;
use crate::analysis::Analysis;
use crate::data::{self, LoadOptions, LoadedData};
use crate::engine::intervals::Interval;
use crate::engine::split::holdout_mask;
use crate::engine::{
    Audit, AuditOptions, AuditUncertainty, Dataset, GroupedRows, Metric, ThresholdMap,
    UncertaintySettings, audit_uncertainty,
};
use crate::optimize::{OptimizeRequest, Solution};
use crate::report::audit_json::interval_json;
use crate::report::format::count;
use crate::report::{AuditSettings, audit_json, audit_table};
use crate::session::evaluate::{constraint_gap, constraint_gap_interval};

/// Rows kept apart from the fit, and where they come from.
pub(super) struct EvaluationRows {
    /// `holdout` or the file's path, as the JSON says.
    pub source: String,
    /// In words, for the table.
    pub description: String,
    /// The rows.
    pub dataset: Dataset,
}

/// The fit rows (loaded, sorted, grouped) and the evaluation rows, if any were asked for.
pub(super) fn fit_and_evaluation_rows(
    args: &OptimizeArgs,
) -> Result<(Analysis, Option<EvaluationRows>)> {
    if let Some(fraction) = args.holdout {
        let loaded = args.data.load()?;
        let spec = args.data.grouping()?;
        let mask = holdout_mask(&loaded.dataset, &spec, fraction, args.seed)
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
            args.seed
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
            dataset: evaluation,
        };
        return Ok((analysis?, Some(rows)));
    }
    let analysis = args.data.analysis()?;
    let Some(file) = &args.evaluate_on else {
        return Ok((analysis, None));
    };
    let progress = CliProgress::new();
    let loaded = data::load(
        file,
        &args.data.roles(),
        LoadOptions {
            drop_invalid: args.data.drop_invalid,
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
        dataset: loaded.dataset,
    };
    Ok((analysis, Some(rows)))
}

/// How the fitted thresholds do on the evaluation rows.
pub(super) struct Evaluation {
    /// Where the rows come from.
    pub rows: EvaluationRows,
    /// The audit of the evaluation rows at the fitted thresholds.
    pub audit: Audit,
    /// Attribute names, for the audit's outputs.
    pub attribute_names: Vec<String>,
    /// The objective there.
    pub objective: Option<f64>,
    /// Accuracy there.
    pub accuracy: Option<f64>,
    /// The constraint's gap there.
    pub gap: Option<f64>,
    /// Its interval at 95%.
    pub gap_interval: Option<Interval>,
    /// Intervals and tests of the evaluation audit.
    pub uncertainty: AuditUncertainty,
    /// Fit groups with no evaluation rows.
    pub absent: Vec<String>,
}

/// Audits the evaluation rows at the thresholds fitted on `fit`, grouped exactly as the fit rows
/// (quantile bins frozen to the fit rows' edges).
pub(super) fn evaluate(
    fit: &Analysis,
    rows: EvaluationRows,
    thresholds: &[f64],
    request: &OptimizeRequest,
) -> Result<Evaluation> {
    let grouping = crate::session::freeze_grouping(&fit.sorted, &fit.grouping, &fit.index);
    let grouped = GroupedRows::new(&rows.dataset, &grouping)
        .with_context(|| format!("the evaluation rows ({})", rows.description))?;
    let keys = grouped.keys();
    let unfitted: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| fit.index.position(k).is_none())
        .collect();
    if !unfitted.is_empty() {
        bail!(
            "the evaluation rows ({}) have groups the fit rows lack, so no threshold was chosen for them: {}",
            rows.description,
            unfitted.join(", ")
        );
    }
    let resolved = ThresholdMap::from_resolved(&fit.index, thresholds).resolve_keys(&keys)?;
    let options = AuditOptions {
        rule: request.rule,
        ..AuditOptions::default()
    };
    let audit = grouped.audit(&resolved, &options)?;
    let absent = fit
        .index
        .groups()
        .iter()
        .filter(|g| !keys.contains(&g.key.as_str()))
        .map(|g| g.key.clone())
        .collect();
    let attribute_names = grouped.attribute_names().to_vec();
    let uncertainty = audit_uncertainty(&audit, &UncertaintySettings::default());
    Ok(Evaluation {
        gap_interval: constraint_gap_interval(&uncertainty, request.constraint),
        uncertainty,
        objective: request.objective.value_of(&audit.overall.counts),
        accuracy: audit.overall.values.get(Metric::Accuracy),
        gap: constraint_gap(&audit, request.constraint),
        audit,
        attribute_names,
        rows,
        absent,
    })
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

/// Fit beside evaluation, then the evaluation rows' audit table.
pub(super) fn evaluation_table(
    request: &OptimizeRequest,
    solution: &Solution,
    fit_rows: usize,
    evaluation: &Evaluation,
) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "\nFit and evaluation (thresholds chosen on the fit rows only; evaluation: {}):",
        evaluation.rows.description
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
        evaluation.rows.dataset.len(),
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
        write!(evaluation_line, "   gap 95% interval [{low:.4}, {high:.4}]").ok();
    }
    writeln!(out, "{evaluation_line}").ok();
    if !evaluation.absent.is_empty() {
        writeln!(
            out,
            "note: fit groups with no evaluation rows: {}",
            evaluation.absent.join(", ")
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

/// The `fit` and `evaluation` objects of the optimize JSON.
pub(super) fn evaluation_json(
    solution: &Solution,
    fit_rows: usize,
    evaluation: &Evaluation,
    settings: &AuditSettings,
) -> (Value, Value) {
    let audit = audit_json(
        &evaluation.audit,
        &evaluation.attribute_names,
        settings,
        Some(&evaluation.uncertainty),
    );
    let fit = json!({
        "rows": fit_rows,
        "objective": solution.objective,
        "accuracy": solution.accuracy,
        "gap": solution.gap,
    });
    let evaluation = json!({
        "source": evaluation.rows.source,
        "description": evaluation.rows.description,
        "rows": evaluation.rows.dataset.len(),
        "objective": evaluation.objective,
        "accuracy": evaluation.accuracy,
        "gap": evaluation.gap,
        "gap_interval": interval_json(evaluation.gap_interval),
        "absent_groups": evaluation.absent,
        "groups": audit["groups"],
        "overall": audit["overall"],
        "summary": audit["summary"],
        "summary_intervals": audit["summary_intervals"],
    });
    (fit, evaluation)
}
