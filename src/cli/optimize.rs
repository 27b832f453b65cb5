//! `fulcrum optimize` and `fulcrum frontier`: flags in, printers out; the search itself is
//! [`crate::optimize`].

use std::fmt::Write as _;

use crate::engine::ScoreCurve;
use crate::engine::calibration::{CalibrationSettings, calibration_of_curves};
use anyhow::{Context as _, Result, bail};
use serde_json::{Map, Value, json};

use super::args::{
    FrontierArgs, FrontierFormat, ObjectiveArg, ObjectiveArgs, OptimizeArgs, SolutionFormat,
};
use super::evaluation::{Evaluation, EvaluationIndex};
use super::progress_bar::CliProgress;
use super::{EXIT_OK, write_stdout};
use crate::analysis::Analysis;
use crate::engine::intervals::Interval;
use crate::engine::thresholds::threshold_to_json;
use crate::engine::{
    Audit, AuditOptions, AuditUncertainty, GroupIndex, ScoreRounding, SplitRows, ThresholdMap,
    UncertaintySettings, audit, audit_uncertainty,
};
use crate::optimize::{
    Constraint, CrossValidation, DEFAULT_ROBUST_CANDIDATES, Frontier, FrontierRequest, Guarantee,
    Objective, OptimizeRequest, RobustSolution, Solution, cross_validated_frontier, frontier,
    optimize, robust_optimize,
};
use crate::optimize::{ModelChoice, ModelsFrontier, choose_among, choose_model, models_frontier};
use crate::report::audit_json::interval_json;
use crate::report::format::{count, count_json, percent_label};
use crate::report::markup::{csv_row, csv_text};
use crate::report::model_comparison::ModelLabel;
use crate::report::{AuditSettings, audit_json, audit_table};

impl ObjectiveArgs {
    /// The objective these flags name; costs need `--objective cost`.
    fn objective(&self) -> Result<Objective> {
        match self.objective {
            ObjectiveArg::Accuracy => {
                if self.fp_cost.is_some() || self.fn_cost.is_some() {
                    bail!("--fp-cost and --fn-cost need --objective cost");
                }
                Ok(Objective::Accuracy)
            }
            ObjectiveArg::Cost => Ok(Objective::Cost {
                fp_cost: self.fp_cost.unwrap_or(1.0),
                fn_cost: self.fn_cost.unwrap_or(1.0),
            }),
        }
    }
}

/// The tolerance a constraint needs: required by gap constraints, ignored (with a warning) by
/// the others.
fn tolerance_for(constraint: Constraint, tolerance: Option<f64>) -> Result<f64> {
    match (constraint.has_gap(), tolerance) {
        (true, Some(tolerance)) => Ok(tolerance),
        (true, None) => bail!(
            "--constraint {constraint} needs --tolerance E, the largest gap allowed (e.g. 0.02)"
        ),
        (false, Some(_)) => {
            eprintln!("warning: --tolerance is ignored with --constraint {constraint}");
            Ok(0.0)
        }
        (false, None) => Ok(0.0),
    }
}

pub(super) fn run_optimize(args: &OptimizeArgs) -> Result<u8> {
    let constraint: Constraint = args.constraint.into();
    let request = OptimizeRequest {
        constraint,
        tolerance: tolerance_for(constraint, args.tolerance)?,
        objective: args.objective.objective()?,
        capacity: args.capacity,
        rule: args.rule.into(),
    };
    if args.confidence.is_some() && !constraint.has_gap() {
        bail!(
            "--confidence chooses thresholds whose gap stays within --tolerance at the upper end \
             of its interval; --constraint {constraint} has no gap (use demographic_parity, \
             equal_opportunity, fpr_parity, equalized_odds or equal_accuracy)"
        );
    }
    if let Some(path) = &args.write_thresholds {
        let mut inputs = vec![args.data.file.as_path()];
        inputs.extend(args.split.evaluate_on.as_deref());
        crate::atomic::check_output(path, args.force, &inputs)?;
    }
    let models = args.data.model_columns()?;
    if models.len() > 1 && !args.choose_model {
        bail!(
            "{} models are mapped ({}): optimize finds one model's thresholds; add \
             --choose-model to choose the best model under the constraint, or give one --score",
            models.len(),
            model_names(&models)
        );
    }
    let (mut analysis, evaluation_rows) =
        super::evaluation::fit_and_evaluation_rows(&args.data, &args.split)?;
    let uncertainty = args.uncertainty();
    let progress = CliProgress::new();
    // With --confidence, each model's robust thresholds compete (the best whose gap interval
    // stays within the tolerance), not its exact optimum.
    let mut robust_by_model: Vec<Option<RobustSolution>> = Vec::new();
    let choice = if args.choose_model {
        let indexes: Vec<&GroupIndex> = analysis.models.iter().map(|m| m.index.as_ref()).collect();
        let choice = if args.confidence.is_some() {
            let mut candidates = Vec::with_capacity(indexes.len());
            for index in &indexes {
                let found = robust_optimize(
                    index,
                    &request,
                    &uncertainty,
                    DEFAULT_ROBUST_CANDIDATES,
                    &progress,
                );
                if matches!(found, Err(crate::optimize::OptimizeError::Cancelled)) {
                    progress.finish();
                    return Err(crate::optimize::OptimizeError::Cancelled.into());
                }
                robust_by_model.push(found.as_ref().ok().cloned());
                candidates.push(found.map(|robust| robust.solution));
            }
            choose_among(&request, candidates)
        } else {
            choose_model(&indexes, &request, &progress)
        };
        if choice.is_err() {
            progress.finish();
        }
        let choice = choice?;
        analysis.select_model(choice.chosen);
        Some(choice)
    } else {
        None
    };
    let found = match (&choice, args.confidence) {
        (Some(choice), _) => choice
            .solution()
            .cloned()
            .map(|solution| {
                let robust = robust_by_model.get(choice.chosen).cloned().flatten();
                (solution, robust)
            })
            .ok_or(crate::optimize::OptimizeError::NoGroups),
        (None, Some(_)) => robust_optimize(
            &analysis.index,
            &request,
            &uncertainty,
            DEFAULT_ROBUST_CANDIDATES,
            &progress,
        )
        .map(|robust| (robust.solution.clone(), Some(robust))),
        (None, None) => optimize(&analysis.index, &request, &progress).map(|s| (s, None)),
    };
    progress.finish();
    let (solution, robust) = found?;
    let thresholds = ThresholdMap::from_resolved(&analysis.index, &solution.thresholds);
    if let Some(path) = &args.write_thresholds {
        let mut text = serde_json::to_string_pretty(&thresholds.to_json())?;
        text.push('\n');
        crate::atomic::write_atomically(path, text.as_bytes())
            .with_context(|| format!("{}: cannot write the thresholds", path.display()))?;
        if let (Some(_), Some(model)) = (&choice, analysis.current_model()) {
            eprintln!(
                "wrote {}: the thresholds of model {} (apply them to column `{}`)",
                path.display(),
                crate::report::markup::terminal(&model.name),
                crate::report::markup::terminal(&model.score)
            );
        }
    }
    let options = AuditOptions {
        rule: request.rule,
        confidence: uncertainty.confidence,
        ..AuditOptions::default()
    };
    let curves: Vec<&ScoreCurve> = analysis.index.groups().iter().map(|g| &g.curve).collect();
    let result = audit(&analysis.index, &solution.thresholds, &options)?.with_calibration(
        calibration_of_curves(
            &curves,
            analysis.sorted.score_range(),
            &CalibrationSettings::default(),
        ),
    );
    let fit_uncertainty = audit_uncertainty(&result, &uncertainty);
    // With --choose-model, every model's optimum is judged on the evaluation rows too: the
    // model is chosen on the fit rows, and the evaluation shows whether the choice holds.
    let mut model_evaluations: Vec<Option<Evaluation>> = Vec::new();
    let evaluation = match (evaluation_rows, &choice) {
        (Some(rows), Some(choice)) => {
            let mut indexes = EvaluationIndex::for_models(&analysis, rows)?;
            for (index, candidate) in indexes.iter().zip(&choice.candidates) {
                model_evaluations.push(match candidate {
                    Ok(found) => Some(index.evaluate(&found.thresholds, &request, &uncertainty)?),
                    Err(_) => None,
                });
            }
            // The chosen model's optimum was judged with the others: its evaluation is that one.
            let chosen = model_evaluations.get(choice.chosen).cloned().flatten();
            match (chosen, choice.chosen < indexes.len()) {
                (Some(evaluation), true) => Some((indexes.swap_remove(choice.chosen), evaluation)),
                _ => bail!("the evaluation rows lack the chosen model's scores"),
            }
        }
        (Some(rows), None) => {
            let rows = EvaluationIndex::new(&analysis, rows)?;
            let evaluation = rows.evaluate(&solution.thresholds, &request, &uncertainty)?;
            Some((rows, evaluation))
        }
        (None, _) => None,
    };
    let fit_rows = analysis.sorted.len();
    let found = Found {
        request: &request,
        solution: &solution,
        robust: robust.as_ref(),
        result: &result,
        uncertainty: &fit_uncertainty,
        rounding: analysis.data.score_rounding,
    };
    let candidates = choice.as_ref().map(|choice| Candidates {
        choice,
        analysis: &analysis,
        evaluations: &model_evaluations,
        tolerance: request.constraint.has_gap().then_some(request.tolerance),
        robust: args.confidence,
    });
    let text = match args.format {
        SolutionFormat::Table => {
            let mut text = candidates
                .as_ref()
                .map(candidates_table)
                .unwrap_or_default();
            text.push_str(&solution_table(&found));
            if let Some((rows, evaluation)) = &evaluation {
                text.push_str(&super::evaluation::evaluation_table(
                    &request,
                    &solution,
                    fit_rows,
                    rows,
                    evaluation,
                    uncertainty.confidence,
                ));
            } else {
                text.push_str(SAME_ROWS_NOTE);
            }
            text
        }
        SolutionFormat::Json => {
            let settings = audit_settings(args, &analysis, thresholds);
            let mut json = solution_json(&found, &settings);
            if let (Some(candidates), Some(object)) = (&candidates, json.as_object_mut()) {
                object.insert(
                    "model".to_owned(),
                    json!(analysis.current_model().map(|m| m.name.clone())),
                );
                object.insert("models".to_owned(), candidates_json(candidates));
            }
            if let (Some((rows, evaluation)), Some(object)) = (&evaluation, json.as_object_mut()) {
                let (fit, evaluation) = super::evaluation::evaluation_json(
                    &solution,
                    fit_rows,
                    &json_of_fit(&found, &settings),
                    rows,
                    evaluation,
                    &settings,
                );
                object.insert("fit".to_owned(), fit);
                object.insert("evaluation".to_owned(), evaluation);
            }
            crate::report::format::json_document(json)
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// The models' names, for messages: `score, score_v2`.
fn model_names(models: &[crate::data::ModelColumn]) -> String {
    models
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every model's optimum under `--choose-model`, for the printers.
struct Candidates<'a> {
    choice: &'a ModelChoice,
    analysis: &'a Analysis,
    /// With evaluation rows, each model's optimum judged on them (`None` where it has none);
    /// empty without.
    evaluations: &'a [Option<Evaluation>],
    /// The constraint's tolerance, when it has a gap (evaluation gaps above it are marked).
    tolerance: Option<f64>,
    /// With `--confidence`: each model's robust thresholds competed, at this confidence.
    robust: Option<f64>,
}

/// The models compared by `--choose-model`, one line each, and which was chosen.
fn candidates_table(candidates: &Candidates<'_>) -> String {
    let Candidates {
        choice,
        analysis,
        evaluations,
        tolerance,
        robust,
    } = candidates;
    let how = robust.map_or_else(String::new, |confidence| {
        format!(
            " (robust: the gap's {} interval within the tolerance)",
            percent_label(confidence)
        )
    });
    let titles: Vec<String> = analysis
        .models
        .iter()
        .map(|m| {
            ModelLabel {
                name: &m.name,
                score: &m.score,
            }
            .title()
        })
        .collect();
    let width = titles
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let held_out = !evaluations.is_empty();
    let gap_text = |gap: Option<f64>| gap.map_or_else(|| "n/a".to_owned(), |g| format!("{g:.4}"));
    let mut out = String::new();
    if held_out {
        writeln!(
            out,
            "Models, each optimized on the fit rows under the same constraint{how}, then judged \
             on the evaluation rows:"
        )
        .ok();
        writeln!(
            out,
            "  {:<width$}  {:>9}  {:>7}  {:>9}  {:>14}  {:>8}",
            "model", "objective", "gap", "selected", "eval objective", "eval gap"
        )
        .ok();
    } else {
        writeln!(
            out,
            "Models, each optimized under the same constraint{how}:"
        )
        .ok();
        writeln!(
            out,
            "  {:<width$}  {:>9}  {:>7}  {:>9}",
            "model", "objective", "gap", "selected"
        )
        .ok();
    }
    for (position, (title, candidate)) in titles.iter().zip(&choice.candidates).enumerate() {
        let mark = if position == choice.chosen {
            "  ← chosen"
        } else {
            ""
        };
        let evaluated = match evaluations.get(position) {
            Some(Some(evaluation)) => {
                let above = matches!((evaluation.gap, tolerance), (Some(gap), Some(t)) if gap > *t);
                format!(
                    "  {:>14}  {:>8}{}",
                    evaluation
                        .objective
                        .map_or_else(|| "n/a".to_owned(), |o| format!("{o:.4}")),
                    gap_text(evaluation.gap),
                    if above { "!" } else { " " }
                )
            }
            _ => String::new(),
        };
        match candidate {
            Ok(solution) => writeln!(
                out,
                "  {title:<width$}  {:>9.4}  {:>7}  {:>9}{evaluated}{mark}",
                solution.objective,
                gap_text(solution.gap),
                count(solution.selected)
            ),
            Err(problem) => writeln!(out, "  {title:<width$}  {problem}"),
        }
        .ok();
    }
    if held_out {
        writeln!(
            out,
            "  (the model is chosen on the fit rows; a different ranking on the evaluation rows \
             means the choice does not hold beyond them)"
        )
        .ok();
        if let Some(tolerance) = tolerance {
            writeln!(
                out,
                "  !: the gap on the evaluation rows is above the tolerance {tolerance}"
            )
            .ok();
        }
    }
    out.push('\n');
    out
}

/// The JSON `models` of `--choose-model`: per model its name, score column, whether thresholds
/// meet the constraint, and its optimum's objective, accuracy, gap, selected weight and
/// thresholds (or the problem), and whether it was chosen.
fn candidates_json(candidates: &Candidates<'_>) -> Value {
    let Candidates {
        choice,
        analysis,
        evaluations,
        ..
    } = candidates;
    let entries: Vec<Value> = analysis
        .models
        .iter()
        .zip(&choice.candidates)
        .enumerate()
        .map(|(position, (model, candidate))| match candidate {
            Ok(solution) => {
                let mut entry = json!({
                    "name": model.name,
                    "score": model.score,
                    "feasible": true,
                    "chosen": position == choice.chosen,
                    "objective": solution.objective,
                    "accuracy": solution.accuracy,
                    "gap": solution.gap,
                    "selected": count_json(solution.selected),
                    "thresholds": thresholds_by_key(&model.index, &solution.thresholds),
                });
                if let (Some(Some(evaluation)), Some(object)) =
                    (evaluations.get(position), entry.as_object_mut())
                {
                    object.insert("evaluation".to_owned(), evaluation.numbers_json());
                }
                entry
            }
            Err(problem) => json!({
                "name": model.name,
                "score": model.score,
                "feasible": false,
                "chosen": false,
                "problem": problem.to_string(),
            }),
        })
        .collect();
    Value::Array(entries)
}

/// Said under an optimization judged only on the rows it was fitted on.
const SAME_ROWS_NOTE: &str = "\nNote: these numbers are measured on the rows the thresholds were \
    chosen on, which flatters them; --holdout F or --evaluate-on FILE reports them on other rows.\n";

/// What `optimize` found, for its printers.
struct Found<'a> {
    request: &'a OptimizeRequest,
    solution: &'a Solution,
    robust: Option<&'a RobustSolution>,
    result: &'a Audit,
    uncertainty: &'a AuditUncertainty,
    /// The scores' rounding, when the score column records one.
    rounding: Option<ScoreRounding>,
}

pub(super) fn run_frontier(args: &FrontierArgs) -> Result<u8> {
    let constraint: Constraint = args.constraint.into();
    if !constraint.has_gap() {
        bail!(
            "--constraint {constraint}: a frontier varies the tolerance of a gap constraint \
             (demographic_parity, equal_opportunity, fpr_parity, equalized_odds, equal_accuracy)"
        );
    }
    let request = FrontierRequest {
        constraint,
        objective: args.objective.objective()?,
        rule: args.rule.into(),
        points: args.points,
    };
    if args.data.model_columns()?.len() > 1 {
        return run_models_frontier(args, &request);
    }
    let (analysis, evaluation_rows) =
        super::evaluation::fit_and_evaluation_rows(&args.data, &args.split)?;
    let progress = CliProgress::new();
    let result = frontier(&analysis.index, &request, &progress);
    progress.finish();
    let result = result?;
    let settings = UncertaintySettings {
        confidence: args.confidence,
        ..UncertaintySettings::default()
    };
    let evaluation = match evaluation_rows {
        Some(rows) => {
            let rows = EvaluationIndex::new(&analysis, rows)?;
            let scored = result
                .points
                .iter()
                .map(|p| {
                    rows.score(
                        &p.solution.thresholds,
                        constraint,
                        request.objective,
                        request.rule,
                        &settings,
                    )
                })
                .collect::<Result<Vec<Evaluation>>>()?;
            Some((rows, scored))
        }
        None => None,
    };
    let cross_validation = match args.folds {
        Some(folds) => {
            let folded =
                SplitRows::folds(&analysis.sorted, &analysis.grouping, folds, args.split.seed)
                    .with_context(|| analysis.data.path.display().to_string())?;
            let tolerances: Vec<f64> = result.points.iter().map(|p| p.tolerance).collect();
            let progress = CliProgress::new();
            let cross = cross_validated_frontier(
                &folded,
                &request,
                &tolerances,
                args.confidence,
                &progress,
            );
            progress.finish();
            Some(cross?)
        }
        None => None,
    };
    let held_out = HeldOut {
        evaluation: evaluation
            .as_ref()
            .map(|(rows, scored)| (rows, scored.as_slice())),
        cross_validation: cross_validation.as_ref(),
        seed: args.split.seed,
    };
    let rounding = analysis.data.score_rounding;
    let text = match args.format {
        FrontierFormat::Csv => {
            // The CSV is one table; the note goes beside it.
            if let Some(rounding) = rounding {
                eprintln!("note: {}", rounding.note());
            }
            frontier_csv(&analysis.index, &result, &held_out)
        }
        FrontierFormat::Json => {
            let mut json = frontier_json(&analysis.index, &request, &result, &held_out);
            if let Some(object) = json.as_object_mut() {
                object.insert(
                    "score_rounding".to_owned(),
                    crate::report::score_rounding_json(rounding),
                );
            }
            crate::report::format::json_document(json)
        }
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// `fulcrum frontier` with several models: every model's frontier on one grid of tolerances
/// and the envelope (the best model and its thresholds at each tolerance).
fn run_models_frontier(args: &FrontierArgs, request: &FrontierRequest) -> Result<u8> {
    let (analysis, evaluation_rows) =
        super::evaluation::fit_and_evaluation_rows(&args.data, &args.split)?;
    let indexes: Vec<&GroupIndex> = analysis.models.iter().map(|m| m.index.as_ref()).collect();
    let progress = CliProgress::new();
    let result = models_frontier(&indexes, request, &progress);
    progress.finish();
    let result = result?;
    // With evaluation rows, every model's frontier points (fitted on the fit rows) are judged
    // on that model's scores of the evaluation rows.
    let settings = UncertaintySettings {
        confidence: args.confidence,
        ..UncertaintySettings::default()
    };
    let evaluations: Vec<(EvaluationIndex, Vec<Evaluation>)> = match evaluation_rows {
        Some(rows) => EvaluationIndex::for_models(&analysis, rows)?
            .into_iter()
            .zip(&result.frontiers)
            .map(|(rows, frontier)| {
                let scored = frontier
                    .points
                    .iter()
                    .map(|p| {
                        rows.score(
                            &p.solution.thresholds,
                            request.constraint,
                            request.objective,
                            request.rule,
                            &settings,
                        )
                    })
                    .collect::<Result<Vec<Evaluation>>>()?;
                Ok((rows, scored))
            })
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    // With --folds, every model is cross-validated at the shared tolerances on the same folds:
    // a row's fold depends on its group, label and id, not on any model's scores.
    let cross_validations: Vec<CrossValidation> = match args.folds {
        Some(folds) => analysis
            .models
            .iter()
            .map(|model| {
                let folded =
                    SplitRows::folds(&model.sorted, &analysis.grouping, folds, args.split.seed)
                        .with_context(|| analysis.data.path.display().to_string())?;
                let progress = CliProgress::new();
                let cross = cross_validated_frontier(
                    &folded,
                    request,
                    &result.tolerances,
                    args.confidence,
                    &progress,
                );
                progress.finish();
                Ok(cross?)
            })
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    let held_out = |model: usize| HeldOut {
        evaluation: evaluations
            .get(model)
            .map(|(rows, scored)| (rows, scored.as_slice())),
        cross_validation: cross_validations.get(model),
        seed: args.split.seed,
    };
    let text = match args.format {
        FrontierFormat::Csv => models_frontier_csv(&analysis, &result, &held_out),
        FrontierFormat::Json => crate::report::format::json_document(models_frontier_json(
            &analysis, request, &result, &held_out,
        )),
    };
    write_stdout(&text)?;
    Ok(EXIT_OK)
}

/// The JSON of a frontier across models: the request, then per model its name, score column
/// and frontier (as `frontier --score COLUMN` prints it, at the common tolerances, with its
/// `evaluation` when `held_out(model)` has evaluation rows), then the envelope (each point with
/// its numbers on the evaluation rows, then).
fn models_frontier_json<'a>(
    analysis: &Analysis,
    request: &FrontierRequest,
    result: &ModelsFrontier,
    held_out: &dyn Fn(usize) -> HeldOut<'a>,
) -> Value {
    let (kind, fp_cost, fn_cost) = objective_json(request.objective);
    let models: Vec<Value> = analysis
        .models
        .iter()
        .zip(&result.frontiers)
        .enumerate()
        .map(|(position, (model, frontier))| {
            let alone = frontier_json(&model.index, request, frontier, &held_out(position));
            let mut entry = Map::new();
            entry.insert("name".to_owned(), json!(model.name));
            entry.insert("score".to_owned(), json!(model.score));
            for key in [
                "unconstrained_gap",
                "points",
                "single_threshold",
                "randomized",
                "evaluation",
                "cross_validation",
                "cross_validated",
            ] {
                if let Some(value) = alone.get(key) {
                    entry.insert(key.to_owned(), value.clone());
                }
            }
            Value::Object(entry)
        })
        .collect();
    let envelope: Vec<Value> = result
        .envelope
        .iter()
        .filter_map(|point| {
            let model = analysis.models.get(point.model)?;
            let mut entry = json!({
                "tolerance": point.tolerance,
                "objective": point.solution.objective,
                "accuracy": point.solution.accuracy,
                "gap": point.solution.gap,
                "selected": count_json(point.solution.selected),
                "model": model.name,
                "score": model.score,
                "thresholds": thresholds_by_key(&model.index, &point.solution.thresholds),
            });
            // The envelope point is its model's optimum at this tolerance: its evaluation is
            // that frontier point's.
            let evaluated = held_out(point.model).evaluation.and_then(|(_, scored)| {
                let frontier = result.frontiers.get(point.model)?;
                let at = frontier
                    .points
                    .iter()
                    .position(|p| p.tolerance == point.tolerance)?;
                scored.get(at)
            });
            if let (Some(evaluation), Some(object)) = (evaluated, entry.as_object_mut()) {
                object.insert("evaluation".to_owned(), evaluation.numbers_json());
            }
            Some(entry)
        })
        .collect();
    json!({
        "constraint": request.constraint.key(),
        "objective_kind": kind,
        "fp_cost": fp_cost,
        "fn_cost": fn_cost,
        "rule": request.rule.key(),
        "tolerances": result.tolerances,
        "models": models,
        "envelope": envelope,
    })
}

/// The CSV of a frontier across models: each model's rows as `frontier --score COLUMN` writes
/// them with the model's name in a first column, then the envelope (`curve` = `envelope`, the
/// best model named in the first column).
fn models_frontier_csv<'a>(
    analysis: &Analysis,
    result: &ModelsFrontier,
    held_out: &dyn Fn(usize) -> HeldOut<'a>,
) -> String {
    let mut out = String::new();
    for (position, (model, frontier)) in analysis.models.iter().zip(&result.frontiers).enumerate() {
        let csv = frontier_csv(&model.index, frontier, &held_out(position));
        let mut lines = crate::report::markup::csv_records(&csv).into_iter();
        let header = lines.next().unwrap_or_default();
        if position == 0 {
            out.push_str(&format!("model,{header}\n"));
        }
        let name = csv_text(&model.name);
        for line in lines {
            out.push_str(&format!("{name},{line}\n"));
        }
    }
    // Envelope rows are as wide as the header: the curves' columns, and with evaluation rows
    // their four interval columns (left empty here).
    let first = held_out(0);
    let interval_columns = if first.evaluation.is_some() || first.cross_validation.is_some() {
        4
    } else {
        0
    };
    let width = 9 + analysis.index.len() + interval_columns;
    for point in &result.envelope {
        let Some(model) = analysis.models.get(point.model) else {
            continue;
        };
        let solution = &point.solution;
        let (guarantee, bound) = match solution.guarantee {
            Guarantee::Exact => ("exact", None),
            Guarantee::Bounded { bound } => ("bounded", Some(bound)),
        };
        let mut line = vec![
            csv_text(&model.name),
            "envelope".to_owned(),
            format!("{}", point.tolerance),
            format!("{}", solution.objective),
            format!("{}", solution.accuracy),
            csv_number(solution.gap),
            guarantee.to_owned(),
            csv_number(bound),
            String::new(),
        ];
        line.extend(solution.thresholds.iter().map(|&t| csv_threshold(t)));
        line.resize(width, String::new());
        out.push_str(&csv_row(&line));
    }
    out
}

/// What a frontier's thresholds do on rows they were not fitted on.
struct HeldOut<'a> {
    /// `--holdout`/`--evaluate-on`: every point's thresholds on the evaluation rows.
    evaluation: Option<(&'a EvaluationIndex, &'a [Evaluation])>,
    /// `--folds`.
    cross_validation: Option<&'a CrossValidation>,
    /// The split's seed.
    seed: u64,
}

fn audit_settings(
    args: &OptimizeArgs,
    analysis: &Analysis,
    thresholds: ThresholdMap,
) -> AuditSettings {
    AuditSettings {
        file: args.data.file.display().to_string(),
        score: analysis
            .current_model()
            .map_or_else(|| analysis.data.roles.score.clone(), |m| m.score.clone()),
        label: args.data.label.clone(),
        positive: analysis.data.positive_label.clone(),
        groups: analysis.index.attribute_names().to_vec(),
        bins: args.data.bins_by_column(),
        weight: args.data.weight.clone(),
        thresholds,
        rows_read: analysis.data.rows_read,
        rows_dropped: analysis.data.rows_dropped,
        score_rounding: analysis.data.score_rounding,
    }
}

/// What was asked, in words: "accuracy under demographic parity (…) ≤ 0.01".
fn request_summary(request: &OptimizeRequest) -> String {
    let objective = match request.objective {
        Objective::Accuracy => "maximizing accuracy".to_owned(),
        Objective::Cost { fp_cost, fn_cost } => {
            format!("minimizing cost (false positive {fp_cost}, false negative {fn_cost})")
        }
    };
    let constraint = if request.constraint.has_gap() {
        format!("{} ≤ {}", request.constraint.label(), request.tolerance)
    } else {
        request.constraint.label().to_owned()
    };
    let capacity = request
        .capacity
        .map(|c| format!(", selecting at most {c}"))
        .unwrap_or_default();
    format!(
        "{objective} under {constraint}{capacity} (selected iff score {} threshold)",
        request.rule.symbol()
    )
}

fn guarantee_text(solution: &Solution, objective: Objective) -> String {
    match solution.guarantee {
        Guarantee::Exact => {
            "exact: no thresholds meeting the constraints do better (every distinct score tried)"
                .to_owned()
        }
        Guarantee::Bounded { bound } => format!(
            "bounded: no thresholds meeting the constraints reach {} {bound:.6}; this solution \
             is within {:.6} of that",
            objective.key(),
            solution.shortfall()
        ),
    }
}

fn solution_table(found: &Found<'_>) -> String {
    let Found {
        request,
        solution,
        result,
        ..
    } = *found;
    let mut out = String::new();
    let total = result.overall.weight;
    writeln!(out, "Optimized thresholds, {}", request_summary(request)).ok();
    let objective = match request.objective {
        Objective::Accuracy => format!("accuracy {:.4}", solution.accuracy),
        Objective::Cost { .. } => format!(
            "cost {:.4} per unit of weight, accuracy {:.4}",
            solution.objective, solution.accuracy
        ),
    };
    let gap = solution
        .gap
        .map(|g| format!(", gap {g:.4}"))
        .unwrap_or_default();
    let gap_interval = request
        .constraint
        .gap_interval_in(found.uncertainty)
        .map(|i| {
            format!(
                " ({} interval [{:.4}, {:.4}])",
                percent_label(found.uncertainty.settings.confidence),
                i.low,
                i.high
            )
        })
        .unwrap_or_default();
    let share = if total > 0.0 {
        100.0 * solution.selected / total
    } else {
        0.0
    };
    writeln!(
        out,
        "Result: {objective}{gap}{gap_interval}, {} of {} selected ({share:.1}%)",
        count(solution.selected),
        count(total)
    )
    .ok();
    writeln!(
        out,
        "Guarantee: {}",
        guarantee_text(solution, request.objective)
    )
    .ok();
    if let Some(robust) = found.robust {
        writeln!(out, "Robust: {}", robust_text(robust, request.tolerance)).ok();
    }
    if let Some(rounding) = found.rounding {
        writeln!(out, "Rounding: {}", rounding.note()).ok();
    }
    out.push('\n');
    out.push_str(&audit_table(result, Some(found.uncertainty)));
    out
}

/// What `--confidence` guarantees, in words.
fn robust_text(robust: &RobustSolution, tolerance: f64) -> String {
    format!(
        "the gap's {} interval [{:.4}, {:.4}] ends within the tolerance {tolerance}. These are \
         the exact optimum at tolerance {:.4}, the best of {} candidates (exact optima at \
         tolerances from 0 to {tolerance}) whose interval passes — exact over those candidates, \
         not over every combination of thresholds; each interval holds for its own candidate.",
        percent_label(robust.confidence),
        robust.gap_interval.low,
        robust.gap_interval.high,
        robust.fitted_tolerance,
        robust.candidates
    )
}

fn guarantee_json(solution: &Solution) -> Value {
    match solution.guarantee {
        Guarantee::Exact => json!({"kind": "exact"}),
        Guarantee::Bounded { bound } => json!({
            "kind": "bounded",
            "bound": bound,
            "shortfall": solution.shortfall(),
        }),
    }
}

fn thresholds_by_key(index: &GroupIndex, thresholds: &[f64]) -> Value {
    let map: Map<String, Value> = index
        .groups()
        .iter()
        .zip(thresholds)
        .map(|(g, &t)| (g.key.clone(), threshold_to_json(t)))
        .collect();
    Value::Object(map)
}

fn objective_json(objective: Objective) -> (Value, Value, Value) {
    match objective {
        Objective::Accuracy => (json!("accuracy"), Value::Null, Value::Null),
        Objective::Cost { fp_cost, fn_cost } => (json!("cost"), json!(fp_cost), json!(fn_cost)),
    }
}

/// The audit JSON of the fit rows at the optimized thresholds.
fn json_of_fit(found: &Found<'_>, settings: &AuditSettings) -> Value {
    audit_json(
        found.result,
        &settings.groups,
        settings,
        Some(found.uncertainty),
    )
}

fn solution_json(found: &Found<'_>, settings: &AuditSettings) -> Value {
    let Found {
        request,
        solution,
        result,
        ..
    } = *found;
    let audit = json_of_fit(found, settings);
    let (kind, fp_cost, fn_cost) = objective_json(request.objective);
    let limit = request.capacity.map(|c| c.limit(result.overall.weight));
    let thresholds: Map<String, Value> = result
        .groups
        .iter()
        .zip(&solution.thresholds)
        .map(|(g, &t)| (g.key.clone(), threshold_to_json(t)))
        .collect();
    let robust = found.robust.map(|r| {
        json!({
            "confidence": r.confidence,
            "fitted_tolerance": r.fitted_tolerance,
            "gap_interval": interval_json(Some(r.gap_interval)),
            "candidates": r.candidates,
            "guarantee": "best of the candidates (exact optima at tolerances from 0 to the \
                          tolerance) whose gap interval ends within the tolerance",
        })
    });
    json!({
        "thresholds": thresholds,
        "objective": solution.objective,
        "objective_kind": kind,
        "fp_cost": fp_cost,
        "fn_cost": fn_cost,
        "accuracy": solution.accuracy,
        "gap": solution.gap,
        "gap_interval": interval_json(request.constraint.gap_interval_in(found.uncertainty)),
        "constraint": request.constraint.key(),
        "tolerance": request.constraint.has_gap().then_some(request.tolerance),
        "capacity": request.capacity.map(|c| c.to_string()),
        "capacity_limit": limit,
        "selected": count_json(solution.selected),
        "guarantee": guarantee_json(solution),
        "robust": robust,
        "rule": request.rule.key(),
        "groups": audit["groups"],
        "overall": audit["overall"],
        "summary": audit["summary"],
        "summary_intervals": audit["summary_intervals"],
        "settings": audit["settings"],
    })
}

fn frontier_json(
    index: &GroupIndex,
    request: &FrontierRequest,
    frontier: &Frontier,
    held_out: &HeldOut<'_>,
) -> Value {
    let (kind, fp_cost, fn_cost) = objective_json(request.objective);
    let points: Vec<Value> = frontier
        .points
        .iter()
        .map(|p| {
            json!({
                "tolerance": p.tolerance,
                "objective": p.solution.objective,
                "accuracy": p.solution.accuracy,
                "gap": p.solution.gap,
                "selected": count_json(p.solution.selected),
                "guarantee": guarantee_json(&p.solution),
                "thresholds": thresholds_by_key(index, &p.solution.thresholds),
            })
        })
        .collect();
    let single: Vec<Value> = frontier
        .single_threshold
        .iter()
        .map(|p| {
            json!({
                "threshold": threshold_to_json(p.threshold),
                "objective": p.objective,
                "accuracy": p.accuracy,
                "gap": p.gap,
            })
        })
        .collect();
    let randomized: Vec<Value> = frontier
        .randomized
        .iter()
        .map(|p| json!({"tolerance": p.tolerance, "objective": p.objective}))
        .collect();
    let mut json = json!({
        "constraint": request.constraint.key(),
        "objective_kind": kind,
        "fp_cost": fp_cost,
        "fn_cost": fn_cost,
        "rule": request.rule.key(),
        "unconstrained_gap": frontier.unconstrained_gap,
        "points": points,
        "single_threshold": single,
        "randomized": randomized,
    });
    let Some(object) = json.as_object_mut() else {
        return json;
    };
    if let Some((rows, scored)) = held_out.evaluation {
        let points: Vec<Value> = frontier
            .points
            .iter()
            .zip(scored)
            .map(|(p, e)| {
                json!({
                    "tolerance": p.tolerance,
                    "objective": e.objective,
                    "accuracy": e.accuracy,
                    "gap": e.gap,
                    "gap_interval": interval_json(e.gap_interval),
                })
            })
            .collect();
        let mut evaluation = super::evaluation::protocol_json(rows);
        if let Some(fields) = evaluation.as_object_mut() {
            fields.insert("rows".to_owned(), json!(rows.rows));
            fields.insert("absent_groups".to_owned(), json!(rows.absent));
            fields.insert("points".to_owned(), Value::Array(points));
        }
        object.insert("evaluation".to_owned(), evaluation);
    }
    if let Some(cross) = held_out.cross_validation {
        let points: Vec<Value> = cross
            .points
            .iter()
            .map(|p| {
                json!({
                    "tolerance": p.tolerance,
                    "folds": p.folds,
                    "objective": p.objective,
                    "objective_interval": interval_json(p.objective_interval),
                    "gap": p.gap,
                    "gap_interval": interval_json(p.gap_interval),
                    "fold_objectives": p.fold_objectives,
                    "fold_gaps": p.fold_gaps,
                })
            })
            .collect();
        object.insert(
            "cross_validation".to_owned(),
            json!({
                "folds": cross.folds,
                "seed": held_out.seed,
                "confidence": cross.confidence,
                "interval_method": "student_t_over_folds",
            }),
        );
        object.insert("cross_validated".to_owned(), Value::Array(points));
    }
    json
}

/// A threshold in CSV: the number, or `inf` / `-inf`.
fn csv_threshold(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value > 0.0 {
        "inf".to_owned()
    } else {
        "-inf".to_owned()
    }
}

fn csv_number(value: Option<f64>) -> String {
    value.map(|v| format!("{v}")).unwrap_or_default()
}

fn frontier_csv(index: &GroupIndex, frontier: &Frontier, held_out: &HeldOut<'_>) -> String {
    let mut header: Vec<String> = [
        "curve",
        "tolerance",
        "objective",
        "accuracy",
        "gap",
        "guarantee",
        "bound",
        "threshold",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    header.extend(
        index
            .groups()
            .iter()
            .map(|g| format!("threshold:{}", g.key)),
    );
    let has_held_out = held_out.evaluation.is_some() || held_out.cross_validation.is_some();
    if has_held_out {
        header
            .extend(["objective_low", "objective_high", "gap_low", "gap_high"].map(str::to_owned));
    }
    let width = header.len();
    let header = header.iter().map(|h| csv_text(h)).collect();
    let mut lines = vec![header];
    for point in &frontier.points {
        let solution = &point.solution;
        let (guarantee, bound) = match solution.guarantee {
            Guarantee::Exact => ("exact", None),
            Guarantee::Bounded { bound } => ("bounded", Some(bound)),
        };
        let mut line = vec![
            "optimal".to_owned(),
            format!("{}", point.tolerance),
            format!("{}", solution.objective),
            format!("{}", solution.accuracy),
            csv_number(solution.gap),
            guarantee.to_owned(),
            csv_number(bound),
            String::new(),
        ];
        line.extend(solution.thresholds.iter().map(|&t| csv_threshold(t)));
        lines.push(line);
    }
    for point in &frontier.single_threshold {
        let mut line = vec![
            "single_threshold".to_owned(),
            String::new(),
            format!("{}", point.objective),
            format!("{}", point.accuracy),
            csv_number(point.gap),
            "exact".to_owned(),
            String::new(),
            csv_threshold(point.threshold),
        ];
        line.extend(
            index
                .groups()
                .iter()
                .map(|_| csv_threshold(point.threshold)),
        );
        lines.push(line);
    }
    for point in &frontier.randomized {
        lines.push(vec![
            "randomized".to_owned(),
            format!("{}", point.tolerance),
            format!("{}", point.objective),
        ]);
    }
    let held_line = |curve: &str,
                     tolerance: f64,
                     objective: Option<f64>,
                     accuracy: Option<f64>,
                     gap: Option<f64>,
                     intervals: [Option<Interval>; 2]| {
        let mut line = vec![
            curve.to_owned(),
            format!("{tolerance}"),
            csv_number(objective),
            csv_number(accuracy),
            csv_number(gap),
        ];
        line.resize(width - 4, String::new());
        for interval in intervals {
            line.push(csv_number(interval.map(|i| i.low)));
            line.push(csv_number(interval.map(|i| i.high)));
        }
        line
    };
    if let Some((_, scored)) = held_out.evaluation {
        for (point, evaluation) in frontier.points.iter().zip(scored) {
            lines.push(held_line(
                "evaluation",
                point.tolerance,
                evaluation.objective,
                evaluation.accuracy,
                evaluation.gap,
                [None, evaluation.gap_interval],
            ));
        }
    }
    if let Some(cross) = held_out.cross_validation {
        for point in &cross.points {
            lines.push(held_line(
                "cross_validated",
                point.tolerance,
                Some(point.objective),
                None,
                point.gap,
                [point.objective_interval, point.gap_interval],
            ));
        }
    }
    for line in &mut lines {
        line.resize(width, String::new());
    }
    let mut out = String::new();
    for line in lines {
        out.push_str(&csv_row(&line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_text("a, b"), "\"a, b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("Female × Black"), "Female × Black");
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("-1,2"), "\"'-1,2\"");
        assert_eq!(csv_text("\tx"), "'\tx");
        assert_eq!(csv_threshold(f64::INFINITY), "inf");
        assert_eq!(csv_threshold(0.25), "0.25");
    }
}
